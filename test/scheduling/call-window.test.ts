import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { clampWindow, DEFAULT_WINDOW, inWindow, nextPermitted, parseDays, parseWindow } from '../../src/scheduling/call-window.js';
import { resolveZones } from '../../src/scheduling/timezone.js';
import { NANP_AREA_ZONES } from '../../src/scheduling/nanp-zones.js';
import { COUNTRY_ZONES } from '../../src/scheduling/country-zones.js';
import { IANAZone } from 'luxon';

const local = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toJSDate();
const show = (d: Date | null, zone: string) => (d ? DateTime.fromJSDate(d, { zone }).toFormat("ccc yyyy-LL-dd HH:mm") : null);

describe('next permitted time', () => {
  it('a call asked for at 21:40 in Chicago waits for 09:00 next weekday', () => {
    const at = nextPermitted(local('2026-03-03T21:40', 'America/Chicago'), ['America/Chicago'], DEFAULT_WINDOW);
    expect(show(at, 'America/Chicago')).toBe('Wed 2026-03-04 09:00');
  });

  it('inside the window it is now; at the end minute it is not', () => {
    const now = local('2026-03-03T10:15', 'America/New_York');
    expect(nextPermitted(now, ['America/New_York'], DEFAULT_WINDOW)?.getTime()).toBe(now.getTime());
    expect(show(nextPermitted(local('2026-03-03T20:00', 'America/New_York'), ['America/New_York'], DEFAULT_WINDOW), 'America/New_York')).toBe('Wed 2026-03-04 09:00');
    expect(show(nextPermitted(local('2026-03-03T07:59', 'America/New_York'), ['America/New_York'], DEFAULT_WINDOW), 'America/New_York')).toBe('Tue 2026-03-03 09:00');
  });

  it('skips the weekend: Friday evening → Monday morning, Saturday noon → Monday', () => {
    expect(show(nextPermitted(local('2026-03-06T19:59:30', 'Europe/Berlin'), ['Europe/Berlin'], DEFAULT_WINDOW), 'Europe/Berlin')).toBe('Fri 2026-03-06 19:59');
    expect(show(nextPermitted(local('2026-03-06T20:30', 'Europe/Berlin'), ['Europe/Berlin'], DEFAULT_WINDOW), 'Europe/Berlin')).toBe('Mon 2026-03-09 09:00');
    expect(show(nextPermitted(local('2026-03-07T12:00', 'Asia/Tokyo'), ['Asia/Tokyo'], DEFAULT_WINDOW), 'Asia/Tokyo')).toBe('Mon 2026-03-09 09:00');
  });

  it('is DST-correct across the US spring change (8 March 2026): 09:00 local is 14:00 UTC before, 13:00 UTC after', () => {
    const before = nextPermitted(local('2026-03-06T21:00', 'America/New_York'), ['America/New_York'], DEFAULT_WINDOW)!;
    expect(before.toISOString()).toBe('2026-03-09T13:00:00.000Z'); // Monday after the change: EDT, UTC-4
    const friday = nextPermitted(local('2026-03-05T21:00', 'America/New_York'), ['America/New_York'], DEFAULT_WINDOW)!;
    expect(friday.toISOString()).toBe('2026-03-06T14:00:00.000Z'); // Friday before: EST, UTC-5
    // A window that includes Sunday: the change day itself opens at 09:00 EDT.
    const w = { ...DEFAULT_WINDOW, days: [1, 2, 3, 4, 5, 6, 7] };
    expect(nextPermitted(local('2026-03-07T22:00', 'America/New_York'), ['America/New_York'], w)!.toISOString()).toBe('2026-03-08T13:00:00.000Z');
  });

  it('is DST-correct across the EU autumn change (25 October 2026) and the US autumn change (1 November 2026)', () => {
    const w = { ...DEFAULT_WINDOW, days: [1, 2, 3, 4, 5, 6, 7] };
    // Berlin: CEST (UTC+2) until 03:00 on 25 Oct, then CET (UTC+1).
    expect(nextPermitted(local('2026-10-24T20:30', 'Europe/Berlin'), ['Europe/Berlin'], w)!.toISOString()).toBe('2026-10-25T08:00:00.000Z');
    expect(nextPermitted(local('2026-10-23T20:30', 'Europe/Berlin'), ['Europe/Berlin'], w)!.toISOString()).toBe('2026-10-24T07:00:00.000Z');
    // London and Berlin are an hour apart on both sides; New York and London are only 4 hours apart between 25 Oct and 1 Nov.
    const both = nextPermitted(new Date('2026-10-27T05:00:00Z'), ['Europe/London', 'America/New_York'], DEFAULT_WINDOW)!;
    expect(both.toISOString()).toBe('2026-10-27T13:00:00.000Z'); // 09:00 New York (EDT), 13:00 London (GMT)
    const after = nextPermitted(new Date('2026-11-03T05:00:00Z'), ['Europe/London', 'America/New_York'], DEFAULT_WINDOW)!;
    expect(after.toISOString()).toBe('2026-11-03T14:00:00.000Z'); // 09:00 EST = 14:00 GMT
    // 20:00 Berlin on the EU change day is 19:00 UTC, one hour later in UTC than the day before.
    expect(inWindow(new Date('2026-10-25T18:59:00Z'), 'Europe/Berlin', w)).toBe(true);
    expect(inWindow(new Date('2026-10-25T19:00:00Z'), 'Europe/Berlin', w)).toBe(false);
    expect(inWindow(new Date('2026-10-24T18:00:00Z'), 'Europe/Berlin', w)).toBe(false);
  });

  it('with several zones, a time permitted in every one of them', () => {
    // 850 (Florida panhandle) straddles Eastern and Central: 09:00 Central = 10:00 Eastern.
    const at = nextPermitted(local('2026-03-03T08:30', 'America/New_York'), NANP_AREA_ZONES.get('850')!, DEFAULT_WINDOW)!;
    expect(show(at, 'America/New_York')).toBe('Tue 2026-03-03 10:00');
    // Ends at 20:00 Central? No: at 20:00 Eastern (19:00 Central), the earlier end.
    expect(show(nextPermitted(local('2026-03-03T20:10', 'America/New_York'), NANP_AREA_ZONES.get('850')!, DEFAULT_WINDOW), 'America/New_York')).toBe('Wed 2026-03-04 10:00');
  });

  it('never finds a time when the zones share none, and an empty day list finds nothing', () => {
    expect(nextPermitted(new Date('2026-03-03T00:00:00Z'), ['Pacific/Kiritimati', 'Pacific/Pago_Pago'], { startMin: 540, endMin: 600, days: [1, 2, 3, 4, 5, 6, 7] })).toBeNull();
    expect(nextPermitted(new Date('2026-03-03T00:00:00Z'), ['UTC'], { ...DEFAULT_WINDOW, days: [] })).toBeNull();
  });
});

