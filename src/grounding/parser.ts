/**
 * Parsing off the event loop: one long-lived child process (heap capped) takes one document at a time; a
 * document that takes longer than the time limit gets the child killed (a fresh one starts for the next) and a
 * `timeout` refusal. Size is checked before anything is sent.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { refuse, type RefusalWire } from './errors.js';
import type { Extracted } from './extract.js';
import type { ParseLimits } from './types.js';

type Reply = { id: number; ok: true; result: Extracted } | { id: number; ok: false; refusal?: RefusalWire; error?: string };

interface Pending {
  id: number;
  bytes: Uint8Array;
  format: Extracted['format'];
  limits: ParseLimits;
  resolve(r: Extracted): void;
  reject(e: unknown): void;
  /** The child the job was sent to. */
  sentTo?: ChildProcess;
}

export interface DocumentParser {
  parse(bytes: Uint8Array, format: Extracted['format'], limits: ParseLimits): Promise<Extracted>;
  /** Starts the child ahead of the first upload (its start-up, ~0.3-2 s, is otherwise paid by that upload). */
  warm(): Promise<void>;
  close(): Promise<void>;
}

export function createDocumentParser(opts: { heapMb?: number } = {}): DocumentParser {
  const entry = new URL(import.meta.url.endsWith('.ts') ? './parse-child.ts' : './parse-child.js', import.meta.url);
  let child: ChildProcess | null = null;
  let ready: Promise<void> | null = null;
  const queue: Pending[] = [];
  let current: Pending | null = null;
  let timer: NodeJS.Timeout | null = null;
  let nextId = 1;
  let closed = false;

  const start = (): Promise<void> => {
    const c = fork(fileURLToPath(entry), [], {
      execArgv: [...(entry.pathname.endsWith('.ts') ? ['--import', 'tsx'] : []), `--max-old-space-size=${opts.heapMb ?? 256}`],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    child = c;
    c.stderr?.resume();
    ready = new Promise<void>((resolve, reject) => {
      const onMsg = (m: { ready?: boolean }) => {
        if (m?.ready) {
          c.off('message', onMsg);
          resolve();
        }
      };
      c.on('message', onMsg);
      c.once('exit', (code) => reject(new Error(`document parser exited during start (code ${code})`)));
      c.once('error', reject);
    });
    c.on('message', (m: Reply | { ready: true }) => {
      if (!('id' in m) || !current || m.id !== current.id) return;
      const job = current;
      finish();
      if (m.ok) job.resolve(m.result);
      else if (m.refusal) job.reject(refuse(m.refusal.reason, m.refusal.message, { page: m.refusal.page }));
      else job.reject(refuse('corrupt', `the document cannot be read (${m.error ?? 'parser error'})`));
    });
    c.on('exit', () => {
      if (child === c) {
        child = null;
        ready = null;
      }
      if (current && current.sentTo === c) {
        const job = current;
        finish();
        job.reject(refuse('corrupt', 'the document could not be parsed (the parser stopped)'));
      }
    });
    c.on('error', () => undefined);
    return ready;
  };

  const finish = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    current = null;
    if (queue.length === 0) {
      child?.unref();
      child?.channel?.unref();
    }
    setImmediate(pump);
  };

  const pump = () => {
    if (current || closed) return;
    const job = queue.shift();
    if (!job) return;
    current = job;
    const run = async () => {
      if (!child || !ready) await start();
      else await ready;
      const c = child;
      if (!c) throw new Error('document parser is not running');
      c.ref();
      c.channel?.ref();
      timer = setTimeout(() => {
        if (current !== job) return;
        // Forget the child first: the next job must start a fresh one, not reach this dying one.
        if (child === c) {
          child = null;
          ready = null;
        }
        finish();
        c.kill('SIGKILL');
        job.reject(refuse('timeout', `the document took longer than ${job.limits.timeoutMs / 1000} s to read`));
      }, job.limits.timeoutMs);
      job.sentTo = c;
      c.send({ id: job.id, bytes: job.bytes, format: job.format, limits: job.limits });
    };
    run().catch((err: unknown) => {
      if (current !== job) return;
      finish();
      job.reject(err);
    });
  };

  return {
    parse(bytes, format, limits) {
      if (closed) return Promise.reject(new Error('document parser closed'));
      if (bytes.length > limits.maxBytes) {
        return Promise.reject(
          refuse('too_large', `the file is ${(bytes.length / 1048576).toFixed(1)} MB; the limit is ${limits.maxBytes / 1048576} MB`),
        );
      }
      return new Promise<Extracted>((resolve, reject) => {
        queue.push({ id: nextId++, bytes, format, limits, resolve, reject });
        pump();
      });
    },
    async warm() {
      if (closed || child) return;
      await start();
      const c = child as ChildProcess | null;
      if (c && !current && queue.length === 0) {
        c.unref();
        c.channel?.unref();
      }
    },
    async close() {
      closed = true;
      for (const job of queue.splice(0)) job.reject(new Error('document parser closed'));
      const c = child;
      child = null;
      if (c && c.exitCode === null) {
        await new Promise<void>((resolve) => {
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
          setTimeout(() => {
            c.kill('SIGKILL');
            resolve();
          }, 2000).unref();
        });
      }
    },
  };
}
