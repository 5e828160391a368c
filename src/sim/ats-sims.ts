/**
 * Local endpoints that speak the ATS vendors' APIs as screenline uses them (tests, the bench): attachment
 * downloads, Greenhouse Harvest notes, Lever opportunities/resumes/notes, Ashby `file.info` / `candidate.createNote`,
 * and a generic result callback. Every request is recorded; `failNext` makes the next N requests answer 503.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface AtsSim {
  url: string;
  requests: RecordedRequest[];
  /** Files served at GET /files/<name>. */
  files: Map<string, { bytes: Buffer; contentType: string }>;
  /** Lever opportunities served at GET /v1/opportunities/<id>. */
  leverOpportunities: Map<string, Record<string, unknown>>;
  /** The next `n` requests (of any kind except file downloads) answer 503. */
  failNext(n: number): void;
  /** Requests whose path starts with `prefix`. */
  to(prefix: string): RecordedRequest[];
  close(): Promise<void>;
}

export async function startAtsSim(): Promise<AtsSim> {
  const requests: RecordedRequest[] = [];
  const files = new Map<string, { bytes: Buffer; contentType: string }>();
  const leverOpportunities = new Map<string, Record<string, unknown>>();
  let failures = 0;
  let seq = 0;
  let url = '';

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body });
      if (path.startsWith('/files/')) {
        const name = decodeURIComponent(path.slice('/files/'.length));
        if (name === 'slow') return; // never answers: the downloader's time limit ends it
        if (name === 'endless') {
          // No content-length and more bytes than any cap: the downloader must stop reading.
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          const block = Buffer.alloc(64 * 1024, 97);
          let sent = 0;
          const pump = () => {
            while (sent < 64 * 1024 * 1024 && res.write(block)) sent += block.length;
            if (sent < 64 * 1024 * 1024) res.once('drain', pump);
            else res.end();
          };
          res.on('close', () => (sent = Infinity));
          pump();
          return;
        }
        const f = files.get(name);
        if (!f) return json(res, 404, { error: 'no such file' });
        res.writeHead(200, { 'content-type': f.contentType, 'content-length': String(f.bytes.length) });
        return res.end(f.bytes);
      }
      if (failures > 0) {
        failures--;
        return json(res, 503, { error: 'simulated outage' });
      }
      if (path === '/callback') return json(res, 200, { id: `cb-${++seq}` });
      const basicKey = () => Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString().replace(/:$/, '');
      if (!basicKey()) return json(res, 401, { error: 'missing Basic auth' });
      let m: RegExpExecArray | null;
      if ((m = /^\/v1\/candidates\/([^/]+)\/activity_feed\/notes$/.exec(path)) && req.method === 'POST') {
        if (!req.headers['on-behalf-of']) return json(res, 403, { message: 'On-Behalf-Of header required' });
        return json(res, 201, { id: ++seq, body: (JSON.parse(body) as { body: string }).body, visibility: 'admin_only' });
      }
      if ((m = /^\/v1\/opportunities\/([^/]+)$/.exec(path)) && req.method === 'GET') {
        const opp = leverOpportunities.get(decodeURIComponent(m[1]!));
        return opp ? json(res, 200, { data: opp }) : json(res, 404, { code: 'ResourceNotFound' });
      }
      if ((m = /^\/v1\/opportunities\/([^/]+)\/resumes$/.exec(path)) && req.method === 'GET') {
        const opp = leverOpportunities.get(decodeURIComponent(m[1]!));
        const resume = opp?.resumeFile as string | undefined;
        return json(res, 200, { data: resume ? [{ id: 'res-1', file: { name: resume, ext: 'txt', size: files.get(resume)?.bytes.length ?? 0 } }] : [] });
      }
      if ((m = /^\/v1\/opportunities\/([^/]+)\/resumes\/([^/]+)\/download$/.exec(path)) && req.method === 'GET') {
        const opp = leverOpportunities.get(decodeURIComponent(m[1]!));
        const f = opp ? files.get(opp.resumeFile as string) : undefined;
        if (!f) return json(res, 404, { code: 'ResourceNotFound' });
        res.writeHead(200, { 'content-type': f.contentType, 'content-length': String(f.bytes.length) });
        return res.end(f.bytes);
      }
      if ((m = /^\/v1\/opportunities\/([^/]+)\/notes$/.exec(path)) && req.method === 'POST') {
        return json(res, 201, { data: { noteId: `note-${++seq}` } });
      }
      if (path === '/file.info' && req.method === 'POST') {
        const handle = (JSON.parse(body || '{}') as { fileHandle?: string }).fileHandle;
        return handle ? json(res, 200, { success: true, results: { url: `${url}/files/${encodeURIComponent(handle)}` } }) : json(res, 200, { success: false, errors: ['fileHandle required'] });
      }
      if (path === '/candidate.createNote' && req.method === 'POST') {
        return json(res, 200, { success: true, results: { id: `ashby-note-${++seq}` } });
      }
      return json(res, 404, { error: `no route ${req.method} ${path}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    files,
    leverOpportunities,
    failNext: (n) => (failures = n),
    to: (prefix) => requests.filter((r) => r.path.startsWith(prefix)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
