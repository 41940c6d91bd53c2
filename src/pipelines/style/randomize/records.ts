/**
 * Which images of a batch are stylised, with which α and which embedding (thesis Eq 4.8), as plain
 * data: (stats, options, batchIndex, batchSize, P(c)) → StyleRecord[], with no tensors involved.
 *
 * Seeding: image i of batch b draws from Rng(seed).fork(`style-batch:b`).fork(`image:i`), and each
 * decision from its own child stream (`stylise`, `alpha`, `embedding`), so changing the ratio does
 * not move any image's α or embedding, and changing the α range does not move which images are
 * stylised or their N(μ, Σ) draw.
 */
import { Rng } from '../../../core/rng/rng';
import { sampleEmbedding, statsCholesky, type EmbeddingStats } from './stats';

export interface StyleRandomOptions {
  /** Probability that an image is stylised (augmentation ratio; thesis optimum 0.5). */
  ratio: number;
  /** Fixed α, or [lo, hi] for α ~ U(lo, hi) per image (thesis: U(0,1) in sweeps, 0.5 best). */
  alpha: number | readonly [number, number];
  /**
   * 'random': the style part of Eq 4.8 is a draw from N(μ, Σ). 'fixed-mean': it is always μ, so
   * z = α·μ + (1 − α)·P(c) (one deterministic style per image; compare the original package's
   * useStylePredictor=False, which instead puts μ in place of P(c)).
   */
  mode: 'random' | 'fixed-mean';
  seed: number;
}

/**
 * What happened to one image; enough to replay it exactly. z is the final mixed embedding fed to
 * T, as float32 values (null when not stylised). alpha is 0 for images that were not stylised.
 */
export interface StyleRecord {
  index: number;
  stylised: boolean;
  alpha: number;
  z: number[] | null;
}

/** Throws a clear error for options outside their ranges. */
export function validateStyleOptions(options: StyleRandomOptions): void {
  const { ratio, alpha, mode, seed } = options;
  if (!(ratio >= 0 && ratio <= 1)) throw new Error(`Style augmentation ratio must be in [0, 1], got ${ratio}`);
  if (typeof alpha === 'number') {
    if (!(alpha >= 0 && alpha <= 1)) throw new Error(`Style α must be in [0, 1], got ${alpha}`);
  } else {
    const [lo, hi] = alpha;
    if (!(lo >= 0 && hi <= 1 && lo <= hi)) throw new Error(`Style α range must satisfy 0 ≤ lo ≤ hi ≤ 1, got [${lo}, ${hi}]`);
  }
  if (mode !== 'random' && mode !== 'fixed-mean') throw new Error(`Style mode must be 'random' or 'fixed-mean', got ${JSON.stringify(mode)}`);
  if (!Number.isFinite(seed)) throw new Error(`Style seed must be a finite number, got ${seed}`);
}

/** One image's draws before mixing with P(c). */
export interface StyleChoice {
  index: number;
  stylised: boolean;
  alpha: number;
  /** The style part of Eq 4.8: a draw from N(μ, Σ) or μ (null when not stylised). */
  style: ArrayLike<number> | null;
}

/** The random part of sampleStyleRecords: which images, α, and the N(μ, Σ) draw (or μ). */
export function sampleStyleChoices(stats: EmbeddingStats, options: StyleRandomOptions, batchIndex: number, batchSize: number): StyleChoice[] {
  validateStyleOptions(options);
  if (!Number.isInteger(batchSize) || batchSize < 0) throw new Error(`batchSize must be a non-negative integer, got ${batchSize}`);
  const batchRng = new Rng(options.seed).fork(`style-batch:${batchIndex}`);
  const l = options.mode === 'random' ? statsCholesky(stats) : null;
  const choices: StyleChoice[] = [];
  for (let i = 0; i < batchSize; i++) {
    const rng = batchRng.fork(`image:${i}`);
    if (!rng.fork('stylise').bernoulli(options.ratio)) {
      choices.push({ index: i, stylised: false, alpha: 0, style: null });
      continue;
    }
    const a = options.alpha;
    const alpha = typeof a === 'number' ? a : a[0] === a[1] ? a[0] : rng.fork('alpha').uniform(a[0], a[1]);
    const style = l ? sampleEmbedding(stats, rng.fork('embedding'), l) : stats.mean;
    choices.push({ index: i, stylised: true, alpha, style });
  }
  return choices;
}

/** Indices of the images whose z needs P(c) (stylised with α < 1). */
export function needsContentEmbedding(choices: readonly StyleChoice[]): number[] {
  return choices.filter((c) => c.stylised && c.alpha < 1).map((c) => c.index);
}

/**
 * Eq 4.8 for each chosen image: z = α·style + (1 − α)·P(c), computed in float64 and stored as
 * float32 values. `contentEmbeddings[i]` is needed for every stylised image with α < 1.
 */
export function mixStyleChoices(choices: readonly StyleChoice[], dim: number, contentEmbeddings?: readonly (ArrayLike<number> | undefined)[]): StyleRecord[] {
  return choices.map((c) => {
    if (!c.stylised || !c.style) return { index: c.index, stylised: false, alpha: 0, z: null };
    const { alpha, style } = c;
    if (alpha === 1) return { index: c.index, stylised: true, alpha, z: Array.from(style, Math.fround) };
    const pc = contentEmbeddings?.[c.index];
    if (!pc) throw new Error(`Style record ${c.index}: α = ${alpha} < 1 needs the content embedding P(c) of image ${c.index}`);
    if (pc.length !== dim) throw new Error(`Style record ${c.index}: content embedding has ${pc.length} values, expected ${dim}`);
    const z = new Array<number>(dim);
    for (let k = 0; k < dim; k++) z[k] = Math.fround(alpha * style[k] + (1 - alpha) * pc[k]);
    return { index: c.index, stylised: true, alpha, z };
  });
}

/**
 * Pure JS, seeded by (options.seed, batchIndex, i): which images are stylised, their α and
 * embedding. contentEmbeddings[i] = P(c_i) (needed when α < 1; may be omitted when all α are 1).
 * Eq 4.8: z = α·N(μ, Σ) + (1 − α)·P(c).
 */
export function sampleStyleRecords(
  stats: EmbeddingStats,
  options: StyleRandomOptions,
  batchIndex: number,
  batchSize: number,
  contentEmbeddings?: readonly ArrayLike<number>[],
): StyleRecord[] {
  if (contentEmbeddings && contentEmbeddings.length !== batchSize) {
    throw new Error(`sampleStyleRecords: ${contentEmbeddings.length} content embeddings for a batch of ${batchSize}`);
  }
  return mixStyleChoices(sampleStyleChoices(stats, options, batchIndex, batchSize), stats.dim, contentEmbeddings);
}