describe('windows and days', () => {
  it('parses and refuses', () => {
    expect(parseWindow('09:00-20:00')).toEqual({ startMin: 540, endMin: 1200 });
    expect(parseWindow(' 8:30 - 21:00 ')).toEqual({ startMin: 510, endMin: 1260 });
    expect(() => parseWindow('20:00-09:00')).toThrow(/end after/);
    expect(() => parseWindow('9-5')).toThrow(/HH:MM/);
    expect(parseDays('mon-fri')).toEqual([1, 2, 3, 4, 5]);
    expect(parseDays('sat-mon')).toEqual([1, 6, 7]);
    expect(parseDays('mon,wed,Friday')).toEqual([1, 3, 5]);
    expect(parseDays('1-6')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => parseDays('funday')).toThrow(/unknown day/);
  });

  it('an organisation window is clamped to the legal 08:00-21:00', () => {
    expect(clampWindow({ startMin: 7 * 60, endMin: 22 * 60, days: [1] })).toEqual({ window: { startMin: 480, endMin: 1260, days: [1] }, clamped: true });
    expect(clampWindow({ startMin: 600, endMin: 900, days: [2] }).clamped).toBe(false);
    // Entirely outside the bounds: the default window, never a widened one.
    expect(clampWindow({ startMin: 22 * 60, endMin: 23 * 60, days: [1] }).window.startMin).toBe(540);
  });
});

describe('time zone from the phone number', () => {
  it('a given zone wins; an invalid one is ignored', () => {
    expect(resolveZones({ given: 'Europe/Paris', phone: '+14155550123', fallbackZone: 'UTC' })).toMatchObject({ zones: ['Europe/Paris'], source: 'given' });
    expect(resolveZones({ given: 'Mars/Olympus', phone: '+14155550123', fallbackZone: 'UTC' }).source).toBe('area-code');
  });

  it('NANP area codes: single-zone and straddling codes, Canada, unknown codes', () => {
    expect(resolveZones({ phone: '+14155550123', fallbackZone: 'UTC' }).zones).toEqual(['America/Los_Angeles']);
    expect(resolveZones({ phone: '+13125550123', fallbackZone: 'UTC' }).zones).toEqual(['America/Chicago']);
    expect(resolveZones({ phone: '+12125550123', fallbackZone: 'UTC' }).zones).toEqual(['America/New_York']);
    expect(resolveZones({ phone: '+16025550123', fallbackZone: 'UTC' }).zones).toEqual(['America/Phoenix']);
    expect(resolveZones({ phone: '+18505550123', fallbackZone: 'UTC' }).zones).toEqual(['America/New_York', 'America/Chicago']);
    expect(resolveZones({ phone: '+14165550123', fallbackZone: 'UTC' }).zones).toEqual(['America/Toronto']);
    expect(resolveZones({ phone: '+16045550123', fallbackZone: 'UTC' }).zones).toEqual(['America/Vancouver']);
    const unknown = resolveZones({ phone: '+15555550100', fallbackZone: 'UTC' });
    expect(unknown.source).toBe('country');
    expect(unknown.zones).toContain('Pacific/Honolulu');
    expect(unknown.zones).toContain('America/New_York');
  });

  it('other countries by country; an unassigned number by its calling code; garbage by the fallback', () => {
    expect(resolveZones({ phone: '+442071838750', fallbackZone: 'UTC' })).toMatchObject({ zones: ['Europe/London'], source: 'country' });
    expect(resolveZones({ phone: '+4915112345678', fallbackZone: 'UTC' }).zones).toContain('Europe/Berlin');
    expect(resolveZones({ phone: '+447700900123', fallbackZone: 'UTC' }).zones).toContain('Europe/London');
    expect(resolveZones({ phone: 'not a number', fallbackZone: 'America/Denver' })).toMatchObject({ zones: ['America/Denver'], source: 'fallback' });
  });

  it('every zone in the tables is a zone the runtime knows', () => {
    const all = new Set([...NANP_AREA_ZONES.values()].flat().concat(Object.values(COUNTRY_ZONES).flat()));
    const unknown = [...all].filter((z) => !IANAZone.isValidZone(z));
    expect(unknown).toEqual([]);
    expect(NANP_AREA_ZONES.size).toBeGreaterThan(380);
  });
});
