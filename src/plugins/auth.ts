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
    app.decorate('requireApiToken', async (request: FastifyRequest, reply: FastifyReply) => {
      void reply;
      const header = request.headers.authorization;
      if (!header) throw unauthorized('missing Authorization: Bearer <token> header');
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) throw unauthorized('Authorization header must be "Bearer <token>"');
      const token = match[1]!;
      if (staticToken && safeEqual(token, staticToken)) {
        request.tenantId = DEFAULT_TENANT;
        return;
      }
      const issued = await app.store.apiTokens.verify(token);
      if (!issued) throw unauthorized('invalid or revoked API token');
      request.tenantId = issued.tenantId;
    });
  },
  { name: 'auth', dependencies: ['store', 'adapters'] },
);
