/** Problem types shared by the server and the browser (pure). */
import type { Compare } from './compare.js';

export const LEVELS = ['junior', 'mid', 'senior'] as const;
export type Level = (typeof LEVELS)[number];

export interface ProblemTest {
  name: string;
  args: unknown[];
  expected: unknown;
}

/** What the candidate's page and the interviewer may see: no hidden tests, no reference solution. */
export interface ProblemSummary {
  id: string;
  version: number;
  title: string;
  families: string[];
  levels: Level[];
  tags: string[];
  statement: string;
  entry: string;
  starter: string;
  compare: Compare;
  visibleTests: ProblemTest[];
  hiddenTestCount: number;
}

