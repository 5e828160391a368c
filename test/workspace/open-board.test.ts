/** `open_board` through the workspace adapter, against the real app: prompt from the bank, surface row, reload. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startListeningApp, type ListeningApp } from '../helpers/listening-app.js';
import { readOutbox } from '../../src/workspace/sms.js';
import { workspaceSurfaceTools } from '../../src/workspace/index.js';
import { DesignPromptBank } from '../../src/workspace/board/prompts.js';

let t: ListeningApp;
beforeAll(async () => {
  t = await startListeningApp({ WORKSPACE_GRACE_MS: '0' });
}, 60_000);
afterAll(async () => {
  await t?.close();
});

describe('open_board', () => {
  it('loads a valid, versioned design-prompt bank and picks by level, stable per interview', () => {
    const bank = DesignPromptBank.load();
    expect(bank.prompts.length).toBeGreaterThanOrEqual(3);
    const senior = bank.pick({ level: 'Senior Backend Engineer', family: 'backend', seed: 'iv-1' });
    expect(senior.levels).toContain('senior');
    expect(bank.pick({ level: 'Senior Backend Engineer', family: 'backend', seed: 'iv-1' }).id).toBe(senior.id);
  });

  it('opens the board with a prompt for the role, texts the link, and a page opened later gets the board in hello', async () => {
    const phone = '+14155559001';
    const iv = await t.store.interviews.create({ candidate: { name: 'Alan Turing', phone }, role: { title: 'Backend Engineer', level: 'junior' } });
    const tools = workspaceSurfaceTools(t.app.workspace, { interviewId: iv.id, tenantId: 'default', phone, roleTitle: 'Backend Engineer', level: 'junior' });
    const result = await tools.openBoard({ prompt: 'design something' }, new AbortController().signal);
    expect(result).toMatchObject({ opened: true, pageOpen: false, linkTexted: true, board: { title: expect.any(String), prompt: expect.any(String) } });
    expect(String(result.howToUse)).toMatch(/never describe the drawing back/);
    const [opened] = (await t.store.events.list(iv.id, { types: ['workspace.surface_opened'] })).map((e) => e.payload);
    expect(opened).toMatchObject({ kind: 'board', delivered: false });
    expect(t.app.workspace.designs.get(String(opened!.problemId))!.levels).toContain('junior');
    const [sms] = await readOutbox(t.dataDir, { to: phone });
    const token = sms!.body.match(/\/w\/([^\s]+)/)![1]!;
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/w/${token}/live`);
    const hello = await new Promise<Record<string, unknown>>((res) => ws.once('message', (d) => res(JSON.parse(String(d)) as Record<string, unknown>)));
    ws.close();
    expect(hello).toMatchObject({ type: 'hello', problem: null, board: { type: 'board', prompt: { id: opened!.problemId }, elements: null }, screenSharing: false });
    expect(t.app.workspace.summary(iv.id)).toMatch(/design board open \(".+"\), nothing drawn yet/);
  });
});
