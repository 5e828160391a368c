/**
 * The candidate's own page: `GET /c/:token` and its forms (`POST /c/:token/reschedule`, `/opt-out`, `/review`,
 * `/erasure`), answered with a 303 back to the page and a notice. The token (texted with the heads-up) is the
 * only credential; bad or expired links get a friendly page. No script runs on the page (CSP `script-src
 * 'none'`), forms post only to us, nothing is cached, and no referrer leaves with the token. A POST from another
 * site (Origin or Sec-Fetch-Site) is refused.
 */
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Config } from '../../config.js';
import type { EmailSender } from '../../providers/email.js';
import { emailFromConfig } from '../../jobs/handlers.js';
import { AppError } from '../../lib/errors.js';
import { schedulingRepo } from '../../scheduling/repo.js';
import { candidateOptOut, candidateRequest, candidateReschedule, candidateView, phaseOf } from '../../scheduling/candidate-view.js';
import { appendEvent } from '../../store/events/index.js';
import { candidatePage, candidateProblemPage } from './page.js';

export const CANDIDATE_CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "img-src 'self' data:",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TokenParams = Type.Object({ token: Type.String({ maxLength: 64 }) });
type TokenParams = Static<typeof TokenParams>;
const NoticeQuery = Type.Object({ done: Type.Optional(Type.String({ maxLength: 20 })) });
const SlotBody = Type.Object({ slot: Type.String({ maxLength: 40 }) }, { additionalProperties: true });
const MessageBody = Type.Object({ message: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: true });

export default async function candidateRoutes(app: FastifyInstance, opts: { config: Config; email?: EmailSender }) {
  const { config } = opts;
  const email = opts.email ?? emailFromConfig(config);
  const origin = new URL(config.publicUrl).origin;
  await app.register(formbody, { bodyLimit: 16 * 1024 });

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', CANDIDATE_CSP);
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('cross-origin-resource-policy', 'same-origin');
    reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()');
    reply.header('cache-control', 'no-store');
    return payload;
  });

  const html = (reply: FastifyReply, status: number, body: string) => reply.status(status).type('text/html; charset=utf-8').send(body);
  const unknownLink = (reply: FastifyReply) =>
    html(reply, 404, candidateProblemPage('This link does not work', 'The link may be incomplete, mistyped or expired. Please use the full link from our most recent text message, or contact the recruiter.'));

  async function resolve(request: FastifyRequest<{ Params: TokenParams }>) {
    const now = app.scheduling.now?.() ?? new Date();
    const link = await schedulingRepo(app.store.db).resolveLink(request.params.token, now);
    if (!link) return null;
    const interview = await app.store.interviews.get(link.interviewId, { tenantId: link.tenantId });
    return interview ? { link, interview } : null;
  }

  /** Forms post only from our own page: a cross-site POST is refused even with a valid token. */
  function sameSite(request: FastifyRequest): boolean {
    const o = request.headers.origin;
    if (typeof o === 'string' && o !== 'null' && o !== origin) return false;
    if (o === 'null') return false;
    const site = request.headers['sec-fetch-site'];
    return site === undefined || site === 'same-origin' || site === 'none';
  }

  const page = (token: string) => `/c/${token}`;

  app.get<{ Params: TokenParams; Querystring: Static<typeof NoticeQuery> }>(
    '/c/:token',
    { schema: { params: TokenParams, querystring: NoticeQuery, hide: true }, logLevel: 'warn' },
    async (request, reply) => {
      const found = await resolve(request);
      if (!found) return unknownLink(reply);
      const view = await candidateView(app.scheduling, found.interview);
      if (!request.query.done) await appendEvent(app.store, found.interview.id, 'candidate.link_opened', { linkId: found.link.linkId, phase: view.phase });
      return html(reply, 200, candidatePage(view, page(request.params.token), { notice: request.query.done }));
    },
  );

  /** Runs one form action; AppErrors meant for the candidate re-render the page with the message. */
  function action<B>(name: string, schema: object | undefined, run: (ctx: { found: NonNullable<Awaited<ReturnType<typeof resolve>>>; body: B }) => Promise<string>) {
    app.post<{ Params: TokenParams; Body: B }>(
      `/c/:token/${name}`,
      { schema: { params: TokenParams, ...(schema ? { body: schema } : {}), hide: true } },
      async (request, reply) => {
        if (!sameSite(request)) return html(reply, 403, candidateProblemPage('Not allowed', 'Please use the buttons on your own page.'));
        const found = await resolve(request);
        if (!found) return unknownLink(reply);
        try {
          const done = await run({ found, body: request.body as B });
          return reply.status(303).header('location', `${page(request.params.token)}?done=${done}`).send();
        } catch (err) {
          if (err instanceof AppError && err.expose && err.statusCode < 500) {
            const view = await candidateView(app.scheduling, found.interview);
            return html(reply, err.statusCode === 400 ? 400 : 409, candidatePage(view, page(request.params.token), { error: err.message }));
          }
          throw err;
        }
      },
    );
  }

  action<Static<typeof SlotBody>>('reschedule', SlotBody, async ({ found, body }) => {
    await candidateReschedule(app.scheduling, found.interview, found.link.linkId, body.slot);
    return 'rescheduled';
  });
  action<unknown>('opt-out', undefined, async ({ found }) => {
    await candidateOptOut(app.scheduling, found.interview);
    return 'opted_out';
  });
  for (const kind of ['review', 'erasure'] as const) {
    action<Static<typeof MessageBody>>(kind, MessageBody, async ({ found, body }) => {
      if (phaseOf(found.interview.status) !== 'after') throw new AppError(409, 'not_yet', 'You can ask for this once your interview has taken place.', { expose: true });
      await candidateRequest({ ...app.scheduling, email }, found.interview, { kind, linkId: found.link.linkId, message: body?.message ?? '' });
      return kind;
    });
  }
}
