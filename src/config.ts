/**
 * One typed configuration, read from the environment and validated at start. Each variable is declared once in
 * VARIABLES (name, default, parser, doc); docs/configuration.md lists every one and a test keeps the two in step.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { isValidZone, LEGAL_END_MIN, LEGAL_START_MIN, parseDays, parseWindow } from './scheduling/call-window.js';

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
  /** Crash recovery: the per-call heartbeat in `live_calls` and the sweeper that finds calls of dead processes. */
  recovery: { heartbeatIntervalMs: number; heartbeatStaleMs: number; sweepIntervalMs: number };
  /** Web processes (Node cluster workers); 1 = this process serves. Embedded PGlite always serves from one. */
  webConcurrency: number;
  twilio: {
    accountSid?: string;
    authToken?: string;
    fromNumber?: string;
    /** Twilio REST base override (a regional edge, or a local recorder in tests). */
    apiBaseUrl?: string;
    ringTimeoutSec: number;
    /** Record each call as a stereo WAV artifact (left: the caller, right: the agent). */
    recording: boolean;
  };
  deepgram: { apiKey?: string; url?: string; model: string; language: string; endpointingMs: number; batchMs: number };
  openai: {
    apiKey?: string;
    baseUrl?: string;
    model: string;
    embeddingModel: string;
    firstTokenTimeoutMs: number;
    /** Board snapshots and screen frames go to the model as images at natural breaks (OPENAI_VISION resolved). */
    vision: boolean;
  };
  /** Background probe period for an unhealthy language model or voice. */
  providerProbeIntervalMs: number;
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
    /** Life of a practice-line link (POST /api/interviews/:id/practice-link). */
    practiceLinkMaxAgeMs: number;
  };
  email: { sendgridApiKey?: string; sendgridBaseUrl?: string; from: string; fromName: string };
  /** Metrics endpoint, rate limits and the per-interview cost estimate (docs/operations.md). */
  ops: {
    /** Bearer token for GET /metrics; unset → the recruiter API's tokens are accepted. */
    metricsToken?: string;
    /** Serve /metrics on this port instead of the public one. */
    metricsPort?: number;
    /** `screenline worker` serves its own /metrics on this port; unset → no listener. */
    workerMetricsPort?: number;
    /** Requests per minute per client IP; 0 turns a class off. */
    rateLimits: { pagesPerMinute: number; assetsPerMinute: number; signInPerMinute: number; webhooksPerMinute: number };
    cost: CostPrices;
  };
  /** The recruiter dashboard's cookie session (src/plugins/dashboard-session.ts). */
  dashboard: { sessionSecret?: string; sessionTtlMs: number };
  /** Lawful call scheduling, retries and the candidate's page (docs/scheduling.md). */
  scheduling: {
    /** Daily window in minutes after local midnight, within the 08:00–21:00 legal bounds. */
    windowStartMin: number;
    windowEndMin: number;
    /** ISO weekdays (1 = Monday). */
    days: number[];
    maxAttempts: number;
    retryBackoffMs: number;
    headsUpLeadMs: number;
    pollMs: number;
    defaultTimezone: string;
    candidateLinkMaxAgeMs: number;
  };
  /** ATS webhooks and write-back for the default organisation (docs/ats.md); other organisations keep theirs in the database. */
  ats: {
    triggerStage: string;
    greenhouse: { webhookSecret?: string; apiKey?: string; userId?: string; apiBaseUrl: string };
    lever: { signatureToken?: string; apiKey?: string; userId?: string; apiBaseUrl: string };
    ashby: { webhookSecret?: string; apiKey?: string; apiBaseUrl: string };
    generic: { webhookSecret?: string };
    /** Key material sealing the ATS secrets stored per organisation. */
    secretsKey?: string;
    toleranceSec: number;
    webhookMaxBytes: number;
    resumeMaxBytes: number;
    resumeTimeoutMs: number;
  };
}

