/**
 * The API's OpenAPI 3 document, generated from the routes' own TypeBox schemas (`@fastify/swagger`), at
 * `/docs/json` (and `/docs/yaml`), with Swagger UI at `/docs` — its scripts, styles and fonts served from this
 * process (`@fastify/swagger-ui` bundles them), never a CDN. Registered before the routes: its `onRoute` hook
 * gives every `/api` and `/dashboard/session` route the shared error shape for the error statuses it did not
 * declare, and keeps the catalogue of routes the OpenAPI test checks.
 */
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { Config } from '../config.js';
import { ErrorSchema } from '../routes/api/schemas.js';

/** Error statuses every authenticated API route may answer (validation, auth, not found, our fault). */
export const COMMON_ERROR_STATUSES = [400, 401, 403, 404, 429, 500] as const;

export interface CataloguedRoute {
  method: string;
  url: string;
  hasResponseSchema: boolean;
  statuses: string[];
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every `/api/*` route as registered (the OpenAPI test asserts each has response schemas and is documented). */
    apiRoutes: CataloguedRoute[];
  }
}

const documented = (url: string) => url.startsWith('/api/') || url.startsWith('/dashboard/session');

export default fp(
  async function openapiPlugin(app: FastifyInstance, opts: { config: Config }) {
    const routes: CataloguedRoute[] = [];
    app.decorate('apiRoutes', routes);

    app.addHook('onRoute', (route: RouteOptions) => {
      if (!documented(route.url)) return;
      const schema = (route.schema ??= {});
      const response = (schema.response ??= {}) as Record<string, unknown>;
      for (const status of COMMON_ERROR_STATUSES) response[status] ??= ErrorSchema;
      if (route.url.startsWith('/api/') && !(schema as { security?: unknown }).security) {
        (schema as { security?: unknown }).security = [{ bearer: [] }, { session: [] }];
      }
      const tags = (schema as { tags?: string[] }).tags;
      if (!tags?.length) (schema as { tags?: string[] }).tags = [route.url.startsWith('/api/candidates') ? 'candidates' : route.url.startsWith('/api/') ? 'interviews' : 'dashboard'];
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        if (method === 'HEAD') continue;
        // A success status is one below 400; the error ones were just filled in.
        const statuses = Object.keys(response);
        routes.push({ method, url: route.url, hasResponseSchema: statuses.some((s) => /^[123]/.test(s)), statuses });
      }
    });

    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'screenline API',
          version: '1',
          description:
            'The recruiter API: interviews, calls, grounding documents, events (also live, as Server-Sent Events), scorecards, reports, erasure. ' +
            'Every error answers `{ "error": "<code>", "message": "…", "field"?: "…", "requestId": "…" }`. See docs/api.md.',
        },
        servers: [{ url: opts.config.publicUrl }],
        components: {
          securitySchemes: {
            bearer: { type: 'http', scheme: 'bearer', description: 'API_TOKEN, the local token, or one from `screenline token create`' },
            session: { type: 'apiKey', in: 'cookie', name: 'sl_session', description: 'The dashboard session (POST /dashboard/session); state-changing requests also need x-csrf-token' },
          },
        },
      },
      hideUntagged: false,
      // Only the documented surface: the Twilio, workspace and simulator edges are not part of the public API.
      transform: ({ schema, url, route }) => ({ schema: { ...schema, hide: !documented(url) || (schema as { hide?: boolean } | undefined)?.hide }, url, route }) as never,
    });
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      // Everything from this origin; no validator badge (it would fetch validator.swagger.io).
      staticCSP:
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
      uiConfig: { docExpansion: 'list', deepLinking: true, validatorUrl: null },
    });
  },
  { name: 'openapi', dependencies: ['errors'] },
);
