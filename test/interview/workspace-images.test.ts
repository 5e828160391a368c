/**
 * The board snapshot and the screen frame reach a vision model as images at natural breaks: one labelled user
 * message, low detail, each picture once, never with vision off. The hub is real (its media rooms and the vision
 * switch); the artifacts repo is an in-memory stand-in with the same put/read contract.
 */
import { describe, expect, it } from 'vitest';
import { Interviewer } from '../../src/interview/interviewer.js';
import { WORKSPACE_IMAGE_LABEL } from '../../src/interview/prompt.js';
import type { ChatMessage, ContentPart } from '../../src/providers/llm.js';
import { ScriptedChatModel, textTurn } from '../../src/providers/testing/index.js';
import type { Store } from '../../src/store/store.js';
import { WorkspaceHub } from '../../src/workspace/hub.js';
import type { ProblemBank, SmsSender, Verifier } from '../../src/workspace/index.js';
import type { WorkspaceRepo } from '../../src/store/repos/workspace.js';
import { heardTurn, recorder } from './helpers.js';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);
const PNG_2 = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 9, 9, 9, 9]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 7, 7, 7]);
const page = { send: () => undefined };

function hub(vision: boolean) {
  const files = new Map<string, Buffer>();
  const store = {
    artifacts: {
      put: async (i: { kind: string; bytes: Buffer }) => {
        const id = `art-${files.size + 1}`;
        files.set(id, Buffer.from(i.bytes));
        return { id, kind: i.kind, byteSize: i.bytes.byteLength, sha256: 'x' };
      },
      read: async (id: string) => {
        const bytes = files.get(id);
        if (!bytes) throw new Error(`no artifact ${id}`);
        return bytes;
      },
    },
    events: { append: async () => ({ seq: 1 }) },
  } as unknown as Store;
  const h = new WorkspaceHub({
    store,
    // Not reached: no link, page or submission in these tests.
    repo: {} as WorkspaceRepo,
    sms: {} as SmsSender,
    bank: {} as ProblemBank,
    verifier: {} as Verifier,
    publicUrl: 'http://127.0.0.1:1',
    graceMs: 0,
    linkMaxAgeMs: 3_600_000,
    submitsPerMinute: 6,
    log: { info: () => {}, warn: () => {}, error: () => {} },
    vision,
  });
  h.media.openBoard('iv', { id: 'p', version: 1, title: 'Design a URL shortener', families: [], levels: [], prompt: 'Draw.' });
  const snapshot = (png: Buffer) => h.media.handle('iv', page, { type: 'board.snapshot', png: png.toString('base64'), width: 10, height: 10, reason: 'break' });
  return { hub: h, snapshot };
}

async function interview(h: WorkspaceHub) {
  const model = new ScriptedChatModel({ turns: Array.from({ length: 6 }, (_, i) => textTurn(`Reply ${i}.`)) });
  const agent = new Interviewer({
    context: {
      interviewId: 'iv',
      candidate: { name: 'Ada Lovelace' },
      role: { title: 'Backend Engineer', level: 'mid' },
      workspace: () => h.summary('iv'),
      workspaceImages: () => h.latestImages('iv'),
    },
    model,
    record: recorder().record,
    clock: () => 0,
  });
  const opening = agent.opening();
  agent.onSpoken({ replyId: 'greeting', planned: opening, heard: opening, interrupted: false });
  return { agent, model };
}

const imageParts = (messages: ChatMessage[]): Extract<ContentPart, { type: 'image' }>[] =>
  messages.flatMap((m) => (m.role === 'user' && Array.isArray(m.content) ? m.content.filter((p) => p.type === 'image') : []));

describe('workspace images for a vision model', () => {
  it('sends a new board snapshot once, labelled, at low detail, before the candidate’s last turn', async () => {
    const { hub: h, snapshot } = hub(true);
    const { agent, model } = await interview(h);
    await heardTurn(agent, 'yes');
    expect(imageParts(model.requests[0]!.messages)).toEqual([]); // nothing drawn yet

    await snapshot(PNG);
    await heardTurn(agent, 'I would put a cache in front of the database.');
    const messages = model.requests[1]!.messages;
    expect(imageParts(messages)).toEqual([{ type: 'image', url: `data:image/png;base64,${PNG.toString('base64')}`, detail: 'low' }]);
    const at = messages.findIndex((m) => m.role === 'user' && Array.isArray(m.content));
    const label = messages[at]!.content as ContentPart[];
    expect(label[0]).toEqual({ type: 'text', text: `${WORKSPACE_IMAGE_LABEL}: the latest board snapshot.` });
    // The candidate's words stay the last message the model answers.
    expect(messages.at(-1)).toEqual({ role: 'user', content: 'I would put a cache in front of the database.' });
    expect(at).toBe(messages.length - 2);

    // The following turn: the same picture is not sent again.
    await heardTurn(agent, 'And a queue for the writes.');
    expect(imageParts(model.requests[2]!.messages)).toEqual([]);

    // A newer snapshot (and a screen frame while sharing) is offered once more, both in one message.
    await snapshot(PNG_2);
    await h.media.handle('iv', page, { type: 'screen.started', width: 100, height: 50, surface: 'monitor' });
    await h.media.handle('iv', page, { type: 'screen.frame', jpeg: JPEG.toString('base64'), width: 100, height: 50, reason: 'interval' });
    await heardTurn(agent, 'Here is my screen.');
    const third = model.requests[3]!.messages;
    expect(imageParts(third).map((p) => p.url)).toEqual([`data:image/png;base64,${PNG_2.toString('base64')}`, `data:image/jpeg;base64,${JPEG.toString('base64')}`]);
    expect(third.filter((m) => m.role === 'user' && Array.isArray(m.content))).toHaveLength(1);
  });

  it('sends no image with vision off (the text summary still goes in the system prompt)', async () => {
    const { hub: h, snapshot } = hub(false);
    const { agent, model } = await interview(h);
    await heardTurn(agent, 'yes');
    await snapshot(PNG);
    await heardTurn(agent, 'I would put a cache in front of the database.');
    expect(model.requests).toHaveLength(2);
    expect(model.requests.flatMap((r) => imageParts(r.messages))).toEqual([]);
    expect(model.requests[1]!.messages[0]!.content).toMatch(/design board open \("Design a URL shortener"\)/);
  });

  it('the plan-driven interviewer ignores the pictures and still answers the candidate', async () => {
    const { hub: h, snapshot } = hub(true);
    const agent = new Interviewer({
      context: { interviewId: 'iv', candidate: { name: 'Ada' }, role: { title: 'Backend Engineer' }, workspaceImages: () => h.latestImages('iv') },
      record: recorder().record,
      clock: () => 0,
    });
    agent.opening();
    await heardTurn(agent, 'yes');
    await snapshot(PNG);
    const r = await heardTurn(agent, 'I am a backend engineer with five years of Go.');
    expect(r.text.trim().length).toBeGreaterThan(0);
    expect(await h.latestImages('iv')).toEqual([]); // offered at that break, so not again
  });
});
