/**
 * One typed configuration, read from the environment and validated at start. Each variable is declared once in
 * VARIABLES (name, default, parser, doc); docs/configuration.md lists every one and a test keeps the two in step.
 */
import { resolve } from 'node:path';

export type NodeEnv = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  nodeEnv: NodeEnv;
  port: number;
  host: string;
  /** Base URL the outside world (Twilio, candidates' browsers) uses to reach us; no trailing slash. */
  publicUrl: string;
  dataDir: string;
  /** Unset → embedded PGlite under dataDir. */
  databaseUrl?: string;
  /** Unset → in-process queue. */
  redisUrl?: string;
  /** Unset in local mode → generated under dataDir and printed once. */
  apiToken?: string;
  logLevel: LogLevel;
  drainTimeoutMs: number;
  twilio: {
    accountSid?: string;
    authToken?: string;
    fromNumber?: string;
    /** Twilio REST base override (a regional edge, or a local recorder in tests). */
    apiBaseUrl?: string;
    ringTimeoutSec: number;
  };
  deepgram: { apiKey?: string; url?: string; model: string; language: string; endpointingMs: number };
  openai: { apiKey?: string; baseUrl?: string; model: string; embeddingModel: string; firstTokenTimeoutMs: number };
  grounding: {
    embeddings: 'auto' | 'off';
    parseTimeoutMs: number;
    pinecone: { apiKey?: string; index: string; indexHost?: string; controllerUrl?: string };
  };
  elevenlabs: { apiKey?: string; baseUrl?: string; voiceId: string; modelId: string };
  workspace: {
    graceMs: number;
    linkMaxAgeMs: number;
    verifyTimeoutMs: number;
    verifyConcurrency: number;
    verifyWarm: number;
    verifyMemoryMb: number;
    submitsPerMinute: number;
  };
  email: { sendgridApiKey?: string; sendgridBaseUrl?: string; from: string; fromName: string };
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`Invalid configuration: ${variable} ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

interface VariableSpec {
  name: string;
  doc: string;
  default?: string;
  group: 'service' | 'storage' | 'telephony' | 'speech' | 'language model' | 'grounding' | 'email' | 'workspace';
}

/** Every environment variable screenline reads. Order is the order of docs/configuration.md. */
export const VARIABLES: readonly VariableSpec[] = [
  { group: 'service', name: 'NODE_ENV', default: 'development', doc: '`production` turns off local conveniences (no generated API token).' },
  { group: 'service', name: 'PORT', default: '3000', doc: 'TCP port to listen on.' },
  { group: 'service', name: 'HOST', default: '0.0.0.0', doc: 'Interface to bind.' },
  { group: 'service', name: 'PUBLIC_URL', default: 'http://localhost:$PORT', doc: 'Base URL Twilio and candidates use to reach the service. Webhook signatures are checked against it; `https` makes media streams `wss`.' },
  { group: 'service', name: 'API_TOKEN', doc: 'Bearer token for the recruiter API. Unset outside production: one is generated, saved to `$DATA_DIR/api-token` and printed once.' },
  { group: 'service', name: 'LOG_LEVEL', default: 'info', doc: 'pino level: fatal, error, warn, info, debug, trace, silent.' },
  { group: 'service', name: 'DRAIN_TIMEOUT_MS', default: '30000', doc: 'On SIGTERM/SIGINT, how long live calls may run on before they are closed. Keep it below the platform kill timeout.' },
  { group: 'storage', name: 'DATA_DIR', default: './data', doc: 'Local state: embedded database, generated secrets, artifacts, outbox.' },
  { group: 'storage', name: 'DATABASE_URL', doc: 'PostgreSQL connection string. Unset: embedded PGlite in `$DATA_DIR/pglite`.' },
  { group: 'storage', name: 'REDIS_URL', doc: 'Redis for BullMQ jobs (e.g. `redis://127.0.0.1:6379`). Unset: in-process queue.' },
  { group: 'telephony', name: 'TWILIO_ACCOUNT_SID', doc: 'Twilio account SID (AC…). With TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER, enables real outbound calls and SMS.' },
  { group: 'telephony', name: 'TWILIO_AUTH_TOKEN', doc: 'Twilio auth token; signs every webhook and media stream. Unset outside production: one is generated in `$DATA_DIR/twilio-auth-token` for the caller simulator.' },
  { group: 'telephony', name: 'TWILIO_FROM_NUMBER', doc: 'The Twilio number calls and texts come from (E.164).' },
  { group: 'telephony', name: 'TWILIO_API_BASE_URL', doc: 'Override for Twilio\'s REST host (tests point it at a local recorder).' },
  { group: 'telephony', name: 'TWILIO_RING_TIMEOUT_SEC', default: '30', doc: 'How long an outbound call rings before no-answer.' },
  { group: 'speech', name: 'DEEPGRAM_API_KEY', doc: 'Deepgram key. **Required in production** (the service refuses to start without it). Unset outside production: speech-to-text runs on the local Deepgram-protocol simulator (scripted candidates only; demo and tests).' },
  { group: 'speech', name: 'DEEPGRAM_URL', doc: 'Deepgram live endpoint base (`wss://api.eu.deepgram.com`, a proxy, or the simulator).' },
  { group: 'speech', name: 'DEEPGRAM_MODEL', default: 'nova-3', doc: 'Deepgram model.' },
  { group: 'speech', name: 'DEEPGRAM_LANGUAGE', default: 'en-US', doc: 'Recognition language.' },
  { group: 'speech', name: 'DEEPGRAM_ENDPOINTING_MS', default: '300', doc: 'Silence after which Deepgram marks the end of speech.' },
  { group: 'speech', name: 'ELEVENLABS_API_KEY', doc: 'ElevenLabs key. Unset: the agent speaks with eSpeak NG (local, robotic, always available; also the fallback).' },
  { group: 'speech', name: 'ELEVENLABS_BASE_URL', doc: 'ElevenLabs API base override (regional endpoint or simulator).' },
  { group: 'speech', name: 'ELEVENLABS_VOICE_ID', default: 'JBFqnCBsd6RMkjVDRZzb', doc: 'Voice to speak with.' },
  { group: 'speech', name: 'ELEVENLABS_MODEL_ID', default: 'eleven_flash_v2_5', doc: 'TTS model (flash is the low-latency one).' },
  { group: 'language model', name: 'OPENAI_API_KEY', doc: 'OpenAI (or compatible) key. Unset with no OPENAI_BASE_URL: the plan-driven interviewer runs with no model.' },
  { group: 'language model', name: 'OPENAI_BASE_URL', doc: 'Any OpenAI-compatible server (Ollama `http://127.0.0.1:11434/v1`, vLLM, a gateway).' },
  { group: 'language model', name: 'OPENAI_MODEL', default: 'gpt-4o-mini', doc: 'Chat model for the interviewer and the scorer.' },
  { group: 'language model', name: 'OPENAI_EMBEDDING_MODEL', default: 'text-embedding-3-small', doc: 'Embedding model for resume/JD retrieval.' },
  { group: 'language model', name: 'OPENAI_FIRST_TOKEN_TIMEOUT_MS', default: '4000', doc: 'No first token within this → the reply falls back to the plan-driven interviewer.' },
  { group: 'grounding', name: 'GROUNDING_EMBEDDINGS', default: 'auto', doc: '`auto`: resume/JD chunks are embedded with OPENAI_EMBEDDING_MODEL when an OpenAI key or base URL is set (hybrid retrieval); `off`: full-text search only.' },
  { group: 'grounding', name: 'GROUNDING_PARSE_TIMEOUT_MS', default: '15000', doc: 'Time limit for parsing one uploaded document (in a child process, killed on expiry → 422).' },
  { group: 'grounding', name: 'PINECONE_API_KEY', doc: 'Pinecone key: dense vectors go to Pinecone (one namespace per interview) instead of pgvector. Needs PINECONE_INDEX or PINECONE_INDEX_HOST.' },
  { group: 'grounding', name: 'PINECONE_INDEX', default: 'screenline', doc: 'Pinecone index name (its host is looked up with describeIndex unless PINECONE_INDEX_HOST is set). Dimension 1536, metric cosine.' },
  { group: 'grounding', name: 'PINECONE_INDEX_HOST', doc: 'Pinecone index host (data plane), e.g. `https://screenline-abc123.svc.aped-4627-b74a.pinecone.io`; skips the describeIndex look-up.' },
  { group: 'grounding', name: 'PINECONE_CONTROLLER_URL', doc: 'Pinecone control-plane base override (tests point it at the local Pinecone simulator).' },
  { group: 'email', name: 'SENDGRID_API_KEY', doc: 'SendGrid key: scorecard emails go out through SendGrid. Unset: each email is written as a `.eml` file (PDF attached) into `$DATA_DIR/outbox/email/`.' },
  { group: 'email', name: 'SENDGRID_BASE_URL', doc: 'SendGrid API base override (the EU host, a proxy, or a local endpoint in tests).' },
  { group: 'email', name: 'EMAIL_FROM', default: 'scorecards@screenline.local', doc: 'Sender address of scorecard emails (must be a verified sender in SendGrid).' },
  { group: 'email', name: 'EMAIL_FROM_NAME', default: 'screenline', doc: 'Sender display name of scorecard emails.' },
  { group: 'workspace', name: 'WORKSPACE_GRACE_MS', default: '900000', doc: "How long the candidate's workspace link keeps working after the interview ends (then it shows a friendly expired page)." },
  { group: 'workspace', name: 'WORKSPACE_LINK_MAX_AGE_MS', default: '86400000', doc: 'Hard cap on a workspace link\'s life, ended interview or not.' },
  { group: 'workspace', name: 'WORKSPACE_VERIFY_TIMEOUT_MS', default: '5000', doc: 'Wall-clock limit for re-verifying one submission (the child process is killed with SIGKILL after it).' },
  { group: 'workspace', name: 'WORKSPACE_VERIFY_CONCURRENCY', default: '2', doc: 'Verifications running at once (each is one child process of ~150-400 MB); others wait in line.' },
  { group: 'workspace', name: 'WORKSPACE_VERIFY_WARM', default: '1', doc: 'Verifier child processes kept loaded and waiting (each used once), so a submission does not wait for Pyodide to load. 0 starts one per submission.' },
  { group: 'workspace', name: 'WORKSPACE_VERIFY_MEMORY_MB', default: '256', doc: 'WebAssembly memory cap of a verifier child (`--wasm-max-mem-pages`); the JS heap is capped at 128 MB.' },
  { group: 'workspace', name: 'WORKSPACE_SUBMITS_PER_MINUTE', default: '6', doc: 'Submissions one interview may make per minute (browser runs: 30 per minute).' },
];

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function str(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be a URL, got "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
  }
  return raw.replace(/\/+$/, '');
}

