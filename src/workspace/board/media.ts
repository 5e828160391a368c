/**
 * The server side of the design board and the screen share, per interview: the board's scene (kept for reloads),
 * its summary (`board.summary` when the structure changes), PNG snapshots and JPEG frames stored as artifacts, and
 * the compact lines the interviewer reads at natural breaks. Also the per-page channel guard: chunk reassembly, and
 * the limits that close a channel (malformed frames, floods, oversize messages) with a clear close reason.
 */
import type { EventPayload, EventType } from '../../store/events/catalogue.js';
import type { Store } from '../../store/store.js';
import type { DesignPrompt } from './prompts.js';
import { boardProbe, diffSummaries, summariseScene, summaryText, type BoardSummary, type SceneElement } from './summarise.js';
import { MAX_ASSEMBLED_CHARS, MAX_FRAME_BYTES, type MediaClientMessage, type MediaServerMessage } from './media-protocol.js';

export interface MediaLimits {
  /** Screen frames kept per interview; sharing stops at the cap. */
  maxFramesPerInterview: number;
  /** Screen frames accepted per minute (the page sends one every 5 s). */
  framesPerMinute: number;
  /** Raw frames a page may send per minute before its channel is closed (4429). */
  messagesPerMinute: number;
  /** Malformed messages a page may send per minute before its channel is closed (4400). */
  malformedPerMinute: number;
}

export const DEFAULT_MEDIA_LIMITS: MediaLimits = { maxFramesPerInterview: 120, framesPerMinute: 20, messagesPerMinute: 1200, malformedPerMinute: 20 };

type Record_ = <T extends EventType>(interviewId: string, type: T, payload: EventPayload<T>) => Promise<{ seq: number } | undefined>;

export interface MediaPage {
  send(msg: MediaServerMessage): void;
}

interface BoardState {
  prompt: DesignPrompt;
  elements: Record<string, unknown>[] | null;
  summary: BoardSummary | null;
  version: number;
  /** The summary the interviewer last read (its "since last look" diff is against this). */
  seen: BoardSummary | null;
  snapshotVersion: number;
  snapshotRequestedAt: number;
  /** The latest PNG artifact, and the one last offered to the model as an image (each is offered once). */
  snapshotId?: string;
  offeredSnapshotId?: string;
}

interface ScreenState {
  sharing: boolean;
  startedAt: number;
  frames: number;
  framesThisShare: number;
  lastFrameAt: number;
  frameTimes: number[];
  /** When each refusal reason was last recorded (a flood is recorded once a minute per reason). */
  refusedAt: Record<string, number>;
  requestedAt: number;
  /** The latest JPEG artifact, and the one last offered to the model as an image. */
  lastFrameId?: string;
  offeredFrameId?: string;
}

/** An image for the model's context: the newest board PNG or screen JPEG not offered before, as a data URL. */
export interface WorkspaceImage {
  kind: 'board_png' | 'screen_jpeg';
  artifactId: string;
  dataUrl: string;
}

interface Room {
  board?: BoardState;
  screen: ScreenState;
}

/**
 * What another process needs of a room to serve the call it holds while the page is connected here: the board's
 * prompt, structure and newest snapshot, and the share's state. Plain JSON (it crosses the process bus). The
 * scene itself stays with the page's process; what the interviewer has read or been offered stays with the call's.
 */
export interface MediaMirror {
  board: { promptId: string; summary: BoardSummary | null; version: number; snapshotVersion: number; snapshotId?: string } | null;
  screen: { sharing: boolean; startedAt: number; frames: number; framesThisShare: number; lastFrameAt: number; lastFrameId?: string };
}

const WINDOW_MS = 60_000;

function allow(times: number[], perMinute: number, now = Date.now()): boolean {
  while (times.length && times[0]! <= now - WINDOW_MS) times.shift();
  if (times.length >= perMinute) return false;
  times.push(now);
  return true;
}

/** One page's channel: reassembles chunk trains and counts floods and malformed frames. */
export class ChannelGuard {
  private readonly times: number[] = [];
  private readonly malformed: number[] = [];
  private train?: { id: string; n: number; parts: string[]; chars: number };

  constructor(private readonly limits: MediaLimits) {}

  /** Set once a close verdict is given: frames still queued behind it are dropped. */
  private shut = false;

