/**
 * Recruiter API authentication: `Authorization: Bearer <token>`. Accepts API_TOKEN (or, outside production, a
 * generated local token) and tokens issued with `screenline token create` (stored hashed). Tenancy rides along.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { AppError } from '../lib/errors.js';
import { localSecret, randomToken, safeEqual } from '../lib/secrets.js';

export const DEFAULT_TENANT = 'default';

declare module 'fastify' {
  interface FastifyInstance {
    requireApiToken: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** The tenant a bearer token belongs to, or null (unknown, revoked). The dashboard's session reuses it. */
    tenantForToken: (token: string) => Promise<string | null>;
    /**
     * Set by the dashboard-session plugin: the tenant of a request's session cookie (CSRF-checked for
     * state-changing methods), or null when the request carries no session. Throws 401/403 for a bad one.
     */
    sessionTenant?: (request: FastifyRequest) => Promise<string | null>;
    /** Set when this process generated or loaded the local API token (printed in the banner). */
    localApiToken?: { value: string; created: boolean; path: string };
  }
  interface FastifyRequest {
    tenantId: string;
  }
}

const unauthorized = (message: string) => new AppError(401, 'unauthorized', message);

export default fp(
  async function authPlugin(app: FastifyInstance, opts: { config: Config }) {
    let staticToken = opts.config.apiToken;
    if (!staticToken && opts.config.nodeEnv !== 'production') {
      const local = await localSecret(opts.config.dataDir, 'api-token', () => randomToken('sl_'));
      app.decorate('localApiToken', local);
      staticToken = local.value;
    }
    app.adapters.set(
      'api auth',
      opts.config.apiToken
        ? 'bearer tokens: API_TOKEN and issued tokens'
        : staticToken
          ? `bearer tokens: local token in ${app.localApiToken?.path} and issued tokens`
          : 'bearer tokens: issued tokens only (screenline token create)',
    );

    app.decorateRequest('tenantId', DEFAULT_TENANT);
    const tenantForToken = async (token: string): Promise<string | null> => {
      if (staticToken && safeEqual(token, staticToken)) return DEFAULT_TENANT;
      const issued = await app.store.apiTokens.verify(token);
      return issued ? issued.tenantId : null;
    };
    app.decorate('tenantForToken', tenantForToken);
    app.decorate('sessionTenant', undefined);
    app.decorate('requireApiToken', async (request: FastifyRequest, reply: FastifyReply) => {
      void reply;
      const header = request.headers.authorization;
      if (!header) {
        // The dashboard signs in once and then calls the same API with its session cookie.
        const viaSession = app.sessionTenant ? await app.sessionTenant(request) : null;
        if (viaSession !== null) {
          request.tenantId = viaSession;
          return;
        }
        throw unauthorized('missing Authorization: Bearer <token> header');
      }
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) throw unauthorized('Authorization header must be "Bearer <token>"');
      const tenantId = await tenantForToken(match[1]!);
      if (tenantId === null) throw unauthorized('invalid or revoked API token');
      request.tenantId = tenantId;
    });
  },
  { name: 'auth', dependencies: ['store', 'adapters'] },
);
