/**
 * The carrier edge's infrastructure: the Twilio auth token that signs every webhook and stream (fail closed
 * without one), the REST client when credentials are set, the WebSocket server with its frame cap, and the
 * drain of the live calls (the registry lives in plugins/live-calls.ts).
 */
import fp from 'fastify-plugin';
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { localSecret } from '../lib/secrets.js';
import { timedOut } from '../lib/abort.js';
import { randomBytes } from 'node:crypto';
import { TwilioRest } from '../telephony/twilio/rest.js';
import { MAX_FRAME_BYTES } from '../telephony/twilio/media-serializer.js';
import { DRAIN_CLOSING_LINE } from '../interview/recovery/drain.js';
import { recordLiveCalls, sweepOrphanRecordings } from '../interview/capabilities/recording.js';

export interface Telephony {
  /** Signs webhooks and streams; undefined means every Twilio request is refused. */
  authToken?: string;
  /** Where a locally generated token lives (the simulator reads it). */
  authTokenPath?: string;
  rest?: TwilioRest;
}

declare module 'fastify' {
  interface FastifyInstance {
    telephony: Telephony;
  }
}

export default fp(
  async function telephonyPlugin(app: FastifyInstance, opts: { config: Config; rest?: TwilioRest }) {
    const { config } = opts;
    let authToken = config.twilio.authToken;
    let authTokenPath: string | undefined;
    if (!authToken && config.nodeEnv !== 'production') {
      const local = await localSecret(config.dataDir, 'twilio-auth-token', () => randomBytes(16).toString('hex'));
      authToken = local.value;
      authTokenPath = local.path;
    }
    const { accountSid, fromNumber } = config.twilio;
    const rest =
      opts.rest ??
      (accountSid && config.twilio.authToken && fromNumber
        ? new TwilioRest({ accountSid, authToken: config.twilio.authToken, fromNumber, apiBaseUrl: config.twilio.apiBaseUrl, ringTimeoutSec: config.twilio.ringTimeoutSec })
        : undefined);
    app.decorate('telephony', { authToken, authTokenPath, rest });

    app.adapters.set(
      'telephony',
      rest
        ? `${rest.describe()} + media streams at ${config.publicUrl.replace(/^http/, 'ws')}/twilio/media`
        : authToken
          ? `caller simulator only (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER for real calls); webhooks signed with ${authTokenPath ? `the local token in ${authTokenPath}` : 'TWILIO_AUTH_TOKEN'}`
          : 'refusing all Twilio webhooks: TWILIO_AUTH_TOKEN is not set',
    );

    // Every call's audio, as a stereo WAV artifact of its interview (interview/capabilities/recording.ts).
    if (config.twilio.recording) {
      recordLiveCalls(app.liveCalls.registry, { store: app.store, log: app.log });
      // Before serving: what a process killed mid-call left behind (one directory read).
      app.addHook('onReady', async () => {
        const n = await sweepOrphanRecordings(app.store.artifacts.root).catch((err: unknown) => {
          app.log.warn({ err }, 'could not sweep partial recordings');
          return 0;
        });
        if (n > 0) app.log.info({ removed: n }, 'removed the partial recordings of calls whose process died');
      });
    }
    app.adapters.set('call recording', config.twilio.recording ? `stereo WAV per call (left: caller, right: agent) in ${app.store.artifacts.root}` : 'off (CALL_RECORDING=off): no call audio is kept');

    await app.register(websocket, {
      // Twilio frames are ~300 bytes; anything near this cap is not Twilio. ws closes such sockets with 1009.
      options: { maxPayload: MAX_FRAME_BYTES },
      preClose: async function drainCalls(this: FastifyInstance) {
        const live = app.liveCalls.registry;
        if (live.size) app.log.info({ liveCalls: live.size, drainTimeoutMs: config.drainTimeoutMs }, 'waiting for live calls');
        if (live.size && (await timedOut(live.whenIdle(), config.drainTimeoutMs))) {
          // Out of time: each call hears why it ends and that we will call back (the callback is planned on its end).
          await Promise.all([...live.values()].map((call) => call.session.closeWith(DRAIN_CLOSING_LINE, 'draining', { cause: 'draining' })));
        }
        // Let each ended call finish its clean-up (status, log) before the database closes.
        await timedOut(live.whenIdle(), 5000);
        for (const client of this.websocketServer.clients) client.close(1001, 'server shutting down');
        await new Promise<void>((resolve) => this.websocketServer.close(() => resolve()));
      },
    });
  },
  { name: 'telephony', dependencies: ['adapters', 'live-calls'] },
);
