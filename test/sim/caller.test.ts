/**
 * The caller simulator against a fake server peer (node:http + ws on 127.0.0.1:0) that checks every signature with
 * the twilio package and plays agent audio with marks and clears, as a screenline server would.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import twilio from 'twilio';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeMulaw, encodeMulaw } from '../../src/audio/mulaw.js';
import { readWav } from '../../src/audio/wav.js';
import { closeSharedEspeak } from '../../src/providers/local/espeak-tts.js';
import { scriptFor } from '../../src/sim/candidate-script.js';
import { runScript, SimulatedCall, type SimulatedCallOptions } from '../../src/sim/caller/index.js';

const TOKEN = 'test-auth-token';
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function tone(ms: number, amplitude = 8000): Uint8Array {
  const n = ms * 8;
  const pcm = new Int16Array(n);
  for (let i = 0; i < n; i++) pcm[i] = Math.round(amplitude * Math.sin((2 * Math.PI * 220 * i) / 8000));
  return encodeMulaw(pcm);
}

function rms(mulaw: Uint8Array): number {
  const pcm = decodeMulaw(mulaw);
  let sum = 0;
  for (const s of pcm) sum += s * s;
  return Math.sqrt(sum / Math.max(1, pcm.length));
}

interface Peer {
  url: string;
  webhooks: { path: string; params: Record<string, string>; valid: boolean }[];
  upgrades: { valid: boolean }[];
  messages: Json[];
  socket(): Promise<WebSocket>;
  send(msg: Json): void;
  sendAudio(mulaw: Uint8Array): void;
  until(pred: (m: Json) => boolean, timeoutMs?: number): Promise<Json>;
  closed: Promise<{ code: number }>;
  close(): Promise<void>;
}

interface PeerOptions {
  twiml?: (peer: { url: string }) => string;
  /** Called for each message from the caller (after recording it). */
  onMessage?: (msg: Json, peer: Peer) => void;
}

const peers: Peer[] = [];

