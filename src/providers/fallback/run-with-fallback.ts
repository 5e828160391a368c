/**
 * The failover loop shared by the fallback wrappers (after livekit agents' FallbackAdapter): try providers in order;
 * a provider that fails — or produces no output within the deadline — before its first output is abandoned for the
 * next one and marked unhealthy. Once output has been yielded (the reply may already be playing) an error is
 * rethrown, never hidden behind a second provider's different answer.
 */
import { isAbortError } from '../../lib/abort.js';
import { ProviderError } from '../errors.js';
import type { HealthBoard } from './health.js';

export interface FallbackRun<P extends { readonly name: string }, E> {
  board: HealthBoard<P>;
  port: string;
  signal?: AbortSignal;
  /** Per attempt: start → first output. */
  firstOutputTimeoutMs: number;
  start: (provider: P, signal: AbortSignal) => AsyncIterable<E>;
  /** Output that commits the request to this provider (text delta, tool call, audio byte). */
  isOutput: (event: E) => boolean;
  /** Errors that belong to the caller's input, not the provider: rethrown as they are, no failover. */
  isForeignError?: (err: unknown) => boolean;
  onCommit?: (providerName: string) => void;
}

type Step<E> = { kind: 'next'; result: IteratorResult<E> } | { kind: 'timeout' } | { kind: 'aborted' };

export async function* runWithFallback<P extends { readonly name: string }, E>(run: FallbackRun<P, E>): AsyncGenerator<E> {
  const { board, signal } = run;
  if (signal?.aborted) return;
  const candidates = board.order();
  const failures: string[] = [];
  let lastError: ProviderError | undefined;

  for (const [index, entry] of candidates.entries()) {
    const attempt = new AbortController();
    const onAbort = () => attempt.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const it = run.start(entry.provider, attempt.signal)[Symbol.asyncIterator]();
    const startedAt = performance.now();
    let committed = false;
    try {
      for (;;) {
        const timeoutMs = committed ? undefined : Math.max(0, run.firstOutputTimeoutMs - (performance.now() - startedAt));
        const step = await nextStep(it, timeoutMs, signal);
        if (step.kind === 'aborted') return;
        if (step.kind === 'timeout') {
          throw new ProviderError(entry.name, 'timeout', `no output within ${run.firstOutputTimeoutMs} ms`);
        }
        if (step.result.done) {
          if (signal?.aborted) return;
          board.markHealthy(entry, 'request');
          return;
        }
        if (!committed && run.isOutput(step.result.value)) {
          committed = true;
          board.markHealthy(entry, 'request');
          run.onCommit?.(entry.name);
        }
        yield step.result.value;
      }
    } catch (err) {
      if (signal?.aborted) return;
      if (run.isForeignError?.(err)) throw err;
      const perr = toProviderError(entry.name, err);
      if (committed) throw perr;
      lastError = perr;
      failures.push(`${entry.name}: ${perr.kind}`);
      // A request the vendor rejected as malformed says nothing about the vendor's health.
      if (perr.kind !== 'bad_request') board.markUnhealthy(entry, perr);
      const next = candidates[index + 1];
      board.emit(next ? 'provider.fallback' : 'provider.exhausted', {
        from: entry.name,
        to: next?.name ?? null,
        reason: perr.message,
        kind: perr.kind,
      });
    } finally {
      signal?.removeEventListener('abort', onAbort);
      attempt.abort();
      // Don't await: a provider that ignores abort may never settle its pending `next()`.
      it.return?.()?.catch(() => {});
    }
  }
  throw new ProviderError(`fallback-${run.port}`, lastError?.kind ?? 'connection', `every provider failed (${failures.join(', ')})`, {
    cause: lastError,
    status: lastError?.status,
    retryable: lastError?.retryable,
  });
}

function nextStep<E>(it: AsyncIterator<E>, timeoutMs: number | undefined, signal?: AbortSignal): Promise<Step<E>> {
  return new Promise<Step<E>>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const settle = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      settle();
      resolve({ kind: 'aborted' });
    };
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        settle();
        resolve({ kind: 'timeout' });
      }, timeoutMs);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    it.next().then(
      (result) => {
        settle();
        resolve({ kind: 'next', result });
      },
      (err: unknown) => {
        settle();
        reject(err);
      },
    );
  });
}

export function toProviderError(name: string, err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const message = err instanceof Error ? err.message : String(err);
  // An abort we did not ask for (the provider's own timer, a closed socket) is a connection problem.
  return new ProviderError(name, isAbortError(err) ? 'connection' : 'protocol', message, { cause: err });
}
