/**
 * The parse child process: receives `{ id, bytes, format, limits }` over IPC, answers `{ id, ok, result }` or
 * `{ id, ok: false, refusal | error }`. Runs in its own process with a capped heap, so a hostile document can at
 * worst be killed (see parser.ts), never stall or exhaust the server.
 */
import { DocumentRefusedError } from './errors.js';
import { extract, type Extracted } from './extract.js';
import type { ParseLimits } from './types.js';

interface Job {
  id: number;
  bytes: Uint8Array;
  format: Extracted['format'];
  limits: ParseLimits;
}

process.on('message', (msg: Job) => {
  extract(msg.bytes, msg.format, msg.limits).then(
    (result) => process.send?.({ id: msg.id, ok: true, result }),
    (err: unknown) => {
      if (err instanceof DocumentRefusedError) {
        process.send?.({ id: msg.id, ok: false, refusal: { reason: err.reason, message: err.message, page: err.page } });
      } else {
        process.send?.({ id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err) });
      }
    },
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
