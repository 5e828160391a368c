import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpenAiModel } from '../../src/providers/openai/openai-chat.js';
import { simEmbedding, startOpenAiSim } from '../../src/sim/openai-sim.js';
import type { OpenAiSim } from '../../src/sim/openai-sim.js';

const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);

describe('OpenAiModel.embed', () => {
  let sim: OpenAiSim;
  beforeEach(async () => {
    sim = await startOpenAiSim({ apiKey: 'sk-test' });
  });
  afterEach(async () => {
    await sim.close();
  });

  const texts = ['Senior Python backend engineer', 'python backend developer, senior', 'The weather is sunny today'];

  it('base64 by default (the SDK decodes it), honouring dimensions', async () => {
    const model = new OpenAiModel({ apiKey: 'sk-test', baseUrl: sim.baseUrl, embeddingDimensions: 256 });
    expect(model.dimensions).toBe(256);
    const vectors = await model.embed(texts);
    const body = sim.requests[0]?.body as Record<string, unknown>;
    expect(body).toMatchObject({ model: 'text-embedding-3-small', encoding_format: 'base64', dimensions: 256, input: texts });
    expect(vectors).toHaveLength(3);
    vectors.forEach((v, i) => {
      expect(v).toHaveLength(256);
      expect(v).toEqual(simEmbedding(texts[i] ?? '', 256));
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    });
    // The bag-of-words component makes related texts closer.
    expect(cosine(vectors[0] ?? [], vectors[1] ?? [])).toBeGreaterThan(cosine(vectors[0] ?? [], vectors[2] ?? []) + 0.3);
  });

  it('float encoding gives the same numbers', async () => {
    const model = new OpenAiModel({ apiKey: 'sk-test', baseUrl: sim.baseUrl, embeddingEncoding: 'float' });
    const vectors = await model.embed(texts);
    const body = sim.requests[0]?.body as Record<string, unknown>;
    expect(body).toMatchObject({ encoding_format: 'float', dimensions: 1536 });
    expect(vectors.map((v) => v.length)).toEqual([1536, 1536, 1536]);
    const b64 = await new OpenAiModel({ apiKey: 'sk-test', baseUrl: sim.baseUrl }).embed(texts);
    expect(vectors).toEqual(b64);
  });

  it('batches large inputs and keeps the order', async () => {
    const model = new OpenAiModel({ apiKey: 'sk-test', baseUrl: sim.baseUrl, embeddingDimensions: 8, embeddingBatchSize: 2 });
    const many = ['a one', 'b two', 'c three', 'd four', 'e five'];
    const vectors = await model.embed(many);
    expect(sim.requests).toHaveLength(3);
    expect(vectors).toEqual(many.map((t) => simEmbedding(t, 8)));
  });

  it('sends no request for no texts', async () => {
    const model = new OpenAiModel({ apiKey: 'sk-test', baseUrl: sim.baseUrl });
    expect(await model.embed([])).toEqual([]);
    expect(sim.requests).toHaveLength(0);
  });

  it('a vector of the wrong width → protocol, not retryable', async () => {
    // Not a text-embedding-3 model and no explicit dimensions: the simulator answers 3072 for "-large".
    const model = new OpenAiModel({ apiKey: 'sk-test', baseUrl: sim.baseUrl, embeddingModel: 'sim-embed-large' });
    const err = await model.embed(['x']).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'protocol', retryable: false });
    expect((sim.requests[0]?.body as Record<string, unknown>).dimensions).toBeUndefined();
  });

  it('401 → auth', async () => {
    const model = new OpenAiModel({ apiKey: 'nope', baseUrl: sim.baseUrl });
    await expect(model.embed(['x'])).rejects.toMatchObject({ kind: 'auth', retryable: false });
  });
});
