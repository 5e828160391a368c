/**
 * The design board and the screen share in real Chromium against the real server: the interviewer opens the board,
 * the candidate draws three labelled boxes and two labelled arrows with the mouse and keyboard, the server's
 * `board.summary` has those components and connections (direction, labels) and the PNG is stored; a screen is
 * shared with Chromium's fake capture and its frames stored; then malformed, oversized and flooding channel
 * messages are refused with clear close reasons while the service stays healthy. Screenshots: test-artifacts/workspace/board-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { Page } from 'playwright-core';
import { startListeningApp, type ListeningApp } from '../helpers/listening-app.js';
import { buildWeb } from '../../src/workspace/web-assets.js';
import { Verifier } from '../../src/workspace/verifier/verifier.js';
import { ARTIFACTS, hasChromium, launch } from './browser.js';

const PHONE = '+14155550177';
type Payload = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe.skipIf(!hasChromium)('design board and screen share in Chromium', () => {
  let t: ListeningApp;
  let b: Awaited<ReturnType<typeof launch>>;
  let page: Page;
  let interviewId: string;
  let link: string;
  /** Responses from any host but ours (must stay empty). */
  const foreign: string[] = [];
  const fontRequests: string[] = [];
  const verifier = new Verifier({ timeoutMs: 3000, concurrency: 1, warm: 0 });

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `board-${name}.png`) });
  const events = async (type: string): Promise<Payload[]> => (await t.store.events.list(interviewId, { types: [type] })).map((e) => e.payload as Payload);

  beforeAll(async () => {
    await buildWeb();
    t = await startListeningApp({ WORKSPACE_GRACE_MS: '60000' }, { workspace: { verifier } });
    const iv = await t.store.interviews.create({ candidate: { name: 'Grace Hopper', phone: PHONE }, role: { title: 'Senior Backend Engineer', level: 'senior' } });
    interviewId = iv.id;
    b = await launch(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--auto-select-desktop-capture-source=Entire screen']);
    page = await b.context.newPage();
    // Excalidraw always appends an esm.sh fallback to our font path; our CSP must stop every such request.
    page.on('response', (r) => {
      const u = new URL(r.url());
      if (u.protocol.startsWith('http') && u.host !== new URL(t.url).host) foreign.push(r.url());
      if (u.pathname.startsWith('/w/assets/excalidraw/fonts/') && r.status() === 200) fontRequests.push(u.pathname);
    });
  }, 120_000);

  afterAll(async () => {
    await b?.close();
    await t?.close();
    await verifier.close();
  });

  it('open_board shows the prompt and the canvas, fonts served by us', async () => {
    const sent = await t.app.workspace.sendLink({ interviewId, tenantId: 'default', to: PHONE, reason: 'consent' });
    link = sent.url;
    await page.goto(link);
    await page.waitForSelector('[data-testid="workspace-status"][data-state="open"]');
    const design = t.app.workspace.pickDesign({ roleTitle: 'Senior Backend Engineer', level: 'senior', seed: interviewId });
    const opened = await t.app.workspace.openBoard(interviewId, design.id);
    expect(opened).toMatchObject({ ok: true, delivered: true });
    await page.waitForSelector('[data-testid="surface-board"] [data-testid="board-canvas"] canvas.interactive', { timeout: 30_000 });
    expect(await page.textContent('[data-testid="board-title"]')).toBe(design.title);
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
    expect((await events('workspace.surface_opened')).at(-1)).toMatchObject({ kind: 'board', problemId: design.id, delivered: true });
    await shot('1-open');
  }, 60_000);

  it('draws three labelled boxes and two labelled arrows; the summary has them, with direction and labels', async () => {
    const canvas = await page.locator('[data-testid="board-canvas"] canvas.interactive').boundingBox();
    const ox = canvas!.x;
    const oy = canvas!.y + 200;
    const drawBox = async (x: number, label: string) => {
      await page.keyboard.press('r');
      await page.mouse.move(ox + x, oy);
      await page.mouse.down();
      await page.mouse.move(ox + x + 150, oy + 80, { steps: 3 });
      await page.mouse.up();
      await page.mouse.dblclick(ox + x + 75, oy + 40);
      await page.keyboard.type(label);
      await page.keyboard.press('Escape');
      await page.keyboard.press('Escape');
    };
    const drawArrow = async (x1: number, x2: number, label: string) => {
      await page.keyboard.press('a');
      await page.mouse.move(ox + x1, oy + 40);
      await page.mouse.down();
      await page.mouse.move(ox + x2, oy + 40, { steps: 4 });
      await page.mouse.up();
      await page.mouse.dblclick(ox + (x1 + x2) / 2, oy + 40);
      await page.keyboard.type(label);
      await page.keyboard.press('Escape');
      await page.keyboard.press('Escape');
    };
    // Focus the canvas (a click on empty space) so the tool shortcuts reach it; draw clear of the properties panel.
    await page.mouse.click(ox + 900, oy + 400);
    await drawBox(240, 'Client');
    await drawBox(490, 'API');
    await drawBox(740, 'Database');
    await drawArrow(380, 500, 'HTTPS');
    await drawArrow(630, 750, 'writes');
    await shot('2-drawn');

    await expect
      .poll(async () => {
        const last = (await events('board.summary')).at(-1);
        return last ? { c: last.components.map((c: Payload) => c.label).sort(), k: last.connections.map((k: Payload) => `${k.from} ${k.direction} ${k.to} ${k.label}`).sort() } : null;
      }, { timeout: 15_000 })
      .toEqual({ c: ['API', 'Client', 'Database'], k: ['API one-way Database writes', 'Client one-way API HTTPS'] });
    const last = (await events('board.summary')).at(-1)!;
    expect(last.connections.every((k: Payload) => k.bound === 'both')).toBe(true);
    expect(last.components.map((c: Payload) => c.shape)).toEqual(['rectangle', 'rectangle', 'rectangle']);
    expect(last.text).toContain('API -> Database "writes"');
    expect(fontRequests.length).toBeGreaterThan(0);
    expect(foreign).toEqual([]);

    // A natural break: the interviewer's context gets the summary (and the page is asked for a PNG).
    const note = t.app.workspace.summary(interviewId)!;
    expect(note).toMatch(/design board .*components: .*Client -> API "HTTPS"/);
    for (const c of ['Client', 'API', 'Database']) expect(note).toContain(c);
    expect(t.app.workspace.boardProbe(interviewId)?.text).toMatch(/straight to the Database/);
    await expect.poll(async () => (await events('board.snapshot')).length, { timeout: 15_000 }).toBeGreaterThan(0);
    expect((await events('board.snapshot'))[0]).toMatchObject({ reason: 'break' });
  }, 60_000);

  it('submits the board: a submit summary and a PNG artifact', async () => {
    await page.click('[data-testid="board-submit"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="board-saved"]')?.textContent === 'Submitted');
    await expect.poll(async () => (await events('board.snapshot')).some((s) => s.reason === 'submit'), { timeout: 15_000 }).toBe(true);
    expect((await events('board.summary')).at(-1)).toMatchObject({ reason: 'submit' });
    const snap = (await events('board.snapshot')).find((s) => s.reason === 'submit')!;
    const png = await t.store.artifacts.read(snap.artifactId);
    expect(png.readUInt32BE(0)).toBe(0x89504e47);
    expect(png.length).toBe(snap.byteSize);
    expect((await t.store.artifacts.get(snap.artifactId))).toMatchObject({ kind: 'board_png', interviewId, contentType: 'image/png' });
    await shot('3-submitted');
  }, 30_000);

  it('shares a screen (fake capture): frames stored, on request too; stop is one click and an event', async () => {
    await page.click('[data-testid="share-start"]');
    await page.waitForSelector('[data-testid="share-status"][data-state="on"]', { timeout: 15_000 });
    await expect.poll(async () => (await events('screen.frame')).length, { timeout: 15_000 }).toBeGreaterThan(0);
    expect(t.app.workspace.requestScreenFrame(interviewId)).toBe(true);
    await expect.poll(async () => (await events('screen.frame')).some((f) => f.reason === 'request'), { timeout: 15_000 }).toBe(true);
    const [started] = await events('screen.share_started');
    expect(started!.width).toBeGreaterThan(0);
    const frame = (await events('screen.frame'))[0]!;
    const jpeg = await t.store.artifacts.read(frame.artifactId);
    expect([jpeg[0], jpeg[1]]).toEqual([0xff, 0xd8]);
    expect(Math.max(frame.width, frame.height)).toBeLessThanOrEqual(1280);
    expect(t.app.workspace.summary(interviewId)).toMatch(/sharing their screen .*do not narrate it/);
    await shot('4-sharing');
    await page.click('[data-testid="share-stop"]');
    await page.waitForSelector('[data-testid="share-status"][data-state="off"]');
    await expect.poll(async () => (await events('screen.share_stopped')).length).toBe(1);
    expect((await events('screen.share_stopped'))[0]).toMatchObject({ reason: 'button' });
    await shot('5-stopped');
  }, 60_000);

  it('refuses oversized scenes, frame floods, malformed and flooding channels with clear reasons; the service stays healthy', async () => {
    const origin = new URL(t.url).origin;
    const url = `${t.url.replace(/^http/, 'ws')}/w/${link.split('/w/')[1]}/live`;
    const open = async () => {
      const ws = new WebSocket(url, { headers: { origin } });
      const inbox: Payload[] = [];
      ws.on('message', (d) => inbox.push(JSON.parse(String(d)) as Payload));
      await new Promise((res, rej) => ws.once('open', res).once('error', rej));
      await expect.poll(() => inbox.some((m) => m.type === 'hello')).toBe(true);
      const closed = new Promise<{ code: number; reason: string }>((res) => ws.once('close', (code, reason) => res({ code, reason: String(reason) })));
      return { ws, inbox, closed };
    };
    const chunked = (ws: WebSocket, json: string) => {
      const n = Math.ceil(json.length / 48_000);
      for (let i = 0; i < n; i++) ws.send(JSON.stringify({ type: 'chunk', id: 'x1', i, n, data: json.slice(i * 48_000, (i + 1) * 48_000) }));
    };

    // Oversized scene: refused with a reason, the channel stays open.
    const a = await open();
    await page.waitForSelector('[data-testid="workspace-status"][data-state="taken_over"]');
    await shot('6-taken-over-by-test-client');
    const big = Array.from({ length: 5001 }, (_, i) => ({ id: `e${i}`, type: 'rectangle', x: i, y: 0, width: 10, height: 10 }));
    chunked(a.ws, JSON.stringify({ type: 'board.scene', elements: big, reason: 'change' }));
    await expect.poll(() => a.inbox.find((m) => m.type === 'board.refused')).toMatchObject({ reason: 'scene_too_large', message: expect.stringMatching(/5001 elements, the limit is 5000/) });
    // A deleted element in a scene is dropped server-side.
    a.ws.send(JSON.stringify({ type: 'board.scene', reason: 'change', elements: [{ id: 'k', type: 'rectangle', x: 0, y: 0, width: 5, height: 5, isDeleted: true }] }));
    await expect.poll(async () => (await events('board.summary')).at(-1)?.counts.elements).toBe(0);
    // Screen frames without sharing, and a flood: refused.
    a.ws.send(JSON.stringify({ type: 'screen.frame', jpeg: '/9j/4AAQ', width: 10, height: 10 }));
    await expect.poll(() => a.inbox.find((m) => m.type === 'screen.refused')).toMatchObject({ reason: 'not_sharing' });
    a.ws.send(JSON.stringify({ type: 'screen.started', width: 100, height: 100, surface: 'monitor' }));
    const before = (await events('screen.frame')).length;
    for (let i = 0; i < 30; i++) a.ws.send(JSON.stringify({ type: 'screen.frame', jpeg: '/9j/4AAQSkZJRg==', width: 10, height: 10 }));
    await expect.poll(() => a.inbox.some((m) => m.type === 'screen.refused' && m.reason === 'too_frequent')).toBe(true);
    expect((await events('screen.frame')).length - before).toBeLessThanOrEqual(20);
    expect(await events('screen.refused')).toEqual(expect.arrayContaining([expect.objectContaining({ reason: 'too_frequent' })]));
    // A chunk train declaring a message over the cap closes the channel (4413).
    a.ws.send(JSON.stringify({ type: 'chunk', id: 'big', i: 0, n: 500, data: 'x' }));
    expect(await a.closed).toEqual({ code: 4413, reason: 'message too large: over 1953 KiB' });

    // Malformed frames: each answered, then the channel is closed (4400).
    const m = await open();
    for (let i = 0; i < 25; i++) m.ws.send(i % 2 ? '{"type":"board.snapshot","png":"not base64!"}' : 'not json');
    expect(await m.closed).toEqual({ code: 4400, reason: 'too many malformed messages' });
    expect(m.inbox.some((x) => x.type === 'error' && x.code === 'malformed' && /png \(base64\)/.test(x.message))).toBe(true);

    // A flood of frames closes the channel (4429).
    const f = await open();
    for (let i = 0; i < 1300; i++) f.ws.send('{"type":"ping"}');
    expect(await f.closed).toEqual({ code: 4429, reason: 'too many messages: slow down' });

    const refusals = await events('workspace.channel_refused');
    expect(refusals.map((r) => r.code)).toEqual([4413, 4400, 4429]);

    // Still healthy: the health check answers and the candidate's page reconnects and shows the board.
    const health = await fetch(`${t.url}/health`);
    expect(health.status).toBe(200);
    await page.reload();
    await page.waitForSelector('[data-testid="surface-board"] canvas.interactive', { timeout: 30_000 });
    await page.waitForSelector('[data-testid="workspace-status"][data-state="open"]');
    await shot('7-healthy-after-refusals');
  }, 60_000);
});
