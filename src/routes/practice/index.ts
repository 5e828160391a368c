/**
 * The browser practice line's edge (docs/workspace.md#practice):
 *   GET  /practice/:token             the page (Vite entry src/web/practice.html)
 *   GET  /practice/:token/info        what the page needs before it starts (who, what transcribes speech)
 *   POST /practice/:token/call        claim the link, mint the call's CallSid and single-use stream token
 *   GET  /practice/:token/media       WebSocket: Twilio Media Streams JSON, handed to the phone's own media path
 *   POST /practice/:token/answer      a typed answer (typed-answer mode) into the live call's conversation
 *   GET  /practice/:token/transcript  the page's transcript (from the event log), polled
 * Same headers as the workspace pages (strict CSP, cross-origin isolation, no referrer), except that the
 * microphone is allowed for this origin. Bad links get a friendly page or a plain JSON error with no detail.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { createPracticeRepo, type PracticeCheck } from '../../store/repos/practice.js';
import { createWorkspaceRepo } from '../../store/repos/workspace.js';
import { WEB_DIST, webBuilt } from '../../workspace/web-assets.js';
import { renderFriendlyPage } from '../../workspace/pages.js';
import { practiceTranscript, recordRefusal, startPracticeCall, typedAnswer, type PracticeDeps } from '../../workspace/practice.js';
import { isolationHeaders, WORKSPACE_CSP } from '../workspace/index.js';
import { serveMediaStream } from '../twilio/media.js';

const PAGES = {
  unknown: { title: 'This practice link does not work', body: 'The link may be incomplete or mistyped. Please use the full link the recruiter gave you.' },
  expired: { title: 'This practice link has expired', body: 'Practice links work for a limited time. Please ask the recruiter for a new one.' },
  used: { title: 'This practice link was used already', body: 'A practice interview was already taken with this link. Please ask the recruiter for a new one if you need another go.' },
  building: { title: 'The practice line is starting', body: 'Please reload this page in half a minute.' },
} as const;

const TokenParams = Type.Object({ token: Type.String({ maxLength: 200 }) });
const ErrorBody = Type.Object({ error: Type.String() });
const Transcription = Type.Union([Type.Literal('deepgram'), Type.Literal('simulator')]);
const Info = Type.Object({ candidate: Type.String(), role: Type.String(), transcription: Transcription, expiresAt: Type.String() });
const CallBody = Type.Object({ mode: Type.Union([Type.Literal('voice'), Type.Literal('typed')]) }, { additionalProperties: false });
const CallStarted = Type.Object({
  callSid: Type.String(),
  streamSid: Type.String(),
  accountSid: Type.String(),
  streamToken: Type.String(),
  mediaPath: Type.String(),
  workspaceUrl: Type.String(),
  mode: Type.String(),
  transcription: Transcription,
});
const AnswerBody = Type.Object({ text: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false });
/** `waitMs`: long-poll (hold the request until there is something new), so a live page makes a few requests a
 * minute and stays far below the candidate pages' rate limit (RATE_LIMIT_PAGES_PER_MINUTE). */
const TranscriptQuery = Type.Object({ after: Type.Optional(Type.Integer({ minimum: 0 })), waitMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 25_000 })) });
const LONG_POLL_CHECK_MS = 250;
const TranscriptBody = Type.Object({
  lines: Type.Array(
    Type.Object({ seq: Type.Integer(), who: Type.String(), text: Type.String(), interrupted: Type.Boolean(), typed: Type.Optional(Type.Boolean()) }),
  ),
  lastSeq: Type.Integer(),
  ended: Type.Union([Type.Null(), Type.Object({ status: Type.String(), reason: Type.String() })]),
});

/** The workspace's CSP; `media-src blob:` is not needed (playback is Web Audio, not a media element). */
export const PRACTICE_CSP = WORKSPACE_CSP;

function pageHeaders(reply: FastifyReply): void {
  // The workspace's headers, with the microphone allowed from this origin; never cached.
  isolationHeaders(reply, { microphone: true });
  reply.header('cache-control', 'no-store');
}

const practiceRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, opts) => {
  const { config } = opts;
  const links = createPracticeRepo(app.store.db);
  const publicOrigin = new URL(config.publicUrl).origin;
  const deps: PracticeDeps = {
    store: app.store,
    links,
    workspaceLinks: createWorkspaceRepo(app.store.db),
    registry: app.liveCalls.registry,
    publicUrl: config.publicUrl,
    workspaceLinkMaxAgeMs: config.workspace.linkMaxAgeMs,
    transcription: app.providers.sttIsSimulator ? 'simulator' : 'deepgram',
  };

  app.addHook('onSend', async (_request, reply, payload) => {
    pageHeaders(reply);
    return payload;
  });

  let indexHtml: string | undefined;
  const loadPage = async () => (indexHtml ??= await readFile(join(WEB_DIST, 'practice.html'), 'utf8'));
  const foreign = (request: FastifyRequest) => {
    const origin = request.headers.origin;
    return origin !== undefined && origin !== publicOrigin;
  };
  const refused = async (check: Exclude<PracticeCheck, { ok: true }>) => {
    await recordRefusal(app.store, check);
    app.log.warn({ reason: check.reason, linkId: check.linkId }, 'practice link refused');
    return check.reason === 'malformed' ? 'unknown' : check.reason;
  };
  const refuseJson = async (reply: FastifyReply, check: Exclude<PracticeCheck, { ok: true }>) => {
    const kind = await refused(check);
    return reply.status(kind === 'unknown' ? 404 : 410).send({ error: PAGES[kind].title });
  };

  app.get('/practice/:token', { schema: { params: TokenParams, hide: true }, logLevel: 'warn' }, async (request, reply) => {
    const check = await links.check(request.params.token);
    if (!check.ok) {
      const kind = await refused(check);
      return reply.status(kind === 'unknown' ? 404 : 410).type('text/html; charset=utf-8').send(renderFriendlyPage(kind, PAGES[kind]));
    }
    if (!webBuilt()) return reply.status(503).header('retry-after', '30').type('text/html; charset=utf-8').send(renderFriendlyPage('building', PAGES.building));
    return reply.type('text/html; charset=utf-8').send(await loadPage());
  });

  app.get('/practice/:token/info', { schema: { params: TokenParams, response: { 200: Info, 404: ErrorBody, 410: ErrorBody } }, logLevel: 'warn' }, async (request, reply) => {
    const check = await links.check(request.params.token);
    if (!check.ok) return refuseJson(reply, check);
    const view = await app.store.interviews.get(check.interviewId);
    return { candidate: view?.candidate.name ?? '', role: view?.role.title ?? '', transcription: deps.transcription, expiresAt: check.expiresAt.toISOString() };
  });

  app.post(
    '/practice/:token/call',
    { schema: { params: TokenParams, body: CallBody, response: { 201: CallStarted, 403: ErrorBody, 404: ErrorBody, 410: ErrorBody } }, logLevel: 'warn' },
    async (request, reply) => {
      if (foreign(request)) return reply.status(403).send({ error: 'origin not allowed' });
      const started = await startPracticeCall(deps, request.params.token, request.body.mode);
      if ('reason' in started) return refuseJson(reply, started);
      request.log.info({ callSid: started.callSid, mode: started.mode }, 'practice call started');
      return reply.status(201).send({ ...started, mediaPath: `/practice/${request.params.token}/media` });
    },
  );

  app.get('/practice/:token/media', { websocket: true, schema: { params: TokenParams, hide: true }, logLevel: 'warn' }, async (socket, request) => {
    // A cross-site page holding a leaked link must not drive the call.
    if (foreign(request)) {
      socket.close(4403, 'origin not allowed');
      return;
    }
    // Frames that arrive while the link is checked are kept (in order) for the media connection.
    const early: Buffer[] = [];
    const keep = (data: Buffer) => early.length < 50 && early.push(data);
    socket.on('message', keep);
    const check = await links.check(request.params.token, { allowClaimed: true });
    socket.off('message', keep);
    if (!check.ok || check.callSid === null) {
      if (!check.ok) await refused(check);
      socket.close(1008, 'this practice link is not valid');
      return;
    }
    const callSid = check.callSid;
    serveMediaStream(app, socket, request.log, {
      // The stream token is the single-use check, as on the phone; this binds the socket to the link's own call.
      precheck: async (start) => (start.callSid === callSid ? undefined : 'CallSid does not belong to this practice link'),
    });
    for (const data of early) socket.emit('message', data, false);
  });

  app.post(
    '/practice/:token/answer',
    { schema: { params: TokenParams, body: AnswerBody, response: { 202: Type.Object({ accepted: Type.Boolean() }), 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 410: ErrorBody } }, logLevel: 'warn' },
    async (request, reply) => {
      if (foreign(request)) return reply.status(403).send({ error: 'origin not allowed' });
      const check = await links.check(request.params.token, { allowClaimed: true });
      if (!check.ok) return refuseJson(reply, check);
      const outcome = typedAnswer(deps.registry, check, request.body.text);
      if (outcome === 'not_live') return reply.status(409).send({ error: 'the practice call is not live' });
      return reply.status(202).send({ accepted: true });
    },
  );

  app.get(
    '/practice/:token/transcript',
    { schema: { params: TokenParams, querystring: TranscriptQuery, response: { 200: TranscriptBody, 404: ErrorBody, 409: ErrorBody, 410: ErrorBody } }, logLevel: 'warn' },
    async (request, reply) => {
      const check = await links.check(request.params.token, { allowClaimed: true });
      if (!check.ok) return refuseJson(reply, check);
      if (check.callSid === null) return reply.status(409).send({ error: 'the practice call has not started' });
      const until = Date.now() + (request.query.waitMs ?? 0);
      for (;;) {
        const feed = await practiceTranscript(app.store, check.interviewId, request.query.after ?? 0);
        if (feed.lines.length > 0 || feed.ended || Date.now() >= until || request.raw.destroyed || app.draining) return feed;
        await new Promise((r) => setTimeout(r, LONG_POLL_CHECK_MS));
      }
    },
  );
};

export default practiceRoutes;
