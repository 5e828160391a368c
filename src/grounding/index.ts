/** Grounding: resume/JD ingest, structure-aware chunks with citations, hybrid retrieval, the grounding summary. */
export type { Grounding, GroundingSummary, Passage, SearchOptions, GroundingSource, ParseLimits } from './types.js';
export { DEFAULT_LIMITS } from './types.js';
export { formatPassagesForModel, stripMarkers, datamark } from './spotlight.js';
export { DocumentRefusedError, type RefusalReason } from './errors.js';
export { GroundingService, type Upload, type IngestResult, type PreparedDocument } from './service.js';
export { createDocumentParser, type DocumentParser } from './parser.js';
export type { VectorIndex, VectorHit, VectorRecord } from './vectors/port.js';
export { createPgvectorIndex } from './vectors/pgvector.js';
export { groundingToolsFor, type GroundingToolResult } from './tools.js';
