/**
 * The one catalogue of event types the log holds, each with its payload schema. The recorder accepts only these
 * types with these payloads, so a misspelt type or a wrong field fails the type check; docs/events.md documents
 * every entry (a test keeps them in step).
 */
import type { Static } from '@sinclair/typebox';
import { callEvents } from './call-events.js';
import { groundingEvents } from './grounding-events.js';
import { scoringEvents } from './scoring-events.js';
import { workspaceEvents } from './workspace-events.js';
import { opsEvents } from './ops-events.js';
import { practiceEvents } from './practice-events.js';
import { atsEvents } from './ats-events.js';
import { boardEvents } from './board-events.js';
import { schedulingEvents } from './scheduling-events.js';
import { recoveryEvents } from './recovery-events.js';

export const EVENT_CATALOGUE = { ...callEvents, ...groundingEvents, ...scoringEvents, ...workspaceEvents, ...practiceEvents, ...opsEvents, ...atsEvents, ...boardEvents, ...schedulingEvents, ...recoveryEvents } as const;

export type EventCatalogue = typeof EVENT_CATALOGUE;
export type EventType = keyof EventCatalogue & string;
export type EventPayload<T extends EventType> = Static<EventCatalogue[T]>;

/** Appends one event to an interview's log without blocking the caller (the one sink type of the code base). */
export type RecordEvent = <T extends EventType>(type: T, payload: EventPayload<T>) => void;
