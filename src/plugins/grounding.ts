/**
 * `app.grounding`: resume/JD ingest and hybrid retrieval for every interview. Embeddings (OpenAI, or any
 * OpenAI-compatible server) are on when a key or base URL is set and GROUNDING_EMBEDDINGS is not `off`; their
 * vectors go to Pinecone when PINECONE_API_KEY is set, else to pgvector when the database has the extension;
 * otherwise retrieval is full-text only, and the banner says which.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import type { Embedder } from '../providers/llm.js';
import type { VectorIndex } from '../providers/vectors.js';
import { OpenAiModel } from '../providers/openai/index.js';
import { createDocumentParser, createPgvectorIndex, GroundingService, type ParseLimits } from '../grounding/index.js';
import type { GroundingServiceDeps } from '../grounding/service.js';
import type { Db } from '../store/db.js';

declare module 'fastify' {
  interface FastifyInstance {
    grounding: GroundingService;
  }
}

export interface GroundingOverrides {
  /** null = no embeddings (full-text only). */
  embedder?: Embedder | null;
  /** null = no vector index. */
  vectors?: VectorIndex | null;
  limits?: Partial<ParseLimits>;
}

/**
 * The grounding service from config (the web process's plugin and `screenline worker`, whose ATS jobs ingest
 * resumes); `describe` is its banner line.
 */
export async function buildGroundingService(
  config: Config,
  store: GroundingServiceDeps['store'] & { db: Db; kind: 'pglite' | 'postgres' },
  log: GroundingServiceDeps['log'],
  o: GroundingOverrides = {},
): Promise<{ service: GroundingService; parser: ReturnType<typeof createDocumentParser>; describe: string }> {
  let embedder: Embedder | undefined = o.embedder ?? undefined;
  if (o.embedder === undefined && config.grounding.embeddings === 'auto' && (config.openai.apiKey || config.openai.baseUrl)) {
    embedder = new OpenAiModel({ apiKey: config.openai.apiKey, baseUrl: config.openai.baseUrl, model: config.openai.model, embeddingModel: config.openai.embeddingModel });
  }
  let vectors: VectorIndex | undefined = o.vectors ?? undefined;
  let why = '';
  if (o.vectors === undefined && embedder) {
    const pc = config.grounding.pinecone;
    if (pc.apiKey) {
      // Loaded only when configured: the SDK is 4.5 MB of every web process's heap.
      const { createPineconeIndex } = await import('../providers/pinecone/pinecone-index.js');
      vectors = await createPineconeIndex({ apiKey: pc.apiKey, index: pc.index, indexHost: pc.indexHost, controllerHostUrl: pc.controllerUrl });
    } else {
      vectors = (await createPgvectorIndex(store.db, store.kind)) ?? undefined;
      if (!vectors) why = ' (the database has no pgvector extension and PINECONE_API_KEY is unset)';
    }
  }
  const parser = createDocumentParser();
  const service = new GroundingService({ store, parser, embedder, vectors, limits: { timeoutMs: config.grounding.parseTimeoutMs, ...o.limits }, log });
  const describe =
    embedder && vectors
      ? `${embedder.name} embeddings (${config.openai.embeddingModel}) in ${vectors.name}, fused with Postgres full-text search`
      : `Postgres full-text search only${embedder ? why : ' (set OPENAI_API_KEY or OPENAI_BASE_URL for embeddings)'}`;
  return { service, parser, describe };
}

export default fp(
  async function groundingPlugin(app: FastifyInstance, opts: { config: Config; grounding?: GroundingOverrides }) {
    const { config } = opts;
    const { service, parser, describe } = await buildGroundingService(config, app.store, app.log, opts.grounding ?? {});
    app.decorate('grounding', service);
    app.adapters.set('embeddings + vectors', describe);
    if (config.nodeEnv !== 'test') {
      app.addHook('onReady', async () => {
        await parser.warm().catch((err: unknown) => app.log.warn({ err }, 'grounding: document parser did not start ahead of time'));
      });
    }
    app.addHook('onClose', async () => {
      await parser.close();
    });
  },
  { name: 'grounding', dependencies: ['store', 'adapters'] },
);
