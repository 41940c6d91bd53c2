/** The shipped default style statistics (models/style-stats/, see its README). */
import { validateEmbeddingStats, type EmbeddingStats } from './stats';

/**
 * The PACS domain the default statistics were fitted on. Experiments that use the default
 * statistics must not use it as a target domain (the random styles would come from it).
 */
export const DEFAULT_STYLE_STATS_DOMAIN = 'art_painting';

let cached: Promise<EmbeddingStats> | null = null;

/** models/style-stats/pacs-art-painting.json, loaded by dynamic import (a separate chunk) and validated. */
export function loadDefaultStyleStats(): Promise<EmbeddingStats> {
  cached ??= import('../../../../models/style-stats/pacs-art-painting.json')
    .then((m) => validateEmbeddingStats(m.default))
    .catch((e: unknown) => {
      cached = null;
      throw e;
    });
  return cached;
}
