/** Event types of the design board and screen share (docs/events.md, "Board and screen-share events"). */
import { Type } from '@sinclair/typebox';
import { event } from './define.js';

const Opt = Type.Optional;
const Str = Type.String;
const Strs = Type.Array(Type.String());

export const boardEvents = {
  'board.summary': event("The board's structure changed (debounced scene from the page, deleted elements dropped): the server's summary and what changed since the previous one.", {
    version: Type.Integer(),
    reason: Type.Union([Type.Literal('change'), Type.Literal('submit')]),
    counts: Type.Object({ elements: Type.Integer(), components: Type.Integer(), connections: Type.Integer(), boundaries: Type.Integer(), notes: Type.Integer() }),
    components: Type.Array(Type.Object({ id: Str(), shape: Str(), label: Str(), inbound: Type.Integer(), outbound: Type.Integer() })),
    connections: Type.Array(
      Type.Object({ id: Str(), from: Str(), to: Str(), fromId: Type.Union([Str(), Type.Null()]), toId: Type.Union([Str(), Type.Null()]), direction: Str(), label: Str(), bound: Str() }),
    ),
    boundaries: Type.Array(Type.Object({ id: Str(), kind: Str(), name: Str(), members: Strs })),
    notes: Strs,
    diff: Type.Object({
      addedComponents: Strs,
      removedComponents: Strs,
      relabelled: Strs,
      addedConnections: Strs,
      removedConnections: Strs,
      addedBoundaries: Strs,
      removedBoundaries: Strs,
      addedNotes: Strs,
      removedNotes: Strs,
      empty: Type.Boolean(),
    }),
    text: Str(),
    summariseMs: Type.Number(),
  }),
  'board.snapshot': event('A PNG of the board (exportToBlob on the page) at a natural break, on request or on submit, stored as an artifact (kind board_png).', {
    artifactId: Str(),
    byteSize: Type.Integer(),
    sha256: Str(),
    width: Type.Integer(),
    height: Type.Integer(),
    reason: Str(),
    summaryVersion: Type.Integer(),
  }),
  'board.refused': event('A board message was refused (scene or snapshot too large, too many elements, board not open); the page is told why.', {
    reason: Str(),
    elements: Opt(Type.Integer()),
    chars: Opt(Type.Integer()),
  }),
  'screen.share_started': event('The candidate started sharing their screen (getDisplayMedia after their click).', {
    width: Type.Integer(),
    height: Type.Integer(),
    surface: Str(),
  }),
  'screen.frame': event('A downscaled JPEG of the shared screen (every few seconds, or on request), stored as an artifact (kind screen_jpeg).', {
    artifactId: Str(),
    byteSize: Type.Integer(),
    width: Type.Integer(),
    height: Type.Integer(),
    reason: Str(),
    index: Type.Integer(),
  }),
  'screen.share_stopped': event('Screen sharing stopped: the stop button, the browser\'s own stop, the page closing, or the per-interview frame cap.', {
    reason: Str(),
    frames: Type.Integer(),
    durationMs: Type.Number(),
  }),
  'screen.refused': event('A screen frame was refused (too large, too frequent, the per-interview cap reached, not sharing); stored frames are unaffected.', {
    reason: Str(),
    bytes: Opt(Type.Integer()),
  }),
  'workspace.channel_refused': event("The page's live channel refused messages and closed (malformed frames, a flood, a message over the size cap), with the close code and reason the page saw.", {
    code: Type.Integer(),
    reason: Str(),
  }),
};
