/** The ATS jobs in `screenline worker` (BullMQ): the same handlers as the web process, with their own grounding service. */
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';
import type { JobQueue } from '../jobs/queue.js';
import type { Logger } from '../lib/logger.js';
import type { GroundingService } from '../grounding/index.js';
import { createOrganisationsRepo } from './organisations.js';
import { createAtsRepo } from './ats-repo.js';
import { secretBoxFromConfig } from './secret-box.js';
import { registerAtsJobs } from './jobs.js';

export async function registerAtsWorkerJobs(config: Config, store: Store, queue: JobQueue, log: Logger, grounding: GroundingService): Promise<string[]> {
  const orgs = createOrganisationsRepo(store.db, config, await secretBoxFromConfig(config));
  return registerAtsJobs(queue, { store, queue, log, config, orgs, repo: createAtsRepo(store.db), grounding });
}
