/**
 * Hardening on the real app: security headers on every kind of answer (the workspace keeps its own stricter set),
 * rate limits on the public routes with clear 429s (and none on signed Twilio webhooks or the bearer API), and
 * body limits per route family.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { WORKSPACE_CSP } from '../../src/routes/workspace/index.js';
import { rateClassOf } from '../../src/plugins/hardening.js';

describe('security headers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ PUBLIC_URL: 'https://screenline.example.com' });
  }, 120_000);
  afterAll(async () => t?.close());

  it('every answer carries the baseline headers (JSON, 404, API)', async () => {
    for (const [url, headers] of [['/health', {}], ['/no/such/page', {}], ['/api/interviews/x', t.auth]] as const) {
      const res = await t.app.inject({ method: 'GET', url, headers });
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
      expect(res.headers['content-security-policy'], url).toMatch(/default-src 'self'/);
      expect(res.headers['content-security-policy'], url).toMatch(/frame-ancestors 'none'/);
      expect(res.headers['referrer-policy'], url).toBe('no-referrer');
      expect(res.headers['x-frame-options'], url).toBe('SAMEORIGIN');
      expect(res.headers['cross-origin-opener-policy'], url).toBe('same-origin');
      expect(res.headers['strict-transport-security'], url).toMatch(/max-age=31536000/);
    }
  });

  it('API answers are never cached', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/interviews/nope', headers: t.auth });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('workspace pages keep their own CSP and cross-origin isolation', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/w/not-a-real-token-000000000000000000000000000' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-security-policy']).toBe(WORKSPACE_CSP);
    expect(res.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('no HSTS over plain http (local mode)', async () => {
    const local = await startTestApp();
    try {
      expect((await local.app.inject({ method: 'GET', url: '/health' })).headers['strict-transport-security']).toBeUndefined();
    } finally {
      await local.close();
    }
  }, 120_000);
});

describe('rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PAGES_PER_MINUTE: '3', RATE_LIMIT_SIGN_IN_PER_MINUTE: '2', RATE_LIMIT_WEBHOOKS_PER_MINUTE: '2', TWILIO_AUTH_TOKEN: 'rate-limit-test-auth-token' });
  }, 120_000);
  afterAll(async () => t?.close());

  it('classifies routes: pages, assets, sign-in (POST only), ATS webhooks; Twilio and the API unlimited', () => {
    expect(rateClassOf('/w/abc')).toBe('pages');
    expect(rateClassOf('/w/abc/live')).toBe('pages');
    expect(rateClassOf('/w/assets/index.js')).toBe('assets');
    expect(rateClassOf('/w/pyodide/pyodide.asm.wasm')).toBe('assets');
    expect(rateClassOf('/practice/tok?x=1')).toBe('pages');
    expect(rateClassOf('/c/tok')).toBe('pages');
    expect(rateClassOf('/dashboard/session', 'POST')).toBe('sign_in');
    expect(rateClassOf('/dashboard/session', 'GET')).toBeUndefined();
    expect(rateClassOf('/webhooks/ats/greenhouse')).toBe('webhooks');
    expect(rateClassOf('/twilio/voice')).toBeUndefined();
    expect(rateClassOf('/api/interviews')).toBeUndefined();
    expect(rateClassOf('/health')).toBeUndefined();
  });

  it('answers 429 with a reason and Retry-After past the per-IP page limit, and counts it', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await t.app.inject({ method: 'GET', url: `/w/guess-${i}`, remoteAddress: '203.0.113.7' })).statusCode);
    expect(codes.slice(0, 3)).toEqual([404, 404, 404]);
    expect(codes.slice(3)).toEqual([429, 429]);
    const res = await t.app.inject({ method: 'GET', url: '/w/guess-x', remoteAddress: '203.0.113.7' });
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(res.json()).toMatchObject({ error: 'rate_limited', message: expect.stringMatching(/too many page requests from your address \(limit 3 per minute\); try again in/) });
    // Another address has its own bucket.
    expect((await t.app.inject({ method: 'GET', url: '/w/guess-y', remoteAddress: '203.0.113.8' })).statusCode).toBe(404);
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics', headers: t.auth })).body;
    expect(metrics).toMatch(/^screenline_rate_limited_total\{class="pages"\} 3$/m);
  });

  it('limits dashboard sign-in attempts', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) {
      codes.push((await t.app.inject({ method: 'POST', url: '/dashboard/session', payload: { token: `wrong-${i}` }, remoteAddress: '203.0.113.20' })).statusCode);
    }
    expect(codes[2]).toBe(429);
    expect(codes.slice(0, 2)).not.toContain(429);
  });

  it('limits ATS webhook deliveries per vendor and address', async () => {
    const post = (vendor: string) => t.app.inject({ method: 'POST', url: `/webhooks/ats/${vendor}`, payload: { hello: 'x' }, remoteAddress: '203.0.113.30' });
    const codes = [(await post('greenhouse')).statusCode, (await post('greenhouse')).statusCode, (await post('greenhouse')).statusCode];
    expect(codes[2]).toBe(429);
    expect((await post('lever')).statusCode).not.toBe(429);
  });

  it('never limits signed Twilio webhooks or the bearer API', async () => {
    for (let i = 0; i < 8; i++) {
      const res = await t.app.inject({ method: 'POST', url: '/twilio/voice', payload: `CallSid=CA${'0'.repeat(32)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, remoteAddress: '203.0.113.40' });
      expect(res.statusCode).toBe(403); // unsigned: refused by the signature check, not by a limit
      const api = await t.app.inject({ method: 'GET', url: '/api/interviews/nope', headers: t.auth, remoteAddress: '203.0.113.40' });
      expect(api.statusCode).not.toBe(429);
    }
  });
});

describe('body limits per route family', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ TWILIO_AUTH_TOKEN: 'body-limit-test-auth-token' });
  }, 120_000);
  afterAll(async () => t?.close());

  it('Twilio webhooks: 64 KiB', async () => {
    const big = `CallSid=CA${'0'.repeat(32)}&Junk=${'a'.repeat(70 * 1024)}`;
    const res = await t.app.inject({ method: 'POST', url: '/twilio/voice', payload: big, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toBe('ctp_body_too_large');
  });

  it('JSON API: 256 KiB (a 300 KiB body is refused before parsing; 200 KiB reaches validation)', async () => {
    const body = (n: number) => JSON.stringify({ candidate: { name: 'A', phone: '+14155550100' }, role: { title: 'T', description: 'x'.repeat(n) } });
    const tooBig = await t.app.inject({ method: 'POST', url: '/api/interviews', payload: body(300 * 1024), headers: { ...t.auth, 'content-type': 'application/json' } });
    expect(tooBig.statusCode).toBe(413);
    const fits = await t.app.inject({ method: 'POST', url: '/api/interviews', payload: body(200 * 1024), headers: { ...t.auth, 'content-type': 'application/json' } });
    expect(fits.statusCode).toBe(400); // description over its 50 000-character cap: a validation answer, not 413
  });

  it('uploads keep their own, larger limit (a 1 MiB resume is not refused for size)', async () => {
    const iv = await t.store.interviews.create({ candidate: { name: 'B', phone: '+14155550101' }, role: { title: 'T' } });
    const res = await t.app.inject({ method: 'PUT', url: `/api/interviews/${iv.id}/resume`, payload: Buffer.alloc(1024 * 1024, 0x41), headers: { ...t.auth, 'content-type': 'application/pdf' } });
    expect(res.statusCode).not.toBe(413);
  });
});
