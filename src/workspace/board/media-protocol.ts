/**
 * The board's and the screen share's messages on the page's live channel (pure; shared by the page and the server),
 * their size limits, and the chunk envelope that carries a message larger than one WebSocket frame (the socket's
 * frame cap is 64 KiB, set for Twilio media; a board scene or a JPEG is often larger).
 */

/** Characters per chunk (well under the 64 KiB frame cap with the envelope). */
export const CHUNK_CHARS = 48_000;
/** Largest message the server reassembles; a chunk train declaring more closes the socket (4413). */
export const MAX_ASSEMBLED_CHARS = 2_000_000;
/** Largest scene message accepted (JSON characters) and most elements; bigger scenes are refused, the page told. */
export const MAX_SCENE_CHARS = 1_000_000;
export const MAX_SCENE_ELEMENTS = 5000;
/** Largest board PNG and screen JPEG accepted (decoded bytes). */
export const MAX_SNAPSHOT_BYTES = 1_000_000;
export const MAX_FRAME_BYTES = 300_000;
/** The page sends a screen frame this often while sharing (and on request). */
export const SCREEN_FRAME_INTERVAL_MS = 5000;
/** Frames are downscaled to fit this box. */
export const SCREEN_FRAME_MAX_SIDE = 1280;

export interface DesignPromptView {
  id: string;
  version: number;
  title: string;
  prompt: string;
}

export type MediaServerMessage =
  | { type: 'board'; prompt: DesignPromptView; elements: unknown[] | null }
  | { type: 'board.snapshot_request'; reason: string }
  | { type: 'board.refused'; reason: string; message: string }
  | { type: 'board.saved'; version: number; submitted: boolean }
  | { type: 'screen.request' }
  | { type: 'screen.stop'; reason: string; message: string }
  | { type: 'screen.refused'; reason: string; message: string };

export type MediaClientMessage =
  | { type: 'board.scene'; elements: Record<string, unknown>[]; reason: 'change' | 'submit'; chars: number }
  | { type: 'board.snapshot'; png: string; width: number; height: number; reason: string }
  | { type: 'screen.started'; width: number; height: number; surface: string }
  | { type: 'screen.frame'; jpeg: string; width: number; height: number; reason: 'interval' | 'request' }
  | { type: 'screen.stopped'; reason: string };

export interface ChunkMessage {
  type: 'chunk';
  id: string;
  i: number;
  n: number;
  data: string;
}

const dim = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 20_000 ? Math.round(v) : undefined);
const word = (v: unknown, allowed: readonly string[], fallback?: string) => (typeof v === 'string' && allowed.includes(v) ? v : fallback);
const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

export type MediaParse = { ok: true; msg: MediaClientMessage } | { ok: false; reason: string } | null;

/** A board/screen message validated field by field: ok, refused with a reason, or null (not a media message). */
export function parseMediaMessage(m: Record<string, unknown>, chars: number): MediaParse {
  switch (m.type) {
    case 'board.scene': {
      if (!Array.isArray(m.elements)) return { ok: false, reason: 'board.scene needs elements (a list)' };
      if (chars > MAX_SCENE_CHARS) return { ok: false, reason: `scene_too_large: ${Math.round(chars / 1024)} KiB, the limit is ${Math.round(MAX_SCENE_CHARS / 1024)} KiB` };
      if (m.elements.length > MAX_SCENE_ELEMENTS) return { ok: false, reason: `scene_too_large: ${m.elements.length} elements, the limit is ${MAX_SCENE_ELEMENTS}` };
      const elements: Record<string, unknown>[] = [];
      for (const e of m.elements as unknown[]) {
        if (!e || typeof e !== 'object') return { ok: false, reason: 'board.scene: an element is not an object' };
        const el = e as Record<string, unknown>;
        if (typeof el.id !== 'string' || el.id.length > 100 || typeof el.type !== 'string' || el.type.length > 30) return { ok: false, reason: 'board.scene: an element lacks id or type' };
        if (el.isDeleted === true) continue; // onChange includes deleted elements; they are not part of the board
        elements.push(el);
      }
      return { ok: true, msg: { type: 'board.scene', elements, reason: m.reason === 'submit' ? 'submit' : 'change', chars } };
    }
    case 'board.snapshot': {
      const width = dim(m.width);
      const height = dim(m.height);
      if (typeof m.png !== 'string' || !B64.test(m.png) || width === undefined || height === undefined) return { ok: false, reason: 'board.snapshot needs png (base64), width and height' };
      if ((m.png.length * 3) / 4 > MAX_SNAPSHOT_BYTES) return { ok: false, reason: `snapshot_too_large: the limit is ${Math.round(MAX_SNAPSHOT_BYTES / 1024)} KiB` };
      return { ok: true, msg: { type: 'board.snapshot', png: m.png, width, height, reason: word(m.reason, ['break', 'submit', 'request', 'idle'], 'break')! } };
    }
    case 'screen.started': {
      const width = dim(m.width);
      const height = dim(m.height);
      if (width === undefined || height === undefined) return { ok: false, reason: 'screen.started needs width and height' };
      return { ok: true, msg: { type: 'screen.started', width, height, surface: word(m.surface, ['monitor', 'window', 'browser'], 'unknown')! } };
    }
    case 'screen.frame': {
      const width = dim(m.width);
      const height = dim(m.height);
      if (typeof m.jpeg !== 'string' || !B64.test(m.jpeg) || width === undefined || height === undefined) return { ok: false, reason: 'screen.frame needs jpeg (base64), width and height' };
      return { ok: true, msg: { type: 'screen.frame', jpeg: m.jpeg, width, height, reason: m.reason === 'request' ? 'request' : 'interval' } };
    }
    case 'screen.stopped':
      return { ok: true, msg: { type: 'screen.stopped', reason: word(m.reason, ['button', 'browser', 'page_closed'], 'button')! } };
    default:
      return null;
  }
}

/** Splits one serialised message into chunk frames when it is larger than a frame (the page uses this). */
export function toFrames(json: string, id: string): string[] {
  if (json.length <= CHUNK_CHARS) return [json];
  const n = Math.ceil(json.length / CHUNK_CHARS);
  const frames: string[] = [];
  for (let i = 0; i < n; i++) frames.push(JSON.stringify({ type: 'chunk', id, i, n, data: json.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS) } satisfies ChunkMessage));
  return frames;
}
