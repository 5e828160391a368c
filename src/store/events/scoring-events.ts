/** Event types written by the scoring capability. Add an entry here (and to docs/events.md) for each new event. */
// import { Type } from '@sinclair/typebox';
// import { event } from './define.js';

export const scoringEvents = {
  // 'example.thing': event('When it is written.', { field: Type.String() }),
} as const;
