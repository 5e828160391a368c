/**
 * Mark names sent to Twilio after each reply chunk: `<replyId>:<chunkIndex>`. `clear` makes Twilio echo every
 * pending mark at once, so names must identify the reply and chunk to tell a flushed echo from a played one.
 */

export interface MarkRef {
  replyId: string;
  chunkIndex: number;
}

export function markName(replyId: string, chunkIndex: number): string {
  return `${replyId}:${chunkIndex}`;
}

/** Splits at the last ':' so reply ids may themselves contain ':'. Undefined for names we did not make. */
export function parseMarkName(name: string): MarkRef | undefined {
  const at = name.lastIndexOf(':');
  if (at <= 0 || at === name.length - 1) return undefined;
  const digits = name.slice(at + 1);
  if (!/^\d{1,9}$/.test(digits)) return undefined;
  return { replyId: name.slice(0, at), chunkIndex: Number(digits) };
}