  /** A raw frame: the whole message text, null while a chunk train is incomplete (or the channel is closing), or a close verdict. */
  accept(raw: string): { message: string } | { close: { code: number; reason: string } } | null {
    if (this.shut) return null;
    const verdict = this.acceptOpen(raw);
    if (verdict && 'close' in verdict) this.shut = true;
    return verdict;
  }

  private acceptOpen(raw: string): { message: string } | { close: { code: number; reason: string } } | null {
    if (!allow(this.times, this.limits.messagesPerMinute)) return { close: { code: 4429, reason: 'too many messages: slow down' } };
    if (!raw.startsWith('{"type":"chunk"')) return { message: raw };
    let c: { id?: unknown; i?: unknown; n?: unknown; data?: unknown };
    try {
      c = JSON.parse(raw) as typeof c;
    } catch {
      return this.bad();
    }
    const { id, i, n, data } = c;
    if (typeof id !== 'string' || typeof i !== 'number' || typeof n !== 'number' || typeof data !== 'string' || !Number.isInteger(i) || !Number.isInteger(n) || n < 1 || i < 0 || i >= n) return this.bad();
    if (n * 48_000 > MAX_ASSEMBLED_CHARS * 1.05) return { close: { code: 4413, reason: `message too large: over ${Math.round(MAX_ASSEMBLED_CHARS / 1024)} KiB` } };
    if (i === 0) this.train = { id, n, parts: [], chars: 0 };
    const t = this.train;
    if (!t || t.id !== id || t.n !== n || t.parts.length !== i) {
      this.train = undefined;
      return this.bad();
    }
    t.parts.push(data);
    t.chars += data.length;
    if (t.chars > MAX_ASSEMBLED_CHARS) {
      this.train = undefined;
      return { close: { code: 4413, reason: `message too large: over ${Math.round(MAX_ASSEMBLED_CHARS / 1024)} KiB` } };
    }
    if (t.parts.length < n) return null;
    this.train = undefined;
    return { message: t.parts.join('') };
  }

  /** Counts a malformed message; a close verdict once there are too many. */
  bad(): { close: { code: number; reason: string } } | null {
    if (this.shut || allow(this.malformed, this.limits.malformedPerMinute)) return null;
    this.shut = true;
    return { close: { code: 4400, reason: 'too many malformed messages' } };
  }
}

export class MediaRooms {
  private readonly rooms = new Map<string, Room>();
  readonly limits: MediaLimits;

  constructor(
    private readonly o: {
      store: Store;
      record: Record_;
      log: { warn(obj: unknown, msg?: string): void };
      limits?: Partial<MediaLimits>;
      now?: () => number;
      /** A page message changed what `mirror()` returns (the hub sends it to the call's process). */
      onChange?: (interviewId: string) => void;
    },
  ) {
    this.limits = { ...DEFAULT_MEDIA_LIMITS, ...o.limits };
  }

  private now() {
    return this.o.now?.() ?? Date.now();
  }

  private room(id: string): Room {
    let r = this.rooms.get(id);
    if (!r) {
      r = { screen: { sharing: false, startedAt: 0, frames: 0, framesThisShare: 0, lastFrameAt: 0, frameTimes: [], refusedAt: {}, requestedAt: 0 } };
      this.rooms.set(id, r);
    }
    return r;
  }

  /** The board opens with this prompt (the scene is kept when the same prompt is opened again). */
  openBoard(interviewId: string, prompt: DesignPrompt): MediaServerMessage {
    const r = this.room(interviewId);
    if (!r.board || r.board.prompt.id !== prompt.id) r.board = { prompt, elements: null, summary: null, version: 0, seen: null, snapshotVersion: 0, snapshotRequestedAt: 0 };
    return this.boardMessage(interviewId)!;
  }

  /** What a (re)connecting page needs to show the board, or null. */
  boardMessage(interviewId: string): Extract<MediaServerMessage, { type: 'board' }> | null {
    const b = this.rooms.get(interviewId)?.board;
    if (!b) return null;
    return { type: 'board', prompt: { id: b.prompt.id, version: b.prompt.version, title: b.prompt.title, prompt: b.prompt.prompt }, elements: b.elements };
  }

  /** Restores a board after a server restart from the surface row (the scene itself is not persisted). */
  ensureBoard(interviewId: string, prompt: DesignPrompt): void {
    if (!this.rooms.get(interviewId)?.board) this.openBoard(interviewId, prompt);
  }

  summaryOf(interviewId: string): BoardSummary | null {
    return this.rooms.get(interviewId)?.board?.summary ?? null;
  }

