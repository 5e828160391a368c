/**
 * Pinecone adapter for the vector-index port (@pinecone-database/pinecone v8; v9 needs Node 22). One namespace
 * per interview (`iv-<interview id>`), so a query can never reach another candidate's vectors and erasure is one
 * `deleteNamespace`. Metadata carries the citation id, source, page and span.
 */
import { Pinecone, type Index, type RecordMetadata } from '@pinecone-database/pinecone';
import { ProviderError } from '../errors.js';
import type { VectorIndex } from '../vectors.js';

export interface PineconeIndexOptions {
  apiKey: string;
  /** Index name; its host is looked up once with describeIndex unless `indexHost` is given. */
  index: string;
  indexHost?: string;
  /** Control-plane base override (the local simulator in tests). */
  controllerHostUrl?: string;
}

type ChunkMeta = RecordMetadata & { citationId: string; source: string; page: number; spanStart: number; spanEnd: number };

const namespaceOf = (interviewId: string) => `iv-${interviewId}`;

export async function createPineconeIndex(opts: PineconeIndexOptions): Promise<VectorIndex> {
  const pc = new Pinecone({ apiKey: opts.apiKey, ...(opts.controllerHostUrl ? { controllerHostUrl: opts.controllerHostUrl } : {}) });
  let host = opts.indexHost;
  if (!host) {
    try {
      const model = await pc.describeIndex(opts.index);
      host = model.host;
    } catch (err) {
      throw new ProviderError('pinecone', 'connection', `describeIndex(${opts.index}) failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const base = pc.index<ChunkMeta>({ name: opts.index, host });
  const ns = (interviewId: string): Index<ChunkMeta> => base.namespace(namespaceOf(interviewId));
  const wrap = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw new ProviderError('pinecone', 'connection', `${what} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  return {
    name: `pinecone index ${opts.index} (namespace per interview)`,
    async upsert(interviewId, records) {
      if (records.length === 0) return;
      for (let i = 0; i < records.length; i += 100) {
        const batch = records.slice(i, i + 100).map((r) => ({
          id: r.chunkId,
          values: r.vector,
          metadata: { citationId: r.citationId, source: r.source, page: r.page ?? 0, spanStart: r.span[0], spanEnd: r.span[1] },
        }));
        await wrap('upsert', () => ns(interviewId).upsert({ records: batch }));
      }
    },
    async query(interviewId, vector, q) {
      const res = await wrap('query', () =>
        ns(interviewId).query({ vector, topK: q.limit, includeMetadata: true, ...(q.source ? { filter: { source: { $eq: q.source } } } : {}) }),
      );
      return (res.matches ?? []).map((m) => ({ chunkId: m.id, score: m.score ?? 0 }));
    },
    async deleteChunks(interviewId, chunkIds) {
      for (let i = 0; i < chunkIds.length; i += 1000) {
        const ids = chunkIds.slice(i, i + 1000);
        await wrap('deleteMany', () => ns(interviewId).deleteMany({ ids }));
      }
    },
    async deleteInterview(interviewId) {
      try {
        await base.deleteNamespace(namespaceOf(interviewId));
      } catch (err) {
        // A namespace that never got a vector does not exist: nothing to erase.
        if ((err as { name?: string }).name === 'PineconeNotFoundError') return;
        throw new ProviderError('pinecone', 'connection', `deleteNamespace failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
  };
}
