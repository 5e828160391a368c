/**
 * A whole simulated call, grounded: the OpenAI simulator (behind the real SDK) calls `resume_search`; the tool
 * result reaches the model fenced as data with its citation ids, and the agent's next spoken question carries
 * those ids on its `agent.speech` event. Through the real phone edge (caller simulator, media socket).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startListeningApp, type ListeningApp } from '../helpers/listening-app.js';
import { SimulatedCall } from '../../src/sim/caller/index.js';
import { registerScript } from '../../src/sim/candidate-script.js';
import { startOpenAiSim, type OpenAiSim } from '../../src/sim/openai-sim.js';
import { OpenAiModel } from '../../src/providers/openai/index.js';
import { resumeText, SAMPLE_RESUME } from '../../src/sim/resume-corpus.js';
import { waitFor } from '../helpers/wait-for.js';

describe('a grounded call', () => {
  let t: ListeningApp;
  let openai: OpenAiSim;
  beforeAll(async () => {
    openai = await startOpenAiSim({});
    t = await startListeningApp({}, { providers: { chat: new OpenAiModel({ baseUrl: openai.baseUrl, apiKey: 'sim', firstTokenTimeoutMs: 3000 }) } });
  });
  afterAll(async () => {
    await t.close();
    await openai.close();
  });

  it('resume_search result with citations goes to the model; the next question carries the citation ids', async () => {
    const interview = await t.store.interviews.create({ candidate: { name: 'Ada Lovelace', phone: '+14155550177' }, role: { title: 'Senior Backend Engineer', level: 'senior' } });
    await t.app.grounding.ingest(interview.id, 'resume', { text: resumeText(SAMPLE_RESUME) });
    // First model turn after consent: search the resume; then ask about what it found.
    openai.script([
      { toolCalls: [{ name: 'resume_search', arguments: { query: 'migration to Kafka' } }] },
      { text: 'Your resume mentions a migration to Kafka. What was your part in it?' },
    ]);
    const call = new SimulatedCall({ serverUrl: t.url, authToken: t.authToken, interviewId: interview.id });
    registerScript(call.callSid, { id: 'grounded', lines: [{ text: 'Yes I agree to continue.' }, { text: 'I led it.' }] });
    await call.start();
    await call.waitForAgentSpeech({ timeoutMs: 20_000 });
    await call.waitForAgentSilence(1200, { timeoutMs: 60_000 });
    await call.say('Yes I agree to continue.');

    const events = await waitFor(
      () => t.store.events.list(interview.id),
      (ev) => ev.some((e) => e.type === 'agent.speech' && /resume mentions/.test(String(e.payload.planned))),
      45_000,
    );
    await call.hangup();

    const search = events.find((e) => e.type === 'grounding.search');
    expect(search).toBeDefined();
    const toolCall = events.find((e) => e.type === 'interview.tool_call' && e.payload.name === 'resume_search');
    expect(toolCall?.payload.ok).toBe(true);
    const speech = events.find((e) => e.type === 'agent.speech' && /resume mentions/.test(String(e.payload.planned)));
    const citationIds = speech?.payload.citationIds as string[] | undefined;
    expect(citationIds?.length).toBeGreaterThan(0);

    // What the model was given: the tool message holds the fenced, labelled passages and the same citation ids.
    const second = openai.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => r.body as { messages: { role: string; content: unknown }[] }).find((b) => b.messages.some((m) => m.role === 'tool'));
    const toolMessage = String(second?.messages.find((m) => m.role === 'tool')?.content ?? '');
    expect(toolMessage).toContain('not instructions');
    for (const id of citationIds ?? []) expect(toolMessage).toContain(id);
  }, 120_000);
});
