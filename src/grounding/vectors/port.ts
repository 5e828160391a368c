/** The vector-index port lives with the other provider ports. */
export type { VectorIndex, VectorHit, VectorRecord, VectorSource } from '../../providers/vectors.js';
