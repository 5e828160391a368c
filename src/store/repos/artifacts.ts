/** Large binary artifacts (PDFs, PNGs, audio): bytes in a folder, metadata and checksum in the database. */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { notFound } from '../../lib/errors.js';
import { isUuid, type Db } from '../db.js';
import { artifacts } from '../schema.js';

export interface Artifact {
  id: string;
  interviewId: string | null;
  kind: string;
  contentType: string;
  byteSize: number;
  /** Relative to the artifacts root. */
  path: string;
  /** Hex. */
  sha256: string;
  createdAt: Date;
}

export interface PutArtifactInput {
  interviewId?: string;
  /** e.g. 'scorecard_pdf', 'board_png', 'resume_pdf'. */
  kind: string;
  contentType: string;
  bytes: Uint8Array;
}

export interface ArtifactsRepo {
  /** The folder that holds the bytes (`${dataDir}/artifacts`). */
  readonly root: string;
  put(input: PutArtifactInput): Promise<Artifact>;
  /**
   * Adopts a finished file already under `root` (a call recording streamed to disk): hashed as a stream and moved
   * into place, never read whole into memory. The file is gone afterwards (moved, or deleted on failure).
   */
  putFile(input: Omit<PutArtifactInput, 'bytes'> & { file: string }): Promise<Artifact>;
  get(id: string): Promise<Artifact | null>;
  /** The artifact's bytes; AppError 404 if unknown. */
  read(id: string): Promise<Buffer>;
}

export function createArtifactsRepo(db: Db, root: string): ArtifactsRepo {
  return {
    root,

    async put(input) {
      const id = randomUUID();
      const relPath = id;
      const file = join(root, relPath);
      const tmp = `${file}.${process.pid}.tmp`;
      await mkdir(root, { recursive: true });
      // tmp + rename: a reader never sees a half-written file under the final name.
      await writeFile(tmp, input.bytes);
      await rename(tmp, file);
      try {
        const [row] = await db
          .insert(artifacts)
          .values({
            id,
            interviewId: input.interviewId ?? null,
            kind: input.kind,
            contentType: input.contentType,
            byteSize: input.bytes.byteLength,
            path: relPath,
            sha256: createHash('sha256').update(input.bytes).digest('hex'),
          })
          .returning();
        return row!;
      } catch (err) {
        await rm(file, { force: true });
        throw err;
      }
    },

    async putFile(input) {
      const id = randomUUID();
      const file = join(root, id);
      try {
        const hash = createHash('sha256');
        for await (const chunk of createReadStream(input.file)) hash.update(chunk as Buffer);
        const { size } = await stat(input.file);
        await rename(input.file, file);
        const [row] = await db
          .insert(artifacts)
          .values({ id, interviewId: input.interviewId ?? null, kind: input.kind, contentType: input.contentType, byteSize: size, path: id, sha256: hash.digest('hex') })
          .returning();
        return row!;
      } catch (err) {
        await Promise.all([rm(file, { force: true }), rm(input.file, { force: true })]);
        throw err;
      }
    },

    async get(id) {
      if (!isUuid(id)) return null;
      const [row] = await db.select().from(artifacts).where(eq(artifacts.id, id)).limit(1);
      return row ?? null;
    },

    async read(id) {
      const artifact = await this.get(id);
      if (!artifact) throw notFound('artifact', id);
      return readFile(join(root, artifact.path));
    },
  };
}
