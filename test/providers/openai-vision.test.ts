/** Image parts (the workspace's board snapshot and screen frame) on the Chat Completions wire, against the simulator. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatEvent, ChatMessage } from '../../src/providers/llm.js';
import { OpenAiModel } from '../../src/providers/openai/openai-chat.js';
import { startOpenAiSim, type OpenAiSim } from '../../src/sim/openai-sim.js';
import { loadConfig, modelAcceptsImages } from '../../src/config.js';

const PNG_URL = 'data:image/png;base64,iVBORw0KGgo=';

describe('OpenAiModel with image parts', () => {
  let sim: OpenAiSim;
  beforeAll(async () => {
    sim = await startOpenAiSim({ apiKey: 'sk-test', latency: { firstChunkMs: 0 }, interTokenDelayMs: 0 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('maps an image part to image_url with its detail, and the simulator answers the turn', async () => {
    const model = new OpenAiModel({ apiKey: 'sk-test', baseUrl: sim.baseUrl, model: 'gpt-4o' });
    const messages: ChatMessage[] = [
      { role: 'system', content: 'You are an interviewer.' },
      { role: 'user', content: [{ type: 'text', text: 'Background: the latest board snapshot.' }, { type: 'image', url: PNG_URL, detail: 'low' }] },
      { role: 'user', content: 'I drew a cache in front of the database.' },
    ];
    const events: ChatEvent[] = [];
    for await (const e of model.stream({ messages })) events.push(e);
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop' });
    expect(events.some((e) => e.type === 'text')).toBe(true);
    const body = sim.requests.at(-1)!.body as { messages: { role: string; content: unknown }[] };
    expect(body.messages[1]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'Background: the latest board snapshot.' },
        { type: 'image_url', image_url: { url: PNG_URL, detail: 'low' } },
      ],
    });
    expect(body.messages[2]).toEqual({ role: 'user', content: 'I drew a cache in front of the database.' });
  });
});

describe('OPENAI_VISION', () => {
  it('auto follows the model name; on and off force it; anything else is refused', () => {
    expect(['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-nano', 'gpt-5-mini', 'o4-mini'].every(modelAcceptsImages)).toBe(true);
    expect(['gpt-3.5-turbo', 'llama3.1:8b', 'qwen2.5'].some(modelAcceptsImages)).toBe(false);
    expect(loadConfig({}).openai.vision).toBe(true); // the default model is gpt-4o-mini
    expect(loadConfig({ OPENAI_MODEL: 'llama3.1:8b' }).openai.vision).toBe(false);
    expect(loadConfig({ OPENAI_MODEL: 'llama3.1:8b', OPENAI_VISION: 'on' }).openai.vision).toBe(true);
    expect(loadConfig({ OPENAI_VISION: 'off' }).openai.vision).toBe(false);
    expect(() => loadConfig({ OPENAI_VISION: 'yes' })).toThrow(/OPENAI_VISION must be auto, on or off/);
  });
});
