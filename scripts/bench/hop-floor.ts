/**
 * npx tsx scripts/bench/hop-floor.ts [--quick]   (also part of `npm run bench`)
 *
 * What one provider round trip costs on this machine before any of our code runs, and what each of our provider
 * clients adds: a client process asks a server process (this one) for a reply that the server holds back on a timer
 * for HOLD_MS, then reports (first reply byte − HOLD_MS), exactly what the load harness's "leg" figures subtract.
 *
 *   plain ws          a `ws` socket already open; one message out, one back (the floor for any socket hop)
 *   plain ws, warm    the same, answered at once and asked again at once: no idle time on either side, so the
 *                     difference to `plain ws` is what waking both processes after an idle stretch costs here
 *   node:http         http.request with a keep-alive agent, first body byte
 *   fetch             Node's fetch (undici), first body byte
 *   elevenlabs http   our ElevenLabs adapter over the HTTP stream endpoint (fetch), against the ElevenLabs simulator
 *   elevenlabs warm   our adapter over a stream-input socket opened ahead (warm-sockets.ts), same simulator
 *   openai sdk        the openai SDK's own streaming chat (fetch + web streams), first text delta, same simulator
 *   openai adapter    our OpenAI adapter's streaming chat (node:http + SSE parser, chat-sse-client.ts), same
 *
 * The rows are what the turn-overhead budget is measured against (docs/operations/capacity.md): on a machine whose
 * floor is 2 ms a hop, three provider hops cost 6 ms before the service has done anything. The holds are precise
 * (precise-wait.ts, and the simulators' own precise timing, as in the load harness): a plain `setTimeout` fires up
 * to ~1 ms late, which would be counted here as the hop's cost.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WebSocket, WebSocketServer } from 'ws';
import { startElevenLabsSim } from '../../src/sim/elevenlabs-sim.js';
import { startOpenAiSim } from '../../src/sim/openai-sim.js';
import { preciseTimer } from '../../src/sim/precise-wait.js';
import { summarize } from './stats.js';

const HOLD_MS = 110;
const SELF = fileURLToPath(import.meta.url);
type Row = { path: string; samples: number[] };

async function client(urls: Record<string, string>, rounds: number): Promise<Row[]> {
  const { ElevenLabsSynthesizer } = await import('../../src/providers/elevenlabs/index.js');
  const { OpenAiModel } = await import('../../src/providers/openai/index.js');
  const { default: OpenAI } = await import('openai');
  const pause = () => new Promise((r) => setTimeout(r, 30));
  const rows: Row[] = [];
  const time = async (path: string, once: () => Promise<number>) => {
    const samples: number[] = [];
    await once(); // connections made, code compiled
    for (let i = 0; i < rounds; i++) {
      await pause();
      samples.push((await once()) - HOLD_MS);
    }
    rows.push({ path, samples });
  };

  const ws = new WebSocket(urls.ws!);
  await new Promise((r) => ws.once('open', r));
  const roundTrip = (ask: string) => {
    const t = performance.now();
    return new Promise<number>((r) => {
      ws.once('message', () => r(performance.now() - t));
      ws.send(ask);
    });
  };
  await time('plain ws', () => roundTrip('go'));
  // Back to back and answered at once (no hold to subtract): the first rounds warm up.
  const warm: number[] = [];
  for (let i = 0; i < rounds + 10; i++) warm.push(await roundTrip('now'));
  rows.push({ path: 'plain ws, warm', samples: warm.slice(10) });
  ws.close();

  const agent = new http.Agent({ keepAlive: true });
  await time('node:http', () => {
    const t = performance.now();
    return new Promise<number>((resolve, reject) => {
      const req = http.request(urls.http!, { method: 'POST', agent }, (res) => {
        res.once('data', () => resolve(performance.now() - t));
        res.resume();
      });
      req.once('error', reject);
      req.end('{}');
    });
  });
  agent.destroy();

  await time('fetch', async () => {
    const t = performance.now();
    const res = await fetch(urls.http!, { method: 'POST', body: '{}' });
    const reader = res.body!.getReader();
    await reader.read();
    const ms = performance.now() - t;
    while (!(await reader.read()).done);
    return ms;
  });

  const tts = new ElevenLabsSynthesizer({ apiKey: 'bench', baseUrl: urls.eleven! });
  const synth = async () => {
    let first = 0;
    for await (const chunk of tts.synthesize('A sentence of ordinary length.', { onFirstByte: (ms) => (first = ms) })) void chunk;
    return first;
  };
  await time('elevenlabs http', synth);
  await time('elevenlabs warm', async () => {
    tts.warm();
    await pause();
    return synth();
  });
  tts.close();

  // What the adapter left behind on the call path, for comparison.
  const sdk = new OpenAI({ apiKey: 'bench', baseURL: urls.openai!, maxRetries: 0 });
  await time('openai sdk', async () => {
    const t = performance.now();
    const stream = await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello.' }], stream: true });
    let first = 0;
    for await (const chunk of stream) if (!first && chunk.choices[0]?.delta.content) first = performance.now() - t;
    if (!first) throw new Error('no text from the simulator');
    return first;
  });
  const llm = new OpenAiModel({ apiKey: 'bench', baseUrl: urls.openai!, model: 'gpt-4o-mini' });
  await time('openai adapter', async () => {
    const t = performance.now();
    let first = 0;
    // Read to the end, as a reply does, so the socket goes back to the pool for the next round.
    for await (const ev of llm.stream({ messages: [{ role: 'user', content: 'Hello.' }] })) {
      if (!first && ev.type === 'text') first = performance.now() - t;
    }
    if (!first) throw new Error('no text from the simulator');
    return first;
  });
  return rows;
}

export interface HopRow {
  path: string;
  n: number;
  p50?: number;
  p99?: number;
  max?: number;
}

/** The server side in this process, the clients in a child (`--client`), as a provider and the service are. */
export async function run(opts: { quick?: boolean } = {}): Promise<HopRow[]> {
  const rounds = opts.quick ? 20 : 60;
  const server = http.createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.flushHeaders();
      preciseTimer(performance.now() + HOLD_MS, () => res.end(Buffer.alloc(1600)));
    });
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (s) =>
    s.on('message', (m) => {
      if (String(m) === 'now') s.send(Buffer.alloc(1600));
      else preciseTimer(performance.now() + HOLD_MS, () => s.send(Buffer.alloc(1600)));
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const eleven = await startElevenLabsSim({ apiKey: 'bench', latency: { firstChunkMs: HOLD_MS }, preciseLatency: true });
  const openai = await startOpenAiSim({ apiKey: 'bench', timeToFirstChunk: { drawMs: () => HOLD_MS }, interTokenDelayMs: 0 });
  try {
    const urls = { ws: `ws://127.0.0.1:${port}/`, http: `http://127.0.0.1:${port}/`, eleven: eleven.baseUrl, openai: openai.baseUrl };
    const child = fork(SELF, ['--client', JSON.stringify(urls), '--rounds', String(rounds)], { execArgv: process.execArgv });
    const rows = await new Promise<Row[]>((resolve, reject) => {
      child.once('message', (m) => resolve(m as Row[]));
      child.once('exit', (code) => reject(new Error(`the hop-floor client exited (${code})`)));
    });
    child.kill();
    return rows.map((r) => ({ path: r.path, ...summarize(r.samples) }));
  } finally {
    await Promise.all([eleven.close(), openai.close()]);
    wss.close();
    server.close();
  }
}

export function hopTable(rows: HopRow[]): string {
  return [
    `Provider round trip floor (scripts/bench/hop-floor.ts; client in its own process; first reply byte − ${HOLD_MS} ms held)`,
    '',
    '| path | rounds | p50 ms | p99 ms | max ms |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.path} | ${r.n} | ${r.p50?.toFixed(2)} | ${r.p99?.toFixed(2)} | ${r.max?.toFixed(2)} |`),
    '',
    'info, no budget: the floor under the load harness’s leg figures (docs/operations/capacity.md)',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '60' }, client: { type: 'string' }, quick: { type: 'boolean' } } });
  if (values.client) {
    const rows = await client(JSON.parse(values.client) as Record<string, string>, Number(values.rounds));
    process.send!(rows);
  } else {
    console.log(hopTable(await run({ quick: values.quick })));
  }
}
