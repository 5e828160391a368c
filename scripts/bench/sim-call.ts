/**
 * One simulated call for the voice-pipeline benchmark: a real CallSession + Conversation wired to simulated
 * providers, a transport that plays like Twilio, and a simulated candidate that feeds 20 ms mu-law frames on a
 * drift-free schedule and takes turns (sometimes barging in).
 */
import { DEFAULT_MAX_LEAD_MS } from '../../src/audio/pacer.js';
import { sleep } from '../../src/lib/abort.js';
import { pseudoSpeechMulaw } from '../../src/providers/testing/index.js';
import { CallSession } from '../../src/voice/call-session.js';
import { Conversation } from '../../src/voice/conversation.js';
import { TwilioPlayback } from '../../src/sim/twilio-playback.js';
import {
  CallProbe,
  SimAgent,
  SimSpeechToText,
  SimSynthesizer,
  type BargeInTrace,
  type SimLatencies,
  type TurnTrace,
} from './sim-providers.js';

const FRAME_MS = 20;
const FRAME_BYTES = 160;
/** The pacer sends a frame when its audio end is within this of its due time (src/audio/pacer.ts). */
const PACER_EARLY_TOLERANCE_MS = 2;
const SILENCE = new Uint8Array(FRAME_BYTES).fill(0xff);

export const CALLER_TEXT = 'I built the billing service in TypeScript and ran it on Postgres for three years.';
export const BARGE_IN_TEXT = 'Sorry, could you repeat the question please?';
const callerAudio = new Map<string, Uint8Array>();
function speechFor(text: string): Uint8Array {
  let audio = callerAudio.get(text);
  if (!audio) callerAudio.set(text, (audio = pseudoSpeechMulaw(text, { msPerChar: 60 })));
  return audio;
}

/** Shared sinks the benchmark reads; `recording` gates per-frame samples to the measurement window. */
export interface BenchSinks {
  recording: boolean;
  jitter(ms: number): void;
}

/**
 * Plays like Twilio: audio is buffered and played in real time, a mark echoes once the audio before it has played,
 * `clear` empties the buffer and echoes pending marks at once. Also measures outbound jitter: each frame's send
 * time against the pacer's schedule (due = end of its audio − lead), skipping the burst that fills the lead when a
 * reply starts (or restarts after a clear), where frames go out as soon as they exist.
 */
export class TwilioLikeTransport extends TwilioPlayback {
  framesSent = 0;
  clears = 0;
  private replyId: string | undefined;
  private restartAt = 0;
  private restart = true;

  constructor(
    private readonly probe: CallProbe,
    private readonly sinks: BenchSinks,
    private readonly leadMs = DEFAULT_MAX_LEAD_MS,
    private readonly currentReplyId: () => string | undefined = () => undefined,
  ) {
    super();
  }

  protected override onFrame(frame: Uint8Array, now: number): void {
    const replyId = this.currentReplyId();
    const durationMs = frame.length / 8;
    if (this.restart || replyId !== this.replyId) {
      this.restart = false;
      this.replyId = replyId;
      this.restartAt = now;
    } else if (this.sinks.recording) {
      // Continuing the same reply: due on the unbroken schedule (an underrun shows up as lateness, not a restart).
      const dueAt = this.playUntil + durationMs - this.leadMs;
      if (dueAt > this.restartAt + PACER_EARLY_TOLERANCE_MS) this.sinks.jitter(now - dueAt);
    }
    this.framesSent++;
    this.probe.onFrame(now, replyId);
  }

  protected override onClear(now: number): void {
    this.clears++;
    this.probe.onClear(now);
    this.restart = true;
  }
}

interface Utterance {
  audio: Uint8Array;
  offset: number;
  framesLeft: number;
  onStart: (onsetAt: number) => void;
  onStop: (stopAt: number) => void;
}

/**
 * The caller's inbound audio: frame k (stream time k·20 ms) is delivered at start + (k+1)·20 ms, when its audio is
 * complete, on a drift-free schedule (a late timer delivers every frame already due, as a backlogged socket would).
 */
