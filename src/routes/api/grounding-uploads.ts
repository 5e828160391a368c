/**
 * Document uploads for the recruiter API: `multipart/form-data` (a JSON part `interview` plus file parts
 * `resume` and `jobDescription` on create; one file part on replace) or, on replace, the raw file as the body
 * (`application/pdf`, DOCX, `text/plain`, `application/octet-stream`). Files are read into memory up to the
 * upload cap and handed to the grounding service; nothing here parses a document.
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest } from '../../lib/errors.js';
import type { PreparedDocument, Upload } from '../../grounding/index.js';
import type { IngestResult } from '../../grounding/service.js';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

declare module 'fastify' {
  interface FastifyRequest {
    /** Files of a multipart request, by field name (set by readMultipart). */
    uploads?: Map<string, Upload>;
  }
}

/** Multipart and raw-file body parsers for this route scope, capped at the grounding upload limit. */
export async function registerUploads(app: FastifyInstance, opts: { raw?: boolean } = {}): Promise<void> {
  const maxBytes = app.grounding.limits.maxBytes;
  await app.register(multipart, { limits: { fileSize: maxBytes, files: 3, fields: 5, fieldSize: 1024 * 1024, parts: 8 } });
  if (!opts.raw) return;
  const asBuffer = (_req: FastifyRequest, body: Buffer, done: (err: Error | null, body?: unknown) => void) => done(null, body);
  app.removeContentTypeParser('text/plain');
  for (const type of ['application/pdf', DOCX, 'application/octet-stream', 'text/plain', 'text/markdown']) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: maxBytes + 1 }, asBuffer);
  }
}

export function isMultipart(request: FastifyRequest): boolean {
  return /^multipart\/form-data/i.test(request.headers['content-type'] ?? '');
}

/**
 * preValidation for multipart requests: files go to `request.uploads`, and the JSON part named `jsonField`
 * becomes `request.body`, so the route's JSON schema validates it as for a JSON request.
 */
export function readMultipart(app: FastifyInstance, jsonField?: string) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!isMultipart(request)) return;
    // Authenticate before reading a byte of the upload (the route's preHandler check runs after validation).
    await app.requireApiToken(request, reply);
    const uploads = new Map<string, Upload>();
    let json: unknown;
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer();
        uploads.set(part.fieldname, { bytes, filename: part.filename, contentType: part.mimetype });
      } else if (jsonField && part.fieldname === jsonField) {
        // A part sent as application/json arrives already parsed.
        json = part.value;
      } else if (part.fieldname === 'resume' || part.fieldname === 'jobDescription' || part.fieldname === 'file') {
        // A text field is accepted as a plain-text document.
        uploads.set(part.fieldname, { text: String(part.value) });
      }
    }
    request.uploads = uploads;
    if (jsonField) {
      if (json === undefined) throw badRequest(`multipart body needs a JSON part named "${jsonField}"`, { field: jsonField });
      if (typeof json === 'string') {
        try {
          json = JSON.parse(json) as unknown;
        } catch {
          throw badRequest(`the "${jsonField}" part is not valid JSON`, { field: jsonField });
        }
      }
      request.body = json;
    }
  };
}

/** Both documents of a new interview, parsed before anything is created (a refusal creates nothing). */
export async function prepareCreateDocuments(app: FastifyInstance, request: FastifyRequest, roleDescription?: string): Promise<PreparedDocument[]> {
  const docs: PreparedDocument[] = [];
  const resume = request.uploads?.get('resume');
  const jd = request.uploads?.get('jobDescription');
  if (resume) docs.push(await app.grounding.prepare('resume', resume));
  if (jd) docs.push(await app.grounding.prepare('role', jd));
  else if (roleDescription?.trim()) docs.push(await app.grounding.prepare('role', { text: roleDescription }));
  return docs;
}

export async function storeCreateDocuments(app: FastifyInstance, interviewId: string, docs: PreparedDocument[]): Promise<IngestResult[]> {
  const out: IngestResult[] = [];
  for (const d of docs) out.push(await app.grounding.store(interviewId, d));
  return out;
}
