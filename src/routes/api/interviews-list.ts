/** GET /api/interviews — the recruiter's list: filter by status, candidate name and creation time; keyset pages. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { badRequest } from '../../lib/errors.js';
import { INTERVIEW_STATUSES, type InterviewStatus } from '../../store/schema.js';
import { listInterviews } from '../../store/repos/interview-list.js';
import { InterviewListResponse, ListInterviewsQuery } from './schemas.js';

const interviewsListRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.requireApiToken);

  app.get(
    '/interviews',
    {
      schema: {
        summary: 'List interviews (newest first) with status, next call time and decision band',
        querystring: ListInterviewsQuery,
        response: { 200: InterviewListResponse },
      },
    },
    async (request) => {
      const { status, q, from, to, limit, cursor } = request.query;
      const statuses = status?.split(',');
      const unknown = statuses?.find((s) => !(INTERVIEW_STATUSES as readonly string[]).includes(s));
      if (unknown) throw badRequest(`unknown status "${unknown}" (one of ${INTERVIEW_STATUSES.join(', ')})`, { field: 'querystring.status' });
      const page = await listInterviews(app.store.db, {
        tenantId: request.tenantId,
        status: statuses as InterviewStatus[] | undefined,
        q,
        from: from ? new Date(from) : undefined,
        to: to ? new Date(to) : undefined,
        limit,
        cursor,
      });
      return {
        interviews: page.rows.map((r) => ({
          ...r,
          links: {
            self: `/api/interviews/${r.id}`,
            events: `/api/interviews/${r.id}/events`,
            live: `/api/interviews/${r.id}/live`,
            scorecard: `/api/interviews/${r.id}/scorecard`,
          },
        })),
        nextCursor: page.nextCursor,
      };
    },
  );
};

export default interviewsListRoutes;
