/** Event types written by the workspace capability. Add an entry here (and to docs/events.md) for each new event. */
// import { Type } from '@sinclair/typebox';
// import { event } from './define.js';

export const workspaceEvents = {
  // 'example.thing': event('When it is written.', { field: Type.String() }),
} as const;