/** Prices for the per-interview cost estimate, in `currency`. */
export interface CostPrices {
  currency: string;
  sttPerMinute: number;
  llmInputPer1kTokens: number;
  llmOutputPer1kTokens: number;
  ttsPer1kChars: number;
  telephonyPerMinute: number;
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
  group: 'service' | 'storage' | 'telephony' | 'speech' | 'language model' | 'grounding' | 'email' | 'workspace' | 'dashboard' | 'operations' | 'ats' | 'scheduling';
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
  { group: 'service', name: 'HEARTBEAT_INTERVAL_MS', default: '5000', doc: 'How often each web process refreshes the `live_calls` heartbeat of the calls it holds (one statement per beat, off the audio path).' },
  { group: 'service', name: 'HEARTBEAT_STALE_MS', default: '20000', doc: 'A live call whose heartbeat is older than this belongs to a process that died: the sweeper marks it `interrupted` and plans a callback that resumes it. Keep it several heartbeats long.' },
  { group: 'service', name: 'RECOVERY_SWEEP_INTERVAL_MS', default: '10000', doc: 'How often a web process looks for stale heartbeats (also once at startup). 0: never (another process sweeps).' },
  { group: 'service', name: 'WEB_CONCURRENCY', default: 'the number of cores', doc: 'Web processes (a Node cluster: the primary supervises and restarts them; each holds its own calls). More than one needs `DATABASE_URL` (embedded PGlite has one owner, so with it one process serves and the banner says why) and, for jobs shared across processes, `REDIS_URL`.' },
  { group: 'storage', name: 'DATA_DIR', default: './data', doc: 'Local state: embedded database, generated secrets, artifacts, outbox.' },
  { group: 'storage', name: 'DATABASE_URL', doc: 'PostgreSQL connection string. Unset: embedded PGlite in `$DATA_DIR/pglite`.' },
  { group: 'storage', name: 'REDIS_URL', doc: 'Redis for BullMQ jobs (e.g. `redis://127.0.0.1:6379`). Unset: in-process queue.' },
  { group: 'telephony', name: 'TWILIO_ACCOUNT_SID', doc: 'Twilio account SID (AC…). With TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER, enables real outbound calls and SMS.' },
  { group: 'telephony', name: 'TWILIO_AUTH_TOKEN', doc: 'Twilio auth token; signs every webhook and media stream. Unset outside production: one is generated in `$DATA_DIR/twilio-auth-token` for the caller simulator.' },
  { group: 'telephony', name: 'TWILIO_FROM_NUMBER', doc: 'The Twilio number calls and texts come from (E.164).' },
  { group: 'telephony', name: 'TWILIO_API_BASE_URL', doc: 'Override for Twilio\'s REST host (tests point it at a local recorder).' },
  { group: 'telephony', name: 'TWILIO_RING_TIMEOUT_SEC', default: '30', doc: 'How long an outbound call rings before no-answer.' },
  { group: 'telephony', name: 'CALL_RECORDING', default: 'on', doc: '`on`: each call is recorded as a two-channel 8 kHz WAV (left: the caller, right: the agent), streamed to `$DATA_DIR/artifacts/` and kept as an artifact of the interview (`call.recording`; the dashboard\'s replay plays it; erasing the candidate deletes it). `off`: no audio is kept.' },
  { group: 'speech', name: 'DEEPGRAM_API_KEY', doc: 'Deepgram key. **Required in production** (the service refuses to start without it). Unset outside production: speech-to-text runs on the local Deepgram-protocol simulator (scripted candidates only; demo and tests).' },
  { group: 'speech', name: 'DEEPGRAM_URL', doc: 'Deepgram live endpoint base (`wss://api.eu.deepgram.com`, a proxy, or the simulator).' },
  { group: 'speech', name: 'DEEPGRAM_MODEL', default: 'nova-3', doc: 'Deepgram model.' },
  { group: 'speech', name: 'DEEPGRAM_LANGUAGE', default: 'en-US', doc: 'Recognition language.' },
  { group: 'speech', name: 'DEEPGRAM_ENDPOINTING_MS', default: '300', doc: 'Silence after which Deepgram marks the end of speech.' },
  { group: 'speech', name: 'DEEPGRAM_BATCH_MS', default: '100', doc: 'Caller audio gathered into one Deepgram message while the caller is quiet (saves a WebSocket frame and a write per 20 ms). Speech, and the 1.5 s of quiet after it, still go frame by frame, so endpointing and barge-in are not delayed. `0`: every frame on its own.' },
  { group: 'speech', name: 'ELEVENLABS_API_KEY', doc: 'ElevenLabs key. Unset: the agent speaks with eSpeak NG (local, robotic, always available; also the fallback).' },
  { group: 'speech', name: 'ELEVENLABS_BASE_URL', doc: 'ElevenLabs API base override (regional endpoint or simulator).' },
  { group: 'speech', name: 'ELEVENLABS_VOICE_ID', default: 'JBFqnCBsd6RMkjVDRZzb', doc: 'Voice to speak with.' },
  { group: 'speech', name: 'ELEVENLABS_MODEL_ID', default: 'eleven_flash_v2_5', doc: 'TTS model (flash is the low-latency one).' },
  { group: 'language model', name: 'OPENAI_API_KEY', doc: 'OpenAI (or compatible) key. Unset with no OPENAI_BASE_URL: the plan-driven interviewer runs with no model.' },
  { group: 'language model', name: 'OPENAI_BASE_URL', doc: 'Any OpenAI-compatible server (Ollama `http://127.0.0.1:11434/v1`, vLLM, a gateway).' },
  { group: 'language model', name: 'OPENAI_MODEL', default: 'gpt-4o-mini', doc: 'Chat model for the interviewer and the scorer.' },
  { group: 'language model', name: 'OPENAI_EMBEDDING_MODEL', default: 'text-embedding-3-small', doc: 'Embedding model for resume/JD retrieval.' },
  { group: 'language model', name: 'OPENAI_VISION', default: 'auto', doc: 'Whether the latest board snapshot and screen frame go to the model as images (low detail, each once, at natural breaks; background only). `auto`: on for models known to accept images (gpt-4o*, gpt-4.1*, gpt-5*, o3*, o4*); `on` / `off` force it.' },
  { group: 'language model', name: 'OPENAI_FIRST_TOKEN_TIMEOUT_MS', default: '4000', doc: 'No first token within this → the reply falls back to the plan-driven interviewer.' },
  { group: 'language model', name: 'PROVIDER_PROBE_INTERVAL_MS', default: '10000', doc: 'How often a language model or voice marked unhealthy is probed in the background; calls use its fallback until a probe succeeds.' },
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
  { group: 'workspace', name: 'CHROMIUM_PATH', default: '/usr/bin/chromium', doc: 'Chromium for `npm run demo -- --browser` and the browser tests (Debian\'s `chromium` package). Not used by the service.' },
  { group: 'workspace', name: 'WORKSPACE_VERIFY_TIMEOUT_MS', default: '5000', doc: 'Wall-clock limit for re-verifying one submission (the child process is killed with SIGKILL after it).' },
  { group: 'workspace', name: 'WORKSPACE_VERIFY_CONCURRENCY', default: '2', doc: 'Verifications running at once (each is one child process of ~150-400 MB); others wait in line.' },
  { group: 'workspace', name: 'WORKSPACE_VERIFY_WARM', default: '1', doc: 'Verifier child processes kept loaded and waiting (each used once), so a submission does not wait for Pyodide to load. 0 starts one per submission.' },
  { group: 'workspace', name: 'WORKSPACE_VERIFY_MEMORY_MB', default: '256', doc: 'WebAssembly memory cap of a verifier child (`--wasm-max-mem-pages`); the JS heap is capped at 128 MB.' },
  { group: 'workspace', name: 'PRACTICE_LINK_MAX_AGE_MS', default: '86400000', doc: 'Life of a browser practice-line link (`/practice/<token>`); the link also stops working once its practice call has started.' },
  { group: 'workspace', name: 'WORKSPACE_SUBMITS_PER_MINUTE', default: '6', doc: 'Submissions one interview may make per minute (browser runs: 30 per minute).' },
  { group: 'operations', name: 'METRICS_TOKEN', doc: 'Bearer token for `GET /metrics`. Unset: the recruiter API\'s bearer tokens are accepted there.' },
  { group: 'operations', name: 'METRICS_PORT', doc: 'Serve `/metrics` on this port (on `HOST`) instead of the public one; it still asks for `METRICS_TOKEN` when that is set.' },
  { group: 'operations', name: 'WORKER_METRICS_PORT', doc: '`screenline worker` serves its own `/metrics` (job latency and failures, queue depth, event-loop lag, GC) on this port (on `HOST`); it asks for `METRICS_TOKEN` when that is set and answers any scrape that reaches it when not (as `METRICS_PORT` does). Unset: the worker serves no metrics.' },
  { group: 'operations', name: 'RATE_LIMIT_PAGES_PER_MINUTE', default: '60', doc: 'Requests per minute per client IP to candidate-facing pages and sockets (`/w/<token>`, `/c/`, `/practice`). 0: no limit.' },
  { group: 'operations', name: 'RATE_LIMIT_ASSETS_PER_MINUTE', default: '1200', doc: 'Requests per minute per client IP to the workspace bundle and Pyodide files (`/w/assets/`, `/w/pyodide/`). 0: no limit.' },
  { group: 'operations', name: 'RATE_LIMIT_SIGN_IN_PER_MINUTE', default: '10', doc: 'Dashboard sign-in attempts per minute per client IP. 0: no limit.' },
  { group: 'operations', name: 'RATE_LIMIT_WEBHOOKS_PER_MINUTE', default: '600', doc: 'ATS webhook deliveries per minute per client IP and vendor (`/webhooks/ats/*`). Twilio webhooks are signed and not limited. 0: no limit.' },
  { group: 'operations', name: 'COST_CURRENCY', default: 'USD', doc: 'Currency of the `COST_*` prices (a label only: nothing is converted).' },
  { group: 'operations', name: 'COST_STT_PER_MINUTE', default: '0.0077', doc: 'Speech-to-text price per minute of caller audio streamed (Deepgram Nova-3 streaming list price).' },
  { group: 'operations', name: 'COST_LLM_INPUT_PER_1K_TOKENS', default: '0.00015', doc: 'Language-model price per 1000 prompt tokens, as the model reports them (gpt-4o-mini list price).' },
  { group: 'operations', name: 'COST_LLM_OUTPUT_PER_1K_TOKENS', default: '0.0006', doc: 'Language-model price per 1000 completion tokens (gpt-4o-mini list price).' },
  { group: 'operations', name: 'COST_TTS_PER_1K_CHARS', default: '0.05', doc: 'Text-to-speech price per 1000 characters sent to synthesis (ElevenLabs Flash, roughly).' },
  { group: 'operations', name: 'COST_TELEPHONY_PER_MINUTE', default: '0.014', doc: 'Telephony price per started minute of call (Twilio US outbound, roughly; Twilio bills whole minutes).' },
  { group: 'dashboard', name: 'DASHBOARD_SESSION_SECRET', doc: 'Key (≥ 32 characters) that seals the dashboard\'s session cookie (AES-256-GCM). Set the same value on every web process. Unset: generated once into `$DATA_DIR/dashboard-session-secret` (one machine only).' },
  { group: 'dashboard', name: 'DASHBOARD_SESSION_TTL_MS', default: '43200000', doc: 'How long a dashboard sign-in lasts (the cookie\'s Max-Age); the API token behind it is re-checked on every request, so revoking it ends the session at once.' },
  { group: 'scheduling', name: 'CALL_WINDOW', default: '09:00-20:00', doc: 'Local hours (callee\'s time zone) in which calls may start, `HH:MM-HH:MM`. Must lie within the legal 08:00–21:00 (47 CFR 64.1200(c)(1)); an organisation\'s own window is clamped to it.' },
  { group: 'scheduling', name: 'CALL_DAYS', default: 'mon-fri', doc: 'Days calls may be placed, in the callee\'s time zone: `mon-fri`, `mon,wed,fri`, `mon-sat`, or ISO numbers `1-5`.' },
  { group: 'scheduling', name: 'CALL_MAX_ATTEMPTS', default: '3', doc: 'Dial attempts per interview (first call included) before busy / no-answer / failed / voicemail stops the retries.' },
  { group: 'scheduling', name: 'CALL_RETRY_BACKOFF_MS', default: '1800000', doc: 'Wait before the first retry; doubles each attempt (30 min, 1 h, 2 h…), then moved forward to the next permitted time.' },
  { group: 'scheduling', name: 'CALL_HEADS_UP_LEAD_MS', default: '120000', doc: 'The SMS heads-up goes out at least this long before the call it announces.' },
  { group: 'scheduling', name: 'CALL_POLL_MS', default: '15000', doc: 'How often due scheduled calls are looked for in the database (the restart-proof path of the in-process queue; a safety net with BullMQ).' },
  { group: 'scheduling', name: 'CALL_DEFAULT_TIMEZONE', default: 'America/New_York', doc: 'Zone used when neither the ATS, the candidate record nor the phone number tells one (an unparseable number).' },
  { group: 'scheduling', name: 'CANDIDATE_LINK_MAX_AGE_MS', default: '7776000000', doc: 'Life of the candidate\'s own link (`/c/<token>`: time, reschedule, opt out; after the interview: the record, human review, erasure). Default 90 days.' },
  { group: 'ats', name: 'ATS_TRIGGER_STAGE', default: 'AI Phone Screen', doc: 'The ATS stage name (case-insensitive) that triggers a screening call when an application moves into it.' },
  { group: 'ats', name: 'GREENHOUSE_WEBHOOK_SECRET', doc: 'Secret key of the Greenhouse web hook (`Signature: sha256 <hex>`). Unset: `/webhooks/ats/greenhouse` refuses every delivery (401).' },
  { group: 'ats', name: 'GREENHOUSE_API_KEY', doc: 'Greenhouse Harvest API key: write-back of the result as a note on the candidate. Unset: no Greenhouse write-back.' },
  { group: 'ats', name: 'GREENHOUSE_USER_ID', doc: 'Greenhouse user id sent as `On-Behalf-Of` with Harvest writes (required by Harvest for writes).' },
  { group: 'ats', name: 'GREENHOUSE_API_BASE_URL', default: 'https://harvest.greenhouse.io', doc: 'Harvest API base (tests point it at a local endpoint).' },
  { group: 'ats', name: 'LEVER_SIGNATURE_TOKEN', doc: "Lever webhook signature token (`signature` = HMAC-SHA256 of `token + triggeredAt`). Unset: `/webhooks/ats/lever` refuses every delivery (401)." },
  { group: 'ats', name: 'LEVER_API_KEY', doc: 'Lever API key: reads the opportunity and resume a webhook points at, and writes the result as a note. Lever webhooks carry ids only, so without it Lever deliveries are ignored.' },
  { group: 'ats', name: 'LEVER_USER_ID', doc: 'Lever user id for `perform_as` on notes.' },
  { group: 'ats', name: 'LEVER_API_BASE_URL', default: 'https://api.lever.co', doc: 'Lever API base (EU: `https://api.eu.lever.co`; tests: a local endpoint).' },
  { group: 'ats', name: 'ASHBY_WEBHOOK_SECRET', doc: 'Ashby webhook secret token (`Ashby-Signature: sha256=<hex>`). Unset: `/webhooks/ats/ashby` refuses every delivery (401).' },
  { group: 'ats', name: 'ASHBY_API_KEY', doc: 'Ashby API key: resume download (`candidate.info`, `file.info`) and the result as a candidate note. Unset: no Ashby resume or write-back.' },
  { group: 'ats', name: 'ASHBY_API_BASE_URL', default: 'https://api.ashbyhq.com', doc: 'Ashby API base (tests point it at a local endpoint).' },
  { group: 'ats', name: 'SCREENLINE_WEBHOOK_SECRET', doc: 'Secret of the generic hook (`X-Screenline-Signature: sha256=<hex>` over `<timestamp>.<body>`, docs/ats.md); also signs its result callbacks. Unset: `/webhooks/ats/generic` refuses every delivery (401).' },
  { group: 'ats', name: 'ATS_SECRETS_KEY', doc: 'Key material (≥ 32 random characters) sealing the ATS secrets stored per organisation (AES-256-GCM). Set the same value on every process. Unset outside production: generated once into `$DATA_DIR/ats-secrets-key`; unset in production: organisations cannot store ATS secrets.' },
  { group: 'ats', name: 'ATS_WEBHOOK_TOLERANCE_SEC', default: '300', doc: 'Deliveries whose signed timestamp (Lever `triggeredAt`, generic `X-Screenline-Timestamp`) is further than this from now are refused as replays.' },
  { group: 'ats', name: 'ATS_WEBHOOK_MAX_BYTES', default: '262144', doc: 'Largest webhook body accepted (413 above it).' },
  { group: 'ats', name: 'ATS_RESUME_MAX_BYTES', default: '10485760', doc: 'Largest resume attachment downloaded from an ATS (the download stops and the interview goes ahead without it).' },
  { group: 'ats', name: 'ATS_RESUME_TIMEOUT_MS', default: '10000', doc: 'Time limit for downloading one resume attachment.' },
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

/** A non-negative decimal (prices). */
function decimal(env: Env, name: string, fallback: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+(\.\d+)?$/.test(raw)) throw new ConfigError(name, `must be a non-negative decimal number like 0.014, got "${raw}"`);
  return Number(raw);
}

