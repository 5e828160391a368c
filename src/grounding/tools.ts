/**
 * Adapters for the interviewer: the `resume_search` / `role_search` tool implementations over `Grounding`
 * (structurally the interview's GroundingTools), and grounded questions from the summary for the plan-driven
 * interviewer. Both carry the citation ids the next `agent.speech` event should quote.
 */
import { formatPassagesForModel } from './spotlight.js';
import type { Grounding, GroundingSummary, Passage } from './types.js';

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

export interface GroundedQuestion {
  text: string;
  citationIds: string[];
}

/** "Your resume mentions the migration of billing to Kafka. What was your part in it?" */
export function experienceQuestion(summary: GroundingSummary | null, index = 0): GroundedQuestion | null {
  const p = summary?.projects[index];
  if (!p) return null;
  return { text: `Your resume mentions ${lowerFirst(p.title)}. What was your part in it?`, citationIds: [p.citationId] };
}

/** Technical questions that favour the role's must-haves, gaps first (what the resume does not show). */
export function mustHaveQuestions(summary: GroundingSummary | null, max = 3): GroundedQuestion[] {
  if (!summary) return [];
  const gaps = new Set(summary.gaps);
  const ordered = [...summary.mustHaves].sort((a, b) => Number(gaps.has(b.text)) - Number(gaps.has(a.text)));
  return ordered.slice(0, max).map((m) => ({
    text: gaps.has(m.text)
      ? `The role asks for this: "${trimEnd(m.text)}". Your resume does not mention it. What experience do you have there?`
      : `The role asks for this: "${trimEnd(m.text)}". Tell me about a time you did that.`,
    citationIds: [m.citationId],
  }));
}

const lowerFirst = (s: string) => (/^[A-Z][a-z]/.test(s) ? s[0].toLowerCase() + s.slice(1) : s);
const trimEnd = (s: string) => s.replace(/[.;:]\s*$/, '');
