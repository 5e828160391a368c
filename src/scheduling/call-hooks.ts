/** What a finished live call tells scheduling: a spoken "stop calling me" is an opt-out for this number. */
import type { LiveCallHooks } from '../interview/live-call.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../store/store.js';
import { recordOptOut } from './opt-out.js';
import { schedulingRepo } from './repo.js';

export function spokenOptOutHook(store: Store, log: Logger): LiveCallHooks {
  return {
    async onEnded(ended) {
      // live-call.ts ends a call whose candidate asked not to be contacted as `canceled` (cause opt_out).
      if (ended.status !== 'canceled' && ended.status !== 'consent_refused') return;
      const interview = await store.interviews.get(ended.interviewId);
      if (!interview) return;
      if (ended.status === 'canceled') {
        await recordOptOut(store, { tenantId: interview.tenantId, phone: interview.candidate.phone, source: 'spoken', keyword: 'spoken opt-out', interviewId: interview.id });
        log.info({ interviewId: interview.id }, 'spoken opt-out recorded');
      } else {
        // Refusing the AI interview is not refusing contact: no further automated call for this interview.
        await schedulingRepo(store.db).cancelPending(interview.id);
      }
    },
  };
}
