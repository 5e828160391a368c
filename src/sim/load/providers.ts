/**
 * The vendor simulators for a load run, at realistic latencies, in the harness process (never in the service's):
 * Deepgram (fixed recognition delay after its endpointing), OpenAI (time to the first sentence drawn per request
 * from a log-normal), ElevenLabs (fixed time to first audio). The model's draw is recorded against the turn's tag
 * (the transcript it answers carries it), so the harness subtracts exactly what each turn waited for the model.
 * The verdict subtracts the fixed STT and TTS waits as intended; what each of the three waits actually took on the
 * simulator's clock is recorded against the turn's tag too (`actualMs`), for the report's rig table. The three waits
 * use precise-wait.ts: a plain timer's lateness (up to ~1 ms each) would be charged to the service.
 */
import { seededRandom } from '../../lib/seeded-random.js';
import { registerScript, unregisterScript } from '../candidate-script.js';
import { startDeepgramSim, type DeepgramSim } from '../deepgram-sim.js';
import { startElevenLabsSim, type ElevenLabsSim } from '../elevenlabs-sim.js';
import { defaultResponder, startOpenAiSim, type OpenAiSim, type SimChatRequest, type SimReply } from '../openai-sim.js';
import { lastTag, type ScriptedLine } from './scenario.js';

export interface LoadLatencies {
  /** Deepgram: after its endpointing silence, until the final result. */
  sttFinalMs: number;
  /** Model time to first token: log-normal with this median and sigma, clamped to [min, max]. */
  llmMedianMs: number;
  llmSigma: number;
  llmMinMs: number;
  llmMaxMs: number;
  /** ElevenLabs: request → first audio chunk. */
  ttsFirstByteMs: number;
}

export interface SimActualMs {
  stt?: number;
  llm?: number;
  tts?: number;
}

export const LOAD_LATENCIES: LoadLatencies = { sttFinalMs: 120, llmMedianMs: 350, llmSigma: 0.35, llmMinMs: 150, llmMaxMs: 1500, ttsFirstByteMs: 110 };

export interface LoadProviders {
  deepgram: DeepgramSim;
  openai: OpenAiSim;
  eleven: ElevenLabsSim;
  latencies: LoadLatencies;
  /** The model latency drawn for the first request that answered each tag. */
  llmDrawnMs: Map<string, number>;
  /**
   * Per tag, what each simulator actually took (its own clock, request in → first byte out) for the turn: the
   * intended wait plus its timer's lateness and its process's pauses, which are the rig's and not the service's.
   */
  actualMs: Map<string, SimActualMs>;
  register(callSid: string, lines: ScriptedLine[]): void;
  unregister(callSid: string): void;
  close(): Promise<void>;
}

function userText(req: SimChatRequest): string {
  const user = [...req.messages].reverse().find((m) => m.role === 'user');
  if (!user) return '';
  if (typeof user.content === 'string') return user.content;
  return Array.isArray(user.content) ? user.content.map((p: { text?: string }) => p.text ?? '').join(' ') : '';
}

/**
 * The default reply quotes the answer's first eight words, which may stop short of the turn's tag at its end. Putting
 * the tag in place of the quote's last word keeps the reply's shape and length and lets the TTS simulator tie the
 * reply's first sentence to its turn.
 */
function quoteTag(reply: SimReply, tag: string | undefined): SimReply {
  if (!tag || !('text' in reply) || typeof reply.text !== 'string') return reply;
  const m = /^Thanks, I heard: "([^"]*)"\./.exec(reply.text);
  if (!m || m[1]!.includes(tag)) return reply;
  const words = m[1]!.split(/\s+/);
  const tail = [...words.slice(0, -1), tag].join(' ');
  return { ...reply, text: reply.text.replace(m[0], `Thanks, I heard: "${tail}".`) };
}

/** `ttsMsPerChar`: how long the simulated voice takes per character (60 ≈ natural; the smoke profile speaks faster). */
export async function startLoadProviders(seed: number, latencies: LoadLatencies = LOAD_LATENCIES, ttsMsPerChar = 60): Promise<LoadProviders> {
  const random = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const drawLlm = () => Math.min(latencies.llmMaxMs, Math.max(latencies.llmMinMs, latencies.llmMedianMs * Math.exp(latencies.llmSigma * gauss())));
  const llmDrawnMs = new Map<string, number>();
  const actualMs = new Map<string, SimActualMs>();
  // First observation per tag and leg wins: it is the one on the turn's path.
  const observe = (leg: keyof SimActualMs, text: string, ms: number) => {
    const tag = lastTag(text);
    if (!tag) return;
    const entry = actualMs.get(tag) ?? {};
    if (entry[leg] === undefined) actualMs.set(tag, { ...entry, [leg]: ms });
  };
  const deepgram = await startDeepgramSim({
    apiKey: 'load',
    latency: { firstChunkMs: latencies.sttFinalMs },
    onFinal: (o) => observe('stt', o.text, o.actualMs),
    preciseLatency: true,
  });
  // The tag of each request's answer, and whether this request is the first to answer it (a tool round's second
  // request, or a fallback's retry, is not the turn's first token).
  const asked = new WeakMap<SimChatRequest, { tag: string | undefined; first: boolean }>();
  const openai = await startOpenAiSim({
    apiKey: 'load',
    // The whole first sentence arrives at the drawn time: the draw is "time to the first speakable sentence".
    interTokenDelayMs: 0,
    // Counted from the request's arrival, so the reply's own making is inside the draw, as a real model's is.
    timeToFirstChunk: {
      drawMs: (req) => {
        const drawn = drawLlm();
        const tag = lastTag(userText(req));
        const first = tag !== undefined && !llmDrawnMs.has(tag) && req.messages.at(-1)?.role !== 'tool';
        if (first) llmDrawnMs.set(tag, drawn);
        asked.set(req, { tag, first });
        return drawn;
      },
      onFirstChunk: (req, actualMs) => {
        const a = asked.get(req);
        if (a?.first && a.tag !== undefined) observe('llm', a.tag, actualMs);
      },
    },
    responder: async (req) => quoteTag(await defaultResponder(req), asked.get(req)?.tag ?? lastTag(userText(req))),
  });
  const eleven = await startElevenLabsSim({
    apiKey: 'load',
    latency: { firstChunkMs: latencies.ttsFirstByteMs },
    msPerChar: ttsMsPerChar,
    onFirstChunk: (o) => observe('tts', o.text, o.actualMs),
    preciseLatency: true,
  });
  // The simulators keep every request for tests; a soak would grow without bound.
  const trim = setInterval(() => {
    if (openai.requests.length > 2000) openai.requests.splice(0, openai.requests.length - 200);
    if (eleven.requests.length > 2000) eleven.requests.splice(0, eleven.requests.length - 200);
  }, 5000);
  return {
    deepgram,
    openai,
    eleven,
    latencies,
    llmDrawnMs,
    actualMs,
    register: (callSid, lines) => registerScript(callSid, { id: callSid, lines: lines.map((l) => ({ text: l.text, kind: l.kind === 'consent' ? 'answer' : l.kind })) }),
    unregister: (callSid) => unregisterScript(callSid),
    async close() {
      clearInterval(trim);
      await Promise.all([deepgram.close(), openai.close(), eleven.close()]);
    },
  };
}
