/**
 * One phone call as Twilio would run it against a screenline server: status callbacks, the signed voice webhook,
 * the TwiML answer, then a bidirectional Media Streams WebSocket. Caller audio flows continuously (silence frames
 * unless the candidate is talking) on a drift-free 20 ms schedule divided by `speed`; agent audio plays at the same
 * rate through `AgentPlayback`, which echoes marks and honours `clear` the way Twilio does. Everything observable is
 * kept (counters, arrival times, a timeline) for tests, benchmarks and the `sim` command.
 */
import { WebSocket, type RawData } from 'ws';
import { FRAME_BYTES, FRAME_MS } from '../../audio/frames.js';
import { writeHeardWav, writeRecordingWav } from './artifacts.js';
import { CallerAudioQueue, renderSpeech, type CallerSpeech, type SayResult } from './caller-audio.js';
import { Conditions } from './conditions.js';
import { FrameClock } from './frame-clock.js';
import { AgentPlayback, type SpeakingInterval } from './playback.js';
import { dialVoiceWebhook, streamTargetError } from './dial.js';
import * as wire from './twilio-wire.js';
import type { TwimlVerb } from './twiml.js';
import type { CallEnd, CallEndReason, CallerInterval, DialResult, MarkEcho, TimelineEntry, WaitOptions } from './types.js';
import { postSigned, statusParams, webhookUrl, type CallParty, type CallStatus } from './webhooks.js';

export interface SimulatedCallOptions {
  /** The http(s) base Twilio would call (the server's PUBLIC_URL). */
  serverUrl: string;
  authToken: string;
  interviewId?: string;
  /** Caller ID Twilio presents (our number); default +15005550006. */
  from?: string;
  /** The candidate's number; default +15555550100. */
  to?: string;
  /** Default 'CA' + 32 hex. */
  callSid?: string;
  accountSid?: string;
  /** AnsweredBy sent when answering detection is on; default 'human'; null = detection off (no parameter). */
  answeredBy?: string | null;
  /** 1 = real time; 4 = frames every 5 ms and agent audio plays 4x faster. */
  speed?: number;
  /** Write what the caller heard (agent audio actually played, concatenated) as a mu-law WAV here at the end. */
  heardWavPath?: string;
  /** Write a stereo PCM16 WAV (left: caller, right: agent as heard) on the call's own time axis. */
  recordingWavPath?: string;
  /** Send status callbacks (initiated, ringing, in-progress, completed) to /twilio/status; default true. */
  statusCallbacks?: boolean;
  /** Call-time ms the agent's audio may pause before the agent counts as stopped; default 100. */
  speakingHangoverMs?: number;
  onTimeline?: (entry: TimelineEntry) => void;
}

type State = 'new' | 'dialing' | 'answered' | 'connecting' | 'streaming' | 'ended';

export class SimulatedCall {
  readonly callSid: string;
  readonly accountSid: string;
  readonly streamSid = wire.twilioSid('MZ');
  readonly speed: number;
  readonly timeline: TimelineEntry[] = [];
  /** Agent media messages: arrival time (wall ms since creation) and size. */
  readonly mediaReceived: { atMs: number; bytes: number }[] = [];
  readonly marksReceived: { atMs: number; name: string }[] = [];
  readonly marksEchoed: MarkEcho[] = [];
  readonly clears: { atMs: number; droppedAudioMs: number }[] = [];
  readonly callerIntervals: CallerInterval[] = [];
  readonly dtmfSent: string[] = [];
  /** Messages from the server Twilio would reject (bad JSON, unknown event, wrong streamSid, binary frames). */
  readonly protocolErrors: string[] = [];
  framesSent = 0;
  dialResult: DialResult | undefined;
  readonly ended: Promise<CallEnd>;

  private readonly opts: SimulatedCallOptions;
  private readonly party: CallParty;
  private readonly t0 = performance.now();
  private state: State = 'new';
  private ws: WebSocket | undefined;
  private seq = 0;
  private chunk = 0;
  private readonly clock: FrameClock;
  private readonly playback: AgentPlayback;
  private readonly callerAudio: CallerAudioQueue;
  private readonly conditions = new Conditions();
  private readonly recording: { caller: Uint8Array; agent: Uint8Array }[] = [];
  private lastMediaAtMs = Number.NEGATIVE_INFINITY;
  private lastPlayedAtMs = Number.NEGATIVE_INFINITY;
  private streamStartedAtMs = 0;
  private answeredAtMs: number | undefined;
  private statusSeq = 0;
  private callerHungUp = false;
  private resolveEnded!: (end: CallEnd) => void;
  private endInfo: CallEnd | undefined;