  isSharing(interviewId: string): boolean {
    return Boolean(this.rooms.get(interviewId)?.screen.sharing);
  }

  async handle(interviewId: string, page: MediaPage, msg: MediaClientMessage): Promise<void> {
    const before = this.changeKey(interviewId);
    try {
      await this.handleOne(interviewId, page, msg);
    } finally {
      if (this.o.onChange && this.changeKey(interviewId) !== before) this.o.onChange(interviewId);
    }
  }

  /** What the call's process would notice: a new summary version, snapshot or frame, a share starting or stopping (not a shape moved). */
  private changeKey(interviewId: string): string {
    const r = this.rooms.get(interviewId);
    if (!r) return '';
    const b = r.board;
    return [b?.prompt.id, b?.version, b?.snapshotId, r.screen.sharing, r.screen.frames, r.screen.startedAt].join('|');
  }

  private async handleOne(interviewId: string, page: MediaPage, msg: MediaClientMessage): Promise<void> {
    const r = this.room(interviewId);
    switch (msg.type) {
      case 'board.scene':
        return this.scene(interviewId, r, page, msg);
      case 'board.snapshot':
        return this.snapshot(interviewId, r, page, msg);
      case 'screen.started':
        if (r.screen.sharing) return;
        if (r.screen.frames >= this.limits.maxFramesPerInterview) {
          page.send({ type: 'screen.stop', reason: 'frame_cap', message: 'Screen sharing is not available any more in this interview.' });
          return;
        }
        r.screen = { ...r.screen, sharing: true, startedAt: this.now(), framesThisShare: 0 };
        await this.o.record(interviewId, 'screen.share_started', { width: msg.width, height: msg.height, surface: msg.surface });
        return;
      case 'screen.stopped':
        return this.stopShare(interviewId, msg.reason);
      case 'screen.frame':
        return this.frame(interviewId, r, page, msg);
    }
  }

  /** The page closed: a share in progress ends. */
  async pageClosed(interviewId: string): Promise<void> {
    const sharing = this.isSharing(interviewId);
    await this.stopShare(interviewId, 'page_closed');
    if (sharing) this.o.onChange?.(interviewId);
  }

  /** The room as the call's process needs it (null when there is none). */
  mirror(interviewId: string): MediaMirror | null {
    const r = this.rooms.get(interviewId);
    if (!r) return null;
    const b = r.board;
    const s = r.screen;
    return {
      board: b ? { promptId: b.prompt.id, summary: b.summary, version: b.version, snapshotVersion: b.snapshotVersion, ...(b.snapshotId ? { snapshotId: b.snapshotId } : {}) } : null,
      screen: { sharing: s.sharing, startedAt: s.startedAt, frames: s.frames, framesThisShare: s.framesThisShare, lastFrameAt: s.lastFrameAt, ...(s.lastFrameId ? { lastFrameId: s.lastFrameId } : {}) },
    };
  }

  /**
   * The page is connected to another process: take its room's state as this one's. What this process decides
   * (what the interviewer has seen, which images it was offered, when it last asked the page) is kept.
   * `prompt` is the board's design prompt, looked up by the caller (null when the board is not open there).
   */
  applyMirror(interviewId: string, m: MediaMirror, prompt: DesignPrompt | null): void {
    const r = this.room(interviewId);
    if (m.board && prompt) {
      const kept = r.board?.prompt.id === prompt.id ? r.board : undefined;
      r.board = {
        prompt,
        elements: null,
        summary: m.board.summary,
        version: m.board.version,
        seen: kept?.seen ?? null,
        snapshotVersion: m.board.snapshotVersion,
        snapshotRequestedAt: kept?.snapshotRequestedAt ?? 0,
        ...(m.board.snapshotId ? { snapshotId: m.board.snapshotId } : {}),
        ...(kept?.offeredSnapshotId ? { offeredSnapshotId: kept.offeredSnapshotId } : {}),
      };
    }
    const s = r.screen;
    r.screen = {
      ...s,
      sharing: m.screen.sharing,
      startedAt: m.screen.startedAt,
      frames: m.screen.frames,
      framesThisShare: m.screen.framesThisShare,
      lastFrameAt: m.screen.lastFrameAt,
      ...(m.screen.lastFrameId ? { lastFrameId: m.screen.lastFrameId } : {}),
    };
  }

