/**
 * The random style distribution of thesis §4.3.2: a multivariate normal N(μ, Σ) fitted to the
 * style predictor's embeddings P(s) of a set of style images (Eq 4.9, 4.10), and sampling from it.
 */
import type { Rng } from '../../../core/rng/rng';
import { affineLower, choleskyLower } from './linalg';

export interface EmbeddingStats {
  version: 1;
  /** Embedding size (100 for the Magenta networks). */
  dim: number;
  /** Number of style images the statistics came from. */
  count: number;
  /** μ, length dim. */
  mean: number[];
  /** Σ, dim·dim row-major, unbiased (n − 1), with `ridge` already added to the diagonal. */
  covariance: number[];
  /** What was added to the diagonal of Σ. */
  ridge: number;
  /** Which images, e.g. "PACS art_painting (420 images, ../shared/data/pacs-subset)". */
  source: string;
  /** Which predictor file (and sha256) produced the embeddings. */
  predictor: string;
  createdAt: string;
}

/** The default ridge is this fraction of the mean variance, trace(Σ)/dim. */
export const DEFAULT_RELATIVE_RIDGE = 1e-3;
/** Ridge used when every embedding is identical (trace 0), so Σ is still positive definite. */
const FLAT_RIDGE = 1e-6;

export interface FitOptions {
  /** Added to the diagonal of Σ; default DEFAULT_RELATIVE_RIDGE · trace(Σ)/dim. */
  ridge?: number;
  source?: string;
  predictor?: string;
}

/**
 * μ and the unbiased Σ of a set of embeddings (two passes, Float64), regularised with a ridge on
 * the diagonal so that Σ is positive definite even when there are no more images than dimensions
 * (the sample covariance of n embeddings has rank ≤ n − 1).
 */
export function fitEmbeddingStats(embeddings: readonly ArrayLike<number>[], options: FitOptions = {}): EmbeddingStats {
  const n = embeddings.length;
  if (n < 2) throw new Error(`Style statistics need at least 2 style images, got ${n}`);
  const dim = embeddings[0].length;
  if (dim < 1) throw new Error('Style statistics: embeddings are empty');
  embeddings.forEach((e, i) => {
    if (e.length !== dim) throw new Error(`Style statistics: embedding ${i} has ${e.length} values, embedding 0 has ${dim}`);
    for (let k = 0; k < dim; k++) {
      if (!Number.isFinite(e[k])) throw new Error(`Style statistics: embedding ${i} has a non-finite value (${e[k]}) at ${k}`);
    }
  });

  const mean = new Float64Array(dim);
  for (const e of embeddings) for (let k = 0; k < dim; k++) mean[k] += e[k];
  for (let k = 0; k < dim; k++) mean[k] /= n;

  const cov = new Float64Array(dim * dim);
  const d = new Float64Array(dim);
  for (const e of embeddings) {
    for (let k = 0; k < dim; k++) d[k] = e[k] - mean[k];
    for (let i = 0; i < dim; i++) {
      const di = d[i];
      const row = i * dim;
      for (let j = i; j < dim; j++) cov[row + j] += di * d[j];
    }
  }
  let trace = 0;
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      const v = cov[i * dim + j] / (n - 1);
      cov[i * dim + j] = v;
      cov[j * dim + i] = v;
    }
    trace += cov[i * dim + i];
  }

  const ridge = options.ridge ?? (trace > 0 ? (DEFAULT_RELATIVE_RIDGE * trace) / dim : FLAT_RIDGE);
  if (!Number.isFinite(ridge) || ridge < 0) throw new Error(`Style statistics: ridge must be a finite number ≥ 0, got ${ridge}`);
  for (let i = 0; i < dim; i++) cov[i * dim + i] += ridge;
  try {
    choleskyLower(cov, dim);
  } catch (e) {
    throw new Error(`Style statistics: the covariance of ${n} embeddings in ${dim} dimensions is not positive definite with ridge ${ridge} (${(e as Error).message})`);
  }
  return {
    version: 1,
    dim,
    count: n,
    mean: Array.from(mean),
    covariance: Array.from(cov),
    ridge,
    source: options.source ?? '(unspecified)',
    predictor: options.predictor ?? '(unspecified)',
    createdAt: new Date().toISOString(),
  };
}

function fail(message: string): never {
  throw new Error(`Invalid style statistics: ${message}`);
}

