/**
 * GET /api/interviews/:id/scorecard — the latest scorecard as JSON (schema below; docs/scoring.md describes it),
 * and GET /api/interviews/:id/report.pdf — the latest rendered PDF. Bearer auth like the rest of the API.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { InterviewParams } from './schemas.js';
import { notFound } from '../../lib/errors.js';
import { repoOf } from '../../scoring/index.js';

const open = { additionalProperties: true };
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const EvidenceSchema = Type.Object(
  { kind: Type.String(), seq: Type.Integer(), atMs: Type.Number(), clock: Type.String(), quote: Type.String(), lowConfidence: Type.Boolean() },
  open,
);
const Fact = Type.Object({ seq: Type.Integer(), clock: Type.String(), text: Type.String() }, open);

export const ScorecardSchema = Type.Object(
  {
    schemaVersion: Type.Literal(1),
    interviewId: Type.String(),
    revision: Type.Integer(),
    status: Type.String({ description: 'final after the call; rolling while it runs' }),
    generatedAt: Type.String(),
    candidate: Type.Object({ name: Type.String() }, open),
    role: Type.Object({ title: Type.String(), level: Nullable(Type.String()) }, open),
    interviewStatus: Type.String(),
    startedAt: Nullable(Type.String()),
    endedAt: Nullable(Type.String()),
    durationMs: Type.Number(),
    rubric: Type.Object({ id: Type.String(), version: Type.Integer(), title: Type.String(), hash: Type.String() }, open),
    scorer: Type.Object(
      { kind: Type.String(), version: Type.String(), model: Nullable(Type.String()), promptVersion: Type.String(), temperature: Nullable(Type.Number()), label: Type.String() },
      open,
    ),
    decision: Type.Object(
      {
        band: Type.Object({ id: Type.String(), label: Type.String() }, open),
        weightedScore: Nullable(Type.Number()),
        coverage: Type.Number(),
        confidence: Type.Number(),
        confidenceLabel: Type.String(),
        knockoutFailed: Type.Array(Type.String()),
        openGates: Type.Array(Type.String()),
        note: Type.String(),
      },
      open,
    ),
    summary: Type.String(),
    strengths: Type.Array(Type.String()),
    gaps: Type.Array(Type.String()),
    dimensions: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          name: Type.String(),
          weight: Type.Number(),
          score: Nullable(Type.Number()),
          status: Type.String(),
          rationale: Type.String(),
          anchor: Nullable(Type.String()),
          evidence: Type.Array(EvidenceSchema),
        },
        open,
      ),
    ),
    gates: Type.Array(
      Type.Object(
        { id: Type.String(), name: Type.String(), knockout: Type.Boolean(), result: Type.String(), rationale: Type.String(), evidence: Type.Array(EvidenceSchema) },
        open,
      ),
    ),
    probes: Type.Array(Type.String()),
    codeResults: Type.Array(
      Type.Object({ seq: Type.Integer(), clock: Type.String(), label: Type.String(), passed: Type.Number(), total: Type.Number(), verified: Type.Boolean() }, open),
    ),
    timeToFirstPassMs: Nullable(Type.Number()),
    board: Type.Array(Fact),
    citations: Type.Array(Fact),
    integrity: Type.Array(Type.Object({ seq: Type.Integer(), clock: Type.String(), type: Type.String(), text: Type.String() }, open)),
    rejectedEvidence: Type.Integer(),
    transcript: Type.Array(
      Type.Object(
        {
          seq: Type.Integer(),
          clock: Type.String(),
          speaker: Type.String(),
          stage: Type.String(),
          text: Type.String(),
          interrupted: Type.Boolean(),
          lowConfidence: Type.Boolean(),
          addressedToScorer: Type.Boolean(),
        },
        open,
      ),
    ),
    notice: Type.String(),
  },
  open,
);

const N = Type.Number();
/** The call's `call.cost` event (interview/cost.ts): an estimate at the operator's COST_* prices. */
export const CostSchema = Type.Object({
  currency: Type.String(),
  usage: Type.Object({ sttSeconds: N, llmPromptTokens: N, llmCompletionTokens: N, ttsCharacters: N, telephonySeconds: N, telephonyBilledMinutes: N }),
  components: Type.Object({ stt: N, llm: N, tts: N, telephony: N }),
  total: N,
  prices: Type.Object({ sttPerMinute: N, llmInputPer1kTokens: N, llmOutputPer1kTokens: N, ttsPer1kChars: N, telephonyPerMinute: N }),
});

export const ScorecardResponse = Type.Object({
  interviewId: Type.String(),
  /** ready: a scorecard exists; pending: not scored yet; failed: scoring gave up (see `failure`). */
  state: Type.Union([Type.Literal('ready'), Type.Literal('pending'), Type.Literal('failed')]),
  scorecard: Nullable(ScorecardSchema),
  failure: Nullable(Type.Object({ job: Type.String(), error: Type.String(), at: Type.String() })),
  links: Type.Object({ pdf: Nullable(Type.String()), events: Type.String() }),
  /** Estimated cost of the interview's last call (null before any call ended). */
  cost: Nullable(CostSchema),
});

const scorecardRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.requireApiToken);

  app.get('/interviews/:id/scorecard', { schema: { summary: 'The latest scorecard (JSON)', params: InterviewParams, response: { 200: ScorecardResponse } } }, async (request) => {
    const view = await app.store.interviews.get(request.params.id, { tenantId: request.tenantId });
    if (!view) throw notFound('interview', request.params.id);
    const repo = repoOf(app.store);
    const score = await repo.latestInterviewScore(view.id);
    const report = await repo.latestReport(view.id);
    const failed = (await app.store.events.list(view.id, { types: ['job.failed'] })).at(-1);
    const cost = (await app.store.events.list(view.id, { types: ['call.cost'] })).at(-1);
    const failure = !score && failed ? { job: String(failed.payload.job), error: String(failed.payload.error), at: failed.at.toISOString() } : null;
    return {
      interviewId: view.id,
      state: score ? ('ready' as const) : failure ? ('failed' as const) : ('pending' as const),
      scorecard: (score?.scorecard ?? null) as never,
      failure,
      links: { pdf: report ? `/api/interviews/${view.id}/report.pdf` : null, events: `/api/interviews/${view.id}/events` },
      cost: (cost?.payload ?? null) as never,
    };
  });

  app.get(
    '/interviews/:id/report.pdf',
    { schema: { summary: 'The latest PDF scorecard', params: InterviewParams, produces: ['application/pdf'], response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'application/pdf' }) } } },
    async (request, reply) => {
      const view = await app.store.interviews.get(request.params.id, { tenantId: request.tenantId });
      if (!view) throw notFound('interview', request.params.id);
      const report = await repoOf(app.store).latestReport(view.id);
      if (!report) throw notFound('report for interview', view.id);
      const bytes = await app.store.artifacts.read(report.artifactId);
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `inline; filename="scorecard-${view.id}.pdf"`)
        .header('cache-control', 'private, no-store')
        .send(bytes);
    },
  );
};

export default scorecardRoutes;