  private async stopShare(interviewId: string, reason: string): Promise<void> {
    const s = this.rooms.get(interviewId)?.screen;
    if (!s?.sharing) return;
    s.sharing = false;
    await this.o.record(interviewId, 'screen.share_stopped', { reason, frames: s.framesThisShare, durationMs: this.now() - s.startedAt });
  }

  private async scene(interviewId: string, r: Room, page: MediaPage, msg: Extract<MediaClientMessage, { type: 'board.scene' }>): Promise<void> {
    const b = r.board;
    if (!b) {
      page.send({ type: 'board.refused', reason: 'board_not_open', message: 'The design board is not open.' });
      await this.o.record(interviewId, 'board.refused', { reason: 'board_not_open' });
      return;
    }
    b.elements = msg.elements;
    const started = performance.now();
    const next = summariseScene(msg.elements as unknown as SceneElement[], b.summary);
    const summariseMs = Math.round((performance.now() - started) * 100) / 100;
    const changed = !next.diff.empty || b.version === 0;
    if (changed || msg.reason === 'submit') {
      b.summary = next;
      b.version++;
      await this.o.record(interviewId, 'board.summary', {
        version: b.version,
        reason: msg.reason,
        counts: next.counts,
        components: next.components.slice(0, 200),
        connections: next.connections.slice(0, 300),
        boundaries: next.boundaries.slice(0, 100),
        notes: next.notes.slice(0, 100),
        diff: next.diff,
        text: summaryText(next, { maxChars: 2000 }),
        summariseMs,
      });
    } else {
      // Only positions changed: keep the new geometry for the next diff without a new event.
      b.summary = { ...next, diff: b.summary?.diff ?? next.diff };
    }
    page.send({ type: 'board.saved', version: b.version, submitted: msg.reason === 'submit' });
  }

  private async snapshot(interviewId: string, r: Room, page: MediaPage, msg: Extract<MediaClientMessage, { type: 'board.snapshot' }>): Promise<void> {
    const b = r.board;
    const bytes = Buffer.from(msg.png, 'base64');
    if (!b || bytes.length < 8 || bytes.readUInt32BE(0) !== 0x89504e47) {
      const reason = b ? 'not_a_png' : 'board_not_open';
      page.send({ type: 'board.refused', reason, message: b ? 'The board picture was not a PNG.' : 'The design board is not open.' });
      await this.o.record(interviewId, 'board.refused', { reason });
      return;
    }
    const artifact = await this.o.store.artifacts.put({ interviewId, kind: 'board_png', contentType: 'image/png', bytes });
    b.snapshotVersion = b.version;
    b.snapshotId = artifact.id;
    await this.o.record(interviewId, 'board.snapshot', {
      artifactId: artifact.id,
      byteSize: artifact.byteSize,
      sha256: artifact.sha256,
      width: msg.width,
      height: msg.height,
      reason: msg.reason,
      summaryVersion: b.version,
    });
  }

  private async frame(interviewId: string, r: Room, page: MediaPage, msg: Extract<MediaClientMessage, { type: 'screen.frame' }>): Promise<void> {
    const s = r.screen;
    const bytes = Buffer.from(msg.jpeg, 'base64');
    const refuse = async (reason: string, message: string) => {
      page.send({ type: 'screen.refused', reason, message });
      // A flood is recorded once a minute, not once per frame.
      if (this.now() - (s.refusedAt[reason] ?? -Infinity) < WINDOW_MS) return;
      s.refusedAt[reason] = this.now();
      await this.o.record(interviewId, 'screen.refused', { reason, bytes: bytes.length });
    };
    if (!s.sharing) return refuse('not_sharing', 'Start sharing first.');
    if (bytes.length > MAX_FRAME_BYTES) return refuse('frame_too_large', `A screen frame may be at most ${Math.round(MAX_FRAME_BYTES / 1024)} KiB.`);
    if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return refuse('not_a_jpeg', 'A screen frame must be a JPEG.');
    if (!allow(s.frameTimes, this.limits.framesPerMinute, this.now())) return refuse('too_frequent', 'Screen frames are arriving too fast.');
    const artifact = await this.o.store.artifacts.put({ interviewId, kind: 'screen_jpeg', contentType: 'image/jpeg', bytes });
    s.frames++;
    s.framesThisShare++;
    s.lastFrameAt = this.now();
    s.lastFrameId = artifact.id;
    await this.o.record(interviewId, 'screen.frame', { artifactId: artifact.id, byteSize: artifact.byteSize, width: msg.width, height: msg.height, reason: msg.reason, index: s.frames });
    if (s.frames >= this.limits.maxFramesPerInterview) {
      page.send({ type: 'screen.stop', reason: 'frame_cap', message: 'That is all the screen sharing this interview needs: sharing has stopped.' });
      await this.stopShare(interviewId, 'frame_cap');
    }
  }

