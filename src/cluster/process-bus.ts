/**
 * ProcessBus: publish/subscribe by topic across the service's web processes, for the live state that must reach
 * whichever process holds a call (the workspace page channel, dashboard fan-out). A publish reaches every
 * subscriber in every process, this one included (synchronously here, asynchronously elsewhere). Messages are
 * JSON values and carry no guarantee beyond "at most once, in order per publisher": the database stays the
 * source of truth and the bus only carries what is live.
 *
 * Adapters: in-process (one process), cluster IPC through the primary (several processes, no Redis), and Redis
 * pub/sub (REDIS_URL set; also reaches processes on other machines).
 */
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export type BusHandler = (message: unknown) => void;

export interface ProcessBus {
  readonly kind: 'in-process' | 'cluster-ipc' | 'redis';
  publish(topic: string, message: unknown): void;
  /** Returns the unsubscribe function. */
  subscribe(topic: string, handler: BusHandler): () => void;
  close(): Promise<void>;
  /** For the banner. */
  describe(): string;
}

/** The envelope cluster IPC carries; the primary relays it to every other worker. */
export interface BusEnvelope {
  screenlineBus: 1;
  origin: string;
  topic: string;
  message: unknown;
}

export function isBusEnvelope(m: unknown): m is BusEnvelope {
  return typeof m === 'object' && m !== null && (m as BusEnvelope).screenlineBus === 1 && typeof (m as BusEnvelope).topic === 'string';
}

class Subscribers {
  private readonly byTopic = new Map<string, Set<BusHandler>>();
  constructor(private readonly onError: (err: unknown, topic: string) => void) {}

  add(topic: string, handler: BusHandler): () => void {
    let set = this.byTopic.get(topic);
    if (!set) this.byTopic.set(topic, (set = new Set()));
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0) this.byTopic.delete(topic);
    };
  }

  deliver(topic: string, message: unknown): void {
    for (const h of this.byTopic.get(topic) ?? []) {
      try {
        h(message);
      } catch (err) {
        this.onError(err, topic);
      }
    }
  }

  topics(): string[] {
    return [...this.byTopic.keys()];
  }
}

type ErrorSink = (err: unknown, topic: string) => void;
const noop: ErrorSink = () => {};

export class InProcessBus implements ProcessBus {
  readonly kind = 'in-process' as const;
  private readonly subs: Subscribers;
  constructor(onError: ErrorSink = noop) {
    this.subs = new Subscribers(onError);
  }
  publish(topic: string, message: unknown): void {
    this.subs.deliver(topic, message);
  }
  subscribe(topic: string, handler: BusHandler): () => void {
    return this.subs.add(topic, handler);
  }
  async close(): Promise<void> {}
  describe(): string {
    return 'in-process (one web process)';
  }
}

/** Minimal view of a cluster worker's IPC channel (process.send / process.on('message')), injectable for tests. */
export interface IpcChannel {
  send(message: BusEnvelope): void;
  onMessage(handler: (message: unknown) => void): () => void;
}

export const workerChannel: IpcChannel = {
  send: (m) => {
    if (process.connected) process.send?.(m);
  },
  onMessage: (handler) => {
    process.on('message', handler);
    return () => process.off('message', handler);
  },
};

export class ClusterIpcBus implements ProcessBus {
  readonly kind = 'cluster-ipc' as const;
  private readonly origin = randomBytes(6).toString('hex');
  private readonly subs: Subscribers;
  private readonly detach: () => void;
  constructor(
    private readonly channel: IpcChannel = workerChannel,
    onError: ErrorSink = noop,
  ) {
    this.subs = new Subscribers(onError);
    this.detach = channel.onMessage((m) => {
      if (isBusEnvelope(m) && m.origin !== this.origin) this.subs.deliver(m.topic, m.message);
    });
  }
  publish(topic: string, message: unknown): void {
    this.subs.deliver(topic, message);
    this.channel.send({ screenlineBus: 1, origin: this.origin, topic, message });
  }
  subscribe(topic: string, handler: BusHandler): () => void {
    return this.subs.add(topic, handler);
  }
  async close(): Promise<void> {
    this.detach();
  }
  describe(): string {
    return 'cluster IPC through the primary (set REDIS_URL to use Redis pub/sub)';
  }
}

const REDIS_PREFIX = 'screenline:bus:';

export class RedisBus implements ProcessBus {
  readonly kind = 'redis' as const;
  private readonly origin = randomBytes(6).toString('hex');
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly subs: Subscribers;
  private readonly ready: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly onError: ErrorSink = noop,
    private readonly prefix = REDIS_PREFIX,
  ) {
    this.subs = new Subscribers(onError);
    this.pub = new Redis(url, { maxRetriesPerRequest: 2 });
    this.sub = new Redis(url, { maxRetriesPerRequest: null });
    this.pub.on('error', (err) => onError(err, 'redis'));
    this.sub.on('error', (err) => onError(err, 'redis'));
    this.sub.on('pmessageBuffer', (_pattern: Buffer, channel: Buffer, payload: Buffer) => {
      const topic = channel.toString().slice(this.prefix.length);
      let env: { o: string; m: unknown };
      try {
        env = JSON.parse(payload.toString()) as { o: string; m: unknown };
      } catch (err) {
        return onError(err, topic);
      }
      if (env.o !== this.origin) this.subs.deliver(topic, env.m);
    });
    // One pattern subscription: topics come and go per interview, and SUBSCRIBE per topic would be a round trip each.
    this.ready = this.sub.psubscribe(`${this.prefix}*`).then(() => undefined);
  }

  /** Resolves once the subscription is live (messages published before it are not seen). */
  whenReady(): Promise<void> {
    return this.ready;
  }

  publish(topic: string, message: unknown): void {
    this.subs.deliver(topic, message);
    this.pub.publish(`${this.prefix}${topic}`, JSON.stringify({ o: this.origin, m: message })).catch((err: unknown) => this.onError(err, topic));
  }
  subscribe(topic: string, handler: BusHandler): () => void {
    return this.subs.add(topic, handler);
  }
  async close(): Promise<void> {
    await Promise.allSettled([this.sub.quit(), this.pub.quit()]);
  }
  describe(): string {
    const u = new URL(this.url);
    return `Redis pub/sub at ${u.hostname}:${u.port || 6379}`;
  }
}

/** REDIS_URL → Redis; a cluster worker without it → IPC through the primary; otherwise in-process. */
export function createProcessBus(opts: { redisUrl?: string; onError?: ErrorSink; prefix?: string }): ProcessBus {
  if (opts.redisUrl) return new RedisBus(opts.redisUrl, opts.onError, opts.prefix);
  if (cluster.isWorker) return new ClusterIpcBus(workerChannel, opts.onError);
  return new InProcessBus(opts.onError);
}
