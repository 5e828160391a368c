/** The grounding capability's public shapes: passages with citations, the grounding summary, the Grounding port. */
import type { GroundingSource } from '../store/schema-grounding.js';

export type { GroundingSource };

/** One retrieved passage of the resume or the job description, with the span a recruiter can check. */
export interface Passage {
  /** Stable id quoted to the model and on speech events, e.g. `resume-3fa2-04`. */
  citationId: string;
  source: GroundingSource;
  section: string | null;
  /** 1-based page; null for plain text and DOCX. */
  page: number | null;
  /** Character span [start, end) in the document's normalised text. */
  span: [number, number];
  /** Verbatim slice of the document's normalised text (no markers). */
  text: string;
  score: number;
}

export interface GroundingSummary {
  skills: string[];
  projects: { title: string; claim: string; metrics: string[]; citationId: string }[];
  mustHaves: { text: string; citationId: string }[];
  niceToHaves: { text: string; citationId: string }[];
  /** Must-haves with no support in the resume. */
  gaps: string[];
}

export interface SearchOptions {
  source?: GroundingSource;
  /** Default 3, at most 10. */
  limit?: number;
  signal?: AbortSignal;
  /**
   * Who asks: 'model' (resume_search/role_search, the default) and 'plan' (the plan-driven interviewer) write a
   * `grounding.search` event; 'api' (recruiters, dashboard) does not.
   */
  origin?: 'model' | 'plan' | 'api';
}

export interface Grounding {
  search(interviewId: string, query: string, opts?: SearchOptions): Promise<Passage[]>;
  summary(interviewId: string): Promise<GroundingSummary | null>;
}

/** Caps on what an upload may be (security-reliability §7). */
export interface ParseLimits {
  maxBytes: number;
  maxPages: number;
  maxChars: number;
  timeoutMs: number;
}

export const DEFAULT_LIMITS: ParseLimits = {
  maxBytes: 10 * 1024 * 1024,
  maxPages: 20,
  maxChars: 200_000,
  timeoutMs: 15_000,
};

export type DocumentFormat = 'pdf' | 'docx' | 'text' | 'inline';
