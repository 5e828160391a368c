/**
 * The Deepgram adapter (our own `ws` client of listen v1) against the local Deepgram simulator (loopback only).
 */
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeMulaw } from '../../src/audio/mulaw.js';
import { DeepgramSpeechToText, type DeepgramSttConfig } from '../../src/providers/deepgram/deepgram-stt.js';
import { ProviderError } from '../../src/providers/errors.js';
import type { SttEvent, SttStream } from '../../src/providers/stt.js';
import { registerScript, unregisterScript } from '../../src/sim/candidate-script.js';
import { startDeepgramSim, type DeepgramSim } from '../../src/sim/deepgram-sim.js';

const KEY = 'test-key';
const RATE = 8000;
const CHUNK_MS = 20;

/** A speech-like mu-law signal: a 180 Hz tone whose loudness moves at a syllable rate, never silent. */
function speech(ms: number): Uint8Array {
  const n = (RATE * ms) / 1000;
  const pcm = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    pcm[i] = Math.round(9000 * (0.6 + 0.4 * Math.abs(Math.sin(2 * Math.PI * 4 * t))) * Math.sin(2 * Math.PI * 180 * t));
  }
  return encodeMulaw(pcm);
}
const silence = (ms: number) => new Uint8Array((RATE * ms) / 1000).fill(0xff);

function sendChunked(stream: SttStream, audio: Uint8Array): void {
  const step = (RATE * CHUNK_MS) / 1000;
  for (let i = 0; i < audio.length; i += step) stream.send(audio.subarray(i, i + step));
}

