import { describe, expect, it } from 'vitest';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, loadConfig, publicWsUrl, VARIABLES } from '../../src/config.js';

describe('loadConfig', () => {
  it('has working embedded defaults with an empty environment', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.publicUrl).toBe('http://localhost:3000');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
    expect(c.dataDir).toMatch(/data$/);
    expect(c.logLevel).toBe('info');
  });

  it('derives PUBLIC_URL from PORT and strips a trailing slash', () => {
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_URL: 'https://x.example/' }).publicUrl).toBe('https://x.example');
  });

  it.each([
    ['PORT', 'abc', /PORT must be a whole number/],
    ['PORT', '70000', /PORT must be between/],
    ['PUBLIC_URL', 'not a url', /PUBLIC_URL must be a URL/],
    ['PUBLIC_URL', 'ftp://x', /PUBLIC_URL must use http: or https:/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL must use postgres/],
    ['REDIS_URL', 'http://x', /REDIS_URL must use redis/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of/],
    ['NODE_ENV', 'staging', /NODE_ENV must be/],
    ['TWILIO_FROM_NUMBER', '555-1234', /TWILIO_FROM_NUMBER must be an E.164/],
    ['DRAIN_TIMEOUT_MS', '-1', /DRAIN_TIMEOUT_MS must be a whole number/],
  ])('names the bad variable %s=%s', (name, value, message) => {
    let err: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(name);
    expect((err as Error).message).toMatch(message);
  });

  it('makes the ws URL from the public URL', () => {
    expect(publicWsUrl({ publicUrl: 'https://a.example' }, '/twilio/media')).toBe('wss://a.example/twilio/media');
    expect(publicWsUrl({ publicUrl: 'http://localhost:3000' }, '/twilio/media')).toBe('ws://localhost:3000/twilio/media');
  });
});

describe('docs/configuration.md', () => {
  it('documents every variable the config declares', async () => {
    const doc = await readFile(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    const missing = VARIABLES.filter((v) => !doc.includes('`' + v.name + '`')).map((v) => v.name);
    expect(missing).toEqual([]);
  });

  it('declares every variable the source reads from process.env', async () => {
    const declared = new Set(VARIABLES.map((v) => v.name));
    const root = new URL('../../src/', import.meta.url).pathname;
    const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.ts'));
    const read = new Set<string>();
    for (const f of files) {
      const text = await readFile(join(root, f), 'utf8');
      for (const m of text.matchAll(/(?:process\.env|env)\.([A-Z][A-Z0-9_]+)|str\(env, '([A-Z0-9_]+)'|int\(env, '([A-Z0-9_]+)'|url\(env, '([A-Z0-9_]+)'/g)) {
        read.add((m[1] ?? m[2] ?? m[3] ?? m[4])!);
      }
    }
    // Test-only and platform variables that are not service configuration.
    for (const ignored of ['CI', 'TEST_DATABASE_ADMIN_URL', 'TEST_REDIS_URL', 'PATH', 'HOME']) read.delete(ignored);
    expect([...read].filter((n) => !declared.has(n))).toEqual([]);
  });
});
