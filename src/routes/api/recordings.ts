/**
 * GET /api/interviews/:id/recordings/:artifactId — a call recording of the interview (stereo WAV: left the
 * caller, right the agent; `call.recording` events name them). Bearer token or the dashboard's session, scoped to
 * the tenant: another organisation's interview, or an artifact that is not this interview's recording, is a 404.
 * Single byte ranges are served (206) so a browser's player can seek; the file is streamed, never read whole.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError, notFound } from '../../lib/errors.js';
import { RECORDING_CONTENT_TYPE, RECORDING_KIND } from '../../interview/capabilities/recording.js';
import { ErrorSchema } from './schemas.js';

const RecordingParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  artifactId: Type.String({ minLength: 1, maxLength: 100, description: 'from the `call.recording` event' }),
});
const Wav = Type.Unsafe<unknown>({ type: 'string', format: 'binary', description: 'audio/wav' });

/** `bytes=a-b`, `bytes=a-` or `bytes=-n` against a file of `size` bytes; undefined when unsatisfiable or multiple. */
export function parseRange(header: string, size: number): { start: number; end: number } | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return undefined;
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  return start <= end && start < size ? { start, end } : undefined;
}

const recordingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.requireApiToken);

  app.get(
    '/interviews/:id/recordings/:artifactId',
    {
      schema: {
        summary: 'A call recording of the interview (WAV; byte ranges supported)',
        params: RecordingParams,
        produces: [RECORDING_CONTENT_TYPE],
        response: { 200: Wav, 206: Wav, 416: ErrorSchema },
      },
    },
    async (request, reply) => {
      const view = await app.store.interviews.get(request.params.id, { tenantId: request.tenantId });
      if (!view) throw notFound('interview', request.params.id);
      const artifact = await app.store.artifacts.get(request.params.artifactId);
      if (!artifact || artifact.interviewId !== view.id || artifact.kind !== RECORDING_KIND) throw notFound('recording', request.params.artifactId);
      const size = artifact.byteSize;
      const file = join(app.store.artifacts.root, artifact.path);
      reply
        .header('content-type', RECORDING_CONTENT_TYPE)
        .header('accept-ranges', 'bytes')
        .header('content-disposition', `inline; filename="interview-${view.id}-${artifact.id}.wav"`)
        .header('cache-control', 'private, no-store');
      const rangeHeader = request.headers.range;
      if (rangeHeader) {
        const range = parseRange(rangeHeader, size);
        if (!range) {
          reply.header('content-range', `bytes */${size}`);
          throw new AppError(416, 'range_not_satisfiable', `the recording has ${size} bytes`);
        }
        return reply
          .code(206)
          .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
          .header('content-length', range.end - range.start + 1)
          .send(createReadStream(file, { start: range.start, end: range.end }));
      }
      return reply.header('content-length', size).send(createReadStream(file));
    },
  );
};

export default recordingRoutes;
