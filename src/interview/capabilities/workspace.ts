/**
 * The candidate's workspace in the live call: once consent is given the candidate is texted the link of this
 * call's workspace; `open_ide` opens an exercise on their page (texting the link again if no page is open); the
 * interviewer's prompts carry the page's compact summary at natural breaks (and, for a vision model, the newest board
 * snapshot and screen frame, each once); when the call ends the link expires
 * after the grace period. While the page shows its binding code, a final transcript that says it binds the two.
 */
import { workspaceSurfaceTools, type WorkspaceHub } from '../../workspace/index.js';
import type { LiveCallHooks } from '../live-call.js';

export function workspaceCallHook(hub: WorkspaceHub): LiveCallHooks {
  return {
    async prepare(interview) {
      return {
        workspace: () => hub.summary(interview.id),
        boardProbe: () => hub.boardProbe(interview.id),
        workspaceImages: () => hub.latestImages(interview.id),
      };
    },
    tools(interview, live) {
      live.surfaces.set('workspace', { close: () => hub.end(interview.id) });
      return {
        surfaces: workspaceSurfaceTools(hub, {
          interviewId: interview.id,
          tenantId: interview.tenantId,
          phone: interview.candidate.phone,
          roleTitle: interview.role.title,
          level: interview.role.level ?? undefined,
        }),
      };
    },
    async observe(type, payload, live) {
      // The candidate reads the page's code aloud: the phone and the browser are bound (a `workspace.binding` event).
      if (type === 'transcript.final' || type === 'transcript.typed') {
        if (typeof payload.text === 'string') await hub.hearBinding(live.interviewId, payload.text);
        return;
      }
      if (type !== 'interview.consent' || payload.action !== 'proceed') return;
      await hub.sendLink({ interviewId: live.interviewId, tenantId: live.tenantId, to: live.interview.candidate.phone, reason: 'consent' });
    },
  };
}