/** Collects events in the background; `until` waits for a matching one. */
function collect(stream: SttStream) {
  const events: SttEvent[] = [];
  let error: unknown;
  const waiters: (() => void)[] = [];
  const done = (async () => {
    try {
      for await (const ev of stream.events()) {
        events.push(ev);
        waiters.splice(0).forEach((w) => w());
      }
    } catch (err) {
      error = err;
    }
    waiters.splice(0).forEach((w) => w());
  })();
  const until = async (pred: (ev: SttEvent) => boolean, timeoutMs = 8000): Promise<SttEvent> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = events.find(pred);
      if (hit) return hit;
      if (error) throw error;
      if (Date.now() > deadline) throw new Error(`timed out; saw ${JSON.stringify(events.map((e) => e.type))}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  };
  return { events, until, done, error: () => error };
}

const waitFor = async (cond: () => boolean, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** Rejects if `p` takes longer than `ms` (so a broken teardown fails fast instead of hitting the test timeout). */
const within = <T>(p: Promise<T>, ms: number): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`not settled in ${ms} ms`)), ms).unref())]);

const isFinal = (ev: SttEvent) => ev.type === 'transcript' && ev.isFinal && ev.text !== '';

describe('DeepgramSpeechToText against the simulator', () => {
  let sim: DeepgramSim;
  const streams: SttStream[] = [];
  const stt = (over: Partial<DeepgramSttConfig> = {}) =>
    new DeepgramSpeechToText({ apiKey: KEY, url: sim.url, reconnect: { baseDelayMs: 20, maxDelayMs: 100 }, ...over });
  const open = async (s: DeepgramSpeechToText, callId?: string, signal?: AbortSignal) => {
    const keyterms = ['Kubernetes', 'gRPC'];
    const stream = await s.open({ encoding: 'mulaw', sampleRateHz: 8000, language: 'en-US', callId, signal, keyterms });
    streams.push(stream);
    return stream;
  };

  beforeEach(async () => {
    sim = await startDeepgramSim({ apiKey: KEY });
  });
  afterEach(async () => {
    await Promise.all(streams.splice(0).map((s) => s.close()));
    await sim.close();
    unregisterScript('call-1');
  });

  it('transcribes a scripted answer: speech started, growing interims, a speech-final final, utterance end', async () => {
    registerScript('call-1', { id: 's', lines: [{ text: 'I have built Kubernetes operators in Go.', kind: 'answer' }] });
    const stream = await open(stt(), 'call-1');
    const c = collect(stream);
    sendChunked(stream, silence(500));
    sendChunked(stream, speech(2400));
    sendChunked(stream, silence(1600));

    const started = await c.until((e) => e.type === 'speech_started');
    const final = await c.until(isFinal);
    await c.until((e) => e.type === 'utterance_end');

    expect(started.type === 'speech_started' && started.atMs).toBeGreaterThanOrEqual(480);
    expect(started.type === 'speech_started' && started.atMs).toBeLessThan(700);
    const interims = c.events.filter((e) => e.type === 'transcript' && !e.isFinal);
    expect(interims.length).toBeGreaterThan(1);
    const interimLengths = interims.map((e) => (e.type === 'transcript' ? e.words.length : 0));
    expect(interimLengths).toEqual([...interimLengths].sort((a, b) => a - b));
    if (final.type !== 'transcript') throw new Error('not a transcript');
    expect(final.text).toBe('I have built Kubernetes operators in Go.');
    expect(final.speechFinal).toBe(true);
    expect(final.fromFinalize).toBe(false);
    expect(final.words.map((w) => w.word)).toEqual(['I', 'have', 'built', 'Kubernetes', 'operators', 'in', 'Go.']);
    expect(final.words[0]!.startMs).toBeGreaterThanOrEqual(480);
    expect(final.words.at(-1)!.endMs).toBeLessThanOrEqual(2950);
    for (const w of final.words) expect(w.endMs).toBeGreaterThan(w.startMs);
    expect(final.confidence).toBeGreaterThan(0.5);
    // Order: speech started, then interims, then the final, then utterance end.
    const order = c.events.map((e) => (e.type === 'transcript' ? (e.isFinal ? 'final' : 'interim') : e.type));
    expect(order.indexOf('speech_started')).toBeLessThan(order.indexOf('interim'));
    expect(order.lastIndexOf('interim')).toBeLessThan(order.indexOf('final'));
    expect(order.indexOf('final')).toBeLessThan(order.indexOf('utterance_end'));

    const q = new URLSearchParams(sim.stats()[0]!.search);
    expect(q.get('encoding')).toBe('mulaw');
    expect(q.get('sample_rate')).toBe('8000');
    expect(q.get('model')).toBe('nova-3');
    expect(q.get('endpointing')).toBe('300');
    expect(q.get('interim_results')).toBe('true');
    expect(q.getAll('keyterm')).toEqual(['Kubernetes', 'gRPC']);
    expect(q.getAll('extra')).toEqual(['call_id:call-1']);

    await stream.close();
    await c.done;
    expect(c.error()).toBeUndefined();
    await waitFor(() => sim.connections() === 0);
    expect(sim.stats()[0]!.closeStreams).toBe(1);
    expect(sim.stats()[0]!.closeCode).toBe(1000);
  });

  it('finalize() returns a from_finalize final before endpointing would', async () => {
    registerScript('call-1', { id: 's', lines: [{ text: 'Mostly Python and some Rust.' }] });
    const stream = await open(stt({ endpointingMs: 2000 }), 'call-1');
    const c = collect(stream);
    sendChunked(stream, speech(1200));
    sendChunked(stream, silence(200));
    await c.until((e) => e.type === 'transcript' && !e.isFinal);
    stream.finalize();
    const final = await c.until(isFinal);
    expect(final).toMatchObject({ fromFinalize: true, speechFinal: false, text: 'Mostly Python and some Rust.' });
    expect(sim.stats()[0]!.finalizes).toBe(1);
  });

  it('close() flushes what the server still holds, then ends events()', async () => {
    registerScript('call-1', { id: 's', lines: [{ text: 'That is all from me.' }] });
    const stream = await open(stt(), 'call-1');
    const c = collect(stream);
    sendChunked(stream, speech(800));
    await c.until((e) => e.type === 'speech_started');
    await stream.close();
    await c.done;
    expect(c.events.find(isFinal)).toMatchObject({ text: 'That is all from me.' });
    await stream.close(); // idempotent
  });

  it('abort mid-stream: no further events, the socket closes, nothing keeps running', async () => {
    const ac = new AbortController();
    const stream = await open(stt({ keepAliveIntervalMs: 40 }), undefined, ac.signal);
    const c = collect(stream);
    sendChunked(stream, speech(600));
    await c.until((e) => e.type === 'speech_started');
    ac.abort();
    await within(c.done, 2000); // events() ended
    const seen = c.events.length;
    sendChunked(stream, speech(800));
    stream.finalize();
    await waitFor(() => sim.connections() === 0);
    const keepAlives = sim.stats()[0]!.keepAlives;
    await new Promise((r) => setTimeout(r, 200));
    expect(c.events.length).toBe(seen);
    expect(c.error()).toBeUndefined();
    // The KeepAlive timer is gone: nothing more reaches the (closed) simulator socket.
    expect(sim.stats()[0]!.keepAlives).toBe(keepAlives);
    expect(sim.stats()[0]!.receivedAudioMs).toBeLessThanOrEqual(600);
    await stream.close();
  });

  it('an abort before open rejects open()', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(open(stt(), undefined, ac.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('a wrong API key fails with ProviderError kind auth (not retryable)', async () => {
    const err = await open(stt({ apiKey: 'wrong' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ kind: 'auth', status: 401, retryable: false, provider: 'deepgram' });
    expect(sim.upgradeAttempts()).toBe(1); // no retries on auth
  });

  it('a refused connection fails with ProviderError kind connection', async () => {
    sim.faults.once({ refuseConnection: true });
    const err = await open(stt()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ kind: 'connection', retryable: true });
  });

  it('an upgrade that is never answered times out as kind timeout; the request carries the token and no deflate offer', async () => {
    const sockets: Socket[] = [];
    let request = '';
    const silent = createServer((socket) => {
      sockets.push(socket);
      socket.on('data', (chunk) => (request += chunk.toString()));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const started = Date.now();
      const err = await within(open(stt({ url: `ws://127.0.0.1:${port}`, connectTimeoutMs: 300 })), 3000).catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: 'timeout', retryable: true, provider: 'deepgram' });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(request).toMatch(/^GET \/v1\/listen\?model=nova-3&encoding=mulaw&sample_rate=8000/);
      expect(request).toMatch(/\r\nauthorization: Token test-key\r\n/i);
      expect(request).toMatch(/\r\nx-deepgram-session-id: [0-9a-f-]{36}\r\n/i);
      expect(request).not.toMatch(/sec-websocket-extensions/i);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('a 503 on upgrade maps to kind server', async () => {
    sim.faults.once({ status: 503 });
    await expect(open(stt())).rejects.toMatchObject({ kind: 'server', status: 503 });
  });

  it('reconnects after a drop and transcribes the audio sent during the outage', async () => {
    registerScript('call-1', {
      id: 's',
      lines: [{ text: 'First answer before the drop.' }, { text: 'Second answer during the outage.' }],
    });
    const stream = await open(stt(), 'call-1');
    const c = collect(stream);
    sendChunked(stream, speech(1000));
    sendChunked(stream, silence(1200));
    await c.until((e) => isFinal(e) && e.type === 'transcript' && e.text.startsWith('First'));

    sim.faults.always({ refuseConnection: true }); // reconnect attempts fail until the outage ends
    sim.dropAll();
    await c.until((e) => e.type === 'reconnecting' && e.attempt >= 2);
    // Audio keeps coming while the socket is down: it must be buffered, not lost.
    sendChunked(stream, speech(1000));
    sendChunked(stream, silence(1200));
    sim.faults.reset();
    const reconnected = await c.until((e) => e.type === 'reconnected');
    const final2 = await c.until((e) => isFinal(e) && e.type === 'transcript' && e.text.startsWith('Second'));

    expect(reconnected.type === 'reconnected' && reconnected.replayedMs).toBeGreaterThanOrEqual(2200);
    const attempts = c.events.filter((e) => e.type === 'reconnecting').map((e) => e.type === 'reconnecting' && e.attempt);
    expect(attempts[0]).toBe(1);
    const stats = sim.stats();
    expect(stats).toHaveLength(2);
    expect(stats[1]!.receivedAudioMs).toBeGreaterThanOrEqual(2000);
    // Stream time continues across sockets: the second answer sits after the first one's audio.
    if (final2.type !== 'transcript') throw new Error('not a transcript');
    expect(final2.words[0]!.startMs).toBeGreaterThanOrEqual(2000);
    expect(c.error()).toBeUndefined();
  });

  it('treats a socket that stops answering while audio flows as dropped: reconnects and transcribes', async () => {
    registerScript('call-1', { id: 's', lines: [{ text: 'Said after the stall.' }] });
    sim.faults.once({ stallAfterChunks: 5 }); // the first socket goes silent after 5 chunks but stays open
    const stream = await open(stt({ stallTimeoutMs: 300 }), 'call-1');
    const c = collect(stream);
    // Real-time-ish audio: silence, so only the stall (not a transcript) can trigger the reconnect.
    const ticker = setInterval(() => sendChunked(stream, silence(100)), 100);
    try {
      const reconnecting = await c.until((e) => e.type === 'reconnecting');
      expect(reconnecting.type === 'reconnecting' && reconnecting.reason).toMatch(/stalled/);
      await c.until((e) => e.type === 'reconnected');
    } finally {
      clearInterval(ticker);
    }
    sendChunked(stream, speech(1000));
    sendChunked(stream, silence(1200));
    const final = await c.until((e) => isFinal(e) && e.type === 'transcript' && e.text !== '');
    expect(final).toMatchObject({ text: 'Said after the stall.' });
    expect(sim.stats()).toHaveLength(2);
    expect(c.error()).toBeUndefined();
    await stream.close();
  });

  it('warns when an outage outlasts the replay buffer (oldest audio dropped, newest replayed)', async () => {
    const stream = await open(stt({ replayBufferMs: 500 }));
    const c = collect(stream);
    sim.faults.always({ refuseConnection: true });
    sim.dropAll();
    await c.until((e) => e.type === 'reconnecting');
    sendChunked(stream, silence(1200));
    sim.faults.reset();
    const reconnected = await c.until((e) => e.type === 'reconnected');
    const warning = await c.until((e) => e.type === 'warning');
    expect(reconnected).toEqual({ type: 'reconnected', replayedMs: 500 });
    expect(warning.type === 'warning' && warning.error.message).toMatch(/700 ms of audio lost/);
    await waitFor(() => sim.stats()[1]?.receivedAudioMs === 500);
  });

  it('gives up within the lifetime budget: events() throws ProviderError connection', async () => {
    const stream = await open(stt({ reconnect: { lifetimeBudgetMs: 600, maxAttempts: 100, baseDelayMs: 50, maxDelayMs: 100 } }));
    const c = collect(stream);
    sendChunked(stream, silence(200));
    sim.faults.always({ refuseConnection: true });
    const droppedAt = Date.now();
    sim.dropAll();
    await c.done;
    const elapsed = Date.now() - droppedAt;
    expect(c.error()).toBeInstanceOf(ProviderError);
    expect(c.error()).toMatchObject({ kind: 'connection' });
    expect(c.events.some((e) => e.type === 'reconnecting')).toBe(true);
    expect(c.events.some((e) => e.type === 'reconnected')).toBe(false);
    // Generous bound: the budget is 600 ms; a loop that ignored it would run for 100 attempts.
    expect(elapsed).toBeLessThan(5000);
    // The loop has stopped. (Settle first: a handshake the client abandoned may still reach the server late.)
    await new Promise((r) => setTimeout(r, 300));
    const attemptsAfter = sim.upgradeAttempts();
    await new Promise((r) => setTimeout(r, 500));
    expect(sim.upgradeAttempts()).toBe(attemptsAfter);
  });

  it('close() during a reconnect ends the loop at once', async () => {
    const stream = await open(stt({ reconnect: { baseDelayMs: 200, maxDelayMs: 200, maxAttempts: 1000, lifetimeBudgetMs: 60_000 } }));
    const c = collect(stream);
    sim.faults.always({ refuseConnection: true });
    sim.dropAll();
    await c.until((e) => e.type === 'reconnecting' && e.attempt >= 2);
    await within(stream.close(), 2000);
    await within(c.done, 2000);
    expect(c.error()).toBeUndefined();
    await new Promise((r) => setTimeout(r, 100));
    const attempts = sim.upgradeAttempts();
    await new Promise((r) => setTimeout(r, 600)); // the backoff is 200 ms: a live loop would have tried again
    expect(sim.upgradeAttempts()).toBe(attempts);
  });

  it('sends KeepAlive while no audio goes out, and not while audio flows', async () => {
    const stream = await open(stt({ keepAliveIntervalMs: 60 }));
    const until = Date.now() + 400;
    while (Date.now() < until) {
      stream.send(silence(20));
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(sim.stats()[0]!.keepAlives).toBe(0);
    await waitFor(() => sim.stats()[0]!.keepAlives >= 3, 3000);
    await stream.close();
    const afterClose = sim.stats()[0]!.keepAlives;
    await new Promise((r) => setTimeout(r, 200));
    expect(sim.stats()[0]!.keepAlives).toBe(afterClose);
  });

  it('without a script the transcript is a clear placeholder', async () => {
    const stream = await open(stt(), 'call-without-script');
    const c = collect(stream);
    sendChunked(stream, speech(1200));
    sendChunked(stream, silence(500));
    const final = await c.until(isFinal);
    expect(final.type === 'transcript' && final.text).toMatch(/^\[simulated speech \d+\.\ds\]$/);
  });

  it('leaves nothing running after an abort: a process that aborts a stream exits on its own', async () => {
    // Run in a child process: if any socket or timer were left referenced, the child would never exit.
    const src = (rel: string) => JSON.stringify(fileURLToPath(new URL(rel, import.meta.url)));
    const script = `
      const { DeepgramSpeechToText } = await import(${src('../../src/providers/deepgram/deepgram-stt.ts')});
      const { startDeepgramSim } = await import(${src('../../src/sim/deepgram-sim.ts')});
      const sim = await startDeepgramSim({ apiKey: 'k' });
      const ac = new AbortController();
      const stt = new DeepgramSpeechToText({ apiKey: 'k', url: sim.url, keepAliveIntervalMs: 50 });
      const stream = await stt.open({ encoding: 'mulaw', sampleRateHz: 8000, language: 'en-US', signal: ac.signal });
      const consumer = (async () => { for await (const _ of stream.events()); })();
      stream.send(new Uint8Array(1600).fill(0xff));
      await new Promise((r) => setTimeout(r, 150));
      ac.abort();
      await consumer;
      await sim.close();
      console.log('done');`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await within(
      new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c))),
      20_000,
    ).finally(() => child.kill('SIGKILL'));
    expect(out).toContain('done');
    expect(code).toBe(0);
  }, 30_000);
});
