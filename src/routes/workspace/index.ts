/**
 * The candidate's workspace edge: `GET /w/:token` (the page), `GET /w/:token/live` (its WebSocket), the bundle under
 * `/w/assets/` and Pyodide under `/w/pyodide/`. Every response here is cross-origin isolated (COOP same-origin, COEP
 * require-corp, CORP same-origin: the IDE's interrupt button needs SharedArrayBuffer), carries a strict CSP and
 * `Referrer-Policy: no-referrer` (the token is in the path). Bad links get a friendly page, never a stack or a
 * reason that helps guessing; each refusal is logged and counted.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { Config } from '../../config.js';
import { createWorkspaceRepo, type LinkCheck } from '../../store/repos/workspace.js';
import { PYODIDE_DIR, PYODIDE_FILES, WEB_DIST, webBuilt } from '../../workspace/web-assets.js';
import { friendlyPage } from '../../workspace/pages.js';

export const WORKSPACE_CSP = [
  "default-src 'self'",
  // Pyodide and its stdlib are WebAssembly; nothing else is evaluated.
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  // Monaco injects its own <style> elements.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Cross-origin isolation (Pyodide's interrupts), the strict CSP and no referrer; the practice page adds the microphone. */
export function isolationHeaders(reply: FastifyReply, opts: { microphone?: boolean } = {}): void {
  reply.header('cross-origin-opener-policy', 'same-origin');
  reply.header('cross-origin-embedder-policy', 'require-corp');
  reply.header('cross-origin-resource-policy', 'same-origin');
  reply.header('content-security-policy', WORKSPACE_CSP);
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-content-type-options', 'nosniff');
  reply.header('permissions-policy', `camera=(), microphone=${opts.microphone ? '(self)' : '()'}, geolocation=(), payment=()`);
}

export default async function workspaceRoutes(app: FastifyInstance, opts: { config: Config }) {
  const { config } = opts;
  const repo = createWorkspaceRepo(app.store.db);
  const publicOrigin = new URL(config.publicUrl).origin;

  app.addHook('onSend', async (_request, reply, payload) => {
    isolationHeaders(reply);
    return payload;
  });

  let indexHtml: string | undefined;
  const loadIndex = async () => (indexHtml ??= await readFile(join(WEB_DIST, 'index.html'), 'utf8'));

  await app.register(fastifyStatic, {
    root: join(WEB_DIST, 'assets'),
    prefix: '/w/assets/',
    decorateReply: false,
    index: false,
    immutable: true,
    maxAge: '365d',
  });
  await app.register(fastifyStatic, {
    root: PYODIDE_DIR,
    prefix: '/w/pyodide/',
    decorateReply: false,
    index: false,
    maxAge: '1d',
    wildcard: false,
    allowedPath: (pathName) => PYODIDE_FILES.has(pathName.replace(/^\//, '')),
  });

  const refuse = async (reply: FastifyReply, check: Exclude<LinkCheck, { ok: true }>) => {
    await app.workspace.linkRefused(check);
    const gone = check.reason === 'expired' || check.reason === 'ended' || check.reason === 'revoked';
    return reply
      .status(gone ? 410 : 404)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(friendlyPage(gone ? 'expired' : 'unknown'));
  };

  app.get<{ Params: { token: string } }>('/w/:token', { logLevel: 'warn' }, async (request, reply) => {
    const check = await repo.checkLink(request.params.token, config.workspace.graceMs);
    if (!check.ok) return refuse(reply, check);
    if (!webBuilt()) {
      return reply.status(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').header('retry-after', '30').send(friendlyPage('building'));
    }
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(await loadIndex());
  });

  app.get<{ Params: { token: string } }>('/w/:token/live', { websocket: true, logLevel: 'warn' }, async (socket, request) => {
    // Pages open this from our own origin; a cross-site page holding a leaked link must not drive it.
    const origin = request.headers.origin;
    if (origin && origin !== publicOrigin) {
      app.log.warn({ origin }, 'workspace socket from a foreign origin refused');
      socket.close(4403, 'origin not allowed');
      return;
    }
    const pending: string[] = [];
    const page: { session?: Awaited<ReturnType<typeof app.workspace.connectPage>> } = {};
    let closed = false;
    let chain: Promise<void> = Promise.resolve();
    const handleFrame = (raw: string) => {
      chain = chain.then(() => page.session?.onMessage(raw)).catch((err: unknown) => request.log.error({ err }, 'workspace message failed'));
    };
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      const raw = data.toString('utf8');
      if (page.session) handleFrame(raw);
      else if (pending.length < 20) pending.push(raw);
    });
    socket.on('close', (code: number) => {
      closed = true;
      chain = chain.then(() => page.session?.onClose(`closed ${code}`)).catch((err: unknown) => request.log.error({ err }, 'workspace close failed'));
    });

    const check = await repo.checkLink(request.params.token, config.workspace.graceMs);
    if (!check.ok) {
      await app.workspace.linkRefused(check);
      socket.close(4404, 'this link is no longer valid');
      return;
    }
    if (closed) return;
    const session = await app.workspace.connectPage(
      check,
      {
        send: (msg) => {
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(msg));
        },
        close: (code, reason) => socket.close(code, reason),
      },
      String(request.headers['user-agent'] ?? ''),
    );
    if (closed) {
      await session.onClose('closed before ready');
      return;
    }
    page.session = session;
    for (const raw of pending.splice(0)) handleFrame(raw);
  });
}
