/**
 * ATS integration: organisations and their connections, `/webhooks/ats/*`, `/api/organisation`, and (where jobs run
 * in this process) the `ats.process` / `ats.writeback` jobs. docs/ats.md.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { Logger } from '../lib/logger.js';
import { secretBoxFromConfig } from '../ats/secret-box.js';
import { createOrganisationsRepo, type AtsConnection, type OrganisationsRepo } from '../ats/organisations.js';
import { createAtsRepo, type AtsRepo } from '../ats/ats-repo.js';
import { registerAtsJobs } from '../ats/jobs.js';
import type { AtsDeps } from '../ats/process.js';
import atsWebhookRoutes from '../routes/ats/webhooks.js';
import organisationRoutes from '../routes/api/organisations.js';

declare module 'fastify' {
  interface FastifyInstance {
    ats: { orgs: OrganisationsRepo; repo: AtsRepo };
  }
}

export interface AtsPluginOptions {
  config: Config;
  /** Run the ATS jobs here even with an injected queue (default: only with the in-process queue). */
  runJobs?: boolean;
  /** Tests: scheduling overrides (SMS), clock, write-back lease. */
  deps?: Pick<AtsDeps, 'scheduling' | 'now'> & { leaseMs?: number };
}

export default fp(
  async function atsPlugin(app: FastifyInstance, opts: AtsPluginOptions) {
    const { config } = opts;
    const box = await secretBoxFromConfig(config);
    const orgs = createOrganisationsRepo(app.store.db, config, box);
    await orgs.ensureDefault();
    const repo = createAtsRepo(app.store.db);
    app.decorate('ats', { orgs, repo });
    const cache = new Map<string, { at: number; conn: AtsConnection | null; exists: boolean }>();
    await app.register(atsWebhookRoutes, { prefix: '/webhooks/ats', config, orgs, repo, cache });
    await app.register(organisationRoutes, { prefix: '/api', config, orgs, cache });
    const here = opts.runJobs ?? app.queue.kind === 'in-process';
    if (here) {
      registerAtsJobs(app.queue, { store: app.store, queue: app.queue, log: app.log as unknown as Logger, config, orgs, repo, grounding: app.grounding, ...opts.deps });
    }
    const configured = (['greenhouse', 'lever', 'ashby', 'generic'] as const).filter((v) =>
      v === 'greenhouse' ? config.ats.greenhouse.webhookSecret : v === 'lever' ? config.ats.lever.signatureToken : v === 'ashby' ? config.ats.ashby.webhookSecret : config.ats.generic.webhookSecret,
    );
    app.adapters.set(
      'ats webhooks',
      `${configured.length ? configured.join(', ') : 'no vendor secret in the environment (deliveries refused)'}; trigger stage "${config.ats.triggerStage}"${box ? '' : '; ATS_SECRETS_KEY unset: organisations cannot store ATS secrets'}${here ? '' : '; jobs in screenline worker'}`,
    );
  },
  { name: 'ats', dependencies: ['store', 'queue', 'grounding', 'adapters', 'auth'] },
);
