/**
 * Barge-in: while the agent speaks, confirmed caller speech interrupts it. Evidence is either local VAD speech of
 * a minimum duration (fast: the reply pauses at once) or STT words. Backchannels ("mm-hm", "right") never
 * interrupt; a pause with no words within `falseInterruptionMs` (noise, a cough) resumes the reply where it
 * stopped; real words commit the interruption (the reply is cancelled and the caller has the floor).
 */
import { Timer, type VoiceClock, systemClock } from './clock.js';

const BACKCHANNEL_WORDS = new Set([
  'mm', 'mhm', 'mmhm', 'mmhmm', 'hmm', 'uh', 'huh', 'uhhuh', 'um', 'right', 'okay', 'ok', 'yeah', 'yep', 'yes', 'sure',
  'got', 'it', 'i', 'see', 'cool', 'alright', 'great', 'good', 'gotcha', 'ah', 'oh', 'aha', 'nice', 'true', 'exactly',
]);

/** A short acknowledgement that does not ask for the floor. */
export function isBackchannel(text: string): boolean {
  const words = text.toLowerCase().replace(/[-']/g, '').match(/[a-z]+/g) ?? [];
  return words.length > 0 && words.length <= 3 && words.every((w) => BACKCHANNEL_WORDS.has(w));
}

export interface BargeInActions {
  /** Stop the agent's audio now (clear), keeping the reply so it can resume. */
  pause(evidence: 'vad' | 'words'): void;
  /** False alarm or backchannel: continue the paused reply from where it stopped. */
  resume(why: 'false_interruption' | 'backchannel'): void;
  /** The caller took the floor: cancel the reply for good. */
  commit(text: string): void;
}

export type BargeInState = 'idle' | 'armed' | 'paused';

export class BargeInDetector {
  private state: BargeInState = 'idle';
  private readonly falseTimer: Timer;

  constructor(
    private readonly actions: BargeInActions,
    private readonly opts: { falseInterruptionMs?: number; clock?: VoiceClock } = {},
  ) {
    this.falseTimer = new Timer(opts.clock ?? systemClock);
  }

  get current(): BargeInState {
    return this.state;
  }

  /** The agent started (interruptible) or stopped speaking. Uninterruptible speech leaves the detector idle. */
  setAgentSpeaking(speaking: boolean, interruptible = true): void {
    if (this.state === 'paused') return; // the paused reply owns the state until resume/commit
    this.state = speaking && interruptible ? 'armed' : 'idle';
  }

  /** Local VAD confirmed caller speech (already past its minimum duration). */
  onSpeechStart(): void {
    if (this.state !== 'armed') return;
    this.state = 'paused';
    this.actions.pause('vad');
    this.falseTimer.start(this.opts.falseInterruptionMs ?? 1500, () => {
      if (this.state !== 'paused') return;
      this.state = 'armed';
      this.actions.resume('false_interruption');
    });
  }

  /** STT heard words from the caller. */
  onTranscript(text: string, isFinal: boolean): void {
    if (this.state === 'idle' || !text.trim()) return;
    if (isBackchannel(text)) {
      if (this.state === 'paused' && isFinal) {
        this.falseTimer.stop();
        this.state = 'armed';
        this.actions.resume('backchannel');
      }
      return;
    }
    this.falseTimer.stop();
    if (this.state === 'armed') this.actions.pause('words');
    this.state = 'idle';
    this.actions.commit(text);
  }

  /** The reply ended on its own or the call is over. */
  reset(): void {
    this.falseTimer.stop();
    this.state = 'idle';
  }
}
