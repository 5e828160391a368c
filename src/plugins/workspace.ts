/**
 * `app.workspace`: the candidate's browser workspace on the server side (links, SMS, live page channel, sandboxed
 * code verification). Texts go through Twilio when it is configured, otherwise to the local outbox; both are
 * announced in the banner. The verifier's warm child starts only once a workspace is first used.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram } from 'prom-client';
import type { Config } from '../config.js';
import { createWorkspaceRepo } from '../store/repos/workspace.js';
import { honouringOptOuts, OutboxSms, TwilioSms, type SmsSender } from '../workspace/sms.js';
import { optedOutAnywhere } from '../scheduling/opt-out.js';
import { ProblemBank } from '../workspace/problems.js';
import { Verifier } from '../workspace/verifier/verifier.js';
import { WorkspaceHub } from '../workspace/hub.js';
import { ensureWebBuild } from '../workspace/web-assets.js';

declare module 'fastify' {
  interface FastifyInstance {
    workspace: WorkspaceHub;
  }
}

export interface WorkspacePluginOptions {
  config: Config;
  sms?: SmsSender;
  verifier?: Verifier;
}

export default fp(
  async function workspacePlugin(app: FastifyInstance, opts: WorkspacePluginOptions) {
    const { config } = opts;
    const w = config.workspace;
    // The opt-out register is checked before every text, an injected sender's too (src/scheduling/opt-out.ts).
    const sms = honouringOptOuts(
      opts.sms ?? (app.telephony.rest ? new TwilioSms(app.telephony.rest) : new OutboxSms(config.dataDir)),
      (to) => optedOutAnywhere(app.store, to),
    );
    app.adapters.set('sms', sms.describe());
    const ownedVerifier = !opts.verifier;
    const verifier =
      opts.verifier ??
      new Verifier({
        timeoutMs: w.verifyTimeoutMs,
        concurrency: w.verifyConcurrency,
        warm: w.verifyWarm,
        wasmMemoryMb: w.verifyMemoryMb,
        log: app.log,
      });
    app.adapters.set('code verification', verifier.describe());

    const refused = new Counter({
      name: 'screenline_workspace_links_refused_total',
      help: 'Workspace link uses refused, by reason (malformed, unknown, expired, revoked, ended)',
      labelNames: ['reason'],
      registers: [app.metrics.registry],
    });
    const verified = new Counter({
      name: 'screenline_code_verifications_total',
      help: 'Server-side code verifications, by verdict',
      labelNames: ['verdict'],
      registers: [app.metrics.registry],
    });
    const verifySeconds = new Histogram({
      name: 'screenline_code_verification_seconds',
      help: 'Wall time of one server-side verification (queueing excluded), by cold/warm child',
      labelNames: ['start'],
      buckets: [0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13],
      registers: [app.metrics.registry],
    });

    let warmed = false;
    const hub = new WorkspaceHub({
      store: app.store,
      repo: createWorkspaceRepo(app.store.db),
      sms,
      bank: ProblemBank.load(),
      verifier,
      publicUrl: config.publicUrl,
      bus: app.processBus,
      graceMs: w.graceMs,
      linkMaxAgeMs: w.linkMaxAgeMs,
      submitsPerMinute: w.submitsPerMinute,
      log: app.log,
      // Images go only to a configured model that accepts them (the plan-driven interviewer has no use for them).
      vision: config.openai.vision && Boolean(config.openai.apiKey || config.openai.baseUrl),
      onLinkRefused: (reason) => refused.inc({ reason }),
      onVerified: (r) => {
        verified.inc({ verdict: r.verdict });
        verifySeconds.observe({ start: r.cold ? 'cold' : 'warm' }, r.durationMs / 1000);
      },
      onActive: () => {
        if (warmed) return;
        warmed = true;
        verifier.prewarm();
      },
    });
    app.decorate('workspace', hub);

    // The browser bundle: built by `npm install` (prepare); on a fresh checkout without it, built now in the background.
    ensureWebBuild(app.log, config.nodeEnv);

    app.addHook('onClose', async () => {
      hub.closeAll();
      if (ownedVerifier) await verifier.close();
    });
  },
  { name: 'workspace', dependencies: ['store', 'adapters', 'metrics', 'telephony'] },
);
