/**
 * The caller's organisation (the bearer token's): settings (calling window, trigger stage) and ATS connections.
 * Secrets are write-only: the API says whether one is set, never what it is.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Config } from '../../config.js';
import { badRequest, notFound } from '../../lib/errors.js';
import type { AtsVendor } from '../../store/schema-ats.js';
import { DEFAULT_ORG, type AtsConnection, type OrganisationsRepo } from '../../ats/organisations.js';
import { ErrorSchema } from './schemas.js';

const Vendor = Type.Union([Type.Literal('greenhouse'), Type.Literal('lever'), Type.Literal('ashby'), Type.Literal('generic')]);
const ConnectionView = Type.Object({
  vendor: Vendor,
  webhookSecretSet: Type.Boolean(),
  apiKeySet: Type.Boolean(),
  actorId: Type.Union([Type.String(), Type.Null()]),
  apiBaseUrl: Type.Union([Type.String(), Type.Null()]),
  source: Type.Union([Type.Literal('environment'), Type.Literal('organisation')]),
  webhookUrl: Type.String(),
});
const OrganisationView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  settings: Type.Object({
    callWindow: Type.Union([Type.String(), Type.Null()]),
    callDays: Type.Union([Type.String(), Type.Null()]),
    triggerStage: Type.String(),
  }),
  connections: Type.Array(ConnectionView),
});

export interface OrganisationRouteOptions {
  config: Config;
  orgs: OrganisationsRepo;
  cache: Map<string, { at: number; conn: AtsConnection | null; exists: boolean }>;
}

const organisationRoutes: FastifyPluginAsyncTypebox<OrganisationRouteOptions> = async (app, opts) => {
  const { orgs, config } = opts;
  app.addHook('preHandler', app.requireApiToken);
  const webhookUrl = (org: string, vendor: AtsVendor) => `${config.publicUrl}/webhooks/ats/${vendor}${org === DEFAULT_ORG ? '' : `/${org}`}`;

  const view = async (id: string) => {
    if (id === DEFAULT_ORG) await orgs.ensureDefault();
    const org = await orgs.get(id);
    if (!org) throw notFound('organisation', id);
    return {
      id: org.id,
      name: org.name,
      settings: { callWindow: org.settings.callWindow ?? null, callDays: org.settings.callDays ?? null, triggerStage: await orgs.triggerStage(id) },
      connections: (await orgs.connections(id)).map((c) => ({ ...c, webhookUrl: webhookUrl(id, c.vendor) })),
    };
  };

  app.get('/organisation', { schema: { summary: "The caller's organisation: settings and ATS connections (secrets never shown)", tags: ['organisation'], response: { 200: OrganisationView, 404: ErrorSchema } } }, async (request) => view(request.tenantId));

  app.patch(
    '/organisation',
    {
      schema: {
        summary: "Change the organisation's calling window or trigger stage",
        tags: ['organisation'],
        body: Type.Object(
          {
            callWindow: Type.Optional(Type.String({ pattern: '^\\d{1,2}:\\d{2}-\\d{1,2}:\\d{2}$' })),
            callDays: Type.Optional(Type.String({ minLength: 3, maxLength: 40 })),
            triggerStage: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: OrganisationView, 400: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (request) => {
      if (request.tenantId === DEFAULT_ORG) await orgs.ensureDefault();
      const updated = await orgs.updateSettings(request.tenantId, request.body);
      if (!updated) throw notFound('organisation', request.tenantId);
      return view(request.tenantId);
    },
  );

  app.put(
    '/organisation/ats/:vendor',
    {
      schema: {
        summary: 'Connect an ATS (webhook secret, API key for resume and write-back); stored sealed',
        tags: ['organisation'],
        params: Type.Object({ vendor: Vendor }),
        body: Type.Object(
          {
            webhookSecret: Type.Optional(Type.String({ minLength: 8, maxLength: 500 })),
            apiKey: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
            actorId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            apiBaseUrl: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 500 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: ConnectionView, 400: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (request) => {
      try {
        if (!(await orgs.setConnection(request.tenantId, request.params.vendor, request.body))) throw notFound('organisation', request.tenantId);
      } catch (err) {
        if (err instanceof Error && /ATS_SECRETS_KEY/.test(err.message)) throw badRequest(err.message);
        throw err;
      }
      opts.cache.clear();
      const c = (await orgs.connections(request.tenantId)).find((x) => x.vendor === request.params.vendor)!;
      return { ...c, webhookUrl: webhookUrl(request.tenantId, c.vendor) };
    },
  );

  app.delete(
    '/organisation/ats/:vendor',
    { schema: { summary: 'Disconnect an ATS (its webhooks are refused from now on)', tags: ['organisation'], params: Type.Object({ vendor: Vendor }), response: { 204: Type.Null(), 404: ErrorSchema } } },
    async (request, reply) => {
      if (!(await orgs.removeConnection(request.tenantId, request.params.vendor))) throw notFound('ATS connection', request.params.vendor);
      opts.cache.clear();
      return reply.status(204).send(null);
    },
  );
};

export default organisationRoutes;
