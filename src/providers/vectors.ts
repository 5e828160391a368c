/** Port: a dense-vector index for document chunks, always scoped to one interview (adapters: pgvector, Pinecone). */

export type VectorSource = 'resume' | 'role';

export interface VectorRecord {
  chunkId: string;
  citationId: string;
  source: VectorSource;
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
  query(interviewId: string, vector: number[], opts: { source?: VectorSource; limit: number; signal?: AbortSignal }): Promise<VectorHit[]>;
  /** Removes these chunks' vectors (a replaced document). */
  deleteChunks(interviewId: string, chunkIds: string[]): Promise<void>;
  /** Removes every vector of the interview (erasure). */
  deleteInterview(interviewId: string): Promise<void>;
}
