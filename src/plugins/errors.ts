/** The one error handler: clear 4xx reasons, opaque 5xx with a request id, never a stack trace. */
import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError } from '../lib/errors.js';

interface ErrorBody {
  error: string;
  message: string;
  field?: string;
  requestId: string;
}

export default fp(
  async function errorsPlugin(app: FastifyInstance) {
    app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
      let status = (err as { statusCode?: number }).statusCode ?? 500;
      if (status < 400 || status > 599) status = 500;
      const body: ErrorBody = { error: 'internal_error', message: 'internal error', requestId: request.id };

      if (err instanceof AppError) {
        body.error = err.code;
        if (err.expose) body.message = err.message;
        if (err.details?.field) body.field = String(err.details.field);
      } else if ((err as FastifyError).validation) {
        const fe = err as FastifyError;
        const first = fe.validation?.[0];
        const path = [fe.validationContext, ...(first?.instancePath ?? '').split('/').filter(Boolean)];
        const missing = (first?.params as { missingProperty?: string } | undefined)?.missingProperty;
        if (missing) path.push(missing);
        body.error = 'bad_request';
        body.field = path.filter(Boolean).join('.');
        body.message = `${body.field} ${first?.message ?? 'is invalid'}`;
      } else if (status < 500) {
        // Fastify's own client errors (malformed JSON, wrong content type, body too large) are safe to repeat.
        body.error = (err as FastifyError).code?.replace(/^FST_ERR_/, '').toLowerCase() ?? 'bad_request';
        body.message = err.message;
      }

      if (status >= 500) request.log.error({ err }, 'request failed');
      else request.log.info({ err: { message: err.message, code: (err as FastifyError).code } }, 'request rejected');
      return reply.status(status).send(body);
    });

    app.setNotFoundHandler((request, reply) =>
      reply.status(404).send({
        error: 'not_found',
        message: `no route for ${request.method} ${request.url.split('?')[0]}`,
        requestId: request.id,
      }),
    );
  },
  { name: 'errors' },
);
