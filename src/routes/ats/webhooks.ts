/**
 * `POST /webhooks/ats/{greenhouse,lever,ashby,generic}` (the default organisation) and `…/<vendor>/<org>`: the
 * signature checked over the raw bytes, then the delivery recorded (deduplicated on the vendor's event id) and
 * handed to the `ats.process` job — the answer goes back before any of the work is done. docs/ats.md.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { AppError, badRequest, notFound } from '../../lib/errors.js';
import { sha256Hex } from '../../lib/secrets.js';
import { ATS_VENDORS, type AtsVendor } from '../../store/schema-ats.js';
import { ATS_JOBS } from '../../ats/process.js';
import { parseAshby, parseGeneric, parseGreenhouse, parseLever, type Parsed } from '../../ats/normalize.js';
import { verifyAshby, verifyGreenhouse, verifyLever, verifyScreenline, type Verdict } from '../../ats/signatures.js';
import { DEFAULT_ORG, ORG_ID, type AtsConnection } from '../../ats/organisations.js';
import type { AtsRepo } from '../../ats/ats-repo.js';
import type { OrganisationsRepo } from '../../ats/organisations.js';

export interface WebhookRouteOptions {
  config: Config;
  orgs: OrganisationsRepo;
  repo: AtsRepo;
  now?: () => number;
  /** Shared with the organisations API, which clears it when a connection changes. */
  cache: Map<string, { at: number; conn: AtsConnection | null; exists: boolean }>;
}

/** Connections are read per delivery; a short cache keeps a burst from re-reading (and re-opening) them. */
const CACHE_MS = 5_000;

export default async function atsWebhookRoutes(app: FastifyInstance, opts: WebhookRouteOptions) {
  const { config, orgs, repo } = opts;
  const now = opts.now ?? Date.now;
  const toleranceMs = config.ats.toleranceSec * 1000;
  const cache = opts.cache;

  // Raw bytes: signatures are over the body exactly as sent. Only JSON is accepted (others: 415 from Fastify).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: config.ats.webhookMaxBytes }, (_req, body, done) => done(null, body));

  const connectionOf = async (org: string, vendor: AtsVendor) => {
    const key = `${org}/${vendor}`;
    const hit = cache.get(key);
    if (hit && now() - hit.at < CACHE_MS) return hit;
    const exists = org === DEFAULT_ORG || (await orgs.get(org)) !== null;
    const entry = { at: now(), conn: exists ? await orgs.connection(org, vendor) : null, exists };
    cache.set(key, entry);
    return entry;
  };

  const handle = (vendor: AtsVendor) => async (request: FastifyRequest<{ Params: { org?: string } }>, reply: FastifyReply) => {
    const org = request.params.org ?? DEFAULT_ORG;
    if (!ORG_ID.test(org)) throw notFound('organisation', org);
    const raw = request.body;
    if (!Buffer.isBuffer(raw) || raw.length === 0) throw badRequest('the body must be a JSON document');
    const { conn, exists } = await connectionOf(org, vendor);
    if (!exists) throw notFound('organisation', org);
    const secret = conn?.webhookSecret;

    let json: unknown;
    const parseJson = () => {
      try {
        json = JSON.parse(raw.toString('utf8')) as unknown;
        return true;
      } catch {
        return false;
      }
    };
    let verdict: Verdict;
    if (vendor === 'lever') {
      // Lever signs fields inside the body, so it has to be read first; nothing is created before the check.
      if (!parseJson()) throw badRequest('the body is not valid JSON');
      verdict = verifyLever((json ?? {}) as Record<string, unknown>, secret, now(), toleranceMs);
    } else if (vendor === 'greenhouse') verdict = verifyGreenhouse(raw, request.headers, secret);
    else if (vendor === 'ashby') verdict = verifyAshby(raw, request.headers, secret);
    else verdict = verifyScreenline(raw, request.headers, secret, now(), toleranceMs);
    if (!verdict.ok) {
      request.log.warn({ vendor, org, reason: verdict.reason }, 'ATS webhook refused');
      throw new AppError(401, 'invalid_signature', `webhook refused: ${verdict.reason}`);
    }
    if (vendor !== 'lever' && !parseJson()) throw badRequest('the body is not valid JSON');
    // PostgreSQL cannot store U+0000 in text or jsonb: refused here (400, the vendor stops retrying), not a 500.
    if (raw.includes('\\u0000')) throw badRequest('the body contains a NUL character (\\u0000), which cannot be stored');

    let parsed: Parsed;
    if (vendor === 'greenhouse') {
      const h = request.headers['greenhouse-event-id'];
      // Without the header a redelivery still has the same bytes: their digest is the event id.
      const eventId = (Array.isArray(h) ? h[0] : h)?.trim() || `sha256-${sha256Hex(raw)}`;
      parsed = parseGreenhouse(json, eventId.slice(0, 200));
    } else if (vendor === 'lever') parsed = parseLever(json);
    else if (vendor === 'ashby') parsed = parseAshby(json);
    else parsed = parseGeneric(json);

    if (parsed.kind === 'malformed') throw badRequest(`malformed ${vendor} delivery: ${parsed.reason}`);
    if (parsed.kind === 'ignored') {
      request.log.info({ vendor, org, action: parsed.action, eventId: parsed.eventId, reason: parsed.reason }, 'ATS webhook ignored');
      return reply.status(200).send({ status: 'ignored', reason: parsed.reason });
    }
    const d = parsed.delivery;
    const recorded = await repo.recordDelivery(org, d);
    if (!recorded) {
      request.log.info({ vendor, org, eventId: d.eventId }, 'ATS webhook already received (duplicate)');
      return reply.status(200).send({ status: 'duplicate' });
    }
    await app.queue.enqueue(ATS_JOBS.process, { deliveryId: recorded.id }, { jobId: `ats-process-${recorded.id}`, attempts: 5, backoffMs: 2000 });
    request.log.info({ vendor, org, eventId: d.eventId, deliveryId: recorded.id, action: d.action }, 'ATS webhook accepted');
    return reply.status(202).send({ status: 'accepted', deliveryId: recorded.id });
  };

  const schema = (vendor: AtsVendor) => ({
    summary: `${vendor[0]!.toUpperCase()}${vendor.slice(1)} webhook (docs/ats.md)`,
    tags: ['ats'],
  });
  for (const vendor of ATS_VENDORS) {
    app.post(`/${vendor}`, { schema: schema(vendor), bodyLimit: config.ats.webhookMaxBytes }, handle(vendor));
    app.post(`/${vendor}/:org`, { schema: schema(vendor), bodyLimit: config.ats.webhookMaxBytes }, handle(vendor));
  }
}
