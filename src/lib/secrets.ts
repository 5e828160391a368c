/** Random tokens, hashing, and the local-mode secrets that persist under DATA_DIR. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export function randomToken(prefix = '', bytes = 32): string {
  return prefix + randomBytes(bytes).toString('base64url');
}

export function sha256Hex(value: string | Uint8Array): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Constant-time comparison of two strings of any length (hashing first equalises lengths). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/**
 * Reads a secret kept in `dataDir/name`, creating it on first use. Returns whether it was created now, so the
 * caller can print it once.
 */
export async function localSecret(
  dataDir: string,
  name: string,
  make: () => string,
): Promise<{ value: string; created: boolean; path: string }> {
  const path = join(dataDir, name);
  try {
    const value = (await readFile(path, 'utf8')).trim();
    if (value) return { value, created: false, path };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const value = make();
  await mkdir(dirname(path), { recursive: true });
  // 'wx' so two processes starting together cannot both create different secrets.
  try {
    await writeFile(path, value + '\n', { mode: 0o600, flag: 'wx' });
    return { value, created: true, path };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { value: (await readFile(path, 'utf8')).trim(), created: false, path };
  }
}
