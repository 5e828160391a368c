/**
 * The contract between the real-time voice core and whatever decides what to say (the interviewer). The core
 * owns timing — turns, barge-in, playback — and tells the agent only what the caller said and what they heard.
 */

export interface UserTurn {
  /** What the caller said this turn (final transcripts joined). */
  text: string;
  /** Why the core decided the turn was over. */
  endReason: 'endpoint' | 'utterance_end' | 'silence_ceiling' | 'dtmf' | 'typed';
  /** The caller interrupted the agent to say this. */
  bargedIn: boolean;
}

export type AgentEvent =
  /** Speakable text, streamed; the core splits sentences and synthesizes as they complete. */
  | { type: 'text'; delta: string }
  /** A short line to say now while slow work (a tool) runs; spoken only if nothing else is playing. */
  | { type: 'filler'; text: string }
  /** Stop after what has been said; the core plays the rest of this reply, then hangs up. */
  | { type: 'end_call'; reason: string }
  /** Timing the agent measured (model time to first token), for the per-turn metrics. */
  | { type: 'metrics'; llmFirstTokenMs?: number; model?: string };

export interface SpokenReply {
  replyId: string;
  /** Everything the agent meant to say. */
  planned: string;
  /** What the caller actually heard (whole sentences). */
  heard: string;
  interrupted: boolean;
}

export interface ConversationAgent {
  /**
   * The fixed opening (AI and recording disclosure, consent question). Spoken before anything else, never
   * interruptible; no tool runs until it has finished.
   */
  opening(): string;
  /** The reply to a finished caller turn. Must stop promptly when `signal` aborts (barge-in). */
  respond(turn: UserTurn, signal: AbortSignal): AsyncIterable<AgentEvent>;
  /** After each reply: what was heard goes into the conversation history, flagged when interrupted. */
  onSpoken(reply: SpokenReply): void;
  /** Longer end-of-turn patience while the candidate codes or draws. */
  patience(): 'normal' | 'patient';
  /** The caller pressed a key. */
  onDtmf?(digit: string): void;
  /** Words worth boosting in speech recognition (technologies from the job description). */
  keyterms?(): string[];
  /**
   * What the agent knows about a reply the core just spoke, for its `agent.speech` event: the resume or
   * job-description passages it was asked because of.
   */
  annotate?(reply: SpokenReply): { citationIds?: string[] } | undefined;
}
