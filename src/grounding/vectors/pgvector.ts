/**
 * pgvector adapter (PGlite with @electric-sql/pglite-pgvector, or PostgreSQL with the extension). The vectors'
 * table is created here, not by a migration, and only when `CREATE EXTENSION vector` succeeds: the migrations
 * stay runnable on a PostgreSQL without pgvector, where retrieval is full-text only.
 *
 * Queries are exact (a scan of one interview's few dozen rows through the interview index), not HNSW: an
 * approximate index filtered to one interview afterwards would lose recall, and exact search over ~100 rows
 * costs well under a millisecond.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../store/db.js';
import { rowsOf } from '../../store/db.js';
import type { VectorIndex } from '../../providers/vectors.js';

// Seven significant digits: the column is float4 (about seven digits) anyway, and under PGlite's WASM the
// literal's parse is most of a dense query's cost, so shorter numbers are measurably faster.
const literal = (v: number[]) => `[${v.map((x) => (Number.isFinite(x) ? Number(x.toPrecision(7)) : 0)).join(',')}]`;

/** Null when the extension is not available on this database. */
export async function createPgvectorIndex(db: Db, kind: string): Promise<VectorIndex | null> {
  try {
    await db.execute(sql`CREATE EXTENSION IF NOT EXISTS vector`);
  } catch {
    return null;
  }
  await db.execute(sql`CREATE TABLE IF NOT EXISTS grounding_vectors (
    chunk_id uuid PRIMARY KEY REFERENCES grounding_chunks(id) ON DELETE CASCADE,
    interview_id uuid NOT NULL REFERENCES interviews(id) ON DELETE CASCADE,
    source text NOT NULL,
    embedding vector NOT NULL
  )`);
  await db.execute(sql`CREATE INDEX IF NOT EXISTS grounding_vectors_interview_idx ON grounding_vectors (interview_id, source)`);
  return {
    name: `pgvector (${kind})`,
    async upsert(interviewId, records) {
      for (const r of records) {
        await db.execute(sql`INSERT INTO grounding_vectors (chunk_id, interview_id, source, embedding)
          VALUES (${r.chunkId}::uuid, ${interviewId}::uuid, ${r.source}, ${literal(r.vector)}::vector)
          ON CONFLICT (chunk_id) DO UPDATE SET embedding = EXCLUDED.embedding`);
      }
    },
    async query(interviewId, vector, opts) {
      // The query vector is parsed once (parsing 1536 floats costs milliseconds under PGlite's WASM).
      const res = await db.execute(sql`SELECT v.chunk_id, 1 - (v.embedding <=> q.vec) AS score
        FROM grounding_vectors v, (SELECT ${literal(vector)}::vector AS vec) q
        WHERE v.interview_id = ${interviewId}::uuid ${opts.source ? sql`AND v.source = ${opts.source}` : sql``}
        ORDER BY v.embedding <=> q.vec
        LIMIT ${opts.limit}`);
      return rowsOf<{ chunk_id: string; score: number | string }>(res).map((r) => ({ chunkId: r.chunk_id, score: Number(r.score) }));
    },
    async deleteChunks(interviewId, chunkIds) {
      if (chunkIds.length === 0) return;
      await db.execute(sql`DELETE FROM grounding_vectors WHERE interview_id = ${interviewId}::uuid AND chunk_id IN (${sql.join(
        chunkIds.map((id) => sql`${id}::uuid`),
        sql`, `,
      )})`);
    },
    async deleteInterview(interviewId) {
      await db.execute(sql`DELETE FROM grounding_vectors WHERE interview_id = ${interviewId}::uuid`);
    },
  };
}
