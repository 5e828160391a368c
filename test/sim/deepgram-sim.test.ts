/** The Deepgram simulator's wire behaviour, seen from a plain `ws` client (what any Deepgram client would see). */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { encodeMulaw } from '../../src/audio/mulaw.js';
import { registerScript, unregisterScript } from '../../src/sim/candidate-script.js';
import { startDeepgramSim, type DeepgramSim, type DeepgramSimOptions } from '../../src/sim/deepgram-sim.js';

type Msg = Record<string, unknown> & { type: string };

function tone(ms: number, rateHz: number): Int16Array {
  const n = (rateHz * ms) / 1000;
  const pcm = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / rateHz;
    pcm[i] = Math.round(9000 * (0.6 + 0.4 * Math.abs(Math.sin(2 * Math.PI * 4 * t))) * Math.sin(2 * Math.PI * 180 * t));
  }
  return pcm;
}
const mulawSpeech = (ms: number) => encodeMulaw(tone(ms, 8000));
const mulawSilence = (ms: number) => new Uint8Array(8 * ms).fill(0xff);

interface Client {
  ws: WebSocket;
  msgs: Msg[];
  closed: Promise<{ code: number; reason: string }>;
  send(audio: Uint8Array, chunkBytes?: number): void;
  control(type: string): void;
  until(pred: (m: Msg) => boolean, timeoutMs?: number): Promise<Msg>;
}

