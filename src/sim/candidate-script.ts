/**
 * The simulated candidate's script, shared by the caller simulator (which turns lines into audio) and the Deepgram
 * simulator (which assigns lines to detected speech segments, in order). The Deepgram simulator does no speech
 * recognition: it detects speech by energy and gives the n-th speech segment the n-th line's text.
 */

export type CandidateLineKind = 'answer' | 'backchannel' | 'barge_in';

export interface CandidateLine {
  text: string;
  /** Silence before the candidate starts this line (after the agent finished, or after the previous line). */
  pauseBeforeMs?: number;
  /** Start speaking this long after the agent starts talking, i.e. over the agent (barge-in). */
  interruptAfterMs?: number;
  kind?: CandidateLineKind;
}

export interface CandidateScript {
  id: string;
  lines: CandidateLine[];
}

// In-process only: the simulators run in the same process as the code under test.
const scripts = new Map<string, CandidateScript>();

export function registerScript(callId: string, script: CandidateScript): void {
  scripts.set(callId, script);
}

export function scriptFor(callId: string): CandidateScript | undefined {
  return scripts.get(callId);
}

export function unregisterScript(callId: string): void {
  scripts.delete(callId);
}