class CallerFeeder {
  private k = 0;
  private startAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private utterance: Utterance | undefined;
  private stopped = false;

  constructor(private readonly session: CallSession) {}

  start(): void {
    this.startAt = performance.now();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Speech for `frames` frames from the next frame on. */
  speak(text: string, frames: number, onStart: (onsetAt: number) => void, onStop: (stopAt: number) => void): void {
    this.utterance = { audio: speechFor(text), offset: 0, framesLeft: frames, onStart, onStop };
  }

  private schedule(): void {
    if (this.stopped) return;
    const dueAt = this.startAt + (this.k + 1) * FRAME_MS;
    this.timer = setTimeout(() => this.tick(), Math.max(0, dueAt - performance.now()));
  }

  private tick(): void {
    // Timers may fire up to ~1 ms early against performance.now(); a frame that early is sent.
    const now = performance.now();
    while (!this.stopped && this.startAt + (this.k + 1) * FRAME_MS <= now + 1) this.sendFrame();
    this.schedule();
  }

  private sendFrame(): void {
    const k = this.k++;
    const u = this.utterance;
    if (!u) {
      this.session.handleMedia(SILENCE, k * FRAME_MS);
      return;
    }
    if (u.offset === 0) u.onStart(this.startAt + k * FRAME_MS);
    if (u.offset + FRAME_BYTES > u.audio.length) u.offset = FRAME_BYTES; // loop the recording (skip the onset)
    const frame = u.audio.subarray(u.offset, u.offset + FRAME_BYTES);
    u.offset += FRAME_BYTES;
    u.framesLeft--;
    const last = u.framesLeft === 0;
    if (last) this.utterance = undefined;
    const at = performance.now();
    this.session.handleMedia(frame, k * FRAME_MS);
    if (last) u.onStop(at);
  }
}

export interface CallScenario {
  latencies: SimLatencies;
  /** Candidate's answer length. */
  speakMs: number;
  /** Every n-th turn the candidate interrupts the agent's reply (0 = never); which turns depends on the call id. */
  bargeInEvery: number;
  /** Reply's first frame → the interruption starts. */
  bargeInAfterMs: number;
  bargeInSpeakMs: number;
  /** Pause after the agent finishes before the candidate answers. */
  thinkMs: number;
  /** How long to wait for a reply before counting the turn as missed. */
  replyTimeoutMs: number;
}

const noop = () => undefined;
const quietLog = { info: noop, warn: noop, error: noop, debug: noop };

export class SimCall {
  readonly probe = new CallProbe();
  readonly transport: TwilioLikeTransport;
  readonly session: CallSession;
  readonly traces: TurnTrace[] = [];
  readonly bargeIns: BargeInTrace[] = [];
  /** The core's own `turn.metrics.firstFrameMs`, by reply id. */
  readonly coreFirstFrameMs = new Map<string, number>();
  readonly errors: string[] = [];
  missedReplies = 0;
  private readonly conversation: Conversation;
  private readonly feeder: CallerFeeder;
  private readonly spoken = new Set<string>();
  private stopping = false;
  private driving: Promise<void> | undefined;
  /** Settles an utterance still in progress when the call ends. */
  private abandonUtterance: (() => void) | undefined;

  constructor(
    readonly id: number,
    private readonly scenario: CallScenario,
    sinks: BenchSinks,
  ) {
    const { latencies } = scenario;
    this.transport = new TwilioLikeTransport(this.probe, sinks, DEFAULT_MAX_LEAD_MS, () => this.session?.player.currentReplyId);
    const callSid = `CAbench${id}`;
    const record = (type: string, payload: Record<string, unknown> = {}) => this.onRecord(type, payload);
    this.session = new CallSession({
      interviewId: `bench-${id}`,
      callSid,
      streamSid: `MZbench${id}`,
      transport: this.transport,
      tts: new SimSynthesizer(latencies, this.probe),
      record,
      log: quietLog,
    });
    this.transport.session = this.session;
    this.conversation = new Conversation({
      session: this.session,
      agent: new SimAgent(latencies, this.probe),
      stt: new SimSpeechToText(latencies, this.probe),
      record,
      log: quietLog,
    });
    this.session.attach(this.conversation);
    this.feeder = new CallerFeeder(this.session);
  }

