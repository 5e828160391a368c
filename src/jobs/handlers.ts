/**
 * The one place job names meet their handlers, used by the worker process and (in-process mode) by the web
 * process. Later capabilities (scoring, reports, scheduled calls) register here.
 */
import type { JobQueue } from './queue.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../lib/logger.js';
import type { Config } from '../config.js';

export interface JobDeps {
  store: Store;
  log: Logger;
  config: Config;
}

export function registerJobHandlers(queue: JobQueue, deps: JobDeps): string[] {
  void queue;
  void deps;
  return [];
}
