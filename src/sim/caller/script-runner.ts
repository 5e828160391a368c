/**
 * Drives a simulated call through a candidate script. An answer line waits for the agent's turn to end (some agent
 * speech since the candidate last spoke, then `quietMs` of silence), pauses `pauseBeforeMs`, then speaks. A line
 * with `interruptAfterMs` (barge-in, backchannel) waits until the agent has been talking that long and speaks over
 * it. Lines are rendered one ahead so eSpeak never delays a turn. Every wait is bounded: a turn the agent never
 * takes is spoken anyway after `turnTimeoutMs`, and `timeoutMs` bounds the whole run.
 *
 * Durations in the options and in the script are call time (divided by the call's speed), except `timeoutMs`,
 * which is wall-clock so a test can rely on it.
 */
import { registerScript, unregisterScript, type CandidateLine, type CandidateScript } from '../candidate-script.js';
import { renderSpeech, type CallerSpeech, type RenderedSpeech } from './caller-audio.js';
import type { SimulatedCall } from './simulated-call.js';
import type { CallEnd } from './types.js';

export interface RunScriptOptions {
  /** Agent silence that ends its turn, call-time ms; default 700. */
  quietMs?: number;
  /** Longest wait for the agent before speaking anyway, call-time ms; default 20000. */
  turnTimeoutMs?: number;
  /** After the last line, how long to wait for the server to end the call before hanging up, call-time ms; default 30000. */
  closingTimeoutMs?: number;
  /** Whole-run bound, wall-clock ms; default 10 minutes. On expiry the candidate hangs up. */
  timeoutMs?: number;
  /** Audio to use for a line instead of speaking its text (e.g. a WAV file). */
  audioFor?: (line: CandidateLine, index: number) => CallerSpeech | undefined;
  /**
   * Awaited after the agent's turn and before an answer line is spoken: the candidate doing something else first
   * (the demo's candidate finishes the exercise in the browser before answering). Bounded by `timeoutMs`.
   */
  before?: (line: CandidateLine, index: number, signal: AbortSignal) => Promise<void> | undefined;
  /** Register the script under the call's CallSid for the Deepgram simulator; default true. */
  register?: boolean;
  signal?: AbortSignal;
}

export interface ScriptRunResult {
  /** Lines fully spoken. */
  linesSpoken: number;
  outcome: 'completed' | 'server_closed' | 'timeout' | 'aborted';
  end: CallEnd;
  /** Lines for which the agent never took its turn within turnTimeoutMs (spoken anyway). */
  turnTimeouts: number[];
  /** Interrupting lines spoken as ordinary answers because the agent's turn ended before `interruptAfterMs`. */
  missedInterruptions: number[];
}

export async function runScript(call: SimulatedCall, script: CandidateScript, opts: RunScriptOptions = {}): Promise<ScriptRunResult> {
  const scale = (callMs: number) => callMs / call.speed;
  const quietMs = scale(opts.quietMs ?? 700);
  const turnTimeoutMs = scale(opts.turnTimeoutMs ?? 20_000);
  const closingTimeoutMs = scale(opts.closingTimeoutMs ?? 30_000);
  const run = new AbortController();
  const timer = setTimeout(() => run.abort(new Error('timeout')), opts.timeoutMs ?? 600_000);
  const onAbort = () => run.abort(new Error('aborted'));
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const signal = run.signal;
  if (opts.register !== false) registerScript(call.callSid, script);

  const render = (i: number): Promise<RenderedSpeech> | undefined => {
    const line = script.lines[i];
    if (!line) return undefined;
    const p = renderSpeech(opts.audioFor?.(line, i) ?? line.text, signal);
    p.catch(() => undefined); // surfaced when awaited
    return p;
  };

  let linesSpoken = 0;
  const turnTimeouts: number[] = [];
  const missedInterruptions: number[] = [];
  // The candidate's previous line ended here; the agent must speak after it before the next answer.
  let lastLineEndMs = call.nowMs();
  try {
    let next = render(0);
    for (let i = 0; i < script.lines.length && !call.isEnded && !signal.aborted; i++) {
      const line = script.lines[i]!;
      const speech = await next!;
      next = render(i + 1);
      let answer = line.interruptAfterMs === undefined;
      if (line.interruptAfterMs !== undefined) {
        const wanted = scale(line.interruptAfterMs);
        const since = lastLineEndMs;
        let turnOver = false;
        const ok = await call.waitUntil(
          () => {
            if (call.agentSpeakingForMs(since) >= wanted) return true;
            // The agent finished a turn shorter than the interruption point: answer it normally instead.
            turnOver = call.lastAgentAudioAtMs >= since && !call.agentIsSpeaking() && call.agentQuietForMs() >= quietMs;
            return turnOver;
          },
          { timeoutMs: turnTimeoutMs, signal },
        );
        if (!ok) turnTimeouts.push(i);
        if (turnOver) {
          missedInterruptions.push(i);
          answer = true;
        }
      } else {
        const spoke = await call.waitForAgentSpeech({ sinceMs: lastLineEndMs, timeoutMs: turnTimeoutMs, signal });
        if (!spoke) turnTimeouts.push(i);
        await call.waitForAgentSilence(quietMs, { timeoutMs: turnTimeoutMs, signal });
      }
      if (answer && !call.isEnded) {
        const first = opts.before?.(line, i, signal);
        if (first) {
          await first;
          if (call.agentIsSpeaking()) await call.waitForAgentSilence(quietMs, { timeoutMs: turnTimeoutMs, signal });
        }
        if (line.pauseBeforeMs) {
          await call.waitUntil(() => false, { timeoutMs: scale(line.pauseBeforeMs), signal });
          // A human who hears the agent start again lets it finish first.
          if (call.agentIsSpeaking()) await call.waitForAgentSilence(quietMs, { timeoutMs: turnTimeoutMs, signal });
        }
      }
      if (call.isEnded || signal.aborted) break;
      const said = await call.say(speech);
      if (said.completed) linesSpoken++;
      lastLineEndMs = call.nowMs();
    }
    if (!call.isEnded && !signal.aborted) {
      // Out of lines: hear the agent out, give the server the chance to close, then hang up.
      const closed = call.waitUntil(() => call.isEnded, { timeoutMs: closingTimeoutMs, signal });
      await closed;
      if (!call.isEnded && !signal.aborted && call.agentIsSpeaking()) {
        await call.waitForAgentSilence(quietMs, { timeoutMs: turnTimeoutMs, signal });
      }
    }
  } catch (err) {
    // An abort (timeout, caller's signal) can surface as a rejected render; anything else is a real failure.
    if (!signal.aborted) {
      if (!call.isEnded) await call.hangup();
      if (opts.register !== false) unregisterScript(call.callSid);
      throw err;
    }
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
  const serverClosed = call.isEnded && call.end?.reason !== 'caller_hangup';
  const end = call.isEnded ? await call.ended : await call.hangup();
  if (opts.register !== false) unregisterScript(call.callSid);
  const outcome = serverClosed
    ? 'server_closed'
    : signal.aborted
      ? (signal.reason as Error | undefined)?.message === 'timeout'
        ? 'timeout'
        : 'aborted'
      : 'completed';
  return { linesSpoken, outcome, end, turnTimeouts, missedInterruptions };
}
