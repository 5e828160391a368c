/**
 * The SMS port for workspace links: Twilio through the existing REST client when it is configured, otherwise a
 * local outbox folder (`DATA_DIR/outbox/sms/`, one JSON file per message with to, body and time) that the caller
 * simulator and the tests read. Twilio's 21610 (the number replied STOP) is a normal outcome, not an error.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TwilioRest } from '../telephony/twilio/rest.js';

export interface SmsOutcome {
  status: 'sent' | 'opted_out' | 'failed';
  messageSid?: string;
  errorCode?: number;
  error?: string;
}

export interface SmsSender {
  readonly kind: 'twilio' | 'outbox';
  describe(): string;
  send(to: string, body: string): Promise<SmsOutcome>;
}

/**
 * A sender that texts no number in the opt-out register (STOP by text, a spoken opt-out, the candidate's link):
 * the register is read before every message and a match answers `opted_out` without sending. Any organisation's
 * record counts: every organisation texts from the same number, and the carrier's STOP is per sender number.
 */
export function honouringOptOuts(inner: SmsSender, optedOut: (to: string) => Promise<boolean>): SmsSender {
  return {
    kind: inner.kind,
    describe: () => `${inner.describe()}; numbers in the opt-out register are never texted`,
    async send(to, body) {
      if (await optedOut(to)) return { status: 'opted_out', error: 'the number is in the opt-out register' };
      return inner.send(to, body);
    },
  };
}

/** Twilio: the number has opted out of messages from this sender. */
export const TWILIO_OPTED_OUT = 21610;

function twilioErrorCode(err: unknown): number | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export class TwilioSms implements SmsSender {
  readonly kind = 'twilio' as const;
  constructor(private readonly rest: TwilioRest) {}

  describe(): string {
    return `${this.rest.describe()} (messages)`;
  }

  async send(to: string, body: string): Promise<SmsOutcome> {
    try {
      const { messageSid } = await this.rest.sendSms(to, body);
      return { status: 'sent', messageSid };
    } catch (err) {
      const code = twilioErrorCode(err);
      if (code === TWILIO_OPTED_OUT) return { status: 'opted_out', errorCode: code, error: 'the number has replied STOP to this sender' };
      return { status: 'failed', ...(code !== undefined ? { errorCode: code } : {}), error: (err as Error).message.slice(0, 300) };
    }
  }
}

export interface OutboxMessage {
  to: string;
  body: string;
  /** ISO time. */
  at: string;
  file: string;
}

export class OutboxSms implements SmsSender {
  readonly kind = 'outbox' as const;
  readonly dir: string;
  constructor(dataDir: string) {
    this.dir = join(dataDir, 'outbox', 'sms');
  }

  describe(): string {
    return `local outbox ${this.dir} (one file per text; set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER to send real texts)`;
  }

  async send(to: string, body: string): Promise<SmsOutcome> {
    await mkdir(this.dir, { recursive: true });
    const at = new Date().toISOString();
    const id = `${at.replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
    await writeFile(join(this.dir, `${id}.json`), JSON.stringify({ to, body, at }, null, 2) + '\n', { mode: 0o600 });
    return { status: 'sent', messageSid: `outbox-${id}` };
  }
}

/** Messages in an outbox folder, oldest first (tests, the demo and `screenline sim` read these). */
export async function readOutbox(dataDir: string, filter: { to?: string; since?: Date } = {}): Promise<OutboxMessage[]> {
  const dir = join(dataDir, 'outbox', 'sms');
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return [];
  }
  const out: OutboxMessage[] = [];
  for (const file of files) {
    try {
      const m = JSON.parse(await readFile(join(dir, file), 'utf8')) as Omit<OutboxMessage, 'file'>;
      if (filter.to && m.to !== filter.to) continue;
      if (filter.since && new Date(m.at) < filter.since) continue;
      out.push({ ...m, file });
    } catch {
      // A half-written file: skip it this time.
    }
  }
  return out;
}

/** `+14155550123` → `…0123`. */
export const maskPhone = (phone: string) => `…${phone.slice(-4)}`;

/** The first workspace link in a text body. */
export function linkInBody(body: string): string | undefined {
  return /https?:\/\/\S+\/w\/[A-Za-z0-9_-]{43}/.exec(body)?.[0];
}
