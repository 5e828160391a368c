export { openStore, pgliteImage, PGLITE_MEMORY_URL, type OpenStoreOptions, type Store, type StoreLogger } from './store.js';
export { INTERVIEW_STATUSES, TERMINAL_STATUSES, type InterviewStatus } from './schema.js';
export type { Db } from './db.js';
export type {
  Candidate,
  CreateInterviewInput,
  InterviewView,
  InterviewsRepo,
  ListInterviewsOptions,
  Role,
} from './repos/interviews.js';
export type { EventsRepo, ListEventsOptions, StoredEvent } from './repos/events.js';
export type { Artifact, ArtifactsRepo, PutArtifactInput } from './repos/artifacts.js';
export { API_TOKEN_PREFIX, type ApiTokensRepo } from './repos/api-tokens.js';
export {
  DEFAULT_STREAM_TOKEN_TTL_MS,
  type ConsumeStreamTokenResult,
  type StreamTokenError,
  type StreamTokensRepo,
} from './repos/stream-tokens.js';