  start(): void {
    this.feeder.start();
    void this.conversation.start();
    this.driving = this.drive().catch((err: unknown) => {
      this.errors.push(`driver: ${String((err as Error).message ?? err)}`);
    });
  }

  /** No new turns after the current one. */
  stopTurns(): void {
    this.stopping = true;
  }

  async end(): Promise<void> {
    this.stopping = true;
    this.feeder.stop();
    this.abandonUtterance?.();
    await this.session.end('completed');
    this.probe.notify();
    await this.driving;
  }

  private onRecord(type: string, payload: Record<string, unknown>): void {
    switch (type) {
      case 'agent.speech':
        this.spoken.add(String(payload.replyId));
        this.probe.notify();
        break;
      case 'turn.metrics':
        if (typeof payload.firstFrameMs === 'number') this.coreFirstFrameMs.set(String(payload.replyId), payload.firstFrameMs);
        break;
      case 'bargein.pause':
        if (this.probe.bargeIn && this.probe.bargeIn.coreOnsetToClearMs === undefined) this.probe.bargeIn.coreOnsetToClearMs = Number(payload.onsetToClearMs);
        break;
      case 'provider.error':
      case 'agent.error':
      case 'call.provider_down':
        this.errors.push(`${type}: ${JSON.stringify(payload)}`);
        break;
      default:
        break;
    }
  }

  private async drive(): Promise<void> {
    const s = this.scenario;
    await this.probe.waitUntil(() => this.spoken.has('greeting') || this.session.isEnded, 30_000);
    for (let turn = 1; !this.stopping && !this.session.isEnded; turn++) {
      await sleep(s.thinkMs);
      if (this.stopping) return;
      const trace = await this.utter(CALLER_TEXT, s.speakMs, false);
      if (!trace) return;
      if (!(await this.waitFirstFrame(trace))) continue;
      let answered = trace;
      // Offset by call id so a share of the calls barges in on every turn number, even in a short run.
      if (s.bargeInEvery > 0 && (turn + this.id) % s.bargeInEvery === 0) {
        await sleep(Math.max(0, trace.firstFrameAt! + s.bargeInAfterMs - performance.now()));
        if (this.session.isEnded) return;
        const interruption = await this.utter(BARGE_IN_TEXT, s.bargeInSpeakMs, true);
        if (!interruption) return;
        answered = interruption;
        if (!(await this.waitFirstFrame(answered))) continue;
      }
      const id = answered.replyId!;
      await this.probe.waitUntil(() => this.spoken.has(id) || this.session.isEnded, s.replyTimeoutMs);
    }
  }

  /** Speaks `text` for `ms`; resolves with the turn's trace once the last speech frame is sent (undefined: hung up). */
  private utter(text: string, ms: number, bargeIn: boolean): Promise<TurnTrace | undefined> {
    if (this.session.isEnded) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.abandonUtterance = () => resolve(undefined);
      this.probe.saying = text;
      this.feeder.speak(
        text,
        Math.round(ms / FRAME_MS),
        (onsetAt) => {
          if (!bargeIn) return;
          const b: BargeInTrace = { onsetAt };
          this.probe.bargeIn = b;
          this.bargeIns.push(b);
        },
        (stopAt) => {
          // Synchronously, so the trace exists before the STT's final can arrive.
          const trace: TurnTrace = { stopAt, bargedIn: bargeIn };
          this.probe.trace = trace;
          this.traces.push(trace);
          this.abandonUtterance = undefined;
          resolve(trace);
        },
      );
    });
  }

  private async waitFirstFrame(trace: TurnTrace): Promise<boolean> {
    const ok = await this.probe.waitUntil(() => trace.firstFrameAt !== undefined || this.session.isEnded, this.scenario.replyTimeoutMs);
    if (!ok) this.missedReplies++;
    return ok && trace.firstFrameAt !== undefined;
  }
}
