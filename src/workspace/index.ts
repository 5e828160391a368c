/**
 * The workspace capability's server-side API, for the live call (see docs/workspace.md). `app.workspace` is the
 * hub; `workspaceSurfaceTools` adapts it to the interviewer's `open_ide` / `open_board` tool shape
 * (`SurfaceTools` in src/interview/tools.ts) without this module importing the interviewer.
 */
import type { WorkspaceHub } from './hub.js';

export { WorkspaceHub, verdictSummary, type WorkspaceEvent, type WorkspaceListener, type SendLinkInput, type PageHandle, type PageSession } from './hub.js';
export { ProblemBank, familyFor, normalizeLevel, summarize, type Problem, type ProblemSummary } from './problems.js';
export { Verifier, VerifierBusyError, type VerifyResult, type VerifiedTest, type Verdict } from './verifier/verifier.js';
export { OutboxSms, TwilioSms, readOutbox, linkInBody, maskPhone, TWILIO_OPTED_OUT, type SmsSender, type SmsOutcome, type OutboxMessage } from './sms.js';
export type { ServerMessage, ClientMessage, PageVerified } from './protocol.js';
export { DesignPromptBank, type DesignPrompt } from './board/prompts.js';
export { summariseScene, summaryText, boardProbe, type BoardSummary, type SceneElement } from './board/summarise.js';

export interface SurfaceContext {
  interviewId: string;
  tenantId: string;
  /** The candidate's phone (E.164), for texting the link when no page is open. */
  phone: string;
  roleTitle?: string;
  level?: string;
}

/** While the page is not yet linked to the call, the interviewer asks for the code it shows (docs/workspace.md#binding). */
const bindingAsk = (hub: WorkspaceHub, interviewId: string) =>
  hub.isBindingPending(interviewId) ? ' First ask them to read you the four-digit code at the top of their page, so you know the page is theirs.' : '';

/** `open_ide` for the interviewer: picks a problem for the role, opens it on the page, texts the link if needed. */
export function workspaceSurfaceTools(hub: WorkspaceHub, ctx: SurfaceContext) {
  return {
    async openIde(_args: { problem: string }, signal: AbortSignal): Promise<Record<string, unknown>> {
      const problem = hub.pickProblem({ roleTitle: ctx.roleTitle, level: ctx.level, seed: ctx.interviewId });
      const opened = await hub.openSurface(ctx.interviewId, { kind: 'ide', problemId: problem.id });
      signal.throwIfAborted();
      let linkSent = false;
      let linkStatus: string | undefined;
      if (!hub.isPageConnected(ctx.interviewId)) {
        const sent = await hub.sendLink({ interviewId: ctx.interviewId, tenantId: ctx.tenantId, to: ctx.phone, reason: 'open_ide' });
        linkSent = sent.delivered;
        linkStatus = sent.status;
      }
      return {
        opened: opened.ok,
        problem: { title: problem.title, statement: problem.statement, entry: problem.entry, visibleTests: problem.visibleTests.length, hiddenTests: problem.hiddenTestCount },
        pageOpen: opened.delivered,
        ...(linkStatus ? { linkTexted: linkSent, linkStatus } : {}),
        say: opened.delivered
          ? `The exercise is on their screen now.${bindingAsk(hub, ctx.interviewId)}`
          : linkSent
            ? 'A link to the exercise was just texted; wait while they open it.'
            : 'The link could not be texted; offer to continue without the editor.',
      };
    },
    /** `open_board`: a design prompt from the bank for the role (the model's own prompt text is its hint only). */
    async openBoard(args: { prompt: string }, signal: AbortSignal): Promise<Record<string, unknown>> {
      const byId = hub.designs.get(args.prompt.trim());
      const design = byId ?? hub.pickDesign({ roleTitle: ctx.roleTitle, level: ctx.level, seed: ctx.interviewId });
      const opened = await hub.openBoard(ctx.interviewId, design.id);
      signal.throwIfAborted();
      let linkSent = false;
      let linkStatus: string | undefined;
      if (!hub.isPageConnected(ctx.interviewId)) {
        const sent = await hub.sendLink({ interviewId: ctx.interviewId, tenantId: ctx.tenantId, to: ctx.phone, reason: 'open_board' });
        linkSent = sent.delivered;
        linkStatus = sent.status;
      }
      return {
        opened: opened.ok,
        board: { title: design.title, prompt: design.prompt },
        pageOpen: opened.delivered,
        ...(linkStatus ? { linkTexted: linkSent, linkStatus } : {}),
        say: opened.delivered
          ? `The design board and the prompt are on their screen now. Ask them to talk you through their design as they draw.${bindingAsk(hub, ctx.interviewId)}`
          : linkSent
            ? 'A link to the design board was just texted; wait while they open it.'
            : 'The link could not be texted; continue the design question by voice.',
        howToUse: 'You will see a summary of what they draw at natural breaks. Ask about it; never describe the drawing back to them.',
      };
    },
  };
}
