/** Twilio voice and status webhooks (form-encoded, signed). */
import { appendEvent, type EventPayload, type EventType } from '../../store/events/index.js';
import type { StoredEvent } from '../../store/index.js';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { onCallOutcome, type CallOutcome } from '../../scheduling/scheduler.js';
import { Type, type Static } from '@sinclair/typebox';
import type { Config } from '../../config.js';
import { publicWsUrl } from '../../config.js';
import { connectStreamTwiml, hangupTwiml, sayAndHangupTwiml } from '../../telephony/twilio/twiml.js';
import { twilioSignatureGuard } from './guard.js';
import { AppError } from '../../lib/errors.js';
import { TERMINAL_STATUSES, type InterviewStatus, type InterviewView } from '../../store/index.js';

const CallParams = Type.Object(
  {
    CallSid: Type.String({ pattern: '^CA[0-9a-fA-F]{32}$' }),
    From: Type.Optional(Type.String()),
    To: Type.Optional(Type.String()),
    CallStatus: Type.Optional(Type.String()),
    Direction: Type.Optional(Type.String()),
    AnsweredBy: Type.Optional(Type.String()),
    CallDuration: Type.Optional(Type.String()),
    SequenceNumber: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);
type CallParams = Static<typeof CallParams>;
const WebhookQuery = Type.Object({ interviewId: Type.Optional(Type.String({ maxLength: 100 })) });
type WebhookQuery = Static<typeof WebhookQuery>;

const LINES = {
  unknown: 'Sorry, we could not find a scheduled interview for this call. Goodbye.',
  unavailable: 'This interview is no longer available. The recruiting team will be in touch. Goodbye.',
  draining: 'Sorry, we cannot start the interview right now. We will call you back shortly. Goodbye.',
};

/** Order of call progress, to spot repeated and out-of-order status callbacks. */
const STATUS_RANK: Record<string, number> = {
  queued: 0,
  initiated: 1,
  ringing: 2,
  'in-progress': 3,
  answered: 3,
  completed: 4,
  busy: 4,
  'no-answer': 4,
  failed: 4,
  canceled: 4,
};

const FINAL_STATUS: Record<string, InterviewStatus> = {
  busy: 'busy',
  'no-answer': 'no_answer',
  failed: 'failed',
  canceled: 'canceled',
};

export async function twilioWebhookRoutes(app: FastifyInstance, opts: { config: Config }): Promise<void> {
  const { config } = opts;
  const xml = 'text/xml; charset=utf-8';

  /** busy / no-answer / failed / voicemail: the scheduler plans the retry (a failure there never fails the webhook). */
  async function retryLater(interview: InterviewView, outcome: CallOutcome, log: FastifyBaseLogger): Promise<void> {
    if (!app.hasDecorator('scheduling')) return;
    try {
      await onCallOutcome(app.scheduling, { interviewId: interview.id, tenantId: interview.tenantId, outcome });
    } catch (err) {
      log.error({ err, outcome }, 'could not plan the retry');
    }
  }

  async function findInterview(query: WebhookQuery, params: CallParams): Promise<InterviewView | null> {
    if (query.interviewId) return app.store.interviews.get(query.interviewId);
    const byCall = await app.store.interviews.findByCallSid(params.CallSid);
    if (byCall) return byCall;
    // A call into our number: the caller's number must match a scheduled interview.
    return params.From ? app.store.interviews.findScheduledByPhone(params.From) : null;
  }

  app.post<{ Body: CallParams; Querystring: WebhookQuery }>(
    '/twilio/voice',
    { schema: { body: CallParams, querystring: WebhookQuery }, preHandler: twilioSignatureGuard(app, config.publicUrl, 'voice') },
    async (request, reply) => {
      const p = request.body;
      const log = request.log.child({ callSid: p.CallSid });
      const interview = await findInterview(request.query, p);
      if (!interview) {
        log.warn({ interviewId: request.query.interviewId, from: p.From }, 'voice webhook for no known interview');
        return reply.type(xml).send(sayAndHangupTwiml(LINES.unknown));
      }
      const record: AppendFor = (type, payload) => appendEvent(app.store, interview.id, type, payload);
      await record('twilio.voice_webhook', {
        callSid: p.CallSid,
        callStatus: p.CallStatus ?? null,
        direction: p.Direction ?? null,
        answeredBy: p.AnsweredBy ?? null,
        from: p.From ?? null,
        to: p.To ?? null,
      });
      const ilog = log.child({ interviewId: interview.id });

      const takenByOtherCall = interview.callSid && interview.callSid !== p.CallSid;
      if (TERMINAL_STATUSES.includes(interview.status) || interview.status === 'in_progress' || takenByOtherCall) {
        ilog.info({ status: interview.status }, 'voice webhook for an interview that cannot start');
        await record('call.refused', { callSid: p.CallSid, reason: 'interview_unavailable', status: interview.status });
        return reply.type(xml).send(sayAndHangupTwiml(LINES.unavailable));
      }
      if (p.AnsweredBy && /^(machine|fax)/.test(p.AnsweredBy)) {
        await app.store.interviews.attachCallSid(interview.id, p.CallSid).catch(() => false);
        const moved = await app.store.interviews.transition(interview.id, 'voicemail', { from: ['scheduled', 'calling'] });
        await record('call.voicemail', { callSid: p.CallSid, answeredBy: p.AnsweredBy });
        if (moved) await retryLater(interview, 'voicemail', ilog);
        ilog.info({ answeredBy: p.AnsweredBy }, 'answering machine: hanging up');
        return reply.type(xml).send(hangupTwiml());
      }
      if (app.draining) {
        await record('call.refused', { callSid: p.CallSid, reason: 'draining' });
        return reply.type(xml).send(sayAndHangupTwiml(LINES.draining));
      }
      try {
        await app.store.interviews.attachCallSid(interview.id, p.CallSid);
      } catch (err) {
        if (err instanceof AppError && err.statusCode === 409) {
          await record('call.refused', { callSid: p.CallSid, reason: 'call_sid_in_use' });
          return reply.type(xml).send(sayAndHangupTwiml(LINES.unavailable));
        }
        throw err;
      }
      await app.store.interviews.transition(interview.id, 'calling', { from: ['scheduled'] });
      const token = await app.store.streamTokens.issue(interview.id, p.CallSid);
      const streamUrl = publicWsUrl(config, '/twilio/media');
      await record('call.stream_offered', { callSid: p.CallSid, streamUrl });
      ilog.info('answering with a media stream');
      return reply.type(xml).send(connectStreamTwiml(streamUrl, token));
    },
  );

  app.post<{ Body: CallParams; Querystring: WebhookQuery }>(
    '/twilio/status',
    { schema: { body: CallParams, querystring: WebhookQuery }, preHandler: twilioSignatureGuard(app, config.publicUrl, 'status') },
    async (request, reply) => {
      const p = request.body;
      const status = p.CallStatus ?? 'unknown';
      const interview = await findInterview(request.query, p);
      if (!interview) {
        request.log.warn({ callSid: p.CallSid, status }, 'status callback for no known interview');
        return reply.status(204).send();
      }
      const seen = (await app.store.events.list(interview.id, { types: ['call.status'] })).filter(
        (e) => e.payload.callSid === p.CallSid,
      );
      if (seen.some((e) => e.payload.status === status)) {
        request.log.debug({ callSid: p.CallSid, status }, 'repeated status callback ignored');
        return reply.status(204).send();
      }
      const highest = Math.max(-1, ...seen.map((e) => STATUS_RANK[String(e.payload.status)] ?? -1));
      const rank = STATUS_RANK[status] ?? -1;
      await appendEvent(app.store, interview.id, 'call.status', {
        callSid: p.CallSid,
        status,
        durationSec: p.CallDuration ? Number(p.CallDuration) : null,
        sequenceNumber: p.SequenceNumber ? Number(p.SequenceNumber) : null,
        outOfOrder: rank < highest,
      });
      const final = FINAL_STATUS[status];
      const log = request.log.child({ interviewId: interview.id, callSid: p.CallSid });
      if (final && (await app.store.interviews.transition(interview.id, final, { from: ['scheduled', 'calling'] })) && final !== 'canceled') {
        await retryLater(interview, final as CallOutcome, log);
      }
      // A completed call that never reached the interview (no stream) is a failed attempt.
      if (status === 'completed' && (await app.store.interviews.transition(interview.id, 'failed', { from: ['calling'] }))) {
        await retryLater(interview, 'failed', log);
      }
      return reply.status(204).send();
    },
  );
}

type AppendFor = <T extends EventType>(type: T, payload: EventPayload<T>) => Promise<StoredEvent>;
