/** The Twilio caller simulator: a stand-in for Twilio that runs a whole phone call against a screenline server. */
export { SimulatedCall, type SimulatedCallOptions } from './simulated-call.js';
export { runScript, type RunScriptOptions, type ScriptRunResult } from './script-runner.js';
export { renderSpeech, type CallerSpeech, type RenderedSpeech, type SayResult } from './caller-audio.js';
export { parseTwiml, TwimlError, type TwimlStream, type TwimlVerb } from './twiml.js';
export { interpretTwiml } from './dial.js';
export { signTwilioRequest, twilioSid } from './twilio-wire.js';
export type { SpeakingInterval } from './playback.js';
export type { CallEnd, CallEndReason, CallerInterval, DialResult, MarkEcho, TimelineEntry, WaitOptions } from './types.js';
