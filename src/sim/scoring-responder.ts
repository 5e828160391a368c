/**
 * A deterministic stand-in for the scoring model, for the OpenAI simulator (tests, the demo, the benchmark). It
 * reads the stage transcript from the prompt and scores each dimension from how concrete the candidate's answers
 * are (length, technical words), quoting real words with their seq. It is a simulation, not a judgement.
 */
import type { SimChatRequest, SimReply } from './openai-sim.js';
import type { StructuredModel, StructuredRequest } from '../providers/llm.js';

const TECH = /\b(queue|index|lock|latency|retry|retries|cache|database|query|postgres|redis|worker|pool|shard|replica|timeout|idempot\w*|throughput|schema|api|test|deploy|metric|alert)\b/gi;

interface Line {
  seq: number;
  text: string;
}

function promptText(req: SimChatRequest): string {
  return req.messages.map((m) => (typeof m.content === 'string' ? m.content : '')).join('\n');
}

function candidateLines(prompt: string): Line[] {
  const out: Line[] = [];
  for (const m of prompt.matchAll(/^seq (\d+) \[[^\]]*\] CANDIDATE(?: \[[^\]]*\])*: (.*)$/gm)) {
    if (m[2]!.startsWith('[withheld')) continue;
    out.push({ seq: Number(m[1]), text: m[2]! });
  }
  return out;
}

function enumOf(schema: unknown, path: string[]): string[] {
  let node = schema as Record<string, unknown> | undefined;
  for (const p of path) node = (node?.[p] as Record<string, unknown> | undefined) ?? undefined;
  return Array.isArray(node?.enum) ? (node.enum as string[]) : [];
}

export function simulatedScoringReply(req: SimChatRequest): SimReply {
  const schema = req.response_format?.json_schema?.schema;
  const prompt = promptText(req);
  const lines = candidateLines(prompt);
  const dimIds = enumOf(schema, ['properties', 'dimensions', 'items', 'properties', 'id']);
  const gateIds = enumOf(schema, ['properties', 'gates', 'items', 'properties', 'id']);
  const best = [...lines].sort((a, b) => b.text.split(' ').length - a.text.split(' ').length)[0];
  const words = best ? best.text.split(/\s+/).length : 0;
  const tech = lines.reduce((n, l) => n + (l.text.match(TECH)?.length ?? 0), 0);
  const score = !best ? null : Math.max(1, Math.min(4, (words >= 14 ? 2 : 1) + (tech >= 1 ? 1 : 0) + (tech >= 3 ? 1 : 0)));
  const quote = best ? best.text.split(/\s+/).slice(0, 8).join(' ') : '';
  return {
    json: {
      dimensions: dimIds.map((id) => ({
        id,
        score,
        rationale: best ? `The candidate gave a ${words}-word answer with ${tech} technical term(s).` : 'No answer in this stage.',
        evidence: best ? [{ kind: 'quote', seq: best.seq, quote }] : [],
      })),
      gates: gateIds.map((id) => ({
        id,
        result: best && words >= 8 ? 'pass' : 'not_assessed',
        rationale: best && words >= 8 ? 'The candidate explained their own work concretely.' : 'Not enough said to judge.',
        evidence: best && words >= 8 ? [{ kind: 'quote', seq: best.seq, quote }] : [],
      })),
      probes: best && (score ?? 0) <= 2 ? ['Ask for a concrete example with numbers.'] : [],
    },
  };
}

/**
 * The same simulated scorer as an in-process StructuredModel (no HTTP): the demo and the benchmark use it when no
 * real model is configured. Its name says what it is on every scorecard.
 */
export function simulatedScoringModel(): StructuredModel {
  return {
    name: 'simulated-scoring-model (demo: scores from answer length and technical terms, not a judgement)',
    async structured<T>(req: StructuredRequest) {
      const reply = simulatedScoringReply({
        model: 'sim',
        messages: req.messages.map((m) => ({ role: m.role, content: typeof m.content === 'string' ? m.content : '' })),
        tools: [],
        response_format: { type: 'json_schema', json_schema: { name: req.schema.name, schema: req.schema.schema, strict: true } },
        stream: false,
      }) as { json: unknown };
      return { value: reply.json as T };
    },
  };
}
