/**
 * Fuzz tests (fast-check, fixed seeds, bounded runs) of every parser that takes bytes from outside: the Twilio
 * Media Streams frame parser, the workspace channel parser, the ATS webhook signature checks and payload parsers,
 * and the Twilio webhooks end to end through the app. Random and mutated inputs must never throw anything but the
 * parser's own clear error, and the HTTP edge must never answer 5xx.
 */
import fc from 'fast-check';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaFrameError, parseInbound, type InboundEvent } from '../../src/telephony/twilio/media-serializer.js';
import { parseClientMessage } from '../../src/workspace/protocol.js';
import { parseAshby, parseGeneric, parseGreenhouse, parseLever } from '../../src/ats/normalize.js';
import { verifyAshby, verifyGreenhouse, verifyLever, verifyScreenline } from '../../src/ats/signatures.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const SEED = 20261202;
const REASONS = new Set(['invalid_json', 'unknown_event', 'bad_field', 'bad_base64', 'too_large']);

/** A string with a few random edits: deleted, inserted or replaced characters. */
const mutated = (base: fc.Arbitrary<string>) =>
  fc
    .tuple(base, fc.array(fc.tuple(fc.constantFrom('del', 'ins', 'rep'), fc.nat(), fc.string({ minLength: 1, maxLength: 3 })), { minLength: 1, maxLength: 4 }))
    .map(([s, edits]) => {
      let out = s;
      for (const [op, at, chars] of edits) {
        const i = out.length ? at % out.length : 0;
        out = op === 'del' ? out.slice(0, i) + out.slice(i + 1) : op === 'ins' ? out.slice(0, i) + chars + out.slice(i) : out.slice(0, i) + chars + out.slice(i + chars.length);
      }
      return out;
    });

/** Any JSON-ish value, including the shapes a parser does not expect in a field. */
const anything = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }));

const validFrames = fc.oneof(
  fc.record({ chunk: fc.nat(), ts: fc.nat(), payload: fc.uint8Array({ maxLength: 200 }) }).map(({ chunk, ts, payload }) =>
    JSON.stringify({ event: 'media', sequenceNumber: String(chunk + 2), streamSid: 'MZ1', media: { track: 'inbound', chunk: String(chunk), timestamp: String(ts), payload: Buffer.from(payload).toString('base64') } }),
  ),
  fc.constant(JSON.stringify({ event: 'start', sequenceNumber: '1', streamSid: 'MZ1', start: { streamSid: 'MZ1', accountSid: 'AC1', callSid: 'CA1', tracks: ['inbound'], customParameters: { token: 't' }, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } } })),
  fc.constant(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' })),
  fc.constant(JSON.stringify({ event: 'mark', sequenceNumber: '5', streamSid: 'MZ1', mark: { name: 'r1:0' } })),
  fc.constant(JSON.stringify({ event: 'dtmf', sequenceNumber: '6', streamSid: 'MZ1', dtmf: { track: 'inbound_track', digit: '5' } })),
  fc.constant(JSON.stringify({ event: 'stop', sequenceNumber: '7', streamSid: 'MZ1', stop: { accountSid: 'AC1', callSid: 'CA1' } })),
);

function parseOrClearError(raw: string): InboundEvent | MediaFrameError {
  try {
    return parseInbound(raw, Buffer.byteLength(raw));
  } catch (err) {
    // The only thing the parser may throw: its own error, with a known reason and a message for the log.
    expect(err).toBeInstanceOf(MediaFrameError);
    expect(REASONS.has((err as MediaFrameError).reason)).toBe(true);
    expect((err as MediaFrameError).message.length).toBeGreaterThan(0);
    return err as MediaFrameError;
  }
}

