/**
 * Fallbacks with the real adapters against their simulators: a stalled OpenAI reply is answered by the
 * plan-driven interviewer; an ElevenLabs 5xx is spoken by eSpeak NG. Each switch is an event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAiSim, type OpenAiSim } from '../../src/sim/openai-sim.js';
import { startElevenLabsSim } from '../../src/sim/elevenlabs-sim.js';
import { OpenAiModel } from '../../src/providers/openai/index.js';
import { ElevenLabsSynthesizer } from '../../src/providers/elevenlabs/index.js';
import { EspeakSynthesizer } from '../../src/providers/local/espeak-tts.js';
import { FallbackChatModel, FallbackSynthesizer } from '../../src/providers/fallback/index.js';
import { Interviewer } from '../../src/interview/interviewer.js';
import type { AgentEvent } from '../../src/voice/agent.js';

type Ev = { type: string; payload: Record<string, unknown> };

describe('LLM fallback: OpenAI stalls → the plan-driven interviewer answers', () => {
  let sim: OpenAiSim;
  beforeAll(async () => {
    sim = await startOpenAiSim();
  });
  afterAll(async () => sim.close());

  it('answers the turn from the plan and records the switch', async () => {
    const events: Ev[] = [];
    const record = (type: string, payload: Record<string, unknown> = {}) => events.push({ type, payload });
    sim.faults.always({ firstChunkDelayMs: 5000 });
    const openai = new OpenAiModel({ baseUrl: sim.baseUrl, firstTokenTimeoutMs: 300 });
    let wrapper: FallbackChatModel | undefined;
    const interviewer = new Interviewer({
      context: { interviewId: 'i-1', candidate: { name: 'Ada' }, role: { title: 'Backend Engineer', level: 'senior' } },
      model: openai,
      wrapModel: (primary, plan) => (wrapper = new FallbackChatModel([primary, plan], { onEvent: record, firstTokenTimeoutMs: 1000 })),
      record,
    });
    interviewer.opening();
    const collect = async (text: string) => {
      let said = '';
      for await (const ev of interviewer.respond({ text, endReason: 'endpoint', bargedIn: false }, new AbortController().signal) as AsyncIterable<AgentEvent>) {
        if (ev.type === 'text') said += ev.delta;
      }
      return said;
    };
    expect(await collect('Yes, I agree.')).not.toBe('');
    const said = await collect('I enjoy building reliable services.');
    expect(said.length).toBeGreaterThan(10);
    expect(events.some((e) => e.type === 'provider.fallback' && e.payload.port === 'llm')).toBe(true);
    expect(events.some((e) => e.type === 'provider.unhealthy')).toBe(true);
    wrapper?.close();
    sim.faults.reset();
  }, 30_000);
});

describe('TTS fallback: ElevenLabs 5xx → eSpeak NG speaks', () => {
  it('yields eSpeak audio and records the switch', async () => {
    const sim = await startElevenLabsSim({ apiKey: 'k' });
    const events: Ev[] = [];
    const espeak = new EspeakSynthesizer();
    const tts = new FallbackSynthesizer([new ElevenLabsSynthesizer({ apiKey: 'k', baseUrl: sim.baseUrl }), espeak], {
      onEvent: (type, payload) => events.push({ type, payload }),
    });
    try {
      sim.faults.always({ status: 503 });
      let bytes = 0;
      for await (const chunk of tts.synthesize('Thanks. Tell me about a system you built.')) bytes += chunk.length;
      expect(bytes).toBeGreaterThan(8000); // over a second of mu-law at 8 kHz
      expect(events.find((e) => e.type === 'provider.fallback')?.payload).toMatchObject({ port: 'tts', from: 'elevenlabs', to: 'espeak' });
    } finally {
      tts.close();
      await espeak.close();
      await sim.close();
    }
  }, 30_000);
});
