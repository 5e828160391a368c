export { EVENT_CATALOGUE, type EventCatalogue, type EventType, type EventPayload, type RecordEvent } from './catalogue.js';
export { event } from './define.js';
export { appendEvent } from './append.js';
export { payloadProblem, isCatalogued } from './validate.js';
