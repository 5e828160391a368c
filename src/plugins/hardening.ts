/**
 * Hardening for every route: security headers (helmet; the workspace pages replace CSP/COOP/COEP/CORP with their
 * own stricter set), rate limits on the public, unauthenticated routes (keyed by class and client IP, answered
 * 429 with a reason and Retry-After), per-route body limits, and no caching of API answers.
 *
 * Twilio webhooks and the media socket are not rate limited: every request is signed (refused before any work
 * when it is not) and all calls arrive from Twilio's few addresses, so a per-IP limit would only drop real calls.
 */
import fp from 'fastify-plugin';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter } from 'prom-client';
import type { Config } from '../config.js';
import { AppError } from '../lib/errors.js';

export type RateClass = 'pages' | 'assets' | 'sign_in' | 'webhooks';

/** Body limits by route family; JSON elsewhere uses the server's (app.ts), uploads their own parser's. */
export const BODY_LIMITS = { twilio: 64 * 1024, webhooks: 256 * 1024 } as const;

const SIGN_IN = /^\/(?:dashboard\/)?(?:sign-in|signin|login|session)(?:\/|$)|^\/api\/(?:auth|session|sign-in)(?:\/|$)/;

/** Which limit a request falls under, from its path (undefined: not rate limited). */
export function rateClassOf(url: string, method = 'GET'): RateClass | undefined {
  const path = url.split('?')[0] ?? url;
  if (path.startsWith('/twilio/')) return undefined;
  if (path.startsWith('/w/assets/') || path.startsWith('/w/pyodide/')) return 'assets';
  if (path.startsWith('/w/') || path.startsWith('/c/') || path === '/practice' || path.startsWith('/practice/')) return 'pages';
  // Signing in is a POST; reading or ending the session is not an attempt to guess a token.
  if (SIGN_IN.test(path)) return method === 'POST' ? 'sign_in' : undefined;
  if (path.startsWith('/webhooks/')) return 'webhooks';
  return undefined;
}

const WHAT: Record<RateClass, string> = {
  pages: 'page requests',
  assets: 'file requests',
  sign_in: 'sign-in attempts',
  webhooks: 'webhook deliveries',
};

export default fp(
  async function hardeningPlugin(app: FastifyInstance, opts: { config: Config }) {
    const { config } = opts;
    const limits = config.ops.rateLimits;
    const perMinute: Record<RateClass, number> = {
      pages: limits.pagesPerMinute,
      assets: limits.assetsPerMinute,
      sign_in: limits.signInPerMinute,
      webhooks: limits.webhooksPerMinute,
    };

    await app.register(helmet, {
      // A strict default for every page; a route that needs more (the workspace) sets its own header.
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
      // require-corp is set by the workspace pages (they need cross-origin isolation); elsewhere it only costs.
      crossOriginEmbedderPolicy: false,
      referrerPolicy: { policy: 'no-referrer' },
      // HSTS means something only over https; over plain http (local mode) browsers ignore it anyway.
      strictTransportSecurity: config.publicUrl.startsWith('https:') ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    });

    const limited = new Counter({
      name: 'screenline_rate_limited_total',
      help: 'Requests refused with 429 by the rate limits, by class (pages, assets, sign_in, webhooks)',
      labelNames: ['class'],
      registers: [app.metrics.registry],
    });
    const classOf = (request: FastifyRequest): RateClass | undefined => {
      const cls = rateClassOf(request.url, request.method);
      return cls && perMinute[cls] > 0 ? cls : undefined;
    };
    await app.register(rateLimit, {
      global: true,
      timeWindow: 60_000,
      // Unclassified routes (the authenticated API, Twilio, health) are never counted.
      allowList: (request) => classOf(request) === undefined,
      max: (request) => perMinute[classOf(request) ?? 'pages'],
      keyGenerator: (request) => {
        const cls = rateClassOf(request.url, request.method) ?? 'none';
        // ATS vendors get a bucket each, so one noisy integration cannot starve the others.
        const vendor = cls === 'webhooks' ? `:${request.url.split('?')[0]!.split('/')[3] ?? ''}` : '';
        return `${cls}${vendor}:${request.ip}`;
      },
      onExceeded: (request) => {
        const cls = classOf(request);
        if (cls) limited.inc({ class: cls });
        request.log.warn({ rateClass: cls, ip: request.ip }, 'rate limit reached');
      },
      errorResponseBuilder: (request, context) => {
        const cls = classOf(request) ?? 'pages';
        return new AppError(429, 'rate_limited', `too many ${WHAT[cls]} from your address (limit ${context.max} per minute); try again in ${context.after}`);
      },
    });

    app.addHook('onRoute', (route) => {
      if (route.bodyLimit !== undefined) return;
      if (route.url.startsWith('/twilio/')) route.bodyLimit = BODY_LIMITS.twilio;
      else if (route.url.startsWith('/webhooks/')) route.bodyLimit = BODY_LIMITS.webhooks;
    });

    // API answers carry candidate data: never cached by a browser or a proxy unless a route says otherwise.
    app.addHook('onSend', async (request, reply, payload) => {
      if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
      return payload;
    });
  },
  { name: 'hardening', dependencies: ['metrics'] },
);
