/**
 * A single-consumer async queue: producers push synchronously from socket callbacks, one `for await` drains it.
 * `end()` finishes iteration after the queued items; `fail()` makes the next read throw once the queue is drained.
 */
export class EventQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: ((result: IteratorResult<T>) => void) | undefined;
  private failWaiter: ((err: unknown) => void) | undefined;
  private done = false;
  private error: unknown;
  private failed = false;

  get closed(): boolean {
    return this.done;
  }

  push(item: T): void {
    if (this.done) return;
    if (this.waiter) {
      const resolve = this.waiter;
      this.clearWaiter();
      resolve({ value: item, done: false });
    } else this.items.push(item);
  }

  /** No more items; a pending or later read ends after the queued ones. */
  end(): void {
    if (this.done) return;
    this.done = true;
    this.settleWaiter();
  }

  /** No more items; reads throw `err` once the queued items are consumed. */
  fail(err: unknown): void {
    if (this.done) return;
    this.done = true;
    this.failed = true;
    this.error = err;
    this.settleWaiter();
  }

  /** Drop queued items and end at once (abort: the consumer must see nothing more). */
  clear(): void {
    this.items.length = 0;
    this.end();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      return: () => {
        this.clear();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  private next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift() as T, done: false });
    if (this.done) {
      if (!this.failed) return Promise.resolve({ value: undefined, done: true });
      this.failed = false; // throw once, then behave as ended
      return Promise.reject(this.error);
    }
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.failWaiter = reject;
    });
  }

  private settleWaiter(): void {
    if (!this.waiter) return;
    const resolve = this.waiter;
    const reject = this.failWaiter;
    this.clearWaiter();
    if (this.failed) {
      this.failed = false;
      reject?.(this.error);
    } else resolve({ value: undefined, done: true });
  }

  private clearWaiter(): void {
    this.waiter = undefined;
    this.failWaiter = undefined;
  }
}
