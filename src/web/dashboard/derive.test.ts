// The live view's surfaces, as the event log reports them (runs under Vitest with the service's tests).
import { describe, expect, it } from 'vitest';
import { deriveLive } from './derive';
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
