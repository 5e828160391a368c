/**
 * The live channel between the candidate's page and the server (JSON text frames over one WebSocket per page).
 * Pure types and a strict parser: the page imports the types, the server parses every frame with `parseClientMessage`.
 */
import type { ProblemSummary } from './problem-types.js';
import { parseMediaMessage, type MediaClientMessage, type MediaServerMessage } from './board/media-protocol.js';

/** Largest program the editor accepts (the socket's frame cap is 64 KiB). */
export const MAX_CODE_CHARS = 40_000;

export interface SurfaceState {
  kind: 'ide' | 'board';
  problemId: string;
  problemVersion: number;
}

export interface PageTest {
  name: string;
  hidden: boolean;
  status: string;
  ms?: number;
  output?: string;
  expected?: unknown;
  error?: { type: string; message: string; traceback?: string };
  stdout?: string;
  stderr?: string;
}

export interface PageVerified {
  submissionId: string;
  verdict: string;
  passed: number;
  total: number;
  reason?: string;
  summary: string;
  /** The `code.verified` event's seq in the interview's log. */
  eventSeq?: number;
  tests: PageTest[];
}

export type ServerMessage =
  | {
      type: 'hello';
      pageId: string;
      candidateName: string;
      roleTitle: string;
      binding: { code: string; bound: boolean };
      surface: SurfaceState | null;
      problem: ProblemSummary | null;
      code: string | null;
      lastVerified: PageVerified | null;
      limits: { maxCodeChars: number };
      /** The design board, when it is the open surface (its prompt and the last scene the server has). */
      board?: Extract<MediaServerMessage, { type: 'board' }> | null;
      screenSharing?: boolean;
    }
  | MediaServerMessage
  | { type: 'surface'; surface: SurfaceState; problem: ProblemSummary; code: string }
  | { type: 'verifying'; submissionId: string }
  | { type: 'verified'; result: PageVerified }
  | { type: 'rate_limited'; kind: string; retryAfterMs: number }
  | { type: 'bound' }
  | { type: 'taken_over' }
  | { type: 'ended'; graceMs: number }
  | { type: 'error'; message: string; code?: string }
  | { type: 'pong' };

export type ClientMessage =
  | { type: 'ping' }
  | { type: 'code'; code: string }
  | { type: 'run'; passed: number; total: number; failing: string[]; outcome: string; durationMs: number }
  | { type: 'submit'; code: string; browser?: { passed: number; total: number } }
  | { type: 'integrity'; kind: 'paste' | 'large_insertion'; chars: number; lines: number }
  | { type: 'integrity'; kind: 'focus_lost'; how: 'blur' | 'hidden'; durationMs: number }
  | MediaClientMessage;

const int = (v: unknown, max: number): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= max ? Math.floor(v) : undefined;

/** A frame from a page, validated field by field; anything else is null. */
export function parseClientMessage(raw: string): ClientMessage | null {
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (!m || typeof m !== 'object') return null;
  switch (m.type) {
    case 'ping':
      return { type: 'ping' };
    case 'code':
      return typeof m.code === 'string' && m.code.length <= MAX_CODE_CHARS ? { type: 'code', code: m.code } : null;
    case 'run': {
      const passed = int(m.passed, 1000);
      const total = int(m.total, 1000);
      const durationMs = int(m.durationMs, 3_600_000);
      const outcomes = ['completed', 'interrupted', 'timeout', 'error', 'restarted'];
      if (passed === undefined || total === undefined || durationMs === undefined || passed > total) return null;
      if (typeof m.outcome !== 'string' || !outcomes.includes(m.outcome)) return null;
      const failing = Array.isArray(m.failing) ? m.failing.filter((f): f is string => typeof f === 'string').slice(0, 50).map((f) => f.slice(0, 100)) : [];
      return { type: 'run', passed, total, failing, outcome: m.outcome, durationMs };
    }
    case 'submit': {
      if (typeof m.code !== 'string' || m.code.length > MAX_CODE_CHARS) return null;
      const b = m.browser as Record<string, unknown> | undefined;
      const passed = int(b?.passed, 1000);
      const total = int(b?.total, 1000);
      return { type: 'submit', code: m.code, ...(passed !== undefined && total !== undefined ? { browser: { passed, total } } : {}) };
    }
    case 'integrity': {
      if (m.kind === 'paste' || m.kind === 'large_insertion') {
        const chars = int(m.chars, 10_000_000);
        const lines = int(m.lines, 1_000_000);
        return chars === undefined || lines === undefined ? null : { type: 'integrity', kind: m.kind, chars, lines };
      }
      if (m.kind === 'focus_lost') {
        const durationMs = int(m.durationMs, 86_400_000);
        const how = m.how === 'hidden' ? 'hidden' : m.how === 'blur' ? 'blur' : undefined;
        return durationMs === undefined || !how ? null : { type: 'integrity', kind: 'focus_lost', how, durationMs };
      }
      return null;
    }
    default: {
      const media = parseMediaMessage(m, raw.length);
      return media?.ok ? media.msg : null;
    }
  }
}

/** Why a board/screen message was refused (null: not one, or it is fine). */
export function mediaRefusal(raw: string): string | null {
  try {
    const m = JSON.parse(raw) as Record<string, unknown>;
    const media = m && typeof m === 'object' ? parseMediaMessage(m, raw.length) : null;
    return media && !media.ok ? media.reason : null;
  } catch {
    return null;
  }
}
