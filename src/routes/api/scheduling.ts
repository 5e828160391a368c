/** POST /api/interviews/:id/reschedule and /cancel — the recruiter moves or stops a planned call (docs/scheduling.md). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorSchema, InterviewParams } from './schemas.js';
import { cancelInterview, scheduleCall } from '../../scheduling/scheduler.js';
import { AppError, badRequest } from '../../lib/errors.js';
import type { FastifyInstance } from 'fastify';
import type { InterviewView } from '../../store/index.js';
import { isValidZone } from '../../scheduling/call-window.js';

export const ScheduledSchema = Type.Object(
  {
    interviewId: Type.String(),
    at: Type.String({ format: 'date-time', description: 'When the call will be placed (UTC)' }),
    jobId: Type.String(),
    decision: Type.String({ description: 'The schedule.decided text, e.g. "not calling now: 21:40 local in America/Chicago; next window 09:00"' }),
  },
  { title: 'Scheduled' },
);

const RescheduleBody = Type.Object(
  {
    at: Type.Optional(Type.String({ format: 'date-time', description: 'Earliest time wanted; moved forward to the next permitted time. Unset: as soon as permitted.' })),
    timezone: Type.Optional(Type.String({ maxLength: 64, description: "The candidate's IANA zone, when known better than from the phone number" })),
  },
  { additionalProperties: false },
);

const CancelBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });
const CanceledSchema = Type.Object({ interviewId: Type.String(), status: Type.String(), canceledScheduledCall: Type.Boolean() }, { title: 'Canceled' });

export async function lastDecision(app: FastifyInstance, interviewId: string): Promise<string> {
  const events = await app.store.events.list(interviewId, { types: ['schedule.decided'] });
  return String(events.at(-1)?.payload.text ?? '');
}

const schedulingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.requireApiToken);

  app.post('/interviews/:id/reschedule', {
    schema: {
      summary: 'Plan the call at the next permitted time (at or after `at`)',
      params: InterviewParams,
      body: Type.Optional(RescheduleBody),
      response: { 200: ScheduledSchema, 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema },
    },
  }, async (request) => {
    const body = request.body ?? {};
    if (body.timezone !== undefined && !isValidZone(body.timezone)) throw badRequest(`unknown time zone "${body.timezone}"`, { field: 'body.timezone' });
    const planned = await scheduleCall(app.scheduling, {
      interviewId: request.params.id,
      tenantId: request.tenantId,
      reason: 'reschedule',
      ...(body.at ? { notBefore: new Date(body.at) } : {}),
      ...(body.timezone ? { timezone: body.timezone } : {}),
    });
    return { interviewId: request.params.id, at: planned.at.toISOString(), jobId: planned.jobId, decision: await lastDecision(app, request.params.id) };
  });

  app.post('/interviews/:id/cancel', {
    schema: {
      summary: 'Cancel the interview and its planned call',
      params: InterviewParams,
      body: Type.Optional(CancelBody),
      response: { 200: CanceledSchema, 404: ErrorSchema, 409: ErrorSchema },
    },
  }, async (request) => {
    const out = await cancelInterview(app.scheduling, { interviewId: request.params.id, tenantId: request.tenantId, reason: request.body?.reason ?? 'recruiter' });
    return { interviewId: request.params.id, ...out };
  });
};

export default schedulingRoutes;

/** Interview creation with `schedule` / `scheduledAt`: the interview exists either way; a refusal is reported, not thrown. */
export async function planOnCreate(
  app: FastifyInstance,
  view: InterviewView,
  scheduledAt: string | undefined,
): Promise<{ at?: string; jobId?: string; decision: string; error?: string }> {
  try {
    const planned = await scheduleCall(app.scheduling, {
      interviewId: view.id,
      tenantId: view.tenantId,
      reason: 'created',
      ...(scheduledAt ? { notBefore: new Date(scheduledAt) } : {}),
    });
    return { at: planned.at.toISOString(), jobId: planned.jobId, decision: await lastDecision(app, view.id) };
  } catch (err) {
    if (err instanceof AppError && err.statusCode === 409) return { error: err.code, decision: err.message };
    throw err;
  }
}
