/**
 * Permitted calling times: a daily window (minutes after local midnight) on chosen weekdays, in one or more IANA
 * zones. With several zones (a number whose zone is uncertain) a time must be inside the window in every one of
 * them, the conservative reading of 47 CFR 64.1200(c)(1). Local times come from luxon, so DST days are handled
 * by the tz database rather than by adding hours.
 */
import { DateTime, IANAZone } from 'luxon';

/** The legal bounds (8am–9pm callee local time) no configuration can widen. */
export const LEGAL_START_MIN = 8 * 60;
export const LEGAL_END_MIN = 21 * 60;

export interface CallWindow {
  /** Minutes after local midnight when calls may start. */
  startMin: number;
  /** Minutes after local midnight by which a call must have started. */
  endMin: number;
  /** ISO weekdays: 1 = Monday … 7 = Sunday. */
  days: number[];
}

export const DEFAULT_WINDOW: CallWindow = { startMin: 9 * 60, endMin: 20 * 60, days: [1, 2, 3, 4, 5] };

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** `09:00-20:00` → minutes; throws on a malformed value. */
export function parseWindow(text: string): { startMin: number; endMin: number } {
  const m = /^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/.exec(text);
  if (!m) throw new Error(`expected HH:MM-HH:MM, got "${text}"`);
  const startMin = Number(m[1]) * 60 + Number(m[2]);
  const endMin = Number(m[3]) * 60 + Number(m[4]);
  if (Number(m[2]) > 59 || Number(m[4]) > 59 || endMin > 24 * 60) throw new Error(`not a time of day in "${text}"`);
  if (endMin <= startMin) throw new Error(`the window must end after it starts, got "${text}"`);
  return { startMin, endMin };
}

/** `mon-fri`, `mon,wed,fri`, `1-5` or `mon-sat` → ISO weekdays. */
export function parseDays(text: string): number[] {
  const out = new Set<number>();
  const day = (s: string): number => {
    const t = s.trim().toLowerCase().slice(0, 3);
    const n = /^\d$/.test(t) ? Number(t) : DAY_NAMES.indexOf(t) + 1;
    if (n < 1 || n > 7) throw new Error(`unknown day "${s}"`);
    return n;
  };
  for (const part of text.split(',')) {
    if (!part.trim()) continue;
    const [a, b] = part.split('-');
    if (b === undefined) out.add(day(a!));
    else for (let d = day(a!), end = day(b); ; d = (d % 7) + 1) {
      out.add(d);
      if (d === end) break;
    }
  }
  if (out.size === 0) throw new Error(`no days in "${text}"`);
  return [...out].sort((x, y) => x - y);
}

/** The window narrowed to the legal bounds; `clamped` says whether it had to be. */
export function clampWindow(w: CallWindow): { window: CallWindow; clamped: boolean } {
  const startMin = Math.max(w.startMin, LEGAL_START_MIN);
  const endMin = Math.min(w.endMin, LEGAL_END_MIN);
  const clamped = startMin !== w.startMin || endMin !== w.endMin;
  if (endMin <= startMin) return { window: { ...DEFAULT_WINDOW, days: w.days.length ? w.days : DEFAULT_WINDOW.days }, clamped: true };
  return { window: { startMin, endMin, days: w.days.length ? w.days : DEFAULT_WINDOW.days }, clamped };
}

export function isValidZone(zone: string | null | undefined): zone is string {
  return typeof zone === 'string' && zone.length > 0 && IANAZone.isValidZone(zone);
}

export function formatMinutes(min: number): string {
  return `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
}

function minuteOfDay(t: DateTime): number {
  return t.hour * 60 + t.minute;
}

/** Whether `at` is inside the window in `zone`. */
export function inWindow(at: Date, zone: string, w: CallWindow): boolean {
  const t = DateTime.fromJSDate(at, { zone });
  const m = minuteOfDay(t) + t.second / 60;
  return w.days.includes(t.weekday) && m >= w.startMin && m < w.endMin;
}

/** The earliest instant ≥ `from` inside the window in one zone (null if none within two weeks: no days set). */
export function nextInZone(from: Date, zone: string, w: CallWindow): Date | null {
  const local = DateTime.fromJSDate(from, { zone });
  for (let d = 0; d < 15; d++) {
    const day = local.startOf('day').plus({ days: d });
    if (!w.days.includes(day.weekday)) continue;
    // set() on the local day keeps wall-clock hours across a DST change (8:00 is 8:00 on both sides of it).
    const start = day.set({ hour: Math.floor(w.startMin / 60), minute: w.startMin % 60 });
    const end = w.endMin >= 24 * 60 ? day.plus({ days: 1 }) : day.set({ hour: Math.floor(w.endMin / 60), minute: w.endMin % 60 });
    const candidate = d === 0 && local > start ? local : start;
    if (candidate < end) return candidate.toJSDate();
  }
  return null;
}

/** The earliest instant ≥ `from` inside the window in every zone; null when the zones share no such time in 3 weeks. */
export function nextPermitted(from: Date, zones: readonly string[], w: CallWindow): Date | null {
  if (zones.length === 0) return null;
  const limit = from.getTime() + 21 * 86_400_000;
  let at: Date | null = from;
  // Each round moves forward to the next opening of the first zone that refuses; it stops when none refuses.
  for (let round = 0; at && at.getTime() <= limit && round < 200; round++) {
    const refusing: string | undefined = zones.find((z) => !inWindow(at!, z, w));
    if (!refusing) return at;
    const next = nextInZone(at, refusing, w);
    // Already in that zone's window on a boundary second: step a minute to make progress.
    at = next && next.getTime() > at.getTime() ? next : new Date(at.getTime() + 60_000);
  }
  return null;
}

/** "21:40 local in America/Chicago" for the decision text. */
export function describeLocal(at: Date, zone: string): string {
  return `${DateTime.fromJSDate(at, { zone }).toFormat('ccc HH:mm')} local in ${zone}`;
}

/** "Tue 3 Mar, 09:00 (America/Chicago)" for a text message. */
export function formatForCandidate(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).setLocale('en-US').toFormat("ccc d LLL, HH:mm ZZZZ");
}

export function describeWindow(w: CallWindow): string {
  const days = w.days.map((d) => DAY_NAMES[d - 1]).join(',');
  return `${formatMinutes(w.startMin)}–${formatMinutes(w.endMin)} ${days}`;
}

export function localMinuteOfDay(at: Date, zone: string): number {
  return minuteOfDay(DateTime.fromJSDate(at, { zone }));
}
