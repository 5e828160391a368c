/** The vector-index port: dense vectors for chunks, always scoped to one interview. */
import type { GroundingSource } from '../types.js';

export interface VectorRecord {
  chunkId: string;
  citationId: string;
  source: GroundingSource;
  page: number | null;
  span: [number, number];
  vector: number[];
}

export interface VectorHit {
  chunkId: string;
  score: number;
}

export interface VectorIndex {
  /** For the startup banner, e.g. "pgvector (pglite)" or "pinecone index screenline". */
  readonly name: string;
  upsert(interviewId: string, records: VectorRecord[], signal?: AbortSignal): Promise<void>;
  /** Nearest chunks of this interview only (by cosine similarity, best first). */
  query(interviewId: string, vector: number[], opts: { source?: GroundingSource; limit: number; signal?: AbortSignal }): Promise<VectorHit[]>;
  /** Removes these chunks' vectors (a replaced document). */
  deleteChunks(interviewId: string, chunkIds: string[]): Promise<void>;
  /** Removes every vector of the interview (erasure). */
  deleteInterview(interviewId: string): Promise<void>;
}
