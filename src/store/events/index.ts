export { EVENT_CATALOGUE, type EventCatalogue, type EventType, type EventPayload, type RecordEvent } from './catalogue.js';
export { event } from './define.js';
