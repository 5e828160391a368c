/**
 * Grounding in the live call: before the interviewer is built, the interview's grounding summary becomes its
 * brief (the claim the experience stage opens on, the must-haves the technical stage favours); during the call,
 * `resume_search` and `role_search` answer with the top passages, fenced as untrusted data, and their citation ids
 * (each search is a `grounding.search` event, written by the grounding service).
 */
import { groundingToolsFor, type Grounding } from '../../grounding/index.js';
import type { LiveCallHooks } from '../live-call.js';
import type { ToolResult } from '../tools.js';

const PASSAGES_PER_SEARCH = 4;

/** Only the fenced, datamarked text and the ids reach the model: never the raw passages. */
const forModel = (r: { result: string; citationIds: string[] }): ToolResult => ({ passages: r.result, citationIds: r.citationIds });

export function groundingCallHook(grounding: Grounding): LiveCallHooks {
  return {
    async prepare(interview) {
      const summary = await grounding.summary(interview.id);
      if (!summary) return undefined;
      return {
        grounding: {
          projects: summary.projects.map((p) => ({ title: p.title, claim: p.claim, citationId: p.citationId })),
          mustHaves: summary.mustHaves.map((m) => ({ text: m.text, citationId: m.citationId })),
        },
      };
    },
    tools(interview) {
      const search = groundingToolsFor(grounding, interview.id, { limit: PASSAGES_PER_SEARCH });
      return {
        grounding: {
          resumeSearch: async (args, signal) => forModel(await search.resumeSearch(args, signal)),
          roleSearch: async (args, signal) => forModel(await search.roleSearch(args, signal)),
        },
      };
    },
  };
}
