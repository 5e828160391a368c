/** The event catalogue is the log's contract: every type documented, every schema described and checkable. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { EVENT_CATALOGUE, payloadProblem } from '../../src/store/events/index.js';
import { createEventRecorder } from '../../src/store/event-recorder.js';

const docs = await readFile(new URL('../../docs/events.md', import.meta.url), 'utf8');

describe('event catalogue', () => {
  it('documents every catalogued event type in docs/events.md', () => {
    const missing = Object.keys(EVENT_CATALOGUE).filter((type) => !docs.includes(`\`${type}\``));
    expect(missing).toEqual([]);
  });

  it('describes every payload schema', () => {
    for (const [type, schema] of Object.entries(EVENT_CATALOGUE)) expect((schema as { description?: string }).description, type).toBeTruthy();
  });

  it('checks payloads at run time: a good one passes, a wrong field is named', () => {
    expect(payloadProblem('call.dtmf', { digit: '5' })).toBeUndefined();
    expect(payloadProblem('call.dtmf', { digit: 5 })).toMatch(/\/digit/);
    expect(payloadProblem('no.such.event', {})).toMatch(/unknown event type/);
  });

  it('the recorder reports a mismatching payload and still writes it (the log keeps what happened)', async () => {
    const written: { type: string; payload: unknown }[] = [];
    const invalid: string[] = [];
    const warn: unknown[] = [];
    const log = { info: () => undefined, debug: () => undefined, error: () => undefined, warn: (o: unknown) => warn.push(o) };
    const store = { events: { append: async (_id: string, type: string, payload: Record<string, unknown>) => (written.push({ type, payload }), {} as never), list: async () => [] } };
    const recorder = createEventRecorder(store as never, 'iv', log, { onInvalid: (type) => invalid.push(type) });
    recorder.record('call.dtmf', { digit: 7 } as never);
    recorder.record('call.dtmf', { digit: '7' });
    await recorder.flush();
    expect(written.map((w) => w.type)).toEqual(['call.dtmf', 'call.dtmf']);
    expect(invalid).toEqual(['call.dtmf']);
    expect(warn).toHaveLength(1);
  });
});
