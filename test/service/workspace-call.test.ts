/**
 * The workspace inside a live call, through the real phone edge: consent texts the link (read back from the SMS
 * outbox, as the candidate's phone would get it), the page opens on it and shows its code, and the candidate reading
 * the code aloud binds phone and browser (a `workspace.binding` event; the page is told).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startListeningApp, type ListeningApp } from '../helpers/listening-app.js';
import { SimulatedCall } from '../../src/sim/caller/index.js';
import { registerScript, type CandidateScript } from '../../src/sim/candidate-script.js';
import { readOutbox, linkInBody } from '../../src/workspace/sms.js';
import type { ServerMessage } from '../../src/workspace/protocol.js';
import { waitFor } from '../helpers/wait-for.js';

const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

describe('the workspace in a live call', () => {
  let t: ListeningApp;
  beforeAll(async () => {
    t = await startListeningApp({});
  });
  afterAll(async () => {
    await t.close();
  });

  it('consent texts the link; the code the page shows, read aloud, binds the page to the call', async () => {
    const phone = '+14155550188';
    const interview = await t.store.interviews.create({ candidate: { name: 'Grace Hopper', phone }, role: { title: 'Backend Engineer', level: 'mid' } });
    const types = async () => (await t.store.events.list(interview.id)).map((e) => ({ type: e.type, payload: e.payload }));
    const call = new SimulatedCall({ serverUrl: t.url, authToken: t.authToken, interviewId: interview.id });
    const script: CandidateScript = { id: 'binding', lines: [{ text: 'Yes I agree to continue.' }] };
    registerScript(call.callSid, script);
    await call.start();
    await call.waitForAgentSpeech({ timeoutMs: 20_000 });
    await call.waitForAgentSilence(1200, { timeoutMs: 60_000 });
    await call.say('Yes I agree to continue.');

    // The link arrives by text after consent.
    const [sms] = await waitFor(() => readOutbox(t.dataDir, { to: phone }), (m) => m.length > 0);
    const url = linkInBody(sms!.body);
    expect(url).toBeDefined();
    const token = url!.split('/w/')[1]!;

    const messages: ServerMessage[] = [];
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/w/${token}/live`, { headers: { origin: t.url } });
    ws.on('message', (d) => messages.push(JSON.parse(d.toString()) as ServerMessage));
    const hello = await waitFor(async () => messages.find((m) => m.type === 'hello'), Boolean);
    const code = (hello as Extract<ServerMessage, { type: 'hello' }>).binding.code;
    expect(code).toMatch(/^\d{4}$/);
    expect(t.app.workspace.summary(interview.id)).toMatch(/not yet linked to this call/);

    // A line with other digits is not a code; then the candidate reads the code aloud, digit by digit.
    const spoken = [...code].map((d) => WORDS[Number(d)]).join(' ');
    script.lines.push({ text: `I have about two years of Python.` }, { text: `The code says ${spoken}.` });
    await call.waitForAgentSilence(1200, { timeoutMs: 60_000 });
    await call.say('I have about two years of Python.');
    await call.waitForAgentSilence(1200, { timeoutMs: 60_000 });
    await call.say(`The code says ${spoken}.`);

    const log = await waitFor(types, (ev) => ev.some((e) => e.type === 'workspace.binding' && e.payload.status === 'confirmed'), 45_000);
    await waitFor(async () => messages.some((m) => m.type === 'bound'), Boolean, 5000);
    ws.close();
    await call.hangup();

    const bindings = log.filter((e) => e.type === 'workspace.binding').map((e) => e.payload.status);
    expect(bindings).toEqual(['shown', 'confirmed']);
    expect(log.find((e) => e.type === 'sms.sent')?.payload).toMatchObject({ reason: 'consent' });
    expect(messages.some((m) => m.type === 'bound')).toBe(true);
    expect(t.app.workspace.summary(interview.id) ?? '').not.toMatch(/not yet linked/);
    expect(t.app.workspace.isBindingPending(interview.id)).toBe(false);
  }, 120_000);
});
