/**
 * Event types of the live call: the carrier edge, the voice core, the interviewer and the providers behind them.
 * Payload fields are the ones written today; `additionalProperties` stays open so an older reader never breaks.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { event } from './define.js';

const S = Type.String();
const N = Type.Number();
const B = Type.Boolean();
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Opt = Type.Optional;

/** What every provider event says about where it came from. */
const port = Type.Union([Type.Literal('stt'), Type.Literal('llm'), Type.Literal('tts')]);

export const callEvents = {
  // ---- carrier and call lifecycle ------------------------------------------------------------------------
  'call.placed': event('The dialer asked Twilio to call the candidate.', { callSid: S, status: S, to: S }),
  'call.place_failed': event('Twilio refused to place the call.', { error: S, kind: S }),
  'twilio.voice_webhook': event('Twilio fetched the call instructions (the candidate answered, or called in).', {
    callSid: S,
    callStatus: Nullable(S),
    direction: Nullable(S),
    answeredBy: Nullable(S),
    from: Nullable(S),
    to: Nullable(S),
  }),
  'call.refused': event('The voice webhook turned the call away (interview unavailable, draining, CallSid in use).', {
    callSid: S,
    reason: S,
    status: Opt(S),
  }),
  'call.voicemail': event('Answering-machine detection found a machine; the call was hung up.', { callSid: S, answeredBy: S }),
  'call.stream_offered': event('The webhook answered with a media stream and a single-use token.', { callSid: S, streamUrl: S }),
  'call.status': event('A Twilio status callback (idempotent; out-of-order ones flagged).', {
    callSid: S,
    status: S,
    durationSec: Nullable(N),
    sequenceNumber: Nullable(N),
    outOfOrder: B,
  }),
  'call.stream_started': event('The media stream started and its token was accepted; the interview is live.', {
    callSid: S,
    streamSid: S,
    tracks: Type.Array(S),
    mediaFormat: Type.Object({ encoding: S, sampleRate: N, channels: N }),
  }),
  'call.dtmf': event('The caller pressed a key.', { digit: S }),
  'call.ending': event('The interviewer ended the interview (after its last line plays).', { reason: S }),
  'call.provider_down': event('A provider stayed down through every retry; the call ends with a promise to call back.', { port, provider: S }),
  'call.error': event(
    'A fault inside this call (a bug, an unexpected provider failure): the call is ended gracefully; other calls are untouched.',
    { where: S, error: S, apologised: B },
  ),
  'call.audio_summary': event('Audio counters for the whole call, written as it ends.', {
    inboundFrames: N,
    inboundAudioMs: N,
    outboundFrames: N,
    outboundAudioMs: N,
    marksSent: N,
    marksEchoed: N,
  }),
  'call.recording': event('The call audio was recorded: a stereo 8 kHz WAV artifact (left: the caller, right: the agent), written as the call ends.', {
    artifactId: S,
    durationMs: N,
    bytes: N,
  }),
  'call.recording_stopped': event('The recording stopped early (a disk error, a disk too slow): no audio is kept for this call; the call went on.', {
    reason: S,
    error: S,
    recordedMs: N,
  }),
  'call.ended': event('The last event of every call: why it ended, how long it ran, the stage reached and the final status.', {
    reason: S,
    durationMs: N,
    cause: Opt(S),
    closeCode: Opt(Nullable(N)),
    closeReason: Opt(Nullable(S)),
    stageReached: Opt(S),
    status: Opt(S),
  }),

  // ---- voice core ----------------------------------------------------------------------------------------
  'transcript.final': event('A final transcript segment from speech-to-text (untrusted candidate speech).', {
    text: S,
    confidence: N,
    startMs: N,
    durationMs: N,
    speechFinal: B,
  }),
  'transcript.turn': event("The turn detector decided the caller's turn is over; this text goes to the interviewer.", {
    text: S,
    endReason: S,
    bargedIn: B,
    /** The reply this turn gets (its `turn.metrics` and `agent.speech` carry the same id). */
    replyId: Opt(S),
  }),
  'agent.speech': event('One agent reply: what was planned and what the caller actually heard.', {
    replyId: S,
    planned: S,
    heard: S,
    interrupted: B,
    heardMs: Opt(N),
    firstFrameMs: Opt(Nullable(N)),
    error: Opt(S),
    citationIds: Opt(Type.Array(S)),
  }),
  'agent.error': event('The agent failed while producing a reply (the caller hears what was produced so far).', { replyId: S, error: S }),
  'turn.metrics': event('Latency of one turn, ms from the moment the caller stopped talking.', {
    replyId: S,
    sttFinalMs: N,
    endOfTurnMs: N,
    llmFirstTokenMs: Opt(N),
    ttsFirstByteMs: Opt(N),
    firstFrameMs: Opt(N),
  }),
  'bargein.pause': event('Speech over the agent: playback paused (clear sent) pending words.', {
    replyId: S,
    evidence: S,
    onsetToClearMs: Nullable(N),
  }),
  'bargein.resume': event('A false interruption or backchannel: the agent resumed from the first unheard sentence.', { replyId: S, why: S }),
  'bargein.commit': event('Words confirmed the interruption: the reply was cancelled and only its heard part kept.', { replyId: S, words: S }),

  // ---- providers -----------------------------------------------------------------------------------------
  'provider.error': event('A provider call failed during this call.', {
    port,
    provider: Opt(S),
    kind: Opt(S),
    attempt: Opt(N),
    error: S,
  }),
  'provider.fallback': event('A provider failed before its first output; the next one took the request.', {
    port,
    from: S,
    to: Nullable(S),
    reason: S,
    kind: S,
  }),
  'provider.exhausted': event('Every provider of a port failed for one request.', { port, from: S, to: Nullable(S), reason: S, kind: S }),
  'provider.unhealthy': event('A provider was marked unhealthy for the whole process (later calls skip it until a probe succeeds).', {
    port,
    provider: S,
    reason: S,
    kind: S,
  }),
  'provider.restored': event('A provider answers again (a probe, a request, or a reconnect attempt succeeded).', {
    port,
    provider: S,
    via: Opt(S),
    downForMs: Opt(N),
    attempt: Opt(N),
  }),
  'provider.reconnecting': event('The speech-to-text socket dropped or stalled; reconnecting with buffered audio.', { port, attempt: N, reason: S }),
  'provider.reconnected': event('The speech-to-text socket is back; the buffered audio was replayed.', { port, replayedMs: N }),
  'provider.warning': event('A provider reported a problem it recovered from on its own.', { port, kind: S, error: S }),

  // ---- interviewer ---------------------------------------------------------------------------------------
  'interview.plan': event('The interview plan for this call: stages, budgets, questions, prompt version, model.', {
    promptVersion: S,
    model: S,
    level: S,
    family: S,
    keyterms: Type.Array(S),
    stages: Type.Array(Type.Object({ name: S, budgetMs: Nullable(N), questions: Type.Array(S) })),
  }),
  'interview.turn': event('A caller turn as the interviewer took it (truncated to the prompt limit).', {
    text: S,
    truncated: B,
    endReason: S,
    bargedIn: B,
    stage: S,
    promptVersion: S,
  }),
  'interview.consent': event("The candidate's answer to the disclosure and consent question, classified deterministically.", {
    answer: S,
    classification: S,
    basis: S,
    action: S,
  }),
  'interview.stage': event('The interview moved to another stage (by tool, plan or time budget).', {
    from: S,
    to: S,
    reason: S,
    elapsedMs: N,
  }),
  'interview.tool_call': event('The interviewer ran a tool.', {
    name: S,
    args: Type.Union([Type.Record(S, S), S]),
    ok: B,
    result: S,
    stage: S,
    durationMs: N,
  }),
  'interview.tool_rounds_exhausted': event('The model asked for more tool rounds than allowed; the calls were ignored.', {
    ignored: Type.Array(S),
    maxToolRounds: N,
  }),
  'interview.model_error': event('The language model failed for a turn; the plan-driven interviewer answered when it could.', {
    model: S,
    error: S,
    kind: Opt(S),
    provider: Opt(S),
    fallback: Nullable(S),
    stage: S,
  }),
} as const;
