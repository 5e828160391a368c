/**
 * Coalesces calls that arrive in the same turn of the event loop into one batched call: under a burst, N webhook
 * deliveries become one multi-row INSERT (one round trip, one socket write) instead of N. A lone call waits only
 * until the current I/O callbacks have run (setImmediate), so it costs nothing measurable when idle.
 */
/** A result that fails only its own caller (the runner retried the items one by one after the batch failed). */
export class BatchItemError {
  constructor(readonly error: unknown) {}
}

export type BatchRunner<I, O> = (items: I[]) => Promise<(O | BatchItemError)[]>;

export function microBatch<I, O>(run: BatchRunner<I, O>, opts: { maxItems?: number } = {}): (item: I) => Promise<O> {
  const maxItems = Math.max(1, opts.maxItems ?? 100);
  let pending: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  let scheduled: NodeJS.Immediate | undefined;

  const flush = () => {
    scheduled = undefined;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    // Every caller's promise settles: with its own result, or with the batch's error.
    run(batch.map((p) => p.item)).then(
      (results) => {
        if (results.length !== batch.length) {
          const err = new Error(`micro-batch: ${results.length} results for ${batch.length} items`);
          for (const p of batch) p.reject(err);
          return;
        }
        batch.forEach((p, i) => {
          const r = results[i]!;
          if (r instanceof BatchItemError) p.reject(r.error);
          else p.resolve(r);
        });
      },
      (err: unknown) => {
        for (const p of batch) p.reject(err);
      },
    );
  };

  return (item: I) =>
    new Promise<O>((resolve, reject) => {
      pending.push({ item, resolve, reject });
      if (pending.length >= maxItems) {
        if (scheduled) clearImmediate(scheduled);
        flush();
      } else scheduled ??= setImmediate(flush);
    });
}
