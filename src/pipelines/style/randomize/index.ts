/** Style randomisation (thesis §4.3.2, Eq 4.8–4.10) and the style augmenter built on it. */
export {
  fitEmbeddingStats,
  validateEmbeddingStats,
  sampleEmbedding,
  roundEmbeddingStats,
  statsCholesky,
  DEFAULT_RELATIVE_RIDGE,
  type EmbeddingStats,
  type FitOptions,
} from './stats';
export { choleskyLower, affineLower } from './linalg';
export {
  sampleStyleRecords,
  sampleStyleChoices,
  mixStyleChoices,
  needsContentEmbedding,
  validateStyleOptions,
  type StyleRandomOptions,
  type StyleRecord,
  type StyleChoice,
} from './records';
export { StyleAugmenter, type StyleAugmenterConfig } from './augmenter';
export { loadDefaultStyleStats, DEFAULT_STYLE_STATS_DOMAIN } from './defaults';
export { styleImageTensor, decodedToTensor, resizeShorterSideCentreCrop, shorterSideCrop, type ShorterSideCrop } from './preprocess';