describe('fuzz: Twilio Media Streams frame parser', () => {
  it('random strings: an event or a MediaFrameError, never anything else', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => void parseOrClearError(s)), { seed: SEED, numRuns: 400 });
  });

  it('mutated valid frames: still an event or a MediaFrameError; an accepted media frame has bytes', () => {
    fc.assert(
      fc.property(mutated(validFrames), (s) => {
        const out = parseOrClearError(s);
        if (!(out instanceof MediaFrameError) && out.event === 'media') expect(out.payload).toBeInstanceOf(Uint8Array);
      }),
      { seed: SEED, numRuns: 600 },
    );
  });

  it('valid shapes with fields of the wrong type are refused as bad_field/bad_base64/unknown_event', () => {
    const shaped = fc
      .record({ event: fc.oneof(fc.constantFrom('media', 'start', 'mark', 'dtmf', 'stop', 'connected'), anything), sequenceNumber: anything, streamSid: anything, media: fc.oneof(anything, fc.record({ track: anything, chunk: anything, timestamp: anything, payload: anything })), start: anything, mark: anything, dtmf: anything, stop: anything })
      .map((o) => JSON.stringify(o));
    fc.assert(fc.property(shaped, (s) => void parseOrClearError(s)), { seed: SEED, numRuns: 400 });
  });

  it('oversized frames are refused before parsing', () => {
    const err = parseOrClearError(' '.repeat(70 * 1024));
    expect(err).toBeInstanceOf(MediaFrameError);
    expect((err as MediaFrameError).reason).toBe('too_large');
  });
});

describe('fuzz: workspace channel parser', () => {
  const valid = fc.oneof(
    fc.constant('{"type":"ping"}'),
    fc.string({ maxLength: 50 }).map((code) => JSON.stringify({ type: 'code', code })),
    fc.record({ passed: fc.nat(10), total: fc.nat(10) }).map(({ passed, total }) => JSON.stringify({ type: 'run', passed, total, failing: ['t1'], outcome: 'completed', durationMs: 12 })),
    fc.constant(JSON.stringify({ type: 'submit', code: 'print(1)', browser: { passed: 1, total: 2 } })),
    fc.constant(JSON.stringify({ type: 'integrity', kind: 'paste', chars: 10, lines: 2 })),
    fc.constant(JSON.stringify({ type: 'integrity', kind: 'focus_lost', how: 'blur', durationMs: 100 })),
  );
  const check = (s: string) => {
    const m = parseClientMessage(s); // must not throw
    if (m !== null) expect(['ping', 'code', 'run', 'submit', 'integrity']).toContain(m.type);
  };

  it('random, mutated and wrongly typed frames: a message or null (the hub answers null with an error frame)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), check), { seed: SEED, numRuns: 300 });
    fc.assert(fc.property(mutated(valid), check), { seed: SEED, numRuns: 500 });
    const shaped = fc.record({ type: fc.oneof(fc.constantFrom('ping', 'code', 'run', 'submit', 'integrity'), anything), code: anything, passed: anything, total: anything, failing: anything, outcome: anything, durationMs: anything, browser: anything, kind: fc.oneof(fc.constantFrom('paste', 'large_insertion', 'focus_lost'), anything), how: anything, chars: anything, lines: anything });
    fc.assert(fc.property(shaped.map((o) => JSON.stringify(o)), check), { seed: SEED, numRuns: 400 });
  });

  it('never accepts a run whose passed exceeds total, or code over the cap', () => {
    expect(parseClientMessage(JSON.stringify({ type: 'run', passed: 5, total: 2, failing: [], outcome: 'completed', durationMs: 1 }))).toBeNull();
    expect(parseClientMessage(JSON.stringify({ type: 'code', code: 'x'.repeat(40_001) }))).toBeNull();
  });
});

