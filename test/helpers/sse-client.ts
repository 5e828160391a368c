/** A minimal Server-Sent Events client over node:http for tests and the bench (EventSource is browser-only). */
import { request } from 'node:http';
import { parseSse } from './dashboard.js';

export interface SseClient {
  status: Promise<number>;
  events: { event: string; data: unknown; id?: string }[];
  /** Resolves with the first event matching `pred` (already received or later). */
  waitFor(pred: (e: { event: string; data: unknown }) => boolean, timeoutMs?: number): Promise<{ event: string; data: unknown }>;
  onEvent?: (e: { event: string; data: unknown; id?: string }) => void;
  close(): void;
}

export function openSse(url: string, headers: Record<string, string>): SseClient {
  const events: SseClient['events'] = [];
  const waiters: { pred: (e: { event: string; data: unknown }) => boolean; resolve: (e: { event: string; data: unknown }) => void }[] = [];
  let buffer = '';
  let resolveStatus!: (n: number) => void;
  const client: SseClient = {
    status: new Promise<number>((r) => (resolveStatus = r)),
    events,
    waitFor(pred, timeoutMs = 10_000) {
      const hit = events.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('SSE event did not arrive in time')), timeoutMs);
        waiters.push({ pred, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
    close: () => req.destroy(),
  };
  const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
    resolveStatus(res.statusCode ?? 0);
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      const cut = buffer.lastIndexOf('\n\n');
      if (cut < 0) return;
      const complete = buffer.slice(0, cut + 2);
      buffer = buffer.slice(cut + 2);
      for (const raw of parseSse(complete)) {
        const e = { event: raw.event, data: JSON.parse(raw.data) as unknown, id: raw.id };
        events.push(e);
        client.onEvent?.(e);
        for (const w of [...waiters]) {
          if (w.pred(e)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(e);
          }
        }
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  return client;
}
