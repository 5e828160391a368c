import type { JobQueue } from './queue.js';
import type { LogSink as Logger } from '../lib/logger.js';
import { BullMqQueue } from './bullmq-queue.js';
import { InProcessQueue } from './in-process-queue.js';

/** REDIS_URL set → BullMQ; unset → the in-process queue. */
export async function createQueue(redisUrl: string | undefined, log?: Logger): Promise<JobQueue> {
  return redisUrl ? BullMqQueue.connect(redisUrl, log) : new InProcessQueue(log);
}
