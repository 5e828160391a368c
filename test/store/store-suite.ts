/**
 * The store contract, run against every driver (PGlite and real PostgreSQL). Call inside a describe block.
 * `open(dataDir)` must return a migrated store on an empty database.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AppError } from '../../src/lib/errors.js';
import { rowsOf } from '../../src/store/db.js';
import { resolveMigrationsFolder } from '../../src/store/migrations-folder.js';
import { apiTokens } from '../../src/store/schema.js';
import type { Store } from '../../src/store/store.js';

const randomPhone = () => `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function runStoreSuite(open: (dataDir: string) => Promise<Store>): void {
  let store: Store;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'screenline-store-'));
    store = await open(dataDir);
  });
  afterAll(async () => {
    await store?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const newInterview = (phone = randomPhone(), tenantId?: string) =>
    store.interviews.create({ tenantId, candidate: { name: 'Ada Lovelace', phone }, role: { title: 'Engineer' } });

  it('creates an interview with its candidate and role, and reads it back nested', async () => {
    const scheduledAt = new Date('2030-01-02T15:04:05.000Z');
    const created = await store.interviews.create({
      candidate: { name: 'Grace Hopper', phone: '+14155550123', email: 'grace@example.com', timezone: 'America/New_York' },
      role: { title: 'Backend Engineer', level: 'senior', description: 'Builds the call pipeline.' },
      hiringManagerEmail: 'hm@example.com',
      focus: 'distributed systems',
      rubricId: 'backend-senior',
      scheduledAt,
    });
    expect(created).toMatchObject({
      tenantId: 'default',
      status: 'scheduled',
      hiringManagerEmail: 'hm@example.com',
      focus: 'distributed systems',
      rubricId: 'backend-senior',
      callSid: null,
      eventSeq: 0,
      endedAt: null,
      candidate: { name: 'Grace Hopper', phone: '+14155550123', email: 'grace@example.com', timezone: 'America/New_York' },
      role: { title: 'Backend Engineer', level: 'senior', description: 'Builds the call pipeline.' },
    });
    expect(created.scheduledAt?.toISOString()).toBe(scheduledAt.toISOString());
    expect(created.createdAt).toBeInstanceOf(Date);

    const got = await store.interviews.get(created.id);
    expect(got).toEqual(created);
    const minimal = await newInterview();
    expect(minimal).toMatchObject({ scheduledAt: null, focus: null, candidate: { email: null, timezone: null } });
  });

  it('scopes get by tenant when a tenant is given', async () => {
    const iv = await newInterview(randomPhone(), 'acme');
    expect(iv.tenantId).toBe('acme');
    expect((await store.interviews.get(iv.id, { tenantId: 'acme' }))?.id).toBe(iv.id);
    expect(await store.interviews.get(iv.id, { tenantId: 'other' })).toBeNull();
    expect((await store.interviews.get(iv.id))?.id).toBe(iv.id);
  });

  it('returns null for unknown or malformed interview ids', async () => {
    expect(await store.interviews.get('00000000-0000-4000-8000-000000000000')).toBeNull();
    expect(await store.interviews.get('not-a-uuid')).toBeNull();
    expect(await store.interviews.get("'; drop table interviews; --")).toBeNull();
    expect(await store.interviews.get('')).toBeNull();
  });

  it('lists interviews newest first, filtered by tenant and status', async () => {
    const tenantId = `t_${randomBytes(4).toString('hex')}`;
    const a = await newInterview(randomPhone(), tenantId);
    const b = await newInterview(randomPhone(), tenantId);
    await store.interviews.transition(b.id, 'canceled');
    const all = await store.interviews.list({ tenantId });
    expect(all.map((i) => i.id).sort()).toEqual([a.id, b.id].sort());
    expect((await store.interviews.list({ tenantId, status: ['scheduled'] })).map((i) => i.id)).toEqual([a.id]);
    expect(await store.interviews.list({ tenantId, limit: 1 })).toHaveLength(1);
  });

  it('transitions status by compare-and-set, idempotently, setting ended_at once for terminal statuses', async () => {
    const iv = await newInterview();
    expect(await store.interviews.transition(iv.id, 'calling', { from: ['scheduled'] })).toBe(true);
    expect(await store.interviews.transition(iv.id, 'calling', { from: ['scheduled'] })).toBe(false);
    // Wrong expected state: no change.
    expect(await store.interviews.transition(iv.id, 'completed', { from: ['in_progress'] })).toBe(false);
    expect((await store.interviews.get(iv.id))?.status).toBe('calling');
    expect((await store.interviews.get(iv.id))?.endedAt).toBeNull();

    expect(await store.interviews.transition(iv.id, 'in_progress')).toBe(true);
    expect(await store.interviews.transition(iv.id, 'completed')).toBe(true);
    // The same callback delivered twice applies once.
    expect(await store.interviews.transition(iv.id, 'completed')).toBe(false);
    const done = await store.interviews.get(iv.id);
    expect(done?.status).toBe('completed');
    expect(done?.endedAt).toBeInstanceOf(Date);
    expect(done!.updatedAt.getTime()).toBeGreaterThanOrEqual(iv.updatedAt.getTime());

    expect(await store.interviews.transition(iv.id, 'failed', { from: ['completed'] })).toBe(true);
    expect((await store.interviews.get(iv.id))?.endedAt?.getTime()).toBe(done!.endedAt!.getTime());
    expect(await store.interviews.transition(iv.id, 'failed', { from: [] })).toBe(false);

    expect(await store.interviews.transition('00000000-0000-4000-8000-000000000000', 'completed')).toBe(false);
    expect(await store.interviews.transition('nope', 'completed')).toBe(false);
  });

  it('attaches a CallSid and finds the interview by it; a CallSid belongs to one interview', async () => {
    const a = await newInterview();
    const b = await newInterview();
    const callSid = `CA${randomBytes(16).toString('hex')}`;
    expect(await store.interviews.attachCallSid(a.id, callSid)).toBe(true);
    expect((await store.interviews.findByCallSid(callSid))?.id).toBe(a.id);
    expect(await store.interviews.findByCallSid('CAunknown')).toBeNull();
    const err = await store.interviews.attachCallSid(b.id, callSid).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ statusCode: 409, code: 'call_sid_in_use' });
    expect(await store.interviews.attachCallSid('00000000-0000-4000-8000-000000000000', 'CAx')).toBe(false);
  });

  it('finds the most recent scheduled or calling interview for a phone', async () => {
    const phone = randomPhone();
    expect(await store.interviews.findScheduledByPhone(phone)).toBeNull();
    const older = await newInterview(phone);
    await sleep(5); // distinct created_at
    const newer = await newInterview(phone);
    expect((await store.interviews.findScheduledByPhone(phone))?.id).toBe(newer.id);
    await store.interviews.transition(newer.id, 'completed');
    expect((await store.interviews.findScheduledByPhone(phone))?.id).toBe(older.id);
    await store.interviews.transition(older.id, 'calling');
    expect((await store.interviews.findScheduledByPhone(phone))?.id).toBe(older.id);
    await store.interviews.transition(older.id, 'no_answer');
    expect(await store.interviews.findScheduledByPhone(phone)).toBeNull();
  });

  it('appends events with seq 1, 2, 3… and lists them in order, paging with afterSeq', async () => {
    const iv = await newInterview();
    const payload = { text: 'héllo "quoted"', nested: { n: 1.5, list: [1, 'two', null] }, ok: true };
    const first = await store.events.append(iv.id, 'transcript.final', payload);
    expect(first).toMatchObject({ interviewId: iv.id, seq: 1, type: 'transcript.final', payload });
    expect(first.at).toBeInstanceOf(Date);
    expect(Math.abs(first.at.getTime() - Date.now())).toBeLessThan(5 * 60_000);
    expect(JSON.parse(JSON.stringify(first)).at).toBe(first.at.toISOString());
    for (let i = 2; i <= 5; i++) await store.events.append(iv.id, 'tick', { i });

    const all = await store.events.list(iv.id);
    expect(all.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(all[0]).toEqual(first);
    expect(all[4]?.payload).toEqual({ i: 5 });
    expect((await store.events.list(iv.id, { afterSeq: 3 })).map((e) => e.seq)).toEqual([4, 5]);
    expect((await store.events.list(iv.id, { afterSeq: 1, limit: 2 })).map((e) => e.seq)).toEqual([2, 3]);
    expect(await store.events.list(iv.id, { afterSeq: 5 })).toEqual([]);
    expect((await store.events.list(iv.id, { types: ['transcript.final'] })).map((e) => e.seq)).toEqual([1]);
    expect((await store.events.list(iv.id, { types: ['tick'], afterSeq: 3 })).map((e) => e.seq)).toEqual([4, 5]);
    expect((await store.interviews.get(iv.id))?.eventSeq).toBe(5);

    expect(await store.events.list('00000000-0000-4000-8000-000000000000')).toEqual([]);
    expect(await store.events.list('bad')).toEqual([]);
    const empty = await store.events.append(iv.id, 'empty', {});
    expect(empty.payload).toEqual({});
  });

  it('gives 50 concurrent appends to one interview seq 1..50 with no gap or duplicate', async () => {
    const iv = await newInterview();
    const other = await newInterview();
    const appended = await Promise.all([
      ...Array.from({ length: 50 }, (_, i) => store.events.append(iv.id, 'concurrent', { i })),
      // A second interview interleaved: its own counter starts at 1.
      ...Array.from({ length: 5 }, (_, i) => store.events.append(other.id, 'concurrent', { i })),
    ]);
    const seqs = appended.filter((e) => e.interviewId === iv.id).map((e) => e.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const listed = await store.events.list(iv.id);
    expect(listed.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(new Set(listed.map((e) => (e.payload as { i: number }).i)).size).toBe(50);
    expect((await store.events.list(other.id)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect((await store.interviews.get(iv.id))?.eventSeq).toBe(50);
  });

  it('refuses to append to an unknown interview with a clear not-found error', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'garbage']) {
      const err = await store.events.append(id, 'x', {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ statusCode: 404, code: 'not_found' });
      expect((err as Error).message).toContain(id);
    }
  });

  it('stores artifacts as files with metadata and reads them back', async () => {
    const iv = await newInterview();
    const bytes = new Uint8Array(randomBytes(70_000));
    const art = await store.artifacts.put({ interviewId: iv.id, kind: 'board_png', contentType: 'image/png', bytes });
    expect(art).toMatchObject({
      interviewId: iv.id,
      kind: 'board_png',
      contentType: 'image/png',
      byteSize: 70_000,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    expect(await store.artifacts.get(art.id)).toEqual(art);
    const back = await store.artifacts.read(art.id);
    expect(Buffer.compare(back, Buffer.from(bytes))).toBe(0);
    // On disk under the artifacts root, and no temp file left behind.
    expect(store.artifacts.root).toBe(join(dataDir, 'artifacts'));
    expect(await readFile(join(store.artifacts.root, art.path))).toEqual(back);
    expect((await readdir(store.artifacts.root)).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const loose = await store.artifacts.put({ kind: 'note', contentType: 'text/plain', bytes: new Uint8Array() });
    expect(loose.interviewId).toBeNull();
    expect((await store.artifacts.read(loose.id)).length).toBe(0);

    expect(await store.artifacts.get('00000000-0000-4000-8000-000000000000')).toBeNull();
    expect(await store.artifacts.get('../etc/passwd')).toBeNull();
    await expect(store.artifacts.read('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('does not leave a file behind when the artifact row cannot be written', async () => {
    const before = existsSync(store.artifacts.root) ? await readdir(store.artifacts.root) : [];
    await expect(
      store.artifacts.put({
        interviewId: '00000000-0000-4000-8000-000000000000', // violates the foreign key
        kind: 'x',
        contentType: 'application/octet-stream',
        bytes: new Uint8Array([1, 2, 3]),
      }),
    ).rejects.toThrow();
    expect((await readdir(store.artifacts.root)).sort()).toEqual([...before].sort());
  });

  it('issues API tokens shown once, verifies them by hash, and honours revocation', async () => {
    const before = await store.apiTokens.count();
    const { id, token } = await store.apiTokens.issue('ci token');
    expect(token).toMatch(/^sl_[A-Za-z0-9_-]{43}$/);
    expect(await store.apiTokens.count()).toBe(before + 1);

    const [row] = await store.db.select().from(apiTokens).where(eq(apiTokens.id, id));
    expect(row?.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(row?.lastUsedAt).toBeNull();

    expect(await store.apiTokens.verify(token)).toEqual({ id, tenantId: 'default' });
    const [used] = await store.db.select().from(apiTokens).where(eq(apiTokens.id, id));
    expect(used?.lastUsedAt).toBeInstanceOf(Date);
    expect(await store.apiTokens.verify(token)).toEqual({ id, tenantId: 'default' });
    // Within the minute the timestamp is not rewritten.
    const [again] = await store.db.select().from(apiTokens).where(eq(apiTokens.id, id));
    expect(again?.lastUsedAt?.getTime()).toBe(used?.lastUsedAt?.getTime());

    const acme = await store.apiTokens.issue('acme', 'acme');
    expect(await store.apiTokens.verify(acme.token)).toEqual({ id: acme.id, tenantId: 'acme' });

    expect(await store.apiTokens.verify(`${token}x`)).toBeNull();
    expect(await store.apiTokens.verify('sl_unknown')).toBeNull();
    expect(await store.apiTokens.verify(token.slice(3))).toBeNull();
    expect(await store.apiTokens.verify('')).toBeNull();

    expect(await store.apiTokens.revoke(id)).toBe(true);
    expect(await store.apiTokens.revoke(id)).toBe(false);
    expect(await store.apiTokens.verify(token)).toBeNull();
    expect(await store.apiTokens.count()).toBe(before + 1); // acme's is still active
  });

  it('admits a media stream token once, for its CallSid only, before it expires', async () => {
    const iv = await newInterview();
    const token = await store.streamTokens.issue(iv.id, 'CA_right');
    expect(token.length).toBeGreaterThanOrEqual(43);
    // A wrong CallSid is refused and does not burn the token.
    expect(await store.streamTokens.consume(token, 'CA_wrong')).toEqual({ error: 'wrong_call' });
    expect(await store.streamTokens.consume(token, 'CA_right')).toEqual({ interviewId: iv.id });
    expect(await store.streamTokens.consume(token, 'CA_right')).toEqual({ error: 'used' });
    expect(await store.streamTokens.consume('nonexistent', 'CA_right')).toEqual({ error: 'unknown' });
    expect(await store.streamTokens.consume('', 'CA_right')).toEqual({ error: 'unknown' });

    const short = await store.streamTokens.issue(iv.id, 'CA_late', 1);
    await sleep(30);
    expect(await store.streamTokens.consume(short, 'CA_late')).toEqual({ error: 'expired' });

    // Concurrent consumers: exactly one wins.
    const raced = await store.streamTokens.issue(iv.id, 'CA_race');
    const results = await Promise.all(Array.from({ length: 5 }, () => store.streamTokens.consume(raced, 'CA_race')));
    expect(results.filter((r) => 'interviewId' in r)).toHaveLength(1);
    expect(results.filter((r) => 'error' in r && r.error === 'used')).toHaveLength(4);

    await expect(store.streamTokens.issue('00000000-0000-4000-8000-000000000000', 'CA1')).rejects.toMatchObject({
      statusCode: 404,
    });
  });

  it('treats a second migrate as a no-op and keeps the data', async () => {
    const iv = await newInterview();
    const journal = JSON.parse(await readFile(join(resolveMigrationsFolder(), 'meta', '_journal.json'), 'utf8')) as {
      entries: unknown[];
    };
    const countMigrations = async () =>
      rowsOf<{ n: number }>(await store.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`))[0]?.n;
    expect(await countMigrations()).toBe(journal.entries.length);
    await store.migrate();
    await store.migrate();
    expect(await countMigrations()).toBe(journal.entries.length);
    expect((await store.interviews.get(iv.id))?.id).toBe(iv.id);
  });

  it('pings, describes itself without credentials, and closes idempotently', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
    expect(store.describe()).toMatch(/^(pglite|postgres) /);
    expect(store.describe()).not.toMatch(/password|secret/i);
    await store.close();
    await expect(store.ping()).rejects.toThrow();
    await store.close();
  });
}