describe('fuzz: ATS webhook signatures and payload parsers', () => {
  const headers = fc.dictionary(fc.constantFrom('signature', 'ashby-signature', 'x-screenline-signature', 'x-screenline-timestamp', 'greenhouse-event-id', 'x-other'), fc.oneof(fc.string({ maxLength: 80 }), fc.array(fc.string({ maxLength: 20 }), { maxLength: 2 })), { maxKeys: 4 });

  it('random bodies and headers never pass a signature check and never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), headers, fc.option(fc.string({ minLength: 1, maxLength: 40 }), { nil: undefined }), (bytes, h, secret) => {
        const raw = Buffer.from(bytes);
        for (const verdict of [verifyGreenhouse(raw, h, secret), verifyAshby(raw, h, secret), verifyScreenline(raw, h, secret, Date.now(), 300_000)]) {
          expect(verdict.ok).toBe(false);
          if (!verdict.ok) expect(verdict.reason.length).toBeGreaterThan(0);
        }
        const lever = verifyLever({ token: h['x-other'], triggeredAt: h.signature, signature: h['ashby-signature'] }, secret, Date.now(), 300_000);
        expect(lever.ok).toBe(false);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('random and mutated JSON payloads: parsed, ignored or malformed with a reason — never a throw', () => {
    const greenhouseLike = fc.constant(JSON.stringify({ action: 'application_updated', payload: { application: { id: 1, candidate: { first_name: 'A', last_name: 'B', phone_numbers: [{ value: '+14155550100' }], email_addresses: [{ value: 'a@b.c' }] }, jobs: [{ id: 2, name: 'Engineer' }], current_stage: { name: 'Phone screen' } } } }));
    const json = fc.oneof(fc.json({ maxDepth: 4 }), mutated(greenhouseLike), fc.string({ maxLength: 100 }));
    fc.assert(
      fc.property(json, (text) => {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          return; // the route answers 400 "not valid JSON" before any parser runs
        }
        for (const parsed of [parseGreenhouse(body, 'ev-1'), parseLever(body), parseAshby(body), parseGeneric(body)]) {
          expect(['delivery', 'ignored', 'malformed']).toContain(parsed.kind);
          if (parsed.kind !== 'delivery') expect((parsed as { reason: string }).reason.length).toBeGreaterThan(0);
        }
      }),
      { seed: SEED, numRuns: 400 },
    );
  });
});

describe('fuzz: webhooks through the app (Twilio signed and unsigned, ATS)', () => {
  const AUTH = 'fuzz-twilio-auth-token';
  const PUBLIC = 'https://screenline.example.com';
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ PUBLIC_URL: PUBLIC, TWILIO_AUTH_TOKEN: AUTH, RATE_LIMIT_WEBHOOKS_PER_MINUTE: '0' });
  }, 120_000);
  afterAll(async () => t?.close());

  const params = fc.dictionary(fc.oneof(fc.constantFrom('CallSid', 'From', 'To', 'CallStatus', 'AnsweredBy', 'SequenceNumber', 'CallDuration'), fc.string({ minLength: 1, maxLength: 12 })), fc.string({ maxLength: 40 }), { maxKeys: 6 });

  it('random form bodies, signed or not, are answered 2xx/4xx with a clear body — never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/twilio/voice', '/twilio/status'), params, fc.boolean(), fc.option(fc.string({ maxLength: 30 }), { nil: undefined }), async (path, p, sign, query) => {
        const url = query ? `${path}?interviewId=${encodeURIComponent(query)}` : path;
        const body = new URLSearchParams(p).toString();
        const signature = sign ? twilio.getExpectedTwilioSignature(AUTH, PUBLIC + url, p) : 'bm90IGEgc2lnbmF0dXJl';
        const res = await t.app.inject({ method: 'POST', url, payload: body, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature } });
        expect(res.statusCode, `${url} ${body}`).toBeLessThan(500);
        if (res.statusCode >= 400) expect(res.json().message.length).toBeGreaterThan(0);
        // Unsigned: refused (403 bad signature, or 400 when the request is malformed before it is even checked).
        if (!sign) expect([400, 403]).toContain(res.statusCode);
      }),
      { seed: SEED, numRuns: 120 },
    );
  }, 60_000);

  it('random bytes with random content types are answered 4xx, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/twilio/voice', '/webhooks/ats/greenhouse', '/webhooks/ats/lever', '/webhooks/ats/ashby', '/webhooks/ats/screenline'), fc.uint8Array({ maxLength: 300 }), fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/octet-stream'), async (url, bytes, type) => {
        const res = await t.app.inject({ method: 'POST', url, payload: Buffer.from(bytes), headers: { 'content-type': type } });
        expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, url).toBeLessThan(500);
      }),
      { seed: SEED, numRuns: 120 },
    );
  }, 60_000);
});