function finiteArray(v: unknown, name: string, length: number): number[] {
  if (!Array.isArray(v)) fail(`${name} must be an array of numbers, got ${v === null ? 'null' : typeof v}`);
  if (v.length !== length) fail(`${name} must have ${length} values, got ${v.length}`);
  for (let i = 0; i < v.length; i++) {
    if (typeof v[i] !== 'number' || !Number.isFinite(v[i])) fail(`${name}[${i}] is not a finite number (${JSON.stringify(v[i])})`);
  }
  return v as number[];
}

/**
 * Checks parsed JSON (e.g. a statistics file) and returns it typed: version, shapes, finite
 * values, a symmetric Σ (to 1e-6 of its largest diagonal entry) that is positive definite.
 */
export function validateEmbeddingStats(json: unknown): EmbeddingStats {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail(`expected an object, got ${json === null ? 'null' : Array.isArray(json) ? 'an array' : typeof json}`);
  const o = json as Record<string, unknown>;
  if (o.version !== 1) fail(`unsupported version ${JSON.stringify(o.version)} (expected 1)`);
  const dim = o.dim;
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 1) fail(`dim must be a positive integer, got ${JSON.stringify(dim)}`);
  const count = o.count;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 2) fail(`count must be an integer ≥ 2, got ${JSON.stringify(count)}`);
  const mean = finiteArray(o.mean, 'mean', dim);
  const covariance = finiteArray(o.covariance, 'covariance', dim * dim);
  const ridge = o.ridge;
  if (typeof ridge !== 'number' || !Number.isFinite(ridge) || ridge < 0) fail(`ridge must be a finite number ≥ 0, got ${JSON.stringify(ridge)}`);
  for (const key of ['source', 'predictor', 'createdAt'] as const) {
    if (typeof o[key] !== 'string') fail(`${key} must be a string, got ${JSON.stringify(o[key])}`);
  }
  let maxDiag = 0;
  for (let i = 0; i < dim; i++) maxDiag = Math.max(maxDiag, Math.abs(covariance[i * dim + i]));
  const tol = 1e-6 * maxDiag;
  for (let i = 0; i < dim; i++) {
    for (let j = i + 1; j < dim; j++) {
      const a = covariance[i * dim + j], b = covariance[j * dim + i];
      if (Math.abs(a - b) > tol) fail(`covariance is not symmetric: [${i}][${j}] = ${a} but [${j}][${i}] = ${b}`);
    }
  }
  try {
    choleskyLower(covariance, dim);
  } catch (e) {
    fail(`covariance is not positive definite (${(e as Error).message})`);
  }
  return {
    version: 1,
    dim,
    count,
    mean,
    covariance,
    ridge,
    source: o.source as string,
    predictor: o.predictor as string,
    createdAt: o.createdAt as string,
  };
}

/** The same statistics with every number rounded to `digits` significant digits (for small files). */
export function roundEmbeddingStats(stats: EmbeddingStats, digits = 6): EmbeddingStats {
  const r = (v: number) => Number(v.toPrecision(digits));
  return { ...stats, mean: stats.mean.map(r), covariance: stats.covariance.map(r), ridge: r(stats.ridge) };
}

const choleskyCache = new WeakMap<EmbeddingStats, Float64Array>();

/** L with L·Lᵀ = Σ for these statistics, computed once per statistics object (treat it as immutable). */
export function statsCholesky(stats: EmbeddingStats): Float64Array {
  let l = choleskyCache.get(stats);
  if (!l) {
    l = choleskyLower(stats.covariance, stats.dim);
    choleskyCache.set(stats, l);
  }
  return l;
}

/**
 * One draw z ~ N(μ, Σ) as μ + L·ε with ε_k = rng.normal() for k = 0..dim−1 in order, so a given
 * rng state always gives the same z. `cholesky` (from choleskyLower(Σ)) saves the factorisation.
 */
export function sampleEmbedding(stats: EmbeddingStats, rng: Rng, cholesky?: Float64Array): Float32Array {
  const { dim } = stats;
  const l = cholesky ?? statsCholesky(stats);
  if (l.length !== dim * dim) throw new Error(`sampleEmbedding: Cholesky factor has ${l.length} values, expected ${dim * dim}`);
  const eps = new Float64Array(dim);
  for (let k = 0; k < dim; k++) eps[k] = rng.normal();
  return Float32Array.from(affineLower(stats.mean, l, eps, dim));
}
