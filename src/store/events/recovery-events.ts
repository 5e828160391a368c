/** Event types of draining and crash recovery (docs/events.md, "Recovery events", documents each). */
import { Type, type TSchema } from '@sinclair/typebox';
import { event } from './define.js';

const S = Type.String();
const N = Type.Number();
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const recoveryEvents = {
  'call.interrupted': event('The call was cut off on our side: the drain timeout ran out (`draining`) or the process holding it died (`process_died`, found by the heartbeat sweeper). The interview becomes `interrupted` and a callback is planned.', {
    reason: S,
    callSid: S,
    stageReached: S,
    /** The process that held the call (`host:pid:boot`). */
    processId: S,
    /** The last heartbeat of that process for this call (process_died only). */
    lastHeartbeatAt: Nullable(S),
  }),
  'interview.resumed': event('A callback of an interrupted interview picks up at the stage the last call reached, skipping the questions already answered (state rebuilt from this log).', {
    fromStage: S,
    interruptedBy: S,
    skippedQuestions: Type.Array(S),
    answeredBefore: N,
  }),
  'call.callback_failed': event('A callback could not be planned for an interrupted call (attempts exhausted, opted out, no permitted time, …).', {
    reason: S,
    error: S,
  }),
} as const;
