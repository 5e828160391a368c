/**
 * Decides when the caller's turn is over. VAD alone cuts people off mid-thought (livekit agents #3418), so the
 * decision layers three signals: the STT's endpoint (`speechFinal`/`utterance_end`), a transcript-aware
 * completeness check (a turn ending in "and…", "so…", a comma or a filler waits longer), and a silence ceiling so
 * the call never stalls. While the candidate codes or draws, every wait is longer.
 */
import type { SttEvent } from '../providers/stt.js';
import { Timer, type VoiceClock, systemClock } from './clock.js';

export interface TurnDetectorOptions {
  /** Wait after an endpoint when the transcript reads complete. */
  completeWaitMs?: number;
  /** Wait after an endpoint when the transcript reads unfinished. */
  incompleteWaitMs?: number;
  /** End the turn after this much silence following speech, whatever the transcript says. */
  silenceCeilingMs?: number;
  /** Multiplier for every wait in patient mode (coding, drawing). */
  patientFactor?: number;
  clock?: VoiceClock;
}

export interface TurnEnd {
  text: string;
  /** `typed`: a typed answer (Conversation.typedTurn), which has no detector. */
  reason: 'endpoint' | 'utterance_end' | 'silence_ceiling' | 'typed';
  /** Clock ms when the caller last spoke (last word end as seen by us, or VAD speech end). */
  lastSpeechAtMs: number;
  /** Clock ms of the final transcript that completed the turn. */
  finalAtMs: number;
  decidedAtMs: number;
}

const TRAILING_CONTINUATIONS = new Set([
  'and', 'but', 'so', 'or', 'because', 'cause', 'then', 'like', 'um', 'uh', 'erm', 'hmm', 'which', 'that', 'if',
  'when', 'while', 'the', 'a', 'an', 'to', 'of', 'with', 'for', 'in', 'on', 'is', 'was', 'were', 'my', 'our',
  'we', 'i', "i'm", 'also', 'actually', 'basically', 'where', 'since', 'although', 'though', 'until', 'unless',
]);

/** Does this transcript read like a finished thought? */
export function looksComplete(text: string): boolean {
  const t = text.trim().toLowerCase();
  if (!t) return false;
  if (/(,|;|:|-|—|\.\.\.|…)$/.test(t)) return false;
  const last = /([a-z']+)[^a-z']*$/.exec(t)?.[1];
  return !(last && TRAILING_CONTINUATIONS.has(last));
}

export class TurnDetector {
  private readonly clock: VoiceClock;
  private readonly endTimer: Timer;
  private readonly ceilingTimer: Timer;
  private finals: string[] = [];
  private interim = '';
  private lastSpeechAtMs = 0;
  private lastFinalAtMs = 0;
  private speaking = false;
  private patient = false;

  constructor(
    private readonly opts: TurnDetectorOptions,
    private readonly onTurnEnd: (turn: TurnEnd) => void,
  ) {
    this.clock = opts.clock ?? systemClock;
    this.endTimer = new Timer(this.clock);
    this.ceilingTimer = new Timer(this.clock);
  }

  setPatient(on: boolean): void {
    this.patient = on;
  }

  /** Text heard so far this turn (finals plus the live interim). */
  get text(): string {
    return [...this.finals, this.interim].filter(Boolean).join(' ').trim();
  }

  get hasSpeech(): boolean {
    return this.finals.length > 0 || this.interim !== '';
  }

  onStt(ev: SttEvent): void {
    const now = this.clock.now();
    switch (ev.type) {
      case 'speech_started':
        this.onSpeechStart(now);
        return;
      case 'transcript':
        if (!ev.text.trim()) {
          if (ev.isFinal && ev.speechFinal) this.onEndpoint('endpoint', now);
          return;
        }
        this.lastSpeechAtMs = now;
        if (ev.isFinal) {
          this.finals.push(ev.text.trim());
          this.interim = '';
          this.lastFinalAtMs = now;
          if (ev.speechFinal || ev.fromFinalize) this.onEndpoint('endpoint', now);
          else this.armCeiling();
        } else {
          // Words still coming: the caller has not finished.
          this.interim = ev.text.trim();
          this.endTimer.stop();
          this.armCeiling();
        }
        return;
      case 'utterance_end':
        this.onEndpoint('utterance_end', now);
        return;
      default:
        return;
    }
  }

  /** Local VAD: speech onset cancels a pending end of turn; speech end starts the silence ceiling. */
  onVad(type: 'speech_start' | 'speech_end'): void {
    const now = this.clock.now();
    if (type === 'speech_start') this.onSpeechStart(now);
    else {
      this.speaking = false;
      this.lastSpeechAtMs = now;
      if (this.hasSpeech) this.armCeiling();
    }
  }

  /** Forget the current turn (it was consumed, or the agent spoke over it). */
  reset(): void {
    this.endTimer.stop();
    this.ceilingTimer.stop();
    this.finals = [];
    this.interim = '';
  }

  close(): void {
    this.reset();
  }

  private scale(ms: number): number {
    return this.patient ? ms * (this.opts.patientFactor ?? 2.5) : ms;
  }

  private onSpeechStart(now: number): void {
    this.speaking = true;
    this.lastSpeechAtMs = now;
    this.endTimer.stop();
    this.ceilingTimer.stop();
  }

  private onEndpoint(reason: 'endpoint' | 'utterance_end', now: number): void {
    if (this.finals.length === 0) return;
    const complete = looksComplete(this.finals.join(' '));
    const waitMs = this.scale(complete ? (this.opts.completeWaitMs ?? 0) : (this.opts.incompleteWaitMs ?? 1200));
    if (waitMs <= 0) return this.finish(reason, now);
    this.endTimer.start(waitMs, () => this.finish(reason, this.clock.now()));
    this.armCeiling();
  }

  private armCeiling(): void {
    this.ceilingTimer.start(this.scale(this.opts.silenceCeilingMs ?? 3000), () => {
      if (this.speaking || !this.hasSpeech) return;
      if (this.interim && this.finals.length === 0) this.finals.push(this.interim);
      this.interim = '';
      this.finish('silence_ceiling', this.clock.now());
    });
  }

  private finish(reason: TurnEnd['reason'], now: number): void {
    const text = this.finals.join(' ').trim();
    const turn: TurnEnd = { text, reason, lastSpeechAtMs: this.lastSpeechAtMs, finalAtMs: this.lastFinalAtMs || now, decidedAtMs: now };
    this.reset();
    if (text) this.onTurnEnd(turn);
  }
}