function onOff(env: Env, name: string, fallback: boolean): boolean {
  const v = str(env, name);
  if (v === undefined) return fallback;
  if (v !== 'on' && v !== 'off') throw new ConfigError(name, `must be on or off, got "${v}"`);
  return v === 'on';
}

function groundingEmbeddings(env: Env): 'auto' | 'off' {
  const v = str(env, 'GROUNDING_EMBEDDINGS') ?? 'auto';
  if (v !== 'auto' && v !== 'off') throw new ConfigError('GROUNDING_EMBEDDINGS', `must be auto or off, got "${v}"`);
  return v;
}

/** Chat models known to accept image input (OPENAI_VISION=auto); a model behind OPENAI_BASE_URL is assumed not to unless named so. */
export function modelAcceptsImages(model: string): boolean {
  return /^(gpt-4o|gpt-4\.1|gpt-5|o3|o4)/i.test(model.replace(/^openai\//i, ''));
}

function openAiVision(env: Env, model: string): boolean {
  const v = str(env, 'OPENAI_VISION') ?? 'auto';
  if (v !== 'auto' && v !== 'on' && v !== 'off') throw new ConfigError('OPENAI_VISION', `must be auto, on or off, got "${v}"`);
  return v === 'auto' ? modelAcceptsImages(model) : v === 'on';
}

function dashboardSecret(env: Env): string | undefined {
  const v = str(env, 'DASHBOARD_SESSION_SECRET');
  if (v !== undefined && v.length < 32) throw new ConfigError('DASHBOARD_SESSION_SECRET', 'must be at least 32 characters');
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
    recovery: {
      heartbeatIntervalMs: int(env, 'HEARTBEAT_INTERVAL_MS', 5000, 50, 600_000),
      heartbeatStaleMs: int(env, 'HEARTBEAT_STALE_MS', 20_000, 100, 3_600_000),
      sweepIntervalMs: int(env, 'RECOVERY_SWEEP_INTERVAL_MS', 10_000, 0, 3_600_000),
    },
    webConcurrency: int(env, 'WEB_CONCURRENCY', availableParallelism(), 1, 64),
    twilio: {
      accountSid,
      authToken: str(env, 'TWILIO_AUTH_TOKEN'),
      fromNumber,
      apiBaseUrl: url(env, 'TWILIO_API_BASE_URL', ['http:', 'https:']),
      ringTimeoutSec: int(env, 'TWILIO_RING_TIMEOUT_SEC', 30, 5, 600),
      recording: onOff(env, 'CALL_RECORDING', true),
    },
    deepgram: {
      apiKey: str(env, 'DEEPGRAM_API_KEY'),
      url: url(env, 'DEEPGRAM_URL', ['ws:', 'wss:', 'http:', 'https:']),
      model: str(env, 'DEEPGRAM_MODEL') ?? 'nova-3',
      language: str(env, 'DEEPGRAM_LANGUAGE') ?? 'en-US',
      endpointingMs: int(env, 'DEEPGRAM_ENDPOINTING_MS', 300, 10, 5000),
      batchMs: int(env, 'DEEPGRAM_BATCH_MS', 100, 0, 500),
    },
    openai: {
      apiKey: str(env, 'OPENAI_API_KEY'),
      baseUrl: url(env, 'OPENAI_BASE_URL', ['http:', 'https:']),
      model: str(env, 'OPENAI_MODEL') ?? 'gpt-4o-mini',
      embeddingModel: str(env, 'OPENAI_EMBEDDING_MODEL') ?? 'text-embedding-3-small',
      firstTokenTimeoutMs: int(env, 'OPENAI_FIRST_TOKEN_TIMEOUT_MS', 4000, 100, 60_000),
      vision: openAiVision(env, str(env, 'OPENAI_MODEL') ?? 'gpt-4o-mini'),
    },
    providerProbeIntervalMs: int(env, 'PROVIDER_PROBE_INTERVAL_MS', 10_000, 100, 600_000),
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
      practiceLinkMaxAgeMs: int(env, 'PRACTICE_LINK_MAX_AGE_MS', 86_400_000, 60_000, 30 * 86_400_000),
    },
    email: {
      sendgridApiKey: str(env, 'SENDGRID_API_KEY'),
      sendgridBaseUrl: url(env, 'SENDGRID_BASE_URL', ['http:', 'https:']),
      from: str(env, 'EMAIL_FROM') ?? 'scorecards@screenline.local',
      fromName: str(env, 'EMAIL_FROM_NAME') ?? 'screenline',
    },
    scheduling: schedulingConfig(env),
    ats: {
      triggerStage: str(env, 'ATS_TRIGGER_STAGE') ?? 'AI Phone Screen',
      greenhouse: {
        webhookSecret: str(env, 'GREENHOUSE_WEBHOOK_SECRET'),
        apiKey: str(env, 'GREENHOUSE_API_KEY'),
        userId: str(env, 'GREENHOUSE_USER_ID'),
        apiBaseUrl: url(env, 'GREENHOUSE_API_BASE_URL', ['http:', 'https:']) ?? 'https://harvest.greenhouse.io',
      },
      lever: {
        signatureToken: str(env, 'LEVER_SIGNATURE_TOKEN'),
        apiKey: str(env, 'LEVER_API_KEY'),
        userId: str(env, 'LEVER_USER_ID'),
        apiBaseUrl: url(env, 'LEVER_API_BASE_URL', ['http:', 'https:']) ?? 'https://api.lever.co',
      },
      ashby: {
        webhookSecret: str(env, 'ASHBY_WEBHOOK_SECRET'),
        apiKey: str(env, 'ASHBY_API_KEY'),
        apiBaseUrl: url(env, 'ASHBY_API_BASE_URL', ['http:', 'https:']) ?? 'https://api.ashbyhq.com',
      },
      generic: { webhookSecret: str(env, 'SCREENLINE_WEBHOOK_SECRET') },
      secretsKey: str(env, 'ATS_SECRETS_KEY'),
      toleranceSec: int(env, 'ATS_WEBHOOK_TOLERANCE_SEC', 300, 1, 86_400),
      webhookMaxBytes: int(env, 'ATS_WEBHOOK_MAX_BYTES', 262_144, 1024, 10 * 1024 * 1024),
      resumeMaxBytes: int(env, 'ATS_RESUME_MAX_BYTES', 10_485_760, 1024, 100 * 1024 * 1024),
      resumeTimeoutMs: int(env, 'ATS_RESUME_TIMEOUT_MS', 10_000, 100, 300_000),
    },
    dashboard: {
      sessionSecret: dashboardSecret(env),
      sessionTtlMs: int(env, 'DASHBOARD_SESSION_TTL_MS', 43_200_000, 60_000, 30 * 86_400_000),
    },
    ops: {
      metricsToken: str(env, 'METRICS_TOKEN'),
      metricsPort: str(env, 'METRICS_PORT') === undefined ? undefined : int(env, 'METRICS_PORT', 0, 1, 65535),
      workerMetricsPort: str(env, 'WORKER_METRICS_PORT') === undefined ? undefined : int(env, 'WORKER_METRICS_PORT', 0, 1, 65535),
      rateLimits: {
        pagesPerMinute: int(env, 'RATE_LIMIT_PAGES_PER_MINUTE', 60, 0, 1_000_000),
        assetsPerMinute: int(env, 'RATE_LIMIT_ASSETS_PER_MINUTE', 1200, 0, 1_000_000),
        signInPerMinute: int(env, 'RATE_LIMIT_SIGN_IN_PER_MINUTE', 10, 0, 1_000_000),
        webhooksPerMinute: int(env, 'RATE_LIMIT_WEBHOOKS_PER_MINUTE', 600, 0, 1_000_000),
      },
      cost: {
        currency: str(env, 'COST_CURRENCY') ?? 'USD',
        sttPerMinute: decimal(env, 'COST_STT_PER_MINUTE', 0.0077),
        llmInputPer1kTokens: decimal(env, 'COST_LLM_INPUT_PER_1K_TOKENS', 0.00015),
        llmOutputPer1kTokens: decimal(env, 'COST_LLM_OUTPUT_PER_1K_TOKENS', 0.0006),
        ttsPer1kChars: decimal(env, 'COST_TTS_PER_1K_CHARS', 0.05),
        telephonyPerMinute: decimal(env, 'COST_TELEPHONY_PER_MINUTE', 0.014),
      },
    },
  };
}

