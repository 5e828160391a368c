/**
 * A local HTTP server speaking Pinecone's API as the v8 SDK calls it (API version 2026-04): the control plane's
 * `GET /indexes/:name` (describeIndex) and the data plane's `POST /vectors/upsert`, `POST /query` (cosine, with
 * `$eq`/`$in` metadata filters), `POST /vectors/delete`, `DELETE /namespaces/:ns`, `GET /namespaces`,
 * `POST /describe_index_stats`. In memory; checks the Api-Key header. Tests and the benchmark point
 * `controllerHostUrl` at it; describeIndex answers with its own address as the index host.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface StoredVector {
  id: string;
  values: number[];
  metadata: Record<string, unknown>;
}

export interface PineconeSimRequest {
  method: string;
  path: string;
  apiKey: string | undefined;
  apiVersion: string | undefined;
  body: unknown;
}

export interface PineconeSim {
  url: string;
  apiKey: string;
  indexName: string;
  requests: PineconeSimRequest[];
  /** namespace → vectors */
  namespaces: Map<string, Map<string, StoredVector>>;
  close(): Promise<void>;
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * (b[i] ?? 0);
    na += a[i] * a[i];
    nb += (b[i] ?? 0) * (b[i] ?? 0);
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

function matches(meta: Record<string, unknown>, filter: Record<string, unknown> | undefined): boolean {
  if (!filter) return true;
  for (const [key, cond] of Object.entries(filter)) {
    if (key === '$and') return (cond as Record<string, unknown>[]).every((f) => matches(meta, f));
    if (key === '$or') return (cond as Record<string, unknown>[]).some((f) => matches(meta, f));
    const v = meta[key];
    if (cond && typeof cond === 'object' && !Array.isArray(cond)) {
      const c = cond as Record<string, unknown>;
      if ('$eq' in c && v !== c.$eq) return false;
      if ('$ne' in c && v === c.$ne) return false;
      if ('$in' in c && !(c.$in as unknown[]).includes(v)) return false;
      if ('$nin' in c && (c.$nin as unknown[]).includes(v)) return false;
    } else if (v !== cond) return false;
  }
  return true;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  const text = Buffer.concat(parts).toString('utf8');
  return text ? (JSON.parse(text) as unknown) : undefined;
}

export async function startPineconeSim(opts: { apiKey?: string; indexName?: string; dimension?: number } = {}): Promise<PineconeSim> {
  const apiKey = opts.apiKey ?? 'pcsk_sim_key';
  const indexName = opts.indexName ?? 'screenline';
  const dimension = opts.dimension ?? 1536;
  const namespaces = new Map<string, Map<string, StoredVector>>();
  const requests: PineconeSimRequest[] = [];
  let url = '';

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const notFound = (res: ServerResponse, message: string) => send(res, 404, { error: { code: 'NOT_FOUND', message }, status: 404 });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://sim').pathname;
    const method = req.method ?? 'GET';
    const body = (await readBody(req)) as Record<string, unknown> | undefined;
    const key = req.headers['api-key'];
    requests.push({ method, path, apiKey: typeof key === 'string' ? key : undefined, apiVersion: req.headers['x-pinecone-api-version'] as string | undefined, body });
    if (key !== apiKey) return send(res, 401, { error: { code: 'UNAUTHENTICATED', message: 'Invalid API Key' }, status: 401 });

    const idx = /^\/indexes\/([^/]+)$/.exec(path);
    if (idx && method === 'GET') {
      if (decodeURIComponent(idx[1]) !== indexName) return notFound(res, `Resource ${idx[1]} not found`);
      return send(res, 200, {
        name: indexName,
        dimension,
        metric: 'cosine',
        host: url,
        vector_type: 'dense',
        deletion_protection: 'disabled',
        spec: { serverless: { cloud: 'aws', region: 'us-east-1' } },
        status: { ready: true, state: 'Ready' },
      });
    }
    const nsOf = (name: unknown) => {
      const n = typeof name === 'string' && name ? name : '__default__';
      let m = namespaces.get(n);
      if (!m) namespaces.set(n, (m = new Map()));
      return m;
    };
    if (path === '/vectors/upsert' && method === 'POST') {
      const vectors = (body?.vectors ?? []) as StoredVector[];
      for (const v of vectors) {
        if (!Array.isArray(v.values) || v.values.length !== dimension) {
          return send(res, 400, { error: { code: 'INVALID_ARGUMENT', message: `Vector dimension ${v.values?.length} does not match the dimension of the index ${dimension}` }, status: 400 });
        }
      }
      const ns = nsOf(body?.namespace);
      for (const v of vectors) ns.set(v.id, { id: v.id, values: v.values, metadata: v.metadata ?? {} });
      return send(res, 200, { upsertedCount: vectors.length });
    }
    if (path === '/query' && method === 'POST') {
      const name = typeof body?.namespace === 'string' && body.namespace ? body.namespace : '__default__';
      const ns = namespaces.get(name) ?? new Map<string, StoredVector>();
      const vector = body?.vector as number[] | undefined;
      if (!vector) return send(res, 400, { error: { code: 'INVALID_ARGUMENT', message: 'vector required' }, status: 400 });
      const topK = Number(body?.topK ?? 10);
      const filter = body?.filter as Record<string, unknown> | undefined;
      const hits = [...ns.values()]
        .filter((v) => matches(v.metadata, filter))
        .map((v) => ({ id: v.id, score: cosine(vector, v.values), ...(body?.includeMetadata ? { metadata: v.metadata } : {}) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, topK);
      return send(res, 200, { results: [], matches: hits, namespace: name, usage: { readUnits: 1 } });
    }
    if (path === '/vectors/delete' && method === 'POST') {
      const ns = namespaces.get(typeof body?.namespace === 'string' && body.namespace ? body.namespace : '__default__');
      if (ns) {
        if (body?.deleteAll) ns.clear();
        else if (Array.isArray(body?.ids)) for (const id of body.ids as string[]) ns.delete(id);
        else if (body?.filter) for (const [id, v] of ns) if (matches(v.metadata, body.filter as Record<string, unknown>)) ns.delete(id);
      }
      return send(res, 200, {});
    }
    const nsPath = /^\/namespaces\/([^/]+)$/.exec(path);
    if (nsPath && method === 'DELETE') {
      const name = decodeURIComponent(nsPath[1]);
      if (!namespaces.has(name)) return notFound(res, `Namespace ${name} not found`);
      namespaces.delete(name);
      return send(res, 202, {});
    }
    if (path === '/namespaces' && method === 'GET') {
      return send(res, 200, { namespaces: [...namespaces.entries()].map(([name, m]) => ({ name, record_count: m.size })) });
    }
    if (path === '/describe_index_stats') {
      const nsStats = Object.fromEntries([...namespaces.entries()].map(([n, m]) => [n, { vectorCount: m.size }]));
      return send(res, 200, { namespaces: nsStats, dimension, indexFullness: 0, totalVectorCount: [...namespaces.values()].reduce((s, m) => s + m.size, 0) });
    }
    return notFound(res, `no route for ${method} ${path}`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, { error: { code: 'INTERNAL', message: String(err) }, status: 500 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    apiKey,
    indexName,
    requests,
    namespaces,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
