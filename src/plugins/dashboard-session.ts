/**
 * The recruiter dashboard's sign-in: `POST /dashboard/session` with an API token → a sealed session cookie
 * (HttpOnly, SameSite=Strict, Secure when the service is reached over https), `GET` → who is signed in (and the
 * CSRF token, for a reloaded page), `DELETE` → sign out. With the cookie the page calls the same `/api` routes as
 * any client: `requireApiToken` resolves the cookie to the token's tenant, exactly as for a bearer token.
 *
 * CSRF: a state-changing request (anything but GET/HEAD/OPTIONS) made with the cookie must carry the session's
 * CSRF token in `x-csrf-token`, and its `Origin` (browsers always send one on such requests) must be ours.
 * SameSite=Strict already keeps the cookie off cross-site requests; these two checks do not rely on it.
 */
import fp from 'fastify-plugin';
import cookie from '@fastify/cookie';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { AppError } from '../lib/errors.js';
import { localSecret, randomToken, safeEqual } from '../lib/secrets.js';
import { SessionSeal } from '../dashboard/session-seal.js';
import { ErrorSchema } from '../routes/api/schemas.js';

export const SESSION_COOKIE = 'sl_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const forbidden = (code: string, message: string) => new AppError(403, code, message);
const unauthorized = (message: string) => new AppError(401, 'unauthorized', message);

const SessionInfo = Type.Object({
  signedIn: Type.Literal(true),
  tenantId: Type.String(),
  csrfToken: Type.String({ description: `echo it in the ${CSRF_HEADER} header on POST/PUT/PATCH/DELETE` }),
  expiresAt: Type.String({ format: 'date-time' }),
});

export default fp(
  async function dashboardSessionPlugin(app: FastifyInstance, opts: { config: Config }) {
    const { config } = opts;
    const secret =
      config.dashboard.sessionSecret ?? (await localSecret(config.dataDir, 'dashboard-session-secret', () => randomToken('', 32))).value;
    const seal = new SessionSeal(secret);
    if (!app.hasRequestDecorator('cookies')) await app.register(cookie);

    const publicOrigin = new URL(config.publicUrl).origin;
    const secureCookie = (request: FastifyRequest) => config.publicUrl.startsWith('https:') || request.protocol === 'https';
    /** Our own origin: the public URL, or the host this request was addressed to (a local or internal address). */
    const originAllowed = (request: FastifyRequest, origin: string) => {
      if (origin === publicOrigin) return true;
      try {
        return new URL(origin).host === request.host;
      } catch {
        return false;
      }
    };
    const checkOrigin = (request: FastifyRequest) => {
      const origin = request.headers.origin;
      if (origin !== undefined && !originAllowed(request, origin)) throw forbidden('csrf_origin', `requests from ${origin} are not accepted`);
      const site = request.headers['sec-fetch-site'];
      if (site !== undefined && site !== 'same-origin' && site !== 'none') throw forbidden('csrf_origin', 'cross-site requests are not accepted');
    };

    const clearCookie = (request: FastifyRequest, reply: FastifyReply) =>
      reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: secureCookie(request) });

    // The hook requireApiToken calls when a request has no Authorization header.
    app.sessionTenant = async (request) => {
      const raw = request.cookies[SESSION_COOKIE];
      if (!raw) return null;
      const session = seal.open(raw);
      if (!session) throw unauthorized('the dashboard session has expired; sign in again');
      if (!SAFE_METHODS.has(request.method)) {
        checkOrigin(request);
        const sent = request.headers[CSRF_HEADER];
        if (typeof sent !== 'string' || !safeEqual(sent, session.csrf)) throw forbidden('csrf_token', `missing or wrong ${CSRF_HEADER} header`);
      }
      const tenantId = await app.tenantForToken(session.token);
      if (tenantId === null) throw unauthorized('the API token behind this session was revoked; sign in again');
      return tenantId;
    };

    const present = (tenantId: string, csrf: string, expiresAt: number) => ({
      signedIn: true as const,
      tenantId,
      csrfToken: csrf,
      expiresAt: new Date(expiresAt).toISOString(),
    });

    app.post(
      '/dashboard/session',
      {
        schema: {
          tags: ['dashboard'],
          summary: 'Sign in to the dashboard with an API token',
          body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false }),
          response: { 200: SessionInfo, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema },
        },
      },
      async (request, reply) => {
        checkOrigin(request);
        const { token } = request.body as { token: string };
        const tenantId = await app.tenantForToken(token.trim());
        if (tenantId === null) throw unauthorized('invalid or revoked API token');
        const csrf = randomToken('', 24);
        const expiresAt = Date.now() + config.dashboard.sessionTtlMs;
        reply.setCookie(SESSION_COOKIE, seal.seal({ token: token.trim(), csrf, expiresAt }), {
          path: '/',
          httpOnly: true,
          sameSite: 'strict',
          secure: secureCookie(request),
          maxAge: Math.floor(config.dashboard.sessionTtlMs / 1000),
        });
        reply.header('cache-control', 'no-store');
        request.log.info({ tenantId }, 'dashboard sign-in');
        return present(tenantId, csrf, expiresAt);
      },
    );

    app.get(
      '/dashboard/session',
      {
        schema: {
          tags: ['dashboard'],
          summary: 'The signed-in session, or signedIn: false',
          response: { 200: Type.Union([SessionInfo, Type.Object({ signedIn: Type.Literal(false) })]), 401: ErrorSchema },
        },
      },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        const raw = request.cookies[SESSION_COOKIE];
        const session = raw ? seal.open(raw) : null;
        // Not signed in is an answer, not an error: the page asks on every load.
        if (!session) return { signedIn: false as const };
        const tenantId = await app.tenantForToken(session.token);
        if (tenantId === null) {
          clearCookie(request, reply);
          return { signedIn: false as const };
        }
        return present(tenantId, session.csrf, session.expiresAt);
      },
    );

    app.delete(
      '/dashboard/session',
      { schema: { tags: ['dashboard'], summary: 'Sign out', response: { 204: Type.Null(), 401: ErrorSchema, 403: ErrorSchema } } },
      async (request, reply) => {
        // Signing out is state-changing too: the same CSRF checks (a forged sign-out is a nuisance, not harmless).
        const tenantId = await app.sessionTenant!(request);
        if (tenantId === null) throw unauthorized('not signed in');
        clearCookie(request, reply);
        return reply.status(204).send();
      },
    );
  },
  { name: 'dashboard-session', dependencies: ['auth'] },
);