  constructor(opts: SimulatedCallOptions) {
    const speed = opts.speed ?? 1;
    if (!(speed > 0) || !Number.isFinite(speed) || speed > 100) throw new RangeError(`speed must be in (0, 100], got ${speed}`);
    this.opts = opts;
    this.speed = speed;
    this.clock = new FrameClock(FRAME_MS / speed, (at) => this.frame(at - this.t0), () => this.conditions.poke());
    this.callSid = opts.callSid ?? wire.twilioSid('CA');
    this.accountSid = opts.accountSid ?? wire.twilioSid('AC');
    this.party = {
      callSid: this.callSid,
      accountSid: this.accountSid,
      from: opts.from ?? '+15005550006',
      to: opts.to ?? '+15555550100',
      answeredBy: opts.answeredBy === null ? undefined : (opts.answeredBy ?? 'human'),
    };
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    const hangoverMs = (opts.speakingHangoverMs ?? 100) / speed + FRAME_MS; // + one real frame of arrival jitter
    this.playback = new AgentPlayback(
      {
        onMarkEchoes: (names, viaClear) => this.echoMarks(names, viaClear),
        onSpeakingStart: () => this.note('agent', 'speaking'),
        onSpeakingStop: (i: SpeakingInterval) =>
          this.note('agent', `${i.cleared ? 'cut off by clear' : 'stopped'} (${Math.round(i.audioMs)} ms of audio played)`),
      },
      FRAME_BYTES,
      8,
      hangoverMs,
    );
    this.callerAudio = new CallerAudioQueue(
      {
        onUtteranceStart: (label, atMs) => {
          this.callerIntervals.push({ startMs: atMs, label });
          this.note('caller', `says: ${label}`);
        },
        onUtteranceEnd: (label, atMs, completed) => {
          const open = this.callerIntervals.findLast((c) => c.label === label && c.endMs === undefined);
          if (open) Object.assign(open, { endMs: atMs, completed });
          this.note('caller', completed ? 'stopped talking' : 'cut off (call ended)');
        },
      },
      FRAME_BYTES,
    );
  }

  /** Wall-clock ms since this call was created. */
  nowMs(): number {
    return performance.now() - this.t0;
  }

  get isEnded(): boolean {
    return this.state === 'ended';
  }

  /** Status callbacks, then the signed voice webhook; parses the TwiML. A Say/Hangup answer ends the call. */
  async dial(): Promise<DialResult> {
    if (this.state !== 'new') throw new Error(`dial() in state ${this.state}`);
    this.state = 'dialing';
    await this.status('initiated');
    await this.status('ringing');
    this.answeredAtMs = this.nowMs();
    const url = webhookUrl(this.opts.serverUrl, '/twilio/voice', this.opts.interviewId);
    this.note('twilio', `POST ${url} (${this.callSid}, AnsweredBy=${this.party.answeredBy ?? 'none'})`);
    const result = await dialVoiceWebhook(url, this.party, this.opts.authToken);
    this.dialResult = result;
    if (this.isEnded) return result; // hung up while the webhook was in flight
    for (const text of result.said) this.note('twilio', `<Say> ${text}`);
    if (result.outcome === 'stream') {
      this.state = 'answered';
      this.note('twilio', `TwiML: connect stream ${result.stream!.url}`);
      await this.status('in-progress');
    } else if (result.outcome === 'hangup') {
      this.note('twilio', 'TwiML ended the call');
      await this.finish('twiml_hangup');
    } else {
      this.note('twilio', `voice webhook failed: ${result.error}`);
      await this.finish('webhook_error');
    }
    return result;
  }

