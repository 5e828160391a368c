/** Messages between the load harness and its caller processes (Node IPC). */
import type { LineKind } from './scenario.js';
import type { SparseHistogram } from './histogram.js';

export interface CallerInit {
  type: 'init';
  serverUrl: string;
  authToken: string;
  apiToken: string;
}

export interface CallOrder {
  type: 'call';
  index: number;
  callSid: string;
  kinds: LineKind[];
  tags: string[];
  /** Hang up after this long (wall ms from the call's start); the harness may hang it up sooner. */
  maxDurationMs: number;
}

export type ToCaller = CallerInit | CallOrder | { type: 'hangup_all' } | { type: 'exit' };

export type CallOutcome = 'completed' | 'server_ended' | 'dropped' | 'failed';

export interface TurnSample {
  tag: string;
  kind: 'answer' | 'barge_in' | 'consent';
  /** Epoch ms when the caller stopped speaking. */
  stoppedAtEpochMs: number;
  /** Caller stopped (last speech frame sent) → first agent audio received. */
  e2eMs: number;
}

export interface BargeInSample {
  tag: string;
  atEpochMs: number;
  /** Speech onset (first speech frame sent) → `clear` received; undefined when no clear came within 2 s. */
  onsetToClearMs?: number;
}

/** Jitter windows: floor(epoch ms / JITTER_WINDOW_MS), so the harness can give each frame to its phase. */
export const JITTER_WINDOW_MS = 5000;

export interface CallResult {
  index: number;
  callSid: string;
  outcome: CallOutcome;
  error?: string;
  turns: TurnSample[];
  bargeIns: BargeInSample[];
  backchannels: number;
  /** Backchannels the agent stopped for for good (a clear and no more of that reply). */
  backchannelClears: number;
  /** Agent audio arrival lateness against a drift-free real-time schedule, per frame, by 5 s window of arrival. */
  jitter: { window: number; hist: SparseHistogram }[];
  framesReceived: number;
  protocolErrors: number;
  startedAtEpochMs: number;
  endedAtEpochMs: number;
}

export interface CallerStats {
  type: 'stats';
  active: number;
  /** The caller process's own event-loop lag over the last interval (ms, resolution removed). */
  lagP99Ms: number;
  lagMaxMs: number;
  /** CPU of the caller process over the last interval, % of one core. */
  cpuPercent: number;
  rssMb: number;
}

export type FromCaller = { type: 'ready' } | { type: 'started'; index: number } | { type: 'turn'; index: number } | { type: 'result'; result: CallResult } | CallerStats;
