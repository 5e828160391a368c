import { describe, expect, it } from 'vitest';
import { ChannelGuard, DEFAULT_MEDIA_LIMITS, MediaRooms } from '../../src/workspace/board/media.js';
import { parseMediaMessage, toFrames, type MediaServerMessage } from '../../src/workspace/board/media-protocol.js';
import type { Store } from '../../src/store/store.js';

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]).toString('base64');

function rooms(limits = {}) {
  const recorded: { type: string; payload: Record<string, unknown> }[] = [];
  const stored: { kind: string; bytes: number }[] = [];
  // The artifacts repo's contract, in memory (the browser test uses the real one).
  const store = {
    artifacts: {
      put: async (i: { kind: string; bytes: Uint8Array; contentType: string }) => {
        stored.push({ kind: i.kind, bytes: i.bytes.byteLength });
        return { id: `art-${stored.length}`, byteSize: i.bytes.byteLength, sha256: 'x', kind: i.kind };
      },
    },
  } as unknown as Store;
  let now = 1_000_000;
  const media = new MediaRooms({ store, record: async (_id, type, payload) => {
      recorded.push({ type, payload: payload as Record<string, unknown> });
      return undefined;
    }, log: { warn: () => undefined }, limits, now: () => now });
  const sent: MediaServerMessage[] = [];
  return { media, recorded, stored, sent, page: { send: (m: MediaServerMessage) => sent.push(m) }, tick: (ms: number) => (now += ms) };
}

describe('board and screen media', () => {
  it('reassembles chunk trains the page sends, and refuses broken or oversized trains', () => {
    const g = new ChannelGuard(DEFAULT_MEDIA_LIMITS);
    const json = JSON.stringify({ type: 'board.scene', elements: Array.from({ length: 3000 }, (_, i) => ({ id: `e${i}`, type: 'rectangle', x: i, y: 0, width: 1, height: 1 })) });
    const frames = toFrames(json, 'id1');
    expect(frames.length).toBeGreaterThan(2);
    const results = frames.map((f) => g.accept(f));
    expect(results.slice(0, -1)).toEqual(frames.slice(0, -1).map(() => null));
    expect(results.at(-1)).toEqual({ message: json });
    expect(g.accept(JSON.stringify({ type: 'chunk', id: 'z', i: 1, n: 3, data: 'x' }))).toBeNull(); // out of order: counted as malformed
    expect(new ChannelGuard(DEFAULT_MEDIA_LIMITS).accept(JSON.stringify({ type: 'chunk', id: 'z', i: 0, n: 100, data: 'x' }))).toEqual({ close: { code: 4413, reason: 'message too large: over 1953 KiB' } });
  });

  it('drops deleted elements and refuses scenes over the element cap', () => {
    const ok = parseMediaMessage({ type: 'board.scene', elements: [{ id: 'a', type: 'rectangle' }, { id: 'b', type: 'text', isDeleted: true }] }, 100);
    expect(ok).toMatchObject({ ok: true, msg: { elements: [{ id: 'a' }] } });
    const big = parseMediaMessage({ type: 'board.scene', elements: Array.from({ length: 5001 }, (_, i) => ({ id: `${i}`, type: 'line' })) }, 100);
    expect(big).toEqual({ ok: false, reason: 'scene_too_large: 5001 elements, the limit is 5000' });
    expect(parseMediaMessage({ type: 'board.scene', elements: [{ type: 'rectangle' }] }, 10)).toMatchObject({ ok: false });
  });

  it('records a summary only when the structure changes, and stops sharing at the per-interview frame cap', async () => {
    const r = rooms({ maxFramesPerInterview: 3, framesPerMinute: 100 });
    r.media.openBoard('iv', { id: 'p', version: 1, title: 'T', families: [], levels: [], prompt: 'Draw.' });
    const scene = [{ id: 'a', type: 'rectangle', x: 0, y: 0, width: 10, height: 10 }];
    await r.media.handle('iv', r.page, { type: 'board.scene', elements: scene, reason: 'change', chars: 10 });
    await r.media.handle('iv', r.page, { type: 'board.scene', elements: [{ ...scene[0]!, x: 50 }], reason: 'change', chars: 10 });
    expect(r.recorded.filter((e) => e.type === 'board.summary')).toHaveLength(1);
    expect(r.media.contextLines('iv', r.page)[0]).toMatch(/design board \("T"\), components: unlabelled rectangle 1/);
    expect(r.sent.some((m) => m.type === 'board.snapshot_request')).toBe(true);

    await r.media.handle('iv', r.page, { type: 'screen.started', width: 100, height: 50, surface: 'monitor' });
    for (let i = 0; i < 4; i++) await r.media.handle('iv', r.page, { type: 'screen.frame', jpeg: JPEG, width: 10, height: 5, reason: 'interval' });
    expect(r.stored.filter((s) => s.kind === 'screen_jpeg')).toHaveLength(3);
    expect(r.recorded.filter((e) => e.type === 'screen.share_stopped')).toEqual([{ type: 'screen.share_stopped', payload: expect.objectContaining({ reason: 'frame_cap', frames: 3 }) }]);
    expect(r.sent).toContainEqual(expect.objectContaining({ type: 'screen.stop', reason: 'frame_cap' }));
    expect(r.sent).toContainEqual(expect.objectContaining({ type: 'screen.refused', reason: 'not_sharing' }));
  });

  it('refuses frames faster than the per-minute limit, recording the flood once', async () => {
    const r = rooms({ framesPerMinute: 2 });
    await r.media.handle('iv', r.page, { type: 'screen.started', width: 100, height: 50, surface: 'window' });
    for (let i = 0; i < 6; i++) await r.media.handle('iv', r.page, { type: 'screen.frame', jpeg: JPEG, width: 10, height: 5, reason: 'interval' });
    expect(r.stored).toHaveLength(2);
    expect(r.recorded.filter((e) => e.type === 'screen.refused')).toEqual([{ type: 'screen.refused', payload: { reason: 'too_frequent', bytes: 7 } }]);
    r.tick(61_000);
    await r.media.handle('iv', r.page, { type: 'screen.frame', jpeg: JPEG, width: 10, height: 5, reason: 'request' });
    expect(r.stored).toHaveLength(3);
  });
});