  /** Opens the media stream with a signed upgrade, sends `connected` and `start`, and starts the audio clock. */
  async connect(): Promise<void> {
    const stream = this.dialResult?.stream;
    if (this.state !== 'answered' || !stream) throw new Error(`connect() needs an answered call with a stream (state ${this.state})`);
    this.state = 'connecting';
    const invalid = streamTargetError(stream);
    if (invalid) return this.failConnect(invalid);
    const ws = new WebSocket(stream.url, { headers: { 'X-Twilio-Signature': wire.signTwilioRequest(this.opts.authToken, stream.url) } });
    this.ws = ws;
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
        ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
      });
    } catch (err) {
      ws.terminate();
      return this.failConnect((err as Error).message);
    }
    if (this.isEnded) {
      ws.close(1000, 'call ended'); // hung up while connecting
      return;
    }
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('close', (code, reason) => {
      this.onClose(code, reason.toString()).catch((err: unknown) => this.note('twilio', `close handling failed: ${String(err)}`));
    });
    ws.on('error', (err) => this.note('twilio', `socket error: ${err.message}`));
    this.state = 'streaming';
    this.streamStartedAtMs = this.nowMs();
    ws.send(wire.connectedMessage());
    ws.send(wire.startMessage(this, ++this.seq, stream.parameters));
    this.note('twilio', `stream ${this.streamSid} started (${Object.keys(stream.parameters).join(', ') || 'no parameters'})`);
    this.clock.start();
  }

  /** dial() then, if the TwiML connects a stream, connect(). */
  async start(): Promise<DialResult> {
    const result = await this.dial();
    if (result.outcome === 'stream') await this.connect();
    return result;
  }

  /** Queues candidate speech after anything already queued; resolves once it has all been sent. */
  async say(speech: CallerSpeech): Promise<SayResult> {
    if (this.state === 'ended') return { completed: false, sentMs: 0 };
    const rendered = await renderSpeech(speech);
    if (this.isEnded) return { completed: false, sentMs: 0 };
    return this.callerAudio.enqueue(rendered);
  }

  sendDtmf(digit: string): void {
    if (!/^[0-9*#A-D]$/.test(digit)) throw new RangeError(`not a DTMF digit: ${digit}`);
    if (this.state !== 'streaming') throw new Error('sendDtmf() needs an open stream');
    this.ws!.send(wire.dtmfMessage(this.streamSid, ++this.seq, digit));
    this.dtmfSent.push(digit);
    this.note('caller', `pressed ${digit}`);
  }

  /** The candidate hangs up: `stop`, then the socket closes. Resolves when the call has ended. */
  async hangup(): Promise<CallEnd> {
    if (this.state === 'streaming' && this.ws) {
      this.callerHungUp = true;
      this.clock.stop();
      this.ws.send(wire.stopMessage(this, ++this.seq));
      this.note('caller', 'hung up');
      this.ws.close(1000, 'call ended');
      // 'close' finishes the call; do not wait forever for a peer that never completes the handshake.
      setTimeout(() => this.ws?.terminate(), 2000).unref();
    } else if (this.state !== 'ended') {
      this.note('caller', 'hung up');
      await this.finish('caller_hangup');
    }
    return this.ended;
  }

  /** The network drops the call: the socket goes away without `stop` (no close handshake). */
  drop(): void {
    if (this.state !== 'streaming' || !this.ws) return;
    this.callerHungUp = true;
    this.clock.stop();
    this.note('twilio', 'connection dropped');
    this.ws.terminate();
  }

  /** A broken carrier: sends `count` frames the protocol does not allow (the server's bad-frame policy applies). */
  sendGarbage(count: number): void {
    if (this.state !== 'streaming' || !this.ws) return;
    const junk = ['{not json', JSON.stringify({ event: 'media', streamSid: this.streamSid, media: { payload: '@@@' } }), JSON.stringify({ event: 'bogus' })];
    for (let i = 0; i < count && this.ws.readyState === this.ws.OPEN; i++) this.ws.send(junk[i % junk.length]!);
    this.note('twilio', `sent ${count} garbage frames`);
  }

  agentIsSpeaking(): boolean {
    return this.playback.speaking;
  }

  callerIsSpeaking(): boolean {
    return this.callerAudio.speaking;
  }

  /** Agent speaking intervals (played audio), oldest first. */
  get agentIntervals(): readonly SpeakingInterval[] {
    return this.playback.intervals;
  }

  /** Agent audio played to the caller so far, ms. */
  get agentAudioHeardMs(): number {
    return this.playback.heardBytes / 8;
  }

  /** Agent audio buffered and not yet played, ms. */
  get agentAudioBufferedMs(): number {
    return this.playback.bufferedBytes / 8;
  }

  /** The mu-law the caller heard (played agent audio, concatenated). */
  heardAudio(): Uint8Array {
    return this.playback.heard();
  }

  /** How long the agent has been audibly speaking, counted from `sinceMs` at the earliest; 0 when silent. */
  agentSpeakingForMs(sinceMs = Number.NEGATIVE_INFINITY): number {
    const current = this.playback.currentInterval;
    return current ? Math.max(0, this.nowMs() - Math.max(current.startMs, sinceMs)) : 0;
  }

  /** Resolves true once agent audio plays at or after `sinceMs` (default: now). */
  waitForAgentSpeech(opts: WaitOptions & { sinceMs?: number } = {}): Promise<boolean> {
    const since = opts.sinceMs ?? this.nowMs();
    return this.conditions.waitFor(() => this.lastPlayedAtMs >= since, opts);
  }

  /** Resolves true when nothing is buffered and no agent audio has played or arrived for `quietMs` (wall ms). */
  waitForAgentSilence(quietMs: number, opts: WaitOptions = {}): Promise<boolean> {
    return this.conditions.waitFor(() => this.agentQuietForMs() >= quietMs, opts);
  }

  /** Resolves true when `check` holds (re-checked after every frame and message). */
  waitUntil(check: () => boolean, opts: WaitOptions = {}): Promise<boolean> {
    return this.conditions.waitFor(check, opts);
  }

  /** Wall ms when agent audio last played (-Infinity before any). */
  get lastAgentAudioAtMs(): number {
    return this.lastPlayedAtMs;
  }

  /** Wall ms since agent audio last played or arrived (0 while audio is buffered; Infinity once the call ended). */
  agentQuietForMs(): number {
    if (this.playback.bufferedBytes > 0 || this.state !== 'streaming') return this.state === 'ended' ? Infinity : 0;
    const last = Math.max(this.playback.lastAudioEndMs, this.lastMediaAtMs, this.streamStartedAtMs);
    return this.nowMs() - last;
  }

  private frame(atMs: number): void {
    const heard = this.playback.tick(atMs);
    if (this.playback.playedLastTickBytes > 0) this.lastPlayedAtMs = atMs;
    const said = this.callerAudio.nextFrame(atMs);
    if (this.ws?.readyState !== WebSocket.OPEN) return;
    this.chunk++;
    this.ws.send(wire.mediaMessage(this.streamSid, ++this.seq, this.chunk, (this.chunk - 1) * FRAME_MS, said));
    this.framesSent++;
    if (this.opts.recordingWavPath) this.recording.push({ caller: said, agent: heard });
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    const atMs = this.nowMs();
    if (isBinary) {
      this.protocolError('binary WebSocket message (Twilio expects JSON text)');
      return;
    }
    let msg: wire.ServerMessage;
    try {
      msg = wire.parseServerMessage(data.toString());
    } catch (err) {
      this.protocolError((err as Error).message);
      return;
    }
    if (msg.streamSid !== this.streamSid) {
      this.protocolError(`${msg.event} for unknown streamSid ${msg.streamSid}`);
      return;
    }
    if (msg.event === 'media') {
      this.mediaReceived.push({ atMs, bytes: msg.payload.length });
      this.lastMediaAtMs = atMs;
      this.playback.enqueueAudio(msg.payload);
    } else if (msg.event === 'mark') {
      this.marksReceived.push({ atMs, name: msg.name });
      this.playback.enqueueMark(msg.name);
    } else {
      const droppedAudioMs = this.playback.clear(atMs);
      this.clears.push({ atMs, droppedAudioMs });
      this.note('twilio', `clear received (${Math.round(droppedAudioMs)} ms of agent audio dropped)`);
    }
    this.conditions.poke();
  }

  private echoMarks(names: string[], viaClear: boolean): void {
    for (const name of names) {
      if (this.ws?.readyState !== WebSocket.OPEN) return;
      this.ws.send(wire.markEchoMessage(this.streamSid, ++this.seq, name));
      this.marksEchoed.push({ atMs: this.nowMs(), name, viaClear });
      this.note('twilio', `mark echoed ${name}${viaClear ? ' (flushed by clear)' : ''}`);
    }
  }

  private protocolError(what: string): void {
    this.protocolErrors.push(what);
    this.note('twilio', `protocol error: ${what}`);
  }

  private async onClose(code: number, reason: string): Promise<void> {
    this.clock.stop();
    if (this.callerHungUp) return this.finish('caller_hangup', { code, reason });
    this.note('twilio', `server closed the stream (${code}${reason ? ` ${reason}` : ''})`);
    // With <Connect>, TwiML after the verb runs once the server closes the socket; then the call ends.
    const verbs = this.dialResult?.verbs ?? [];
    const after = verbs.slice(verbs.findIndex((v) => v.verb === 'Connect') + 1);
    for (const v of after) this.note('twilio', `then ${describeVerb(v)}`);
    return this.finish('server_closed', { code, reason }, after);
  }

  private failConnect(message: string): Promise<void> {
    this.note('twilio', `media stream failed: ${message}`);
    return this.finish('connect_failed').then(() => {
      throw new Error(`media stream failed: ${message}`);
    });
  }

  private async finish(reason: CallEndReason, close?: { code: number; reason: string }, afterStreamVerbs: TwimlVerb[] = []): Promise<void> {
    if (this.state === 'ended') return;
    const atMs = this.nowMs();
    const unplayedAgentAudioMs = this.playback.bufferedBytes / 8;
    this.state = 'ended';
    this.clock.stop();
    this.playback.end(atMs);
    this.callerAudio.abandon(atMs);
    this.conditions.close();
    if (unplayedAgentAudioMs > 0) this.note('agent', `${Math.round(unplayedAgentAudioMs)} ms of audio never played (stream ended)`);
    const callDurationSec = this.answeredAtMs === undefined ? 0 : Math.round(((atMs - this.answeredAtMs) * this.speed) / 1000);
    const end: CallEnd = { reason, atMs, closeCode: close?.code, closeReason: close?.reason, callDurationSec, unplayedAgentAudioMs, afterStreamVerbs, errors: [] };
    this.endInfo = end;
    await this.writeArtifacts(end);
    if (this.answeredAtMs !== undefined) await this.status('completed', callDurationSec, end.errors);
    this.note('twilio', `call ended: ${reason}`);
    this.resolveEnded(end);
  }

  /** How the call ended, once it has. */
  get end(): CallEnd | undefined {
    return this.endInfo;
  }

  private async writeArtifacts(end: CallEnd): Promise<void> {
    const { heardWavPath, recordingWavPath } = this.opts;
    try {
      if (heardWavPath) {
        await writeHeardWav(heardWavPath, this.playback.heard());
        end.heardWavPath = heardWavPath;
      }
      if (recordingWavPath) {
        await writeRecordingWav(recordingWavPath, this.recording);
        end.recordingWavPath = recordingWavPath;
      }
    } catch (err) {
      end.errors.push(`writing WAV: ${(err as Error).message}`);
    }
  }

  private async status(status: CallStatus, durationSec?: number, errors?: string[]): Promise<void> {
    if (this.opts.statusCallbacks === false) return;
    const url = webhookUrl(this.opts.serverUrl, '/twilio/status', this.opts.interviewId);
    try {
      const res = await postSigned(url, statusParams(this.party, status, this.statusSeq++, durationSec), this.opts.authToken);
      this.note('twilio', `status ${status} → HTTP ${res.status}`);
    } catch (err) {
      const msg = `status callback ${status} failed: ${(err as Error).message}`;
      errors?.push(msg);
      this.note('twilio', msg);
    }
  }

  private note(who: TimelineEntry['who'], what: string): void {
    const entry = { atMs: this.nowMs(), who, what };
    this.timeline.push(entry);
    this.opts.onTimeline?.(entry);
  }
}

function describeVerb(v: TwimlVerb): string {
  return v.verb === 'Say' ? `<Say> ${v.text}` : `<${v.verb === 'Other' ? v.name : v.verb}>`;
}
