// The live view's surfaces, as the event log reports them (runs under Vitest with the service's tests).
import { describe, expect, it } from 'vitest';
import { deriveLive, deriveTimeline } from './derive';
import type { FeedEvent } from './api';

let seq = 0;
const ev = (type: string, payload: Record<string, unknown> = {}): FeedEvent => ({ interviewId: 'iv', seq: ++seq, at: new Date(1_800_000_000_000 + seq * 1000).toISOString(), type, payload });
const surfaces = (events: FeedEvent[]) => deriveLive(events).surfaces.map((s) => s.label);

describe('the live view: surfaces the candidate has open', () => {
  it('shows the page, its binding, the editor, the board and screen sharing, and drops what was closed', () => {
    const opened = [
      ev('workspace.opened', { pageId: 'p1' }),
      ev('workspace.surface_opened', { kind: 'ide', problemId: 'lru-cache' }),
      ev('workspace.surface_opened', { kind: 'board', problemId: 'url-shortener' }),
      ev('screen.share_started', { width: 1280, height: 720, surface: 'monitor' }),
    ];
    expect(surfaces(opened)).toEqual(['Workspace page open', 'Code editor (lru-cache)', 'Design board (url-shortener)', 'Screen share']);
    const bound = [...opened, ev('workspace.binding', { status: 'confirmed', pageId: 'p1' })];
    expect(surfaces(bound)[0]).toBe('Workspace page open, linked to the call');
    expect(surfaces([...bound, ev('screen.share_stopped', { reason: 'button', frames: 3 })])).not.toContain('Screen share');
    expect(surfaces([...bound, ev('workspace.closed', { pageId: 'p1' })])).toEqual([]);
  });

  it('a mismatched code leaves the page unlinked', () => {
    expect(surfaces([ev('workspace.opened'), ev('workspace.binding', { status: 'mismatch' })])).toEqual(['Workspace page open']);
  });
});

describe('the replay: board snapshots and screen frames show their image', () => {
  const UUID = '3f2b8c1e-5d4a-4b6f-9c7e-1a2b3c4d5e6f';

  it('gives each snapshot and frame the artifact image route of its interview, with alt text and size', () => {
    const items = deriveTimeline([
      ev('workspace.opened', { pageId: 'p1' }),
      ev('board.snapshot', { artifactId: UUID, byteSize: 20_480, sha256: 'x', width: 800, height: 600, reason: 'submit', summaryVersion: 3 }),
      ev('screen.frame', { artifactId: 'f-1', byteSize: 4096, width: 1280, height: 720, reason: 'interval', index: 2 }),
    ]);
    const snapshot = items.find((i) => i.kind === 'board')!;
    expect(snapshot).toMatchObject({ title: 'Board snapshot', image: `/api/interviews/iv/artifacts/${UUID}`, imageSize: { width: 800, height: 600 } });
    expect(snapshot.detail).toContain('on submit');
    expect(snapshot.detail).toContain('board version 3');
    expect(snapshot.imageAlt).toMatch(/^The design board at \d\d:\d\d$/);
    const frame = items.find((i) => i.kind === 'screen')!;
    expect(frame).toMatchObject({ title: 'Screen frame #2', image: '/api/interviews/iv/artifacts/f-1', imageSize: { width: 1280, height: 720 } });
    expect(frame.imageAlt).toMatch(/shared screen/);
  });

  it('escapes ids into the path, and shows no image when the event names no artifact', () => {
    const [odd] = deriveTimeline([{ ...ev('screen.frame', { artifactId: '../x?y', width: 10, height: 10, reason: 'request', index: 1 }), interviewId: 'a/b' }]);
    expect(odd!.image).toBe('/api/interviews/a%2Fb/artifacts/..%2Fx%3Fy');
    const [none] = deriveTimeline([ev('board.snapshot', { width: 800, height: 600, reason: 'break' })]);
    expect(none!.image).toBeUndefined();
    // Other board and screen events stay text only.
    const rest = deriveTimeline([ev('board.summary', { version: 1, text: 'two boxes' }), ev('screen.share_started', { width: 1, height: 1, surface: 'monitor' })]);
    expect(rest.map((i) => i.image)).toEqual([undefined, undefined]);
  });
});
