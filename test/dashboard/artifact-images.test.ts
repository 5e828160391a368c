/**
 * The replay's images against the real app (app.inject): a board snapshot and a screen frame stored through the
 * media path (MediaRooms, as the workspace channel stores them) are served by
 * GET /api/interviews/:id/artifacts/:artifactId with their bytes and content type, to the bearer token and the
 * dashboard's session cookie of the interview's tenant only; another tenant, a non-image artifact, an unknown one
 * and another interview's artifact are all 404.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { startTestApp, TEST_API_TOKEN, type TestApp } from '../helpers/app.js';
import { MediaRooms } from '../../src/workspace/board/media.js';
import type { MediaServerMessage } from '../../src/workspace/board/media-protocol.js';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(200)]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(300)]);
const ORIGIN = 'http://dash.test';

describe('board snapshot and screen frame images', () => {
  let t: TestApp;
  let acmeToken: string;
  let ivA: string;
  let ivA2: string;
  let ivB: string;
  let pngId: string;
  let jpegId: string;
  const url = (interviewId: string, artifactId: string) => `/api/interviews/${interviewId}/artifacts/${artifactId}`;
  const get = (u: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url: u, headers });

  beforeAll(async () => {
    t = await startTestApp({ PUBLIC_URL: ORIGIN });
    acmeToken = (await t.store.apiTokens.issue('acme recruiter', 'acme')).token;
    const role = { title: 'Backend engineer' };
    ivA = (await t.store.interviews.create({ tenantId: 'default', candidate: { name: 'Default Dana', phone: '+14155550111' }, role })).id;
    ivA2 = (await t.store.interviews.create({ tenantId: 'default', candidate: { name: 'Default Drew', phone: '+14155550112' }, role })).id;
    ivB = (await t.store.interviews.create({ tenantId: 'acme', candidate: { name: 'Acme Alex', phone: '+14155550113' }, role })).id;

    // The workspace channel's path: MediaRooms stores the artifact and records the event that names it.
    const media = new MediaRooms({ store: t.store, record: (id, type, payload) => t.store.events.append(id, type, payload as Record<string, unknown>), log: { warn: () => undefined } });
    const sent: MediaServerMessage[] = [];
    const page = { send: (m: MediaServerMessage) => sent.push(m) };
    media.openBoard(ivA, { id: 'url-shortener', version: 1, title: 'URL shortener', families: [], levels: [], prompt: 'Design a URL shortener.' });
    await media.handle(ivA, page, { type: 'board.snapshot', png: PNG.toString('base64'), width: 800, height: 600, reason: 'submit' });
    await media.handle(ivA, page, { type: 'screen.started', width: 1280, height: 720, surface: 'monitor' });
    await media.handle(ivA, page, { type: 'screen.frame', jpeg: JPEG.toString('base64'), width: 1280, height: 720, reason: 'interval' });
    expect(sent.filter((m) => m.type.endsWith('refused'))).toEqual([]);
    const [snapshot] = await t.store.events.list(ivA, { types: ['board.snapshot'] });
    const [frame] = await t.store.events.list(ivA, { types: ['screen.frame'] });
    pngId = String(snapshot!.payload.artifactId);
    jpegId = String(frame!.payload.artifactId);
  });
  afterAll(async () => t?.close());

  it('serves the snapshot as image/png and the frame as image/jpeg, byte for byte, to the tenant', async () => {
    const png = await get(url(ivA, pngId), t.auth);
    expect(png.statusCode, png.body).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect(png.rawPayload.equals(PNG)).toBe(true);
    expect(png.headers['cache-control']).toBe('private, no-store');
    expect(png.headers['x-content-type-options']).toBe('nosniff');
    const jpeg = await get(url(ivA, jpegId), t.auth);
    expect(jpeg.statusCode, jpeg.body).toBe(200);
    expect(jpeg.headers['content-type']).toBe('image/jpeg');
    expect(jpeg.rawPayload.equals(JPEG)).toBe(true);
  });

  it('accepts the dashboard session cookie, and refuses no credentials', async () => {
    const signIn = await t.app.inject({ method: 'POST', url: '/dashboard/session', headers: { origin: ORIGIN }, payload: { token: TEST_API_TOKEN } });
    const setCookie = signIn.headers['set-cookie'];
    const cookie = (Array.isArray(setCookie) ? setCookie : [setCookie ?? '']).find((c) => c.startsWith('sl_session='))?.split(';')[0] ?? '';
    expect(cookie).not.toBe('');
    const viaCookie = await get(url(ivA, pngId), { cookie });
    expect(viaCookie.statusCode).toBe(200);
    expect(viaCookie.rawPayload.equals(PNG)).toBe(true);
    expect((await get(url(ivA, pngId), {})).statusCode).toBe(401);
  });

  it("is a 404 for another tenant's token, with nothing of the image in the answer", async () => {
    for (const id of [pngId, jpegId]) {
      const res = await get(url(ivA, id), { authorization: `Bearer ${acmeToken}` });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ error: 'not_found' });
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    }
    // Nor through the other tenant's own interview.
    expect((await get(url(ivB, pngId), { authorization: `Bearer ${acmeToken}` })).statusCode).toBe(404);
  });

  it('is a 404 for artifacts that are not board or screen images, even of this interview', async () => {
    const recording = await t.store.artifacts.put({ interviewId: ivA, kind: 'call_recording', contentType: 'audio/wav', bytes: randomBytes(64) });
    const resume = await t.store.artifacts.put({ interviewId: ivA, kind: 'resume_pdf', contentType: 'application/pdf', bytes: Buffer.from('%PDF-1.4 resume') });
    // Stored with an image type, but not an image kind: the kind decides.
    const disguised = await t.store.artifacts.put({ interviewId: ivA, kind: 'scorecard_pdf', contentType: 'image/png', bytes: PNG });
    for (const a of [recording, resume, disguised]) {
      const res = await get(url(ivA, a.id), t.auth);
      expect(res.statusCode, a.kind).toBe(404);
      expect(res.json()).toMatchObject({ error: 'not_found' });
    }
  });

  it("is a 404 for an unknown artifact and for another interview's image through this interview's URL", async () => {
    expect((await get(url(ivA, '00000000-0000-4000-8000-000000000000'), t.auth)).statusCode).toBe(404);
    expect((await get(url(ivA, 'not-a-uuid'), t.auth)).statusCode).toBe(404);
    const other = await t.store.artifacts.put({ interviewId: ivA2, kind: 'board_png', contentType: 'image/png', bytes: PNG });
    expect((await get(url(ivA, other.id), t.auth)).statusCode).toBe(404);
    expect((await get(url(ivA2, pngId), t.auth)).statusCode).toBe(404);
    // The same artifact through its own interview is served: the 404s above are the interview check.
    expect((await get(url(ivA2, other.id), t.auth)).statusCode).toBe(200);
    const orphan = await t.store.artifacts.put({ kind: 'screen_jpeg', contentType: 'image/jpeg', bytes: JPEG });
    expect((await get(url(ivA, orphan.id), t.auth)).statusCode).toBe(404);
  });

  it('is documented in the OpenAPI document with image types', async () => {
    const doc = (await t.app.inject({ url: '/docs/json' })).json<{ paths: Record<string, { get?: { responses: Record<string, { content?: Record<string, unknown> }> } }> }>();
    const op = doc.paths['/api/interviews/{id}/artifacts/{artifactId}']?.get;
    expect(Object.keys(op?.responses['200']?.content ?? {}).sort()).toEqual(['image/jpeg', 'image/png']);
    expect(op?.responses['404']).toBeDefined();
  });
});
