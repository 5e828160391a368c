/**
 * The cross-process bus: its three adapters (in-process, cluster IPC through a relay that does what the primary
 * does, Redis pub/sub on the local server), and the workspace hub over it: a page connected to one process and the
 * call held by another still hear each other.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterIpcBus, InProcessBus, RedisBus, isBusEnvelope, type BusEnvelope, type IpcChannel } from '../../src/cluster/process-bus.js';
import { servingPlan } from '../../src/cluster/supervisor.js';
import { openStore, PGLITE_MEMORY_URL, type Store } from '../../src/store/store.js';
import { createWorkspaceRepo } from '../../src/store/repos/workspace.js';
import { WorkspaceHub, type WorkspaceEvent } from '../../src/workspace/hub.js';
import { OutboxSms } from '../../src/workspace/sms.js';
import { ProblemBank } from '../../src/workspace/problems.js';
import type { Verifier } from '../../src/workspace/verifier/verifier.js';
import type { ServerMessage } from '../../src/workspace/protocol.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { testPgliteImage } from '../helpers/pglite-image.js';
import { waitFor } from '../helpers/wait-for.js';

const until = async (check: () => boolean, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** Three "workers" whose IPC goes through one relay that forwards each envelope to every other worker. */
function ipcCluster(n: number): ClusterIpcBus[] {
  const handlers: ((m: unknown) => void)[][] = Array.from({ length: n }, () => []);
  const channels: IpcChannel[] = handlers.map((own, i) => ({
    send: (m: BusEnvelope) => queueMicrotask(() => handlers.forEach((hs, j) => j !== i && hs.forEach((h) => h(structuredClone(m))))),
    onMessage: (h) => {
      own.push(h);
      return () => own.splice(own.indexOf(h), 1);
    },
  }));
  return channels.map((c) => new ClusterIpcBus(c));
}

describe('servingPlan', () => {
  it('serves from one process on embedded PGlite and says why; several with DATABASE_URL', () => {
    const pglite = servingPlan({ webConcurrency: 2 });
    expect(pglite.processes).toBe(1);
    expect(pglite.reason).toMatch(/PGlite database has one owner.*set DATABASE_URL/);
    const pg = servingPlan({ webConcurrency: 2, databaseUrl: 'postgres://x/y' });
    expect(pg).toMatchObject({ processes: 2, requested: 2 });
    expect(pg.notes.join(' ')).toMatch(/cluster IPC/);
    expect(servingPlan({ webConcurrency: 2, databaseUrl: 'postgres://x/y', redisUrl: 'redis://x' }).notes.join(' ')).toMatch(/Redis pub\/sub/);
    expect(servingPlan({ webConcurrency: 1, databaseUrl: 'postgres://x/y' }).processes).toBe(1);
  });
});

