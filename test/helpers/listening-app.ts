/** The real app on a real loopback port, with PUBLIC_URL matching it (so Twilio signatures line up). */
import { freePort } from '../../src/lib/free-port.js';
import { startTestApp, type TestApp } from './app.js';
import type { AppOverrides } from '../../src/app.js';

export interface ListeningApp extends TestApp {
  url: string;
  authToken: string;
}

export async function startListeningApp(env: Record<string, string> = {}, overrides: AppOverrides = {}): Promise<ListeningApp> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const authToken = env.TWILIO_AUTH_TOKEN ?? 'listening-app-auth-token';
  const t = await startTestApp({ PUBLIC_URL: url, PORT: String(port), TWILIO_AUTH_TOKEN: authToken, ...env }, overrides);
  await t.app.listen({ port, host: '127.0.0.1' });
  return { ...t, url, authToken };
}
