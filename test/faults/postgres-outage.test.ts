/**
 * Postgres unavailable during a write: the store talks to a real PostgreSQL through a TCP proxy the test cuts
 * (every connection destroyed, the port closed) while a call's recorder keeps writing. The events are held in
 * order and written once the database is back: none is lost, seq stays gap-free.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { openStore } from '../../src/store/store.js';
import { createLogger } from '../../src/lib/logger.js';
import { createEventRecorder } from '../../src/store/event-recorder.js';
import type { Store } from '../../src/store/index.js';
import { checkPostgres, createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

const pg = await checkPostgres();

function startProxy(port: number, target: { host: string; port: number }): Promise<{ port: number; cut(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve) =>
    server.listen(port, '127.0.0.1', () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        cut: async () => {
          for (const s of sockets) s.destroy();
          await new Promise<void>((r) => server.close(() => r()));
        },
      }),
    ),
  );
}

describe.skipIf(!pg.ok)('Postgres unavailable during a write', () => {
  let db: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await store?.close().catch(() => undefined);
    await db?.drop();
  });

  it('holds the events while the database is gone and writes them all, in order, when it is back', async () => {
    const direct = new URL(db.url);
    let proxy = await startProxy(0, { host: direct.hostname, port: Number(direct.port || 5432) });
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    store = await openStore({ databaseUrl: viaProxy.toString(), dataDir: '/tmp', log: createLogger('silent') });
    const interview = await store.interviews.create({ candidate: { name: 'Pat Postgres', phone: '+14155550188' }, role: { title: 'Backend Engineer' } });
    const logged: string[] = [];
    const log = { ...createLogger('silent'), warn: (_o: unknown, msg: string) => void logged.push(msg), error: (_o: unknown, msg: string) => void logged.push(msg) } as never;
    const recorder = createEventRecorder(store, interview.id, log);
    recorder.record('call.dtmf', { digit: '1' });
    await recorder.flush();

    await proxy.cut();
    for (const digit of ['2', '3', '4']) recorder.record('call.dtmf', { digit });
    await new Promise((r) => setTimeout(r, 1500));
    expect(logged.some((m) => /retrying/.test(m))).toBe(true);
    proxy = await startProxy(proxy.port, { host: direct.hostname, port: Number(direct.port || 5432) });
    recorder.record('call.dtmf', { digit: '5' });
    await recorder.flush();

    const events = await store.events.list(interview.id, { types: ['call.dtmf'] });
    expect(events.map((e) => e.payload.digit)).toEqual(['1', '2', '3', '4', '5']);
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(logged.some((m) => /is lost/.test(m))).toBe(false);
    await store.close();
    await proxy.cut();
  }, 60_000);
});
