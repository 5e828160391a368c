/**
 * Stage-test harness for the voice core: a CallSession with a recording transport that plays audio like Twilio
 * (marks echo once the audio before them has played; `clear` flushes and echoes pending marks at once), fake
 * STT/TTS providers, and a scripted agent.
 */
import { CallSession } from '../../src/voice/call-session.js';
import { Conversation, type ConversationOptions } from '../../src/voice/conversation.js';
import type { AgentEvent, ConversationAgent, SpokenReply, UserTurn } from '../../src/voice/agent.js';
import { TwilioPlayback } from '../../src/sim/twilio-playback.js';
import { FakeSpeechToText, FakeSynthesizer, pseudoSpeechMulaw } from '../../src/providers/testing/index.js';

export type Sent = { type: 'audio'; bytes: number; replyMark?: string; at: number } | { type: 'mark'; name: string; at: number } | { type: 'clear'; at: number };

/** Twilio's playback model, recording every action with its time. */
export class PlayingTransport extends TwilioPlayback {
  readonly sent: Sent[] = [];

  protected override onFrame(frame: Uint8Array, at: number): void {
    this.sent.push({ type: 'audio', bytes: frame.length, at });
  }
  protected override onMark(name: string, at: number): void {
    this.sent.push({ type: 'mark', name, at });
  }
  protected override onClear(at: number): void {
    this.sent.push({ type: 'clear', at });
  }
  clears(): number {
    return this.sent.filter((s) => s.type === 'clear').length;
  }
  audioAfter(at: number): number {
    return this.sent.filter((s) => s.type === 'audio' && s.at > at).length;
  }
}

export interface ScriptedReply {
  text: string;
  /** Delay before each delta (ms). */
  deltaDelayMs?: number;
  endCall?: string;
}

export class ScriptedAgent implements ConversationAgent {
  readonly turns: UserTurn[] = [];
  readonly spoken: SpokenReply[] = [];
  readonly aborted: UserTurn[] = [];
  respondCalledBeforeOpeningDone = false;
  openingDone = false;
  constructor(
    private readonly replies: ScriptedReply[],
    private readonly openingText = 'This call is recorded. Do you agree to continue?',
  ) {}
  opening(): string {
    return this.openingText;
  }
  async *respond(turn: UserTurn, signal: AbortSignal): AsyncIterable<AgentEvent> {
    if (!this.openingDone) this.respondCalledBeforeOpeningDone = true;
    this.turns.push(turn);
    const reply = this.replies.shift() ?? { text: 'Okay.' };
    for (const word of reply.text.split(/(?<= )/)) {
      if (reply.deltaDelayMs) await new Promise((r) => setTimeout(r, reply.deltaDelayMs));
      if (signal.aborted) {
        this.aborted.push(turn);
        return;
      }
      yield { type: 'text', delta: word };
    }
    if (reply.endCall) yield { type: 'end_call', reason: reply.endCall };
  }
  onSpoken(reply: SpokenReply): void {
    if (reply.replyId === 'greeting') this.openingDone = true;
    this.spoken.push(reply);
  }
  patience(): 'normal' | 'patient' {
    return 'normal';
  }
}

export interface Harness {
  session: CallSession;
  conversation: Conversation;
  transport: PlayingTransport;
  stt: FakeSpeechToText;
  tts: FakeSynthesizer;
  agent: ScriptedAgent;
  events: { type: string; payload: Record<string, unknown> }[];
  /** Caller audio: `ms` of speech-like frames (or silence), sent as 20 ms frames in real time. */
  speak(ms: number, opts?: { silent?: boolean }): Promise<void>;
  waitFor(pred: () => boolean, timeoutMs?: number): Promise<void>;
  eventsOf(type: string): { type: string; payload: Record<string, unknown> }[];
}

export async function startHarness(agent: ScriptedAgent, opts: ConversationOptions = {}, tts = new FakeSynthesizer({ bytesPerChar: 80, chunkBytes: 800 })): Promise<Harness> {
  const transport = new PlayingTransport();
  const stt = new FakeSpeechToText();
  const events: Harness['events'] = [];
  const record = (type: string, payload: Record<string, unknown> = {}) => events.push({ type, payload });
  const log = { info() {}, warn() {}, error() {}, debug() {} };
  const session = new CallSession({ interviewId: 'i1', callSid: 'CA1', streamSid: 'MZ1', transport, tts, record, log });
  transport.session = session;
  const conversation = new Conversation({ session, agent, stt, record, log, options: { falseInterruptionMs: 400, sttRetryDelayMs: 20, ...opts } });
  session.attach(conversation);
  let ts = 0;
  const speech = pseudoSpeechMulaw('a fairly long spoken sentence used as caller audio in tests', { msPerChar: 60 });
  let speechOffset = 0;
  const h: Harness = {
    session,
    conversation,
    transport,
    stt,
    tts,
    agent,
    events,
    async speak(ms, o = {}) {
      for (let t = 0; t < ms; t += 20) {
        const frame = new Uint8Array(160).fill(0xff);
        if (!o.silent) {
          if (speechOffset + 160 > speech.length) speechOffset = 0;
          frame.set(speech.subarray(speechOffset, speechOffset + 160));
          speechOffset += 160;
        }
        session.handleMedia(frame, (ts += 20));
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async waitFor(pred, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (!pred()) {
        if (Date.now() > until) throw new Error(`timed out; events: ${events.map((e) => e.type).join(', ')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    eventsOf: (type) => events.filter((e) => e.type === type),
  };
  void conversation.start();
  // Warm the VAD's noise floor with line silence, as a real call would.
  await h.speak(300, { silent: true });
  return h;
}
