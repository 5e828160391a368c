/**
 * A local stand-in for Twilio's REST host: records each request (method, path, form params, auth) and answers
 * what Twilio would. The real `twilio` client is pointed at it through TWILIO_API_BASE_URL.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';

export interface RecordedTwilioRequest {
  method: string;
  path: string;
  params: URLSearchParams;
  authorization?: string;
}

export interface TwilioRecorder {
  baseUrl: string;
  requests: RecordedTwilioRequest[];
  /** Answer the next request with this HTTP status and Twilio error body. */
  failNext(status: number, message: string): void;
  close(): Promise<void>;
}

const sid = (prefix: string) => prefix + randomBytes(16).toString('hex');

async function body(req: IncomingMessage): Promise<string> {
  let data = '';
  for await (const chunk of req) data += chunk;
  return data;
}

export async function startTwilioRecorder(): Promise<TwilioRecorder> {
  const requests: RecordedTwilioRequest[] = [];
  let failure: { status: number; message: string } | undefined;
  const server: Server = createServer(async (req, res) => {
    const params = new URLSearchParams(await body(req));
    requests.push({ method: req.method ?? '', path: req.url ?? '', params, authorization: req.headers.authorization });
    res.setHeader('content-type', 'application/json');
    if (failure) {
      const { status, message } = failure;
      failure = undefined;
      res.statusCode = status;
      res.end(JSON.stringify({ code: 21211, message, more_info: 'https://www.twilio.com/docs/errors/21211', status }));
      return;
    }
    res.statusCode = 201;
    if (req.url?.endsWith('/Calls.json')) {
      res.end(JSON.stringify({ sid: sid('CA'), status: 'queued', to: params.get('To'), from: params.get('From') }));
    } else if (req.url?.endsWith('/Messages.json')) {
      res.end(JSON.stringify({ sid: sid('SM'), status: 'queued', to: params.get('To'), body: params.get('Body') }));
    } else {
      res.statusCode = 404;
      res.end(JSON.stringify({ code: 20404, message: 'not found', status: 404 }));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    failNext: (status, message) => (failure = { status, message }),
    close: () => new Promise((r) => server.close(() => r())),
  };
}
