/** Polls `read` until `ok` holds or the time is up, and returns the last value read (the assertion after says why). */
export async function waitFor<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000, intervalMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  let v = await read();
  while (!ok(v) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, intervalMs));
    v = await read();
  }
  return v;
}