function groundingEmbeddings(env: Env): 'auto' | 'off' {
  const v = str(env, 'GROUNDING_EMBEDDINGS') ?? 'auto';
  if (v !== 'auto' && v !== 'off') throw new ConfigError('GROUNDING_EMBEDDINGS', `must be auto or off, got "${v}"`);
  return v;
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnvRaw = str(env, 'NODE_ENV') ?? 'development';
  if (!['development', 'production', 'test'].includes(nodeEnvRaw)) {
    throw new ConfigError('NODE_ENV', `must be development, production or test, got "${nodeEnvRaw}"`);
  }
  const port = int(env, 'PORT', 3000, 0, 65535);
  const logLevel = (str(env, 'LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  const fromNumber = str(env, 'TWILIO_FROM_NUMBER');
  if (fromNumber && !/^\+[1-9]\d{6,14}$/.test(fromNumber)) {
    throw new ConfigError('TWILIO_FROM_NUMBER', `must be an E.164 number like +14155550100, got "${fromNumber}"`);
  }
  // A real caller must never be answered by a transcript simulator: production needs a real speech-to-text.
  if (nodeEnvRaw === 'production' && !str(env, 'DEEPGRAM_API_KEY')) {
    throw new ConfigError('DEEPGRAM_API_KEY', 'is required in production (NODE_ENV=production): without it no caller could be transcribed, and the simulator never answers a real person');
  }
  const accountSid = str(env, 'TWILIO_ACCOUNT_SID');
  if (accountSid && !/^AC[0-9a-fA-F]{32}$/.test(accountSid)) {
    throw new ConfigError('TWILIO_ACCOUNT_SID', 'must look like AC followed by 32 hex characters');
  }
  return {
    nodeEnv: nodeEnvRaw as NodeEnv,
    port,
    host: str(env, 'HOST') ?? '0.0.0.0',
    publicUrl: url(env, 'PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`,
    dataDir: resolve(str(env, 'DATA_DIR') ?? './data'),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    apiToken: str(env, 'API_TOKEN'),
    logLevel,
    drainTimeoutMs: int(env, 'DRAIN_TIMEOUT_MS', 30_000, 0, 3_600_000),
    twilio: {
      accountSid,
      authToken: str(env, 'TWILIO_AUTH_TOKEN'),
      fromNumber,
      apiBaseUrl: url(env, 'TWILIO_API_BASE_URL', ['http:', 'https:']),
      ringTimeoutSec: int(env, 'TWILIO_RING_TIMEOUT_SEC', 30, 5, 600),
    },
    deepgram: {
      apiKey: str(env, 'DEEPGRAM_API_KEY'),
      url: url(env, 'DEEPGRAM_URL', ['ws:', 'wss:', 'http:', 'https:']),
      model: str(env, 'DEEPGRAM_MODEL') ?? 'nova-3',
      language: str(env, 'DEEPGRAM_LANGUAGE') ?? 'en-US',
      endpointingMs: int(env, 'DEEPGRAM_ENDPOINTING_MS', 300, 10, 5000),
    },
    openai: {
      apiKey: str(env, 'OPENAI_API_KEY'),
      baseUrl: url(env, 'OPENAI_BASE_URL', ['http:', 'https:']),
      model: str(env, 'OPENAI_MODEL') ?? 'gpt-4o-mini',
      embeddingModel: str(env, 'OPENAI_EMBEDDING_MODEL') ?? 'text-embedding-3-small',
      firstTokenTimeoutMs: int(env, 'OPENAI_FIRST_TOKEN_TIMEOUT_MS', 4000, 100, 60_000),
    },
    grounding: {
      embeddings: groundingEmbeddings(env),
      parseTimeoutMs: int(env, 'GROUNDING_PARSE_TIMEOUT_MS', 15_000, 100, 600_000),
      pinecone: {
        apiKey: str(env, 'PINECONE_API_KEY'),
        index: str(env, 'PINECONE_INDEX') ?? 'screenline',
        indexHost: url(env, 'PINECONE_INDEX_HOST', ['http:', 'https:']),
        controllerUrl: url(env, 'PINECONE_CONTROLLER_URL', ['http:', 'https:']),
      },
    },
    elevenlabs: {
      apiKey: str(env, 'ELEVENLABS_API_KEY'),
      baseUrl: url(env, 'ELEVENLABS_BASE_URL', ['http:', 'https:']),
      voiceId: str(env, 'ELEVENLABS_VOICE_ID') ?? 'JBFqnCBsd6RMkjVDRZzb',
      modelId: str(env, 'ELEVENLABS_MODEL_ID') ?? 'eleven_flash_v2_5',
    },
    workspace: {
      graceMs: int(env, 'WORKSPACE_GRACE_MS', 900_000, 0, 7 * 86_400_000),
      linkMaxAgeMs: int(env, 'WORKSPACE_LINK_MAX_AGE_MS', 86_400_000, 60_000, 30 * 86_400_000),
      verifyTimeoutMs: int(env, 'WORKSPACE_VERIFY_TIMEOUT_MS', 5000, 500, 120_000),
      verifyConcurrency: int(env, 'WORKSPACE_VERIFY_CONCURRENCY', 2, 1, 64),
      verifyWarm: int(env, 'WORKSPACE_VERIFY_WARM', 1, 0, 16),
      verifyMemoryMb: int(env, 'WORKSPACE_VERIFY_MEMORY_MB', 256, 64, 2048),
      submitsPerMinute: int(env, 'WORKSPACE_SUBMITS_PER_MINUTE', 6, 1, 600),
    },
    email: {
      sendgridApiKey: str(env, 'SENDGRID_API_KEY'),
      sendgridBaseUrl: url(env, 'SENDGRID_BASE_URL', ['http:', 'https:']),
      from: str(env, 'EMAIL_FROM') ?? 'scorecards@screenline.local',
      fromName: str(env, 'EMAIL_FROM_NAME') ?? 'screenline',
    },
  };
}

/** ws(s):// twin of the public URL, for the Media Streams endpoint. */
export function publicWsUrl(config: Pick<Config, 'publicUrl'>, path: string): string {
  return config.publicUrl.replace(/^http/, 'ws') + path;
}
