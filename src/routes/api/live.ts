/**
 * GET /api/interviews/:id/live — the interview's event log as Server-Sent Events: everything after `afterSeq`
 * (or the `Last-Event-ID` the browser resends on reconnect) from the database, then each new event as it is
 * appended, from the live feed (any web process, with Redis). Events arrive once, in seq order, with no gaps: a
 * jump in seq (a message reordered across processes) is filled from the database before the later event goes out.
 * Bearer token or the dashboard's session cookie; an interview of another tenant is 404 like any other route.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ServerResponse } from 'node:http';
import { notFound } from '../../lib/errors.js';
import { toFeedEvent, type FeedEvent } from '../../dashboard/live-feed.js';
import { InterviewParams } from './schemas.js';

/** A comment line this often keeps proxies from closing an idle stream. */
export const HEARTBEAT_MS = 15_000;
const PAGE = 1000;

const liveRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.requireApiToken);
  const open = new Set<ServerResponse>();
  // Streams never end on their own: close them when the app closes, or server.close() would wait for them.
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
  });

  app.get(
    '/interviews/:id/live',
    {
      schema: {
        summary: 'Follow the event log live (text/event-stream)',
        description:
          'Server-Sent Events. Each `event: event` carries one stored event as JSON (`interviewId`, `seq`, `at`, `type`, `payload`) with `id: <seq>`; ' +
          'one `event: ready` follows the replay of the stored events (`{"seq": <last seq>}`). Reconnects resume after `Last-Event-ID`.',
        params: InterviewParams,
        querystring: Type.Object({ afterSeq: Type.Optional(Type.Integer({ minimum: 0 })) }),
        produces: ['text/event-stream'],
        response: { 200: Type.String({ description: 'text/event-stream' }) },
      },
    },
    async (request, reply) => {
      const view = await app.store.interviews.get(request.params.id, { tenantId: request.tenantId });
      if (!view) throw notFound('interview', request.params.id);
      const resumeFrom = Number(request.headers['last-event-id']);
      let last = Number.isInteger(resumeFrom) && resumeFrom >= 0 ? resumeFrom : (request.query.afterSeq ?? 0);

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      res.write(': connected\n\n');
      open.add(res);

      let closed = false;
      const write = (e: FeedEvent) => {
        if (closed || e.seq <= last) return;
        last = e.seq;
        res.write(`id: ${e.seq}\nevent: event\ndata: ${JSON.stringify(e)}\n\n`);
      };
      const catchUp = async (upTo = Number.MAX_SAFE_INTEGER) => {
        for (;;) {
          const page = await app.store.events.list(view.id, { afterSeq: last, limit: PAGE });
          for (const e of page) if (e.seq <= upTo) write(toFeedEvent(e));
          if (page.length < PAGE || closed || last >= upTo) return;
        }
      };
      // One at a time, in arrival order: the replay, then each live event (after filling any gap before it).
      let chain: Promise<void> = Promise.resolve();
      const enqueue = (step: () => Promise<void> | void) => {
        chain = chain.then(step).catch((err: unknown) => {
          request.log.warn({ err, interviewId: view.id }, 'live stream: reading the log failed');
          res.end();
        });
      };
      const off = app.liveFeed.subscribe(view.id, (e) =>
        enqueue(async () => {
          if (e.seq <= last) return;
          if (e.seq > last + 1) await catchUp(e.seq - 1);
          write(e);
        }),
      );
      const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
      heartbeat.unref();
      res.on('close', () => {
        closed = true;
        open.delete(res);
        clearInterval(heartbeat);
        off();
      });
      enqueue(async () => {
        await catchUp();
        if (!closed) res.write(`event: ready\ndata: ${JSON.stringify({ seq: last })}\n\n`);
      });
    },
  );
};

export default liveRoutes;
