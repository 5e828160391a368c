/**
 * The dashboard's cookie session against the real app (app.inject): sign-in with a token sets a sealed HttpOnly,
 * SameSite=Strict cookie (Secure behind https), the cookie reaches the same tenant as the token on every /api
 * route, state-changing requests need the CSRF header and our Origin, and revoking the token ends the session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_API_TOKEN, type TestApp } from '../helpers/app.js';

const cookieOf = (setCookie: string | string[] | undefined) => {
  const first = (Array.isArray(setCookie) ? setCookie : [setCookie ?? '']).find((c) => c.startsWith('sl_session='));
  return first?.split(';')[0] ?? '';
};

describe('dashboard session', () => {
  let t: TestApp;
  let other: { id: string; token: string };
  beforeAll(async () => {
    t = await startTestApp({ PUBLIC_URL: 'http://dash.test', RATE_LIMIT_SIGN_IN_PER_MINUTE: '0' });
    other = await t.store.apiTokens.issue('acme recruiter', 'acme');
    await t.store.interviews.create({ tenantId: 'default', candidate: { name: 'Default Dana', phone: '+14155550101' }, role: { title: 'SRE' } });
    await t.store.interviews.create({ tenantId: 'acme', candidate: { name: 'Acme Alex', phone: '+14155550102' }, role: { title: 'SRE' } });
  });
  afterAll(async () => t?.close());

  const signIn = async (token: string) => {
    const res = await t.app.inject({ method: 'POST', url: '/dashboard/session', headers: { origin: 'http://dash.test' }, payload: { token } });
    return { res, cookie: cookieOf(res.headers['set-cookie']), csrf: res.json<{ csrfToken?: string }>().csrfToken ?? '' };
  };

  it('refuses a wrong token with the shared error shape and sets no cookie', async () => {
    const { res, cookie } = await signIn('sl_wrong');
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: 'unauthorized', message: 'invalid or revoked API token', requestId: expect.any(String) });
    expect(cookie).toBe('');
  });

  it('signs in: HttpOnly, SameSite=Strict, not Secure over http; the cookie does not contain the token', async () => {
    const { res, cookie, csrf } = await signIn(TEST_API_TOKEN);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ signedIn: true, tenantId: 'default' });
    const header = String(res.headers['set-cookie']);
    expect(header).toMatch(/HttpOnly/i);
    expect(header).toMatch(/SameSite=Strict/i);
    expect(header).not.toMatch(/Secure/i);
    expect(cookie).not.toContain(TEST_API_TOKEN);
    expect(csrf.length).toBeGreaterThan(20);
    const again = await t.app.inject({ url: '/dashboard/session', headers: { cookie } });
    expect(again.json()).toMatchObject({ tenantId: 'default', csrfToken: csrf });
  });

  it('is Secure when the service is reached over https', async () => {
    const s = await startTestApp({ PUBLIC_URL: 'https://screen.example.com' });
    try {
      const res = await s.app.inject({ method: 'POST', url: '/dashboard/session', headers: { origin: 'https://screen.example.com' }, payload: { token: TEST_API_TOKEN } });
      expect(String(res.headers['set-cookie'])).toMatch(/; Secure/i);
    } finally {
      await s.close();
    }
  });

  it('resolves to the same tenant as the token behind it', async () => {
    const mine = await signIn(TEST_API_TOKEN);
    const theirs = await signIn(other.token);
    const names = async (cookie: string) => (await t.app.inject({ url: '/api/interviews', headers: { cookie } })).json<{ interviews: { candidate: { name: string } }[] }>().interviews.map((i) => i.candidate.name);
    expect(await names(mine.cookie)).toEqual(['Default Dana']);
    expect(await names(theirs.cookie)).toEqual(['Acme Alex']);
    const bearer = await t.app.inject({ url: '/api/interviews', headers: { authorization: `Bearer ${other.token}` } });
    expect(bearer.json<{ interviews: { candidate: { name: string } }[] }>().interviews.map((i) => i.candidate.name)).toEqual(['Acme Alex']);
  });

  it('state-changing requests need the CSRF token and our Origin', async () => {
    const { cookie, csrf } = await signIn(TEST_API_TOKEN);
    const body = { candidate: { name: 'Csrf Casey', phone: '+14155550103' }, role: { title: 'SRE' } };
    const noToken = await t.app.inject({ method: 'POST', url: '/api/interviews', headers: { cookie, origin: 'http://dash.test' }, payload: body });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.json().error).toBe('csrf_token');
    const wrongToken = await t.app.inject({ method: 'POST', url: '/api/interviews', headers: { cookie, origin: 'http://dash.test', 'x-csrf-token': csrf + 'x' }, payload: body });
    expect(wrongToken.json().error).toBe('csrf_token');
    const evil = await t.app.inject({ method: 'POST', url: '/api/interviews', headers: { cookie, origin: 'https://evil.example', 'x-csrf-token': csrf }, payload: body });
    expect(evil.statusCode).toBe(403);
    expect(evil.json().error).toBe('csrf_origin');
    const crossSite = await t.app.inject({ method: 'POST', url: '/api/interviews', headers: { cookie, 'sec-fetch-site': 'cross-site', 'x-csrf-token': csrf }, payload: body });
    expect(crossSite.json().error).toBe('csrf_origin');
    expect((await t.app.inject({ url: '/api/interviews?q=Casey', headers: t.auth })).json().interviews).toEqual([]);

    const ok = await t.app.inject({ method: 'POST', url: '/api/interviews', headers: { cookie, origin: 'http://dash.test', 'x-csrf-token': csrf }, payload: body });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().tenantId).toBe('default');
    // A sign-in posted from another site is refused too (login CSRF).
    const forged = await t.app.inject({ method: 'POST', url: '/dashboard/session', headers: { origin: 'https://evil.example' }, payload: { token: TEST_API_TOKEN } });
    expect(forged.statusCode).toBe(403);
  });

  it('a tampered or forged cookie is refused', async () => {
    const { cookie } = await signIn(TEST_API_TOKEN);
    const [name, value] = cookie.split('=');
    const flipped = value!.slice(0, -2) + (value!.endsWith('A') ? 'BB' : 'AA');
    for (const bad of [`${name}=${flipped}`, `${name}=v1.abc.def.ghi`, `${name}=${TEST_API_TOKEN}`]) {
      const res = await t.app.inject({ url: '/api/interviews', headers: { cookie: bad } });
      expect(res.statusCode).toBe(401);
    }
  });

  it('revoking the token ends its sessions at once', async () => {
    const issued = await t.store.apiTokens.issue('short-lived', 'acme');
    const { cookie } = await signIn(issued.token);
    expect((await t.app.inject({ url: '/api/interviews', headers: { cookie } })).statusCode).toBe(200);
    await t.store.apiTokens.revoke(issued.id);
    const after = await t.app.inject({ url: '/api/interviews', headers: { cookie } });
    expect(after.statusCode).toBe(401);
    expect(after.json().message).toMatch(/revoked/);
  });

  it('signs out (CSRF-checked) and clears the cookie', async () => {
    const { cookie, csrf } = await signIn(TEST_API_TOKEN);
    const forged = await t.app.inject({ method: 'DELETE', url: '/dashboard/session', headers: { cookie, origin: 'http://dash.test' } });
    expect(forged.statusCode).toBe(403);
    const out = await t.app.inject({ method: 'DELETE', url: '/dashboard/session', headers: { cookie, origin: 'http://dash.test', 'x-csrf-token': csrf } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/sl_session=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/i);
  });
});