describe('ProcessBus adapters', () => {
  it('in-process: every subscriber of the topic, synchronously; unsubscribe stops delivery; a throwing handler is contained', () => {
    const errors: unknown[] = [];
    const bus = new InProcessBus((err) => errors.push(err));
    const got: unknown[] = [];
    const off = bus.subscribe('a', (m) => got.push(m));
    bus.subscribe('a', () => {
      throw new Error('boom');
    });
    bus.subscribe('b', (m) => got.push(['b', m]));
    bus.publish('a', { n: 1 });
    off();
    bus.publish('a', { n: 2 });
    expect(got).toEqual([{ n: 1 }]);
    expect(errors).toHaveLength(2);
  });

  it('cluster IPC: a publish reaches this worker once and every other worker once, through the relay', async () => {
    const buses = ipcCluster(3);
    const got: string[][] = buses.map(() => []);
    buses.forEach((b, i) => b.subscribe('t', (m) => got[i]!.push(String((m as { v: string }).v))));
    buses[0]!.publish('t', { v: 'x' });
    buses[2]!.publish('t', { v: 'y' });
    await until(() => got.every((g) => g.length === 2));
    expect(got.map((g) => g.sort())).toEqual([
      ['x', 'y'],
      ['x', 'y'],
      ['x', 'y'],
    ]);
    expect(isBusEnvelope({ screenlineBus: 1, origin: 'o', topic: 't', message: 1 })).toBe(true);
    expect(isBusEnvelope({ topic: 't' })).toBe(false);
  });

  it('Redis: two processes hear each other once; the publisher hears itself once (not again via Redis)', async () => {
    const prefix = `screenline-test-bus-${randomBytes(4).toString('hex')}:`;
    const a = new RedisBus(TEST_REDIS_URL, undefined, prefix);
    const b = new RedisBus(TEST_REDIS_URL, undefined, prefix);
    try {
      await Promise.all([a.whenReady(), b.whenReady()]);
      const gotA: unknown[] = [];
      const gotB: unknown[] = [];
      a.subscribe('call:1', (m) => gotA.push(m));
      b.subscribe('call:1', (m) => gotB.push(m));
      a.publish('call:1', { from: 'a' });
      b.publish('call:1', { from: 'b' });
      await until(() => gotA.length >= 2 && gotB.length >= 2);
      await new Promise((r) => setTimeout(r, 100)); // any duplicate would have arrived by now
      expect(gotA).toEqual([{ from: 'a' }, { from: 'b' }]);
      expect(gotB).toEqual([{ from: 'b' }, { from: 'a' }]);
      expect(a.describe()).toMatch(/Redis pub\/sub at 127\.0\.0\.1:6379/);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('workspace hub across processes', () => {
  let store: Store;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'screenline-bus-'));
    store = await openStore({ databaseUrl: PGLITE_MEMORY_URL, dataDir, pgliteImage: await testPgliteImage() });
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const hubOn = (bus: RedisBus | ClusterIpcBus, vision = false) =>
    new WorkspaceHub({
      store,
      repo: createWorkspaceRepo(store.db),
      sms: new OutboxSms(dataDir),
      bank: ProblemBank.load(),
      // No submission is verified in this test; the hub only holds the verifier for submit().
      verifier: {} as Verifier,
      publicUrl: 'http://127.0.0.1:1',
      graceMs: 0,
      linkMaxAgeMs: 3_600_000,
      submitsPerMinute: 6,
      log: { info: () => {}, warn: () => {}, error: () => {} },
      bus,
      vision,
    });

  for (const transport of ['redis', 'cluster-ipc'] as const) {
    it(`${transport}: the page on process B reaches the call on process A, and A's surface and end reach the page`, async () => {
      const prefix = `screenline-test-ws-${randomBytes(4).toString('hex')}:`;
      const [busA, busB] = transport === 'redis' ? [new RedisBus(TEST_REDIS_URL, undefined, prefix), new RedisBus(TEST_REDIS_URL, undefined, prefix)] : ipcCluster(2);
      if (busA instanceof RedisBus && busB instanceof RedisBus) await Promise.all([busA.whenReady(), busB.whenReady()]);
      const callSide = hubOn(busA!);
      const pageSide = hubOn(busB!);
      try {
        const iv = await store.interviews.create({ candidate: { name: 'Ada Bus', phone: '+14155550999' }, role: { title: 'Backend Engineer', level: 'mid' } });
        const heard: WorkspaceEvent[] = [];
        callSide.attach(iv.id, { onEvent: (ev) => heard.push(ev) });
        expect(callSide.isPageConnected(iv.id)).toBe(false);

        const toPage: ServerMessage[] = [];
        const session = await pageSide.connectPage({ interviewId: iv.id, tenantId: 'default', linkId: 'link1' }, { send: (m) => toPage.push(m), close: () => {} }, 'test');
        await until(() => heard.some((e) => e.type === 'opened'));
        expect(callSide.isPageConnected(iv.id)).toBe(true);

        // The interviewer (on A) opens the IDE: the page (on B) gets the surface, and A knows it was delivered.
        const problem = callSide.pickProblem({ roleTitle: 'Backend Engineer' });
        const opened = await callSide.openSurface(iv.id, { kind: 'ide', problemId: problem.id });
        expect(opened.delivered).toBe(true);
        await until(() => toPage.some((m) => m.type === 'surface'));

        // The candidate runs the tests on B: A's listener hears it and A's summary for the interviewer says so.
        await session.onMessage(JSON.stringify({ type: 'run', passed: 2, total: 3, failing: ['empty input'], outcome: 'completed', durationMs: 40 }));
        await until(() => heard.some((e) => e.type === 'run'));
        expect(callSide.summary(iv.id)).toMatch(/2 of 3 pass; failing: empty input/);

        // The call ends on A: the page on B is told.
        await callSide.end(iv.id);
        await until(() => toPage.some((m) => m.type === 'ended'));

        await session.onClose('closed by test');
        await until(() => heard.some((e) => e.type === 'closed'));
        expect(callSide.isPageConnected(iv.id)).toBe(false);
      } finally {
        await Promise.all([busA!.close(), busB!.close()]);
      }
    });
  }

  for (const transport of ['redis', 'cluster-ipc'] as const) {
    it(`${transport}: the board and the screen share on the page's process reach the interviewer on the call's process, and its requests reach the page`, async () => {
      const prefix = `screenline-test-media-${randomBytes(4).toString('hex')}:`;
      const [busA, busB] = transport === 'redis' ? [new RedisBus(TEST_REDIS_URL, undefined, prefix), new RedisBus(TEST_REDIS_URL, undefined, prefix)] : ipcCluster(2);
      if (busA instanceof RedisBus && busB instanceof RedisBus) await Promise.all([busA.whenReady(), busB.whenReady()]);
      const callSide = hubOn(busA!, true);
      const pageSide = hubOn(busB!, true);
      try {
        const iv = await store.interviews.create({ candidate: { name: 'Grace Board', phone: '+14155550998' }, role: { title: 'Backend Engineer', level: 'senior' } });
        const detach = callSide.attach(iv.id, { onEvent: () => {} });
        const toPage: ServerMessage[] = [];
        const session = await pageSide.connectPage({ interviewId: iv.id, tenantId: 'default', linkId: 'link2' }, { send: (m) => toPage.push(m), close: () => {} }, 'test');
        await until(() => callSide.isPageConnected(iv.id));

        // The interviewer (on A) opens the board: the page (on B) shows it, and B's room takes the page's scenes.
        const design = callSide.pickDesign({ roleTitle: 'Backend Engineer', seed: iv.id });
        expect(await callSide.openBoard(iv.id, design.id)).toMatchObject({ ok: true, delivered: true });
        await until(() => toPage.some((m) => m.type === 'board'));
        expect(callSide.summary(iv.id)).toMatch(/design board open \(".+"\), nothing drawn yet/);

        const scene = [
          { id: 'api', type: 'rectangle', x: 0, y: 0, width: 100, height: 60, boundElements: [{ id: 'api-t', type: 'text' }] },
          { id: 'api-t', type: 'text', x: 10, y: 20, width: 80, height: 20, text: 'API gateway', containerId: 'api' },
          { id: 'db', type: 'rectangle', x: 300, y: 0, width: 100, height: 60, boundElements: [{ id: 'db-t', type: 'text' }] },
          { id: 'db-t', type: 'text', x: 310, y: 20, width: 80, height: 20, text: 'Postgres', containerId: 'db' },
          { id: 'a1', type: 'arrow', x: 100, y: 30, width: 200, height: 0, points: [[0, 0], [200, 0]], startBinding: { elementId: 'api' }, endBinding: { elementId: 'db' }, endArrowhead: 'arrow' },
          { id: 'cache', type: 'ellipse', x: 0, y: 200, width: 80, height: 50, boundElements: [{ id: 'cache-t', type: 'text' }] },
          { id: 'cache-t', type: 'text', x: 10, y: 215, width: 60, height: 20, text: 'Cache', containerId: 'cache' },
        ];
        await session.onMessage(JSON.stringify({ type: 'board.scene', elements: scene, reason: 'change' }));
        expect(toPage).toContainEqual(expect.objectContaining({ type: 'board.saved', version: 1 }));
        // A's summary for the interviewer reads B's board, and asking for it sends B's page a snapshot request.
        await until(() => /API gateway/.test(callSide.summary(iv.id) ?? ''));
        expect(callSide.summary(iv.id)).toMatch(/design board \(".+"\), .*API gateway.*Postgres/);
        expect(callSide.boardProbe(iv.id)).toMatchObject({ key: 'isolated:Cache' });
        await until(() => toPage.some((m) => m.type === 'board.snapshot_request'));

        // The page answers with a PNG on B: A offers it to the vision model once.
        const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(32)]);
        await session.onMessage(JSON.stringify({ type: 'board.snapshot', png: png.toString('base64'), width: 400, height: 60, reason: 'break' }));
        let images = await waitFor(() => callSide.latestImages(iv.id), (v) => v.length > 0, 5000, 20);
        expect(images).toEqual([expect.objectContaining({ kind: 'board_png', dataUrl: `data:image/png;base64,${png.toString('base64')}` })]);
        expect(await callSide.latestImages(iv.id)).toEqual([]);

        // A screen share on B: A's summary says so, A's request for a frame reaches the page, the frame reaches A.
        await session.onMessage(JSON.stringify({ type: 'screen.started', width: 1280, height: 720, surface: 'monitor' }));
        await until(() => /sharing their screen/.test(callSide.summary(iv.id) ?? ''));
        expect(callSide.requestScreenFrame(iv.id)).toBe(true);
        await until(() => toPage.some((m) => m.type === 'screen.request'));
        const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(16)]);
        await session.onMessage(JSON.stringify({ type: 'screen.frame', jpeg: jpeg.toString('base64'), width: 1280, height: 720, reason: 'request' }));
        images = await waitFor(() => callSide.latestImages(iv.id), (v) => v.length > 0, 5000, 20);
        expect(images).toEqual([expect.objectContaining({ kind: 'screen_jpeg' })]);

        // The page closes on B: the share ends there, and A stops describing it.
        await session.onClose('closed by test');
        await until(() => !/sharing their screen/.test(callSide.summary(iv.id) ?? ''));
        const types = (await store.events.list(iv.id)).map((e) => e.type);
        expect(types).toEqual(expect.arrayContaining(['board.summary', 'board.snapshot', 'screen.share_started', 'screen.frame', 'screen.share_stopped']));

        // The call ends on A and detaches: neither process holds the interview any more.
        await callSide.end(iv.id);
        detach();
        expect(callSide.isPageConnected(iv.id)).toBe(false);
        expect(callSide.media.mirror(iv.id)).toBeNull();
        await until(() => pageSide.media.mirror(iv.id) === null);
      } finally {
        await Promise.all([busA!.close(), busB!.close()]);
      }
    });
  }
});
