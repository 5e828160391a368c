import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/providers/errors.js';
import { OpenAiModel } from '../../src/providers/openai/openai-chat.js';
import { startOpenAiSim } from '../../src/sim/openai-sim.js';
import type { OpenAiSim, SimChatRequest } from '../../src/sim/openai-sim.js';

/** Polls until `cond` holds (the simulator has seen the request) so aborts land mid-request, not before it. */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

const SCORE_SCHEMA = {
  name: 'answer_score',
  description: 'Score one answer',
  schema: {
    type: 'object',
    properties: {
      score: { type: 'integer', minimum: 1 },
      band: { type: 'string', enum: ['strong', 'mixed', 'weak'] },
      evidence: { type: 'array', items: { type: 'string' } },
      note: { type: ['string', 'null'] },
    },
    required: ['score', 'band', 'evidence', 'note'],
    additionalProperties: false,
  },
};

describe('OpenAiModel.structured', () => {
  let sim: OpenAiSim;
  let model: OpenAiModel;
  beforeEach(async () => {
    sim = await startOpenAiSim({ apiKey: 'sk-test' });
    model = new OpenAiModel({ apiKey: 'sk-test', baseUrl: sim.baseUrl, model: 'gpt-4o' });
  });
  afterEach(async () => {
    await sim.close();
  });

  it('round-trips a strict json_schema request', async () => {
    const seen: SimChatRequest[] = [];
    sim.setResponder((req) => {
      seen.push(req);
      return { json: { score: 4, band: 'strong', evidence: ['built the Kafka pipeline'], note: null } };
    });
    const { value, usage } = await model.structured<{ score: number; band: string }>({
      messages: [
        { role: 'system', content: 'Score the answer.' },
        { role: 'user', content: 'I built the Kafka pipeline.' },
      ],
      schema: SCORE_SCHEMA,
    });
    expect(value).toEqual({ score: 4, band: 'strong', evidence: ['built the Kafka pipeline'], note: null });
    expect(usage?.promptTokens).toBeGreaterThan(0);
    const body = sim.requests[0]?.body as Record<string, unknown>;
    expect(body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'answer_score', description: 'Score one answer', schema: SCORE_SCHEMA.schema, strict: true },
    });
    expect(body.model).toBe('gpt-4o');
    expect(body.stream).toBeUndefined();
    expect(seen[0]?.response_format?.json_schema?.strict).toBe(true);
  });

  it('the default responder produces a schema-valid instance', async () => {
    const { value } = await model.structured<Record<string, unknown>>({
      messages: [{ role: 'user', content: 'x' }],
      schema: SCORE_SCHEMA,
    });
    expect(value).toEqual({ score: 1, band: 'strong', evidence: [], note: 'sim' });
  });

  it('content that is not JSON → protocol', async () => {
    sim.script([{ text: 'Sure! Here is the score: 4' }]);
    const err = await model
      .structured({ messages: [{ role: 'user', content: 'x' }], schema: SCORE_SCHEMA })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ kind: 'protocol' });
    expect((err as Error).message).toMatch(/not valid JSON/);
  });

  it('JSON missing a required key → protocol', async () => {
    sim.script([{ json: { score: 3, band: 'mixed', evidence: [] } }]);
    const err = await model
      .structured({ messages: [{ role: 'user', content: 'x' }], schema: SCORE_SCHEMA })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'protocol' });
    expect((err as Error).message).toMatch(/note/);
  });

  it('retries a 503 (maxRetries default 2) and then succeeds', async () => {
    sim.faults.once({ status: 503 });
    sim.script([{ json: { score: 2, band: 'weak', evidence: [], note: null } }]);
    const { value } = await model.structured<{ score: number }>({
      messages: [{ role: 'user', content: 'x' }],
      schema: SCORE_SCHEMA,
    });
    expect(value.score).toBe(2);
    expect(sim.requests.map((r) => r.outcome)).toEqual(['error_status', 'completed']);
  });

  it('400 → bad_request without retries', async () => {
    sim.faults.once({ status: 400 });
    const err = await model
      .structured({ messages: [{ role: 'user', content: 'x' }], schema: SCORE_SCHEMA })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'bad_request', retryable: false, status: 400 });
    expect(sim.requests).toHaveLength(1);
  });

  it('rejects with an AbortError when the caller aborts', async () => {
    sim.faults.once({ firstChunkDelayMs: 5_000 });
    const controller = new AbortController();
    const pending = model
      .structured({ messages: [{ role: 'user', content: 'x' }], schema: SCORE_SCHEMA, signal: controller.signal })
      .catch((e: unknown) => e);
    await until(() => sim.requests.length > 0);
    controller.abort();
    const err = await pending;
    expect((err as Error).name).toBe('AbortError');
    await expect(sim.requests[0]?.settled).resolves.toBe('client_closed');
  });
});