async function connect(sim: DeepgramSim, query: string, key = 'k'): Promise<Client> {
  const ws = new WebSocket(`${sim.url}/v1/listen?${query}`, { headers: { Authorization: `Token ${key}` } });
  const msgs: Msg[] = [];
  ws.on('message', (d) => msgs.push(JSON.parse(d.toString()) as Msg));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    msgs,
    closed,
    send(audio, chunkBytes = 160) {
      for (let i = 0; i < audio.length; i += chunkBytes) ws.send(audio.subarray(i, i + chunkBytes));
    },
    control: (type) => ws.send(JSON.stringify({ type })),
    async until(pred, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = msgs.find(pred);
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`timed out; saw ${msgs.map((m) => m.type).join(',')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

const Q = 'model=nova-3&encoding=mulaw&sample_rate=8000&interim_results=true&vad_events=true&endpointing=300&utterance_end_ms=1000&smart_format=true&extra=call_id:c1';
const waitFor = async (cond: () => boolean, timeoutMs = 3000) => {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};
const alt = (m: Msg) => (m.channel as { alternatives: { transcript: string; words: { start: number; end: number }[] }[] }).alternatives[0]!;
const isFinalResult = (m: Msg) => m.type === 'Results' && m.is_final === true;

describe('Deepgram simulator', () => {
  let sim: DeepgramSim | undefined;
  const clients: Client[] = [];
  const start = async (opts: DeepgramSimOptions = {}) => (sim = await startDeepgramSim({ apiKey: 'k', ...opts }));
  const open = async (query = Q, key?: string) => {
    const c = await connect(sim!, query, key);
    clients.push(c);
    return c;
  };

  afterEach(async () => {
    clients.splice(0).forEach((c) => c.ws.terminate());
    await sim?.close();
    sim = undefined;
    unregisterScript('c1');
  });

  it('rejects a wrong or missing key with 401 on upgrade, as Deepgram does', async () => {
    await start();
    for (const headers of [{ Authorization: 'Token nope' }, {}]) {
      const ws = new WebSocket(`${sim!.url}/v1/listen?${Q}`, { headers });
      ws.on('error', () => undefined);
      const status = await new Promise<number>((resolve) =>
        ws.on('unexpected-response', (req, res) => {
          resolve(res.statusCode ?? 0);
          req.destroy();
        }),
      );
      expect(status).toBe(401);
    }
    expect(sim!.stats()).toHaveLength(0);
  });

  it('turns a speech segment into SpeechStarted, growing interims, a final and UtteranceEnd', async () => {
    await start();
    registerScript('c1', { id: 's', lines: [{ text: 'Hello, I am Ada.' }, { text: 'Second line.' }] });
    const c = await open();
    c.send(mulawSilence(400));
    c.send(mulawSpeech(1600));
    c.send(mulawSilence(1500));
    const final = await c.until(isFinalResult);
    await c.until((m) => m.type === 'UtteranceEnd');

    expect(c.msgs[0]!.type).toBe('Metadata');
    const started = c.msgs.find((m) => m.type === 'SpeechStarted')!;
    expect(started.timestamp).toBeCloseTo(0.4, 1);
    const interims = c.msgs.filter((m) => m.type === 'Results' && m.is_final === false);
    expect(interims.length).toBeGreaterThanOrEqual(2);
    const texts = interims.map((m) => alt(m).transcript);
    for (const t of texts) expect('Hello, I am Ada.'.startsWith(t)).toBe(true);
    expect(texts[0]!.length).toBeLessThan('Hello, I am Ada.'.length);
    expect(texts.at(-1)).toBe('Hello, I am Ada.');
    expect(final.speech_final).toBe(true);
    expect(alt(final).transcript).toBe('Hello, I am Ada.');
    const words = alt(final).words;
    expect(words[0]!.start).toBeGreaterThanOrEqual(0.38);
    expect(words.at(-1)!.end).toBeLessThanOrEqual(2.0);
    const ue = c.msgs.find((m) => m.type === 'UtteranceEnd')!;
    expect(ue.last_word_end).toBeCloseTo(2.0, 1);
    expect((final.metadata as { extra: unknown }).extra).toEqual({ call_id: 'c1' });
    expect(sim!.stats()[0]!.receivedAudioMs).toBe(3500);
  });

  it('decodes linear16 split at odd byte boundaries, and uses a placeholder without a script', async () => {
    await start();
    const c = await open('model=nova-3&encoding=linear16&sample_rate=16000&endpointing=200');
    const pcm = new Int16Array([...new Int16Array(16 * 300), ...tone(1000, 16000), ...new Int16Array(16 * 400)]);
    c.send(new Uint8Array(pcm.buffer), 333);
    const final = await c.until(isFinalResult);
    expect(alt(final).transcript).toMatch(/^\[simulated speech 1\.\ds\]$/);
    expect(c.msgs.some((m) => m.type === 'SpeechStarted')).toBe(false); // vad_events not asked for
    expect(c.msgs.some((m) => m.type === 'Results' && !m.is_final)).toBe(false); // nor interims
    expect(sim!.stats()[0]!.receivedAudioMs).toBe(1700);
  });

  it('answers Finalize with from_finalize, counts KeepAlive, and CloseStream flushes, sends Metadata, closes 1000', async () => {
    await start();
    registerScript('c1', { id: 's', lines: [{ text: 'One two three.' }, { text: 'Four five.' }] });
    const c = await open();
    c.send(mulawSpeech(900));
    c.control('KeepAlive');
    c.control('Finalize');
    const f1 = await c.until((m) => isFinalResult(m) && m.from_finalize === true);
    expect(alt(f1).transcript).toBe('One two three.');
    expect(f1.speech_final).toBe(false);
    c.send(mulawSilence(500));
    c.send(mulawSpeech(700));
    c.control('CloseStream');
    const { code } = await c.closed;
    expect(code).toBe(1000);
    const finals = c.msgs.filter(isFinalResult).map((m) => alt(m).transcript);
    expect(finals).toContain('Four five.');
    expect(c.msgs.at(-1)!.type).toBe('Metadata');
    expect(c.msgs.at(-1)!.duration).toBeCloseTo(2.1, 2);
    await waitFor(() => !sim!.stats()[0]!.open); // the server sees the close once the handshake completes
    expect(sim!.stats()[0]).toMatchObject({ keepAlives: 1, finalizes: 1, closeStreams: 1, open: false, closeCode: 1000 });
  });

  it('applies faults: refused, HTTP status, drop after N chunks, stall after N chunks', async () => {
    await start();
    sim!.faults.once({ refuseConnection: true }).once({ status: 503 }).once({ dropAfterChunks: 3 }).once({ stallAfterChunks: 2 });
    await expect(connect(sim!, Q)).rejects.toThrow();
    await expect(connect(sim!, Q)).rejects.toThrow(/503/);

    const dropped = await open();
    dropped.send(mulawSilence(100));
    expect((await dropped.closed).code).toBe(1006);
    expect(sim!.stats()[0]!.audioMessages).toBe(3);

    const stalled = await open();
    stalled.send(mulawSpeech(1000));
    stalled.send(mulawSilence(1000));
    await new Promise((r) => setTimeout(r, 200));
    expect(stalled.msgs.map((m) => m.type)).toEqual(['Metadata']);
    expect(sim!.connections()).toBe(1);
    expect(sim!.upgradeAttempts()).toBe(4);
  });

  it('delays finals by the latency profile, keeps message order and reports what the delay took', async () => {
    const observed: { text: string; intendedMs: number; actualMs: number }[] = [];
    await start({ latency: { firstChunkMs: 300 }, onFinal: (o) => observed.push(o) });
    const c = await open();
    const sentAt = Date.now();
    c.send(mulawSpeech(600));
    c.send(mulawSilence(1500));
    const final = await c.until(isFinalResult);
    const finalSeenAt = Date.now();
    await c.until((m) => m.type === 'UtteranceEnd');
    expect(finalSeenAt - sentAt).toBeGreaterThanOrEqual(250);
    const types = c.msgs.map((m) => (m === final ? 'final' : m.type));
    expect(types.indexOf('final')).toBeLessThan(types.indexOf('UtteranceEnd'));
    // One observation, for the endpointed final with words; its own clock: never under the intended wait.
    expect(observed).toHaveLength(1);
    expect(observed[0]!.text).toMatch(/simulated speech/);
    expect(observed[0]!.intendedMs).toBe(300);
    expect(observed[0]!.actualMs).toBeGreaterThanOrEqual(299);
  });

  it('with preciseLatency: finals never before the intended delay, and everything still in order', async () => {
    const observed: { text: string; intendedMs: number; actualMs: number }[] = [];
    await start({ latency: { firstChunkMs: 120 }, preciseLatency: true, onFinal: (o) => observed.push(o) });
    registerScript('c1', { id: 's', lines: [{ text: 'First answer.' }, { text: 'Second answer.' }] });
    const c = await open();
    // All at once: the second segment's messages queue behind the first final's delay, then behind its own.
    c.send(mulawSpeech(600));
    c.send(mulawSilence(1500));
    c.send(mulawSpeech(600));
    c.send(mulawSilence(1500));
    c.control('CloseStream');
    expect((await c.closed).code).toBe(1000);

    const spoken = (m: Msg) => (isFinalResult(m) && alt(m).transcript !== '' ? `final: ${alt(m).transcript}` : undefined);
    const events = c.msgs.map((m) => spoken(m) ?? m.type).filter((t) => t !== 'Results');
    expect(events).toEqual(['Metadata', 'SpeechStarted', 'final: First answer.', 'UtteranceEnd', 'SpeechStarted', 'final: Second answer.', 'UtteranceEnd', 'Metadata']);
    const starts = c.msgs.filter((m) => m.type === 'Results').map((m) => m.start as number);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(observed.map((o) => [o.text, o.intendedMs])).toEqual([['First answer.', 120], ['Second answer.', 120]]);
    for (const o of observed) expect(o.actualMs).toBeGreaterThanOrEqual(o.intendedMs);
  });

  it('closes an idle socket with 1011 (NET-0001), and dropAll() cuts every socket', async () => {
    await start({ idleTimeoutMs: 150 });
    const idle = await open();
    expect(await idle.closed).toEqual({ code: 1011, reason: 'NET-0001' });

    const a = await open();
    const b = await open();
    expect(sim!.connections()).toBe(2);
    sim!.dropAll();
    expect((await a.closed).code).toBe(1006);
    expect((await b.closed).code).toBe(1006);
    await waitFor(() => sim!.connections() === 0);
  });
});
