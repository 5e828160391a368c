/**
 * GET /api/interviews/:id/artifacts/:artifactId — one board snapshot (PNG) or screen-share frame (JPEG) of the
 * interview, for the dashboard's replay (`board.snapshot` and `screen.frame` events name them). Bearer token or the
 * dashboard's session, scoped to the tenant, exactly as the recordings route: another organisation's interview, an
 * unknown artifact, another interview's artifact, or an artifact that is not one of these images is a 404, so the
 * route never becomes a way to read documents or recordings by id.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../lib/errors.js';

/**
 * The image kinds served, with the type answered. The type comes from the kind, not from the stored row, so an
 * image is never served as anything a browser would run.
 */
export const IMAGE_ARTIFACT_TYPES: Readonly<Record<string, 'image/png' | 'image/jpeg'>> = { board_png: 'image/png', screen_jpeg: 'image/jpeg' };

const ImageParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  artifactId: Type.String({ minLength: 1, maxLength: 100, description: 'from a `board.snapshot` or `screen.frame` event' }),
});
const Image = Type.Unsafe<unknown>({ type: 'string', format: 'binary', description: 'image/png (board snapshot) or image/jpeg (screen frame)' });

const artifactImageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.requireApiToken);

  app.get(
    '/interviews/:id/artifacts/:artifactId',
    {
      schema: {
        summary: 'A board snapshot (PNG) or screen-share frame (JPEG) of the interview',
        params: ImageParams,
        produces: ['image/png', 'image/jpeg'],
        response: { 200: Image },
      },
    },
    async (request, reply) => {
      const view = await app.store.interviews.get(request.params.id, { tenantId: request.tenantId });
      if (!view) throw notFound('interview', request.params.id);
      const artifact = await app.store.artifacts.get(request.params.artifactId);
      const type = artifact && Object.hasOwn(IMAGE_ARTIFACT_TYPES, artifact.kind) ? IMAGE_ARTIFACT_TYPES[artifact.kind] : undefined;
      if (!artifact || artifact.interviewId !== view.id || !type) throw notFound('image', request.params.artifactId);
      const ext = type === 'image/png' ? 'png' : 'jpg';
      return reply
        .header('content-type', type)
        .header('content-length', artifact.byteSize)
        .header('content-disposition', `inline; filename="interview-${view.id}-${artifact.id}.${ext}"`)
        // The candidate's screen may show private things: like the recordings, never kept in a cache.
        .header('cache-control', 'private, no-store')
        .header('x-content-type-options', 'nosniff')
        .send(createReadStream(join(app.store.artifacts.root, artifact.path)));
    },
  );
};

export default artifactImageRoutes;
