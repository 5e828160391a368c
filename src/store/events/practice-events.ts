/** Event types of the browser practice line and typed answers (docs/events.md, "Practice line events"). */
import { Type } from '@sinclair/typebox';
import { event } from './define.js';

const S = Type.String();

export const practiceEvents = {
  'practice.link_issued': event('A recruiter created a practice-line link for this interview. Never carries the raw token.', {
    linkId: S,
    expiresAt: S,
  }),
  'practice.link_refused': event('A practice link of this interview was refused (expired, or used by a call already).', {
    linkId: S,
    reason: S,
  }),
  'practice.started': event('The practice page started its browser "call" (a stream token was minted for its CallSid).', {
    linkId: S,
    callSid: S,
    /** voice: the microphone; typed: typed answers (no speech recognition, or the candidate chose to type). */
    mode: Type.Union([Type.Literal('voice'), Type.Literal('typed')]),
    /** What would transcribe the candidate's speech: deepgram, or the simulator (scripted candidates only). */
    transcription: S,
  }),
  'transcript.typed': event('A typed answer (practice line typed mode; accommodation): it enters the turn logic as a final transcript.', {
    text: S,
    chars: Type.Number(),
  }),
} as const;
