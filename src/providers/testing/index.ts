/** Deterministic test doubles for the provider ports (stage tests, fallback tests). Not for production wiring. */
export { ScriptedChatModel, textTurn, toolTurn, failingTurn } from './scripted-chat-model.js';
export type { ChatScript, ScriptStep, ScriptedChatModelOptions } from './scripted-chat-model.js';
export { FakeSynthesizer } from './fake-synthesizer.js';
export type { FakeSynthesizerOptions } from './fake-synthesizer.js';
export { FakeSpeechToText, FakeSttStream, sttTranscript } from './fake-speech-to-text.js';
export { pseudoSpeechMulaw, encodeMulawSample, chunkBytes, MULAW_SILENCE } from './pseudo-speech.js';
export type { PseudoSpeechOptions } from './pseudo-speech.js';