function schedulingConfig(env: Env): Config['scheduling'] {
  let window: { startMin: number; endMin: number };
  let days: number[];
  try {
    window = parseWindow(str(env, 'CALL_WINDOW') ?? '09:00-20:00');
  } catch (err) {
    throw new ConfigError('CALL_WINDOW', (err as Error).message);
  }
  if (window.startMin < LEGAL_START_MIN || window.endMin > LEGAL_END_MIN) {
    throw new ConfigError('CALL_WINDOW', 'must lie within the legal calling hours 08:00-21:00 (callee local time)');
  }
  try {
    days = parseDays(str(env, 'CALL_DAYS') ?? 'mon-fri');
  } catch (err) {
    throw new ConfigError('CALL_DAYS', (err as Error).message);
  }
  const defaultTimezone = str(env, 'CALL_DEFAULT_TIMEZONE') ?? 'America/New_York';
  if (!isValidZone(defaultTimezone)) throw new ConfigError('CALL_DEFAULT_TIMEZONE', `must be an IANA zone like America/Chicago, got "${defaultTimezone}"`);
  return {
    windowStartMin: window.startMin,
    windowEndMin: window.endMin,
    days,
    maxAttempts: int(env, 'CALL_MAX_ATTEMPTS', 3, 1, 20),
    retryBackoffMs: int(env, 'CALL_RETRY_BACKOFF_MS', 1_800_000, 1000, 7 * 86_400_000),
    headsUpLeadMs: int(env, 'CALL_HEADS_UP_LEAD_MS', 120_000, 0, 86_400_000),
    pollMs: int(env, 'CALL_POLL_MS', 15_000, 100, 600_000),
    defaultTimezone,
    candidateLinkMaxAgeMs: int(env, 'CANDIDATE_LINK_MAX_AGE_MS', 7_776_000_000, 3_600_000, 400 * 86_400_000),
  };
}

/** ws(s):// twin of the public URL, for the Media Streams endpoint. */
export function publicWsUrl(config: Pick<Config, 'publicUrl'>, path: string): string {
  return config.publicUrl.replace(/^http/, 'ws') + path;
}
