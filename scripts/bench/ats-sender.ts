/**
 * The ATS side of the webhook burst, in a process of its own (as the vendor is): signs and sends the deliveries over
 * HTTP with a fixed number in flight and prints what it saw as one JSON line. Its own CPU (fetch, HMAC, JSON) then
 * never shares the event loop it is measuring. Input on stdin: `{ base, plan, inFlight, warm }`.
 */
import { createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import { text } from 'node:stream/consumers';

export const GREENHOUSE_SECRET = 'bench-greenhouse-secret';
export const GENERIC_SECRET = 'bench-generic-secret';
const hmac = (k: string, d: string) => createHmac('sha256', k).update(d).digest('hex');

/** Delivery i: even ones Greenhouse (stage change to the trigger stage), odd ones the generic hook. */
export function delivery(i: number): { path: string; body: string; headers: Record<string, string> } {
  if (i % 2 === 0) {
    const body = JSON.stringify({
      action: 'candidate_stage_change',
      payload: { application: { id: 500_000 + i, current_stage: { id: 1, name: 'AI Phone Screen' }, candidate: { id: i, first_name: 'Bench', last_name: `Candidate ${i}`, phone_numbers: [{ value: '+14155550142', type: 'mobile' }], email_addresses: [], attachments: [] }, jobs: [{ id: 1, name: 'Backend Engineer' }] } },
    });
    return { path: '/webhooks/ats/greenhouse', body, headers: { 'content-type': 'application/json', signature: `sha256 ${hmac(GREENHOUSE_SECRET, body)}`, 'greenhouse-event-id': `bench-${i}` } };
  }
  const body = JSON.stringify({
    eventId: `bench-${i}`,
    type: 'interview.requested',
    application: { id: `bench-app-${i}` },
    candidate: { name: `Bench Candidate ${i}`, phone: '+13125550199', timezone: 'America/Chicago' },
    role: { title: 'Data Engineer' },
  });
  const ts = String(Math.floor(Date.now() / 1000));
  return { path: '/webhooks/ats/generic', body, headers: { 'content-type': 'application/json', 'x-screenline-timestamp': ts, 'x-screenline-signature': `sha256=${hmac(GENERIC_SECRET, `${ts}.${body}`)}` } };
}

export interface SenderInput {
  base: string;
  /** Delivery numbers in send order (a repeated number is a redelivery). */
  plan: number[];
  inFlight: number;
  /** Delivery numbers sent first, all at once, outside the measurement. */
  warm: number[];
}
export interface SenderOutput {
  times: number[];
  statuses: Record<string, number>;
  burstMs: number;
  /** The sender's own event-loop delay while it sent (p99, ms): a busy sender would inflate the times. */
  senderLagP99Ms: number;
}

async function send(input: SenderInput): Promise<SenderOutput> {
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  // node:http with keep-alive rather than fetch: the sender's own cost per request stays small.
  const agent = new Agent({ keepAlive: true, maxSockets: input.inFlight });
  const url = new URL(input.base);
  const post = (d: ReturnType<typeof delivery>) =>
    new Promise<{ status: number; json: () => Promise<{ status?: string }>; arrayBuffer: () => Promise<void> }>((resolve, reject) => {
      const req = request({ agent, host: url.hostname, port: url.port, path: d.path, method: 'POST', headers: { ...d.headers, 'content-length': Buffer.byteLength(d.body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, json: async () => JSON.parse(text) as { status?: string }, arrayBuffer: async () => undefined });
        });
      });
      req.on('error', reject);
      req.end(d.body);
    });
  await Promise.all(input.warm.map((i) => post(delivery(i)).then((r) => r.arrayBuffer())));
  const sends = input.plan.map((i) => delivery(i));
  const times: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: input.inFlight }, async () => {
      while (next < sends.length) {
        const d = sends[next++]!;
        const s = performance.now();
        const res = await post(d);
        const body = (await res.json()) as { status?: string };
        times.push(performance.now() - s);
        const key = `${res.status} ${body.status ?? ''}`.trim();
        statuses[key] = (statuses[key] ?? 0) + 1;
      }
    }),
  );
  const burstMs = performance.now() - t0;
  lag.disable();
  agent.destroy();
  return { times, statuses, burstMs, senderLagP99Ms: lag.percentile(99) / 1e6 };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  text(process.stdin)
    .then((raw) => send(JSON.parse(raw) as SenderInput))
    .then((out) => process.stdout.write(JSON.stringify(out) + '\n'))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