async function startPeer(opts: PeerOptions = {}): Promise<Peer> {
  const server: Server = createServer();
  const wss = new WebSocketServer({ noServer: true });
  let resolveSocket!: (ws: WebSocket) => void;
  const socketP = new Promise<WebSocket>((r) => (resolveSocket = r));
  let resolveClosed!: (v: { code: number }) => void;
  const closed = new Promise<{ code: number }>((r) => (resolveClosed = r));
  let streamSid = '';
  const peer: Peer = {
    url: '',
    webhooks: [],
    upgrades: [],
    messages: [],
    socket: () => socketP,
    send: (msg) => void socketP.then((ws) => ws.send(JSON.stringify(msg))),
    sendAudio: (mulaw) => peer.send({ event: 'media', streamSid, media: { payload: Buffer.from(mulaw).toString('base64') } }),
    async until(pred, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = peer.messages.find(pred);
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`peer timed out; saw ${peer.messages.map((m) => m.event).join(',')}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    closed,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
  server.on('request', (req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      const path = (req.url ?? '').split('?')[0]!;
      const valid = twilio.validateRequest(TOKEN, String(req.headers['x-twilio-signature'] ?? ''), peer.url + req.url, params);
      peer.webhooks.push({ path, params, valid });
      if (!valid) return void res.writeHead(403).end();
      if (path === '/twilio/voice') {
        const twiml =
          opts.twiml?.(peer) ??
          `<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="${peer.url.replace('http', 'ws')}/twilio/media"><Parameter name="token" value="tok&amp;1"/></Stream></Connect></Response>`;
        return void res.writeHead(200, { 'content-type': 'text/xml' }).end(twiml);
      }
      res.writeHead(204).end();
    });
  });
  server.on('upgrade', (req, socket, head) => {
    const wsUrl = peer.url.replace('http', 'ws') + req.url;
    const valid = twilio.validateRequest(TOKEN, String(req.headers['x-twilio-signature'] ?? ''), wsUrl, {});
    peer.upgrades.push({ valid });
    if (!valid) return void socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data) => {
        const msg = JSON.parse(data.toString()) as Json;
        if (msg.event === 'start') streamSid = msg.streamSid;
        peer.messages.push(msg);
        opts.onMessage?.(msg, peer);
      });
      ws.on('close', (code) => resolveClosed({ code }));
      resolveSocket(ws);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  peer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  peers.push(peer);
  return peer;
}

const calls: SimulatedCall[] = [];
function newCall(peer: Peer, extra: Partial<SimulatedCallOptions> = {}): SimulatedCall {
  const call = new SimulatedCall({ serverUrl: peer.url, authToken: TOKEN, interviewId: 'iv 1', speed: 4, ...extra });
  calls.push(call);
  return call;
}

let tmp: string | undefined;
afterEach(async () => {
  for (const c of calls.splice(0)) if (!c.isEnded) await c.hangup();
  for (const p of peers.splice(0)) await p.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
  tmp = undefined;
});
afterAll(() => closeSharedEspeak());

const media = (peer: Peer) => peer.messages.filter((m) => m.event === 'media');

describe('SimulatedCall: webhook and stream setup', () => {
  it('posts signed status callbacks and voice webhook, and parses the TwiML', async () => {
    const peer = await startPeer();
    const call = newCall(peer);
    const result = await call.dial();
    expect(result.outcome).toBe('stream');
    expect(result.stream).toEqual({ url: `${peer.url.replace('http', 'ws')}/twilio/media`, name: undefined, parameters: { token: 'tok&1' } });
    expect(peer.webhooks.map((w) => [w.path, w.params.CallStatus, w.valid])).toEqual([
      ['/twilio/status', 'initiated', true],
      ['/twilio/status', 'ringing', true],
      ['/twilio/voice', 'in-progress', true],
      ['/twilio/status', 'in-progress', true],
    ]);
    expect(peer.webhooks[2]!.params).toMatchObject({
      CallSid: call.callSid,
      AccountSid: call.accountSid,
      Direction: 'outbound-api',
      ApiVersion: '2010-04-01',
      AnsweredBy: 'human',
    });
    expect(call.callSid).toMatch(/^CA[0-9a-f]{32}$/);
  });

  it('is refused by a peer that checks signatures when the token is wrong', async () => {
    const peer = await startPeer();
    const call = newCall(peer, { authToken: 'wrong', statusCallbacks: false });
    const result = await call.dial();
    expect(result).toMatchObject({ outcome: 'error', httpStatus: 403 });
    expect(peer.webhooks[0]!.valid).toBe(false);
    expect((await call.ended).reason).toBe('webhook_error');
  });

  it('ends the call when the TwiML says and hangs up', async () => {
    const peer = await startPeer({ twiml: () => '<Response><Say>We cannot take this call.</Say><Hangup/></Response>' });
    const call = newCall(peer, { answeredBy: 'machine_start' });
    const result = await call.dial();
    expect(result).toMatchObject({ outcome: 'hangup', said: ['We cannot take this call.'] });
    expect(peer.webhooks.find((w) => w.path === '/twilio/voice')!.params.AnsweredBy).toBe('machine_start');
    const end = await call.ended;
    expect(end.reason).toBe('twiml_hangup');
    expect(peer.webhooks.at(-1)!.params).toMatchObject({ CallStatus: 'completed', CallDuration: '0' });
  });

  it('opens a signed stream: connected, start with custom parameters, then paced 20 ms frames', async () => {
    const peer = await startPeer();
    const call = newCall(peer, { statusCallbacks: false });
    await call.start();
    await peer.until(() => media(peer).length >= 30);
    expect(peer.upgrades).toEqual([{ valid: true }]);
    const [connected, start] = peer.messages;
    expect(connected).toEqual({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    expect(start).toMatchObject({
      event: 'start',
      sequenceNumber: '1',
      streamSid: call.streamSid,
      start: {
        callSid: call.callSid,
        accountSid: call.accountSid,
        streamSid: call.streamSid,
        tracks: ['inbound'],
        customParameters: { token: 'tok&1' },
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    });
    expect(call.streamSid).toMatch(/^MZ[0-9a-f]{32}$/);
    const frames = media(peer).slice(0, 30);
    frames.forEach((m, i) => {
      expect(m.media.track).toBe('inbound');
      expect(typeof m.sequenceNumber).toBe('string');
      expect(m.sequenceNumber).toBe(String(i + 2));
      expect(m.media.chunk).toBe(String(i + 1));
      expect(m.media.timestamp).toBe(String(i * 20));
      const bytes = Buffer.from(m.media.payload, 'base64');
      expect(bytes.length).toBe(160);
      expect(bytes.every((b) => b === 0xff)).toBe(true); // silence: the candidate is not talking
    });
  });

  it('paces frames at real time divided by speed (loosely)', async () => {
    const peer = await startPeer();
    const call = newCall(peer, { statusCallbacks: false, speed: 2 });
    await call.start();
    await new Promise((r) => setTimeout(r, 400));
    const sent = call.framesSent;
    // 400 ms at 2x = 40 frames; allow a loaded machine plenty of room, but not a free-running sender.
    expect(sent).toBeGreaterThan(15);
    expect(sent).toBeLessThan(60);
  });
});

describe('SimulatedCall: agent audio, marks and clear', () => {
  it('plays agent audio in real time ÷ speed and echoes marks only after their audio has played', async () => {
    const peer = await startPeer();
    const heardAtEcho = new Map<string, number>();
    const call = newCall(peer, {
      statusCallbacks: false,
      onTimeline: (e) => {
        const m = /^mark echoed (\S+)/.exec(e.what);
        if (m) heardAtEcho.set(m[1]!, call.agentAudioHeardMs);
      },
    });
    await call.start();
    await peer.socket();
    await peer.until((m) => m.event === 'start');
    peer.send({ event: 'mark', streamSid: call.streamSid, mark: { name: 'before' } });
    peer.sendAudio(tone(500));
    peer.send({ event: 'mark', streamSid: call.streamSid, mark: { name: 'm1' } });
    peer.sendAudio(tone(300));
    peer.send({ event: 'mark', streamSid: call.streamSid, mark: { name: 'm2' } });
    expect(await call.waitForAgentSpeech({ timeoutMs: 2000 })).toBe(true);
    expect(call.agentIsSpeaking()).toBe(true);
    const echoM2 = await peer.until((m) => m.event === 'mark' && m.mark.name === 'm2');
    expect(echoM2).toMatchObject({ streamSid: call.streamSid, mark: { name: 'm2' } });
    expect(typeof echoM2.sequenceNumber).toBe('string');
    const echoes = peer.messages.filter((m) => m.event === 'mark').map((m) => m.mark.name);
    expect(echoes).toEqual(['before', 'm1', 'm2']);
    expect(heardAtEcho.get('before')).toBe(0);
    expect(heardAtEcho.get('m1')).toBeGreaterThanOrEqual(500);
    expect(heardAtEcho.get('m2')).toBeGreaterThanOrEqual(800);
    expect(call.marksEchoed.every((e) => !e.viaClear)).toBe(true);
    expect(await call.waitForAgentSilence(50, { timeoutMs: 2000 })).toBe(true);
    expect(call.agentAudioHeardMs).toBe(800);
    expect(call.agentIntervals).toHaveLength(1);
    expect(call.agentIntervals[0]!.audioMs).toBe(800);
    // 800 ms of audio at 4x: about 200 ms of wall time, never much less.
    const i = call.agentIntervals[0]!;
    expect(i.endMs! - i.startMs).toBeGreaterThan(150);
    expect(call.mediaReceived.map((m) => m.bytes)).toEqual([4000, 2400]);
  });

  it('clear drops the unplayed audio and echoes every pending mark at once', async () => {
    const peer = await startPeer();
    const call = newCall(peer, { statusCallbacks: false });
    await call.start();
    await peer.until((m) => m.event === 'start');
    peer.sendAudio(tone(3000));
    peer.send({ event: 'mark', streamSid: call.streamSid, mark: { name: 'a' } });
    peer.sendAudio(tone(1000));
    peer.send({ event: 'mark', streamSid: call.streamSid, mark: { name: 'b' } });
    await call.waitForAgentSpeech({ timeoutMs: 2000 });
    await call.waitUntil(() => call.agentAudioHeardMs >= 200, { timeoutMs: 2000 });
    peer.send({ event: 'clear', streamSid: call.streamSid });
    await peer.until((m) => m.event === 'mark' && m.mark.name === 'b');
    expect(call.clears).toHaveLength(1);
    const { droppedAudioMs } = call.clears[0]!;
    expect(droppedAudioMs).toBeGreaterThan(1000);
    expect(call.agentAudioHeardMs + droppedAudioMs).toBe(4000);
    expect(call.marksEchoed.map((e) => [e.name, e.viaClear])).toEqual([
      ['a', true],
      ['b', true],
    ]);
    expect(call.agentIsSpeaking()).toBe(false);
    expect(call.agentIntervals.at(-1)!.cleared).toBe(true);
    expect(call.agentAudioBufferedMs).toBe(0);
    expect(call.timeline.some((e) => e.what.startsWith('clear received'))).toBe(true);
  });

  it('records protocol errors for messages Twilio would reject', async () => {
    const peer = await startPeer();
    const call = newCall(peer, { statusCallbacks: false });
    await call.start();
    await peer.until((m) => m.event === 'start');
    (await peer.socket()).send('{"event":"media","streamSid":"MZwrong","media":{"payload":"//8="}}');
    (await peer.socket()).send('not json');
    await call.waitUntil(() => call.protocolErrors.length === 2, { timeoutMs: 2000 });
    expect(call.protocolErrors[0]).toMatch(/unknown streamSid/);
    expect(call.protocolErrors[1]).toMatch(/not JSON/);
  });
});

describe('SimulatedCall: the candidate', () => {
  it('say(text) speaks with eSpeak into the caller frames, then returns to silence', async () => {
    const peer = await startPeer();
    const call = newCall(peer, { statusCallbacks: false });
    await call.start();
    const said = await call.say('Hello, I have five years of experience.');
    expect(said.completed).toBe(true);
    expect(said.sentMs).toBeGreaterThan(800);
    await call.waitUntil(() => !call.callerIsSpeaking(), { timeoutMs: 1000 });
    await peer.until(() => media(peer).length >= 1 + Math.ceil(said.sentMs / 20) + 5); // a few frames after the speech
    const energies = media(peer).map((m) => rms(Buffer.from(m.media.payload, 'base64')));
    const loud = energies.filter((e) => e > 500).length;
    expect(loud).toBeGreaterThan(20); // many 20 ms frames of speech energy
    expect(energies.at(-1)).toBe(energies[0]); // silence before and after (0xFF decodes to a constant)
    expect(call.callerIntervals).toHaveLength(1);
    expect(call.callerIntervals[0]).toMatchObject({ label: 'Hello, I have five years of experience.', completed: true });
  });

  it('sends DTMF, hangs up with stop, and writes a valid heard WAV', async () => {
    tmp = await mkdtemp(join(tmpdir(), 'caller-sim-'));
    const heardWavPath = join(tmp, 'heard.wav');
    const recordingWavPath = join(tmp, 'call.wav');
    const peer = await startPeer();
    const call = newCall(peer, { heardWavPath, recordingWavPath });
    await call.start();
    await peer.until((m) => m.event === 'start');
    call.sendDtmf('7');
    expect(await peer.until((m) => m.event === 'dtmf')).toMatchObject({ streamSid: call.streamSid, dtmf: { track: 'inbound_track', digit: '7' } });
    peer.sendAudio(tone(200));
    await call.waitForAgentSilence(30, { timeoutMs: 2000 });
    await call.waitUntil(() => call.agentAudioHeardMs === 200, { timeoutMs: 2000 });
    await call.say({ mulaw: tone(100, 6000), label: 'tone' });
    const end = await call.hangup();
    expect(end.reason).toBe('caller_hangup');
    expect((await peer.closed).code).toBe(1000);
    const stop = peer.messages.at(-1)!;
    expect(stop).toMatchObject({ event: 'stop', streamSid: call.streamSid, stop: { callSid: call.callSid, accountSid: call.accountSid } });
    const seqs = peer.messages.filter((m) => m.sequenceNumber !== undefined).map((m) => Number(m.sequenceNumber));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1)); // one sequence across every message type
    const heard = readWav(new Uint8Array(await readFile(heardWavPath)));
    expect(heard).toMatchObject({ format: 'mulaw', sampleRateHz: 8000, channels: 1 });
    expect(heard.samples.length).toBe(200 * 8);
    expect(Array.from(heard.samples.subarray(0, 800))).toEqual(Array.from(decodeMulaw(tone(200))).slice(0, 800));
    const rec = readWav(new Uint8Array(await readFile(recordingWavPath)));
    expect(rec).toMatchObject({ format: 'pcm16', channels: 2, sampleRateHz: 8000 });
    expect(end.heardWavPath).toBe(heardWavPath);
    const completed = peer.webhooks.at(-1)!;
    expect(completed).toMatchObject({ path: '/twilio/status', valid: true, params: { CallStatus: 'completed' } });
    expect(completed.params.CallDuration).toMatch(/^\d+$/);
  });

  it('records the server closing the stream and the agent audio it never played', async () => {
    const peer = await startPeer({
      twiml: (p) => `<Response><Connect><Stream url="${p.url.replace('http', 'ws')}/twilio/media"/></Connect><Say>Goodbye</Say></Response>`,
    });
    const call = newCall(peer, { statusCallbacks: false });
    await call.start();
    await peer.until((m) => m.event === 'start');
    peer.sendAudio(tone(2000));
    await call.waitForAgentSpeech({ timeoutMs: 2000 });
    (await peer.socket()).close(1000, 'interview over');
    const end = await call.ended;
    expect(end).toMatchObject({ reason: 'server_closed', closeCode: 1000, closeReason: 'interview over' });
    expect(end.unplayedAgentAudioMs).toBeGreaterThan(0);
    expect(end.afterStreamVerbs).toEqual([{ verb: 'Say', text: 'Goodbye', voice: undefined }]);
    expect(peer.messages.some((m) => m.event === 'stop')).toBe(false);
  });
});

describe('runScript', () => {
  /**
   * A fake agent: greets, then answers each caller turn (energy endpointing, 200 ms) with the next reply; caller
   * speech while its audio is still playing (marks outstanding) is a barge-in and gets a clear. After the last
   * reply is heard it closes the stream.
   */
  function fakeAgent(replyMs: number[], greetingMs = 600) {
    let talking = false;
    let silentFrames = 0;
    let turn = 0;
    let pendingMark: string | undefined;
    let closeAfterMark = false;
    const speak = (peer: Peer, ms: number, name: string) => {
      peer.sendAudio(tone(ms));
      pendingMark = name;
      peer.send({ event: 'mark', streamSid: streamSidOf(peer), mark: { name } });
    };
    const streamSidOf = (peer: Peer) => peer.messages.find((m) => m.event === 'start')!.streamSid as string;
    return (msg: Json, peer: Peer) => {
      if (msg.event === 'start') speak(peer, greetingMs, 'greeting');
      if (msg.event === 'mark' && msg.mark.name === pendingMark) {
        pendingMark = undefined;
        if (closeAfterMark) void peer.socket().then((ws) => ws.close(1000, 'done'));
      }
      if (msg.event !== 'media') return;
      const loud = rms(Buffer.from(msg.media.payload, 'base64')) > 500;
      if (loud) {
        silentFrames = 0;
        if (!talking && pendingMark) peer.send({ event: 'clear', streamSid: streamSidOf(peer) });
        talking = true;
      } else if (talking && ++silentFrames >= 10) {
        talking = false;
        const ms = replyMs[turn];
        const last = turn === replyMs.length - 1;
        speak(peer, ms ?? 300, `reply${turn}`);
        turn++;
        closeAfterMark = last;
      }
    };
  }

  it('speaks answers in turn and barges in during agent speech; the server ends the call', async () => {
    const peer = await startPeer({ onMessage: fakeAgent([3000, 500, 400]) });
    const call = newCall(peer, { statusCallbacks: false });
    await call.start();
    const script = {
      id: 's1',
      lines: [
        { text: 'first answer', pauseBeforeMs: 100 },
        { text: 'sorry to interrupt', kind: 'barge_in' as const, interruptAfterMs: 600 },
        { text: 'last answer' },
      ],
    };
    let registered: unknown;
    const result = await runScript(call, script, {
      quietMs: 400,
      timeoutMs: 20_000,
      audioFor: (line) => {
        registered ??= scriptFor(call.callSid);
        return { mulaw: tone(600, 7000), label: line.text };
      },
    });
    expect(registered).toBe(script);
    expect(scriptFor(call.callSid)).toBeUndefined();
    expect(result.outcome).toBe('server_closed');
    expect(result.linesSpoken).toBe(3);
    expect(result.end.reason).toBe('server_closed');
    expect(call.callerIntervals.map((c) => c.label)).toEqual(['first answer', 'sorry to interrupt', 'last answer']);
    const agent = call.agentIntervals;
    const [first, barge, last] = call.callerIntervals;
    // The first answer came after the greeting had finished.
    expect(first!.startMs).toBeGreaterThanOrEqual(agent[0]!.endMs!);
    // The barge-in started while the agent's long reply was playing, and that reply was cut off by a clear.
    const cut = agent.find((a) => a.cleared)!;
    expect(cut).toBeDefined();
    expect(barge!.startMs).toBeGreaterThan(cut.startMs);
    expect(barge!.startMs).toBeLessThan(cut.endMs!);
    expect(cut.audioMs).toBeLessThan(3000);
    expect(call.clears).toHaveLength(1);
    // The last answer waited for the reply to the barge-in.
    const replyToBarge = agent.find((a) => a.startMs > barge!.endMs!)!;
    expect(last!.startMs).toBeGreaterThanOrEqual(replyToBarge.endMs!);
    expect(result.turnTimeouts).toEqual([]);
    expect(result.missedInterruptions).toEqual([]);
  });

  it('answers an interrupting line normally when the agent stops first; hangs up when the lines run out', async () => {
    const peer = await startPeer({ onMessage: (msg, p) => msg.event === 'start' && p.sendAudio(tone(300)) });
    const call = newCall(peer, { statusCallbacks: false, speed: 8 });
    await call.start();
    const result = await runScript(
      call,
      { id: 's2', lines: [{ text: 'meant to interrupt', interruptAfterMs: 2000 }, { text: 'nobody answers this' }] },
      { quietMs: 200, turnTimeoutMs: 800, closingTimeoutMs: 800, timeoutMs: 10_000, audioFor: () => ({ mulaw: tone(200) }) },
    );
    expect(result.outcome).toBe('completed');
    expect(result.linesSpoken).toBe(2);
    expect(result.turnTimeouts).toEqual([1]);
    // The greeting (300 ms) ended before the interruption point, so the line was answered after it instead.
    expect(result.missedInterruptions).toEqual([0]);
    expect(call.callerIntervals[0]!.startMs).toBeGreaterThan(call.agentIntervals[0]!.endMs!);
    expect(result.end.reason).toBe('caller_hangup');
    expect(peer.messages.at(-1)!.event).toBe('stop');
  });

  it('stops at the overall timeout', async () => {
    const peer = await startPeer();
    const call = newCall(peer, { statusCallbacks: false });
    await call.start();
    const result = await runScript(call, { id: 's3', lines: [{ text: 'x' }] }, { timeoutMs: 300, audioFor: () => ({ mulaw: tone(100) }) });
    expect(result.outcome).toBe('timeout');
    expect(result.end.reason).toBe('caller_hangup');
  });
});