  /** Ask the page for a board PNG now (a natural break, or the interviewer asked). */
  requestSnapshot(interviewId: string, page: MediaPage | undefined, reason = 'request'): boolean {
    const b = this.rooms.get(interviewId)?.board;
    if (!b || !page) return false;
    b.snapshotRequestedAt = this.now();
    page.send({ type: 'board.snapshot_request', reason });
    return true;
  }

  /** Ask the page for a screen frame now. */
  requestFrame(interviewId: string, page: MediaPage | undefined): boolean {
    const s = this.rooms.get(interviewId)?.screen;
    if (!s?.sharing || !page) return false;
    s.requestedAt = this.now();
    page.send({ type: 'screen.request' });
    return true;
  }

  /**
   * Lines for the interviewer's context, read at a natural break (when its next prompt is built): the board's
   * structure and what changed since it last looked, and that a screen is being shared (background only). Reading
   * them asks the page for a fresh board PNG when the board changed since the last one.
   */
  contextLines(interviewId: string, page: MediaPage | undefined): string[] {
    const r = this.rooms.get(interviewId);
    if (!r) return [];
    const lines: string[] = [];
    const b = r.board;
    if (b) {
      if (!b.summary) lines.push(`design board open ("${b.prompt.title}"), nothing drawn yet`);
      else {
        const diff = b.seen ? diffSummaries(b.seen, b.summary) : null;
        lines.push(`design board ("${b.prompt.title}"), ${summaryText(b.summary, { diff, maxChars: 700 })}`);
        b.seen = b.summary;
        if (b.snapshotVersion < b.version && this.now() - b.snapshotRequestedAt > 15_000) this.requestSnapshot(interviewId, page, 'break');
      }
    }
    const s = r.screen;
    if (s.sharing) {
      const mins = Math.max(1, Math.round((this.now() - s.startedAt) / 60_000));
      lines.push(`the candidate is sharing their screen (about ${mins} min, ${s.framesThisShare} frame${s.framesThisShare === 1 ? '' : 's'} kept as background; do not narrate it)`);
      if (this.now() - s.lastFrameAt > 10_000 && this.now() - s.requestedAt > 10_000) this.requestFrame(interviewId, page);
    }
    return lines;
  }

  /**
   * The newest board snapshot and screen frame the model has not been offered yet, read at a natural break (the
   * model sees each image once, as background, never a stream). A frame is offered only while the share is on:
   * once the candidate stops sharing, what they showed is not sent on afterwards.
   */
  async latestImages(interviewId: string): Promise<WorkspaceImage[]> {
    const r = this.rooms.get(interviewId);
    if (!r) return [];
    const out: WorkspaceImage[] = [];
    const b = r.board;
    if (b?.snapshotId && b.snapshotId !== b.offeredSnapshotId) {
      const image = await this.image(b.snapshotId, 'board_png', 'image/png');
      b.offeredSnapshotId = b.snapshotId;
      if (image) out.push(image);
    }
    const s = r.screen;
    if (s.sharing && s.lastFrameId && s.lastFrameId !== s.offeredFrameId) {
      const image = await this.image(s.lastFrameId, 'screen_jpeg', 'image/jpeg');
      s.offeredFrameId = s.lastFrameId;
      if (image) out.push(image);
    }
    return out;
  }

  private async image(artifactId: string, kind: WorkspaceImage['kind'], contentType: string): Promise<WorkspaceImage | null> {
    try {
      const bytes = await this.o.store.artifacts.read(artifactId);
      return { kind, artifactId, dataUrl: `data:${contentType};base64,${bytes.toString('base64')}` };
    } catch (err) {
      // A missing artifact file costs the model one picture, never the turn.
      this.o.log.warn({ artifactId, err }, 'workspace image unreadable');
      return null;
    }
  }

  /** A question about the board for the plan-driven interviewer (null when there is nothing worth asking). */
  probe(interviewId: string): { key: string; text: string } | null {
    const s = this.summaryOf(interviewId);
    return s ? boardProbe(s) : null;
  }

  forget(interviewId: string): void {
    this.rooms.delete(interviewId);
  }
}
