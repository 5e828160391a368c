/**
 * A local endpoint speaking SendGrid's v3 mail-send API for tests and the benchmark: `POST /v3/mail/send` with
 * `Authorization: Bearer <key>`, basic validation as the real API does (personalizations, from, content or
 * subject), 202 with an `X-Message-Id` header, and every accepted body recorded. Faults come from a FaultSwitch.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { FaultSwitch } from './faults.js';

export interface SendGridMail {
  personalizations: { to: { email: string; name?: string }[]; subject?: string }[];
  from: { email: string; name?: string };
  subject?: string;
  content?: { type: string; value: string }[];
  attachments?: { content: string; filename: string; type?: string; disposition?: string; content_id?: string }[];
  custom_args?: Record<string, string>;
  [key: string]: unknown;
}

export interface SendGridSim {
  /** Pass as SENDGRID_BASE_URL. */
  baseUrl: string;
  faults: FaultSwitch;
  /** Accepted messages, with the message id answered for each. */
  sent: { messageId: string; body: SendGridMail; headers: http.IncomingHttpHeaders }[];
  requests: number;
  close(): Promise<void>;
}

export async function startSendGridSim(opts: { apiKey?: string } = {}): Promise<SendGridSim> {
  const faults = new FaultSwitch();
  const sent: SendGridSim['sent'] = [];
  let requests = 0;
  const errors = (res: http.ServerResponse, status: number, message: string, field: string | null = null) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ message, field, help: null }] }));
  };
  const server = http.createServer((req, res) => {
    requests++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const fault = faults.take();
      if (fault.refuseConnection) {
        req.socket.destroy();
        return;
      }
      if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/v3/mail/send') return errors(res, 404, 'not found');
      if (opts.apiKey !== undefined && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
        return errors(res, 401, 'The provided authorization grant is invalid, expired, or revoked');
      }
      if (fault.status) return errors(res, fault.status, `simulated ${fault.status}`);
      let body: SendGridMail;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SendGridMail;
      } catch {
        return errors(res, 400, 'Bad Request', null);
      }
      if (!Array.isArray(body.personalizations) || body.personalizations.length === 0) return errors(res, 400, 'The personalizations field is required and must have at least one personalization.', 'personalizations');
      if (!body.from?.email) return errors(res, 400, 'The from object must be provided for every email send.', 'from');
      if (!body.subject && !body.personalizations.every((p) => p.subject)) return errors(res, 400, 'The subject is required.', 'subject');
      for (const [i, a] of (body.attachments ?? []).entries()) {
        if (!a.filename) return errors(res, 400, 'The attachment filename parameter is required.', `attachments.${i}.filename`);
        if (!/^[A-Za-z0-9+/]+={0,2}$/.test(a.content ?? '')) return errors(res, 400, 'The attachment content must be base64 encoded.', `attachments.${i}.content`);
      }
      const messageId = randomBytes(11).toString('base64url');
      sent.push({ messageId, body, headers: req.headers });
      res.writeHead(202, { 'x-message-id': messageId, 'content-length': '0' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    faults,
    sent,
    get requests() {
      return requests;
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
