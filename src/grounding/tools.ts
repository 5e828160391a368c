/**
 * Adapters for the interviewer: the `resume_search` / `role_search` tool implementations over `Grounding`
 * (structurally the interview's GroundingTools), carrying the citation ids the next `agent.speech` event quotes.
 * (The plan-driven interviewer's grounded questions are built by the interview plan from the summary: plan.ts.)
 */
import { formatPassagesForModel } from './spotlight.js';
import type { Grounding, Passage } from './types.js';

export interface GroundingToolResult extends Record<string, unknown> {
  /** Fenced, datamarked passages for the model (spotlighting): put this in the tool message. */
  result: string;
  /** Citation ids of the passages, best first. */
  citationIds: string[];
  /** The passages themselves (verbatim, unmarked) for events and the dashboard. */
  passages: Passage[];
}

export function groundingToolsFor(grounding: Grounding, interviewId: string, opts: { limit?: number } = {}) {
  const run = async (source: 'resume' | 'role', query: string, signal?: AbortSignal): Promise<GroundingToolResult> => {
    const passages = await grounding.search(interviewId, query, { source, limit: opts.limit ?? 3, signal, origin: 'model' });
    return { result: formatPassagesForModel(passages), citationIds: passages.map((p) => p.citationId), passages };
  };
  return {
    resumeSearch: (args: { query: string }, signal: AbortSignal) => run('resume', args.query, signal),
    roleSearch: (args: { query: string }, signal: AbortSignal) => run('role', args.query, signal),
  };
}
