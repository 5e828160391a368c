/**
 * The recruiter dashboard's pages: `GET /dashboard` (and any path below it: the page routes itself) answers the
 * single-page app, its bundle is under `/dashboard/assets/`. Sign-in and the data go through
 * `/dashboard/session` and the `/api` routes. A strict CSP: scripts, styles and connections from this origin only.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
import { WEB_DIST } from '../../workspace/web-assets.js';

export const DASHBOARD_DIST = join(WEB_DIST, 'dashboard');
export const dashboardBuilt = () => existsSync(join(DASHBOARD_DIST, 'index.html'));

export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  // The decision meters set their width inline.
  "style-src-attr 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export default async function dashboardRoutes(app: FastifyInstance) {
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.url.startsWith('/dashboard') && !request.url.startsWith('/dashboard/session')) {
      reply.header('content-security-policy', DASHBOARD_CSP);
      reply.header('referrer-policy', 'same-origin');
      reply.header('x-content-type-options', 'nosniff');
      reply.header('x-frame-options', 'DENY');
    }
    return payload;
  });

  // Registered even before the bundle exists (a fresh checkout builds it in the background on first start).
  await mkdir(join(DASHBOARD_DIST, 'assets'), { recursive: true });
  await app.register(fastifyStatic, {
    root: join(DASHBOARD_DIST, 'assets'),
    prefix: '/dashboard/assets/',
    decorateReply: false,
    index: false,
    immutable: true,
    maxAge: '365d',
  });

  let indexHtml: string | undefined;
  const page = async (_request: unknown, reply: FastifyReply) => {
    if (!dashboardBuilt()) {
      return reply
        .status(503)
        .type('text/html; charset=utf-8')
        .send('<!doctype html><title>screenline dashboard</title><p>The dashboard is being built (npm run build:web). Reload in a moment.</p>');
    }
    indexHtml ??= await readFile(join(DASHBOARD_DIST, 'index.html'), 'utf8');
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(indexHtml);
  };
  app.get('/dashboard', page);
  app.get('/dashboard/interviews/*', page);
  app.get('/dashboard/new', page);
}
