import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng/rng';
import { choleskyLower } from './linalg';
import { DEFAULT_STYLE_STATS_DOMAIN, loadDefaultStyleStats } from './defaults';
import { fitEmbeddingStats, roundEmbeddingStats, sampleEmbedding, validateEmbeddingStats, type EmbeddingStats } from './stats';
import { knownStats } from './testStats';

describe('fitEmbeddingStats', () => {
  // Mean (3, 4); deviations (−2,−2), (0,2), (2,0) → Σ = [[8, 4],[4, 8]] / (3 − 1) = [[4, 2],[2, 4]].
  const tiny = [[1, 2], [3, 6], [5, 4]];

  it('computes μ and the unbiased Σ of a hand-worked example', () => {
    const s = fitEmbeddingStats(tiny, { ridge: 0, source: 'three points', predictor: 'none' });
    expect(s).toMatchObject({ version: 1, dim: 2, count: 3, mean: [3, 4], covariance: [4, 2, 2, 4], ridge: 0, source: 'three points', predictor: 'none' });
    expect(Number.isNaN(Date.parse(s.createdAt))).toBe(false);
  });

  it('adds the default ridge, 1e-3 · trace/dim, to the diagonal only', () => {
    const s = fitEmbeddingStats(tiny);
    expect(s.ridge).toBeCloseTo(1e-3 * 8 / 2, 15);
    expect(s.covariance).toEqual([4 + s.ridge, 2, 2, 4 + s.ridge]);
  });

  it('needs at least 2 style images', () => {
    expect(() => fitEmbeddingStats([[1, 2, 3]])).toThrow(new Error('Style statistics need at least 2 style images, got 1'));
    expect(() => fitEmbeddingStats([])).toThrow(new Error('Style statistics need at least 2 style images, got 0'));
  });

  it('refuses ragged or non-finite embeddings and negative ridges', () => {
    expect(() => fitEmbeddingStats([[1, 2], [1]])).toThrow('embedding 1 has 1 values, embedding 0 has 2');
    expect(() => fitEmbeddingStats([[1, 2], [1, Number.NaN]])).toThrow('embedding 1 has a non-finite value (NaN) at 1');
    expect(() => fitEmbeddingStats(tiny, { ridge: -1 })).toThrow(/ridge must be a finite number ≥ 0/);
  });

  it('n ≤ dim: the sample covariance is singular, the default ridge makes it positive definite', () => {
    const rng = new Rng(5);
    const dim = 20;
    const few = Array.from({ length: 5 }, () => Array.from({ length: dim }, () => rng.normal()));
    const s = fitEmbeddingStats(few);
    expect(s.ridge).toBeGreaterThan(0);
    const l = choleskyLower(s.covariance, dim);
    // The smallest pivots are ≈ √ridge: 15 directions carry only the ridge.
    const pivots = Array.from({ length: dim }, (_, i) => l[i * dim + i]);
    expect(Math.min(...pivots)).toBeGreaterThan(0.5 * Math.sqrt(s.ridge));
    // Without a ridge the rank-4 covariance is refused with a clear error.
    expect(() => fitEmbeddingStats(few, { ridge: 0 })).toThrow(/covariance of 5 embeddings in 20 dimensions is not positive definite with ridge 0/);
    // n = dim as well (rank dim − 1).
    const square = Array.from({ length: dim }, () => Array.from({ length: dim }, () => rng.normal()));
    expect(() => choleskyLower(fitEmbeddingStats(square).covariance, dim)).not.toThrow();
  });

  it('identical embeddings (Σ = 0) still give positive definite statistics', () => {
    const s = fitEmbeddingStats([[1, 2], [1, 2], [1, 2]]);
    expect(s.mean).toEqual([1, 2]);
    expect(s.covariance[0]).toBeGreaterThan(0);
    expect(() => choleskyLower(s.covariance, 2)).not.toThrow();
  });
});

describe('validateEmbeddingStats', () => {
  const good = () => JSON.parse(JSON.stringify(fitEmbeddingStats([[1, 2], [3, 6], [5, 4]]))) as Record<string, unknown>;

  it('accepts fitted statistics after a JSON round trip and after rounding', () => {
    const s = validateEmbeddingStats(good());
    expect(s.dim).toBe(2);
    const big = fitEmbeddingStats(Array.from({ length: 30 }, (_, i) => Array.from({ length: 10 }, (_, k) => Math.sin(i * 1.3 + k * k))));
    expect(validateEmbeddingStats(JSON.parse(JSON.stringify(roundEmbeddingStats(big, 6)))).covariance[0]).toBe(Number(big.covariance[0].toPrecision(6)));
  });

  it.each<[string, (o: Record<string, unknown>) => unknown, string | RegExp]>([
    ['not an object', () => [1, 2], 'Invalid style statistics: expected an object, got an array'],
    ['null', () => null, 'Invalid style statistics: expected an object, got null'],
    ['wrong version', (o) => ({ ...o, version: 2 }), 'Invalid style statistics: unsupported version 2 (expected 1)'],
    ['bad dim', (o) => ({ ...o, dim: 2.5 }), 'Invalid style statistics: dim must be a positive integer, got 2.5'],
    ['count 1', (o) => ({ ...o, count: 1 }), 'Invalid style statistics: count must be an integer ≥ 2, got 1'],
    ['short mean', (o) => ({ ...o, mean: [1] }), 'Invalid style statistics: mean must have 2 values, got 1'],
    ['NaN (null in JSON)', (o) => ({ ...o, mean: [1, null] }), 'Invalid style statistics: mean[1] is not a finite number (null)'],
    ['string value', (o) => ({ ...o, covariance: [4, 2, '2', 4] }), 'Invalid style statistics: covariance[2] is not a finite number ("2")'],
    ['wrong covariance size', (o) => ({ ...o, covariance: [4, 2, 2] }), 'Invalid style statistics: covariance must have 4 values, got 3'],
    ['non-symmetric', (o) => ({ ...o, covariance: [4, 2, 1, 4] }), 'Invalid style statistics: covariance is not symmetric: [0][1] = 2 but [1][0] = 1'],
    ['not positive definite', (o) => ({ ...o, covariance: [1, 2, 2, 1] }), /Invalid style statistics: covariance is not positive definite \(Matrix is not positive definite: pivot 1/],
    ['negative ridge', (o) => ({ ...o, ridge: -1 }), 'Invalid style statistics: ridge must be a finite number ≥ 0, got -1'],
    ['missing source', (o) => ({ ...o, source: undefined }), 'Invalid style statistics: source must be a string, got undefined'],
  ])('refuses %s with a clear error', (_name, mutate, message) => {
    expect(() => validateEmbeddingStats(mutate(good()))).toThrow(message);
  });
});

/** Sample mean and unbiased covariance of n draws (Float64). */
function moments(draws: Float32Array[], dim: number): { mean: Float64Array; cov: Float64Array } {
  const n = draws.length;
  const mean = new Float64Array(dim);
  for (const z of draws) for (let k = 0; k < dim; k++) mean[k] += z[k] / n;
  const cov = new Float64Array(dim * dim);
  const d = new Float64Array(dim);
  for (const z of draws) {
    for (let k = 0; k < dim; k++) d[k] = z[k] - mean[k];
    for (let i = 0; i < dim; i++) for (let j = 0; j <= i; j++) cov[i * dim + j] += d[i] * d[j];
  }
  for (let i = 0; i < dim; i++) for (let j = 0; j <= i; j++) cov[j * dim + i] = cov[i * dim + j] /= n - 1;
  return { mean, cov };
}

describe('sampleEmbedding', () => {
  /**
   * Tolerances from the sampling error of n draws of a normal: the sample mean has standard error
   * √(Σ_kk/n); a sample covariance entry has standard error √((Σ_ii·Σ_jj + Σ_ij²)/n). Every entry
   * must lie within 5 standard errors (two-sided tail 5.7e-7 per entry, so ≈ 0.003 expected
   * exceedances among the 5,150 distinct entries of dim 100), and the mean squared standardised
   * error must be ≈ 1 (a wrong factor — e.g. Lᵀ instead of L, or a missing √ — moves it by orders
   * of magnitude).
   */
  it.each([8, 100])('20,000 draws reproduce a known μ and Σ (dim %i) within their sampling error', (dim) => {
    const n = 20_000;
    const stats = knownStats(dim, 42 + dim);
    const rng = new Rng(7);
    const l = choleskyLower(stats.covariance, dim);
    const draws = Array.from({ length: n }, () => sampleEmbedding(stats, rng, l));
    const { mean, cov } = moments(draws, dim);
    const S = stats.covariance;
    let worstMean = 0, worstCov = 0, sumSq = 0, count = 0;
    for (let i = 0; i < dim; i++) {
      const zm = Math.abs(mean[i] - stats.mean[i]) / Math.sqrt(S[i * dim + i] / n);
      worstMean = Math.max(worstMean, zm);
      for (let j = 0; j <= i; j++) {
        const se = Math.sqrt((S[i * dim + i] * S[j * dim + j] + S[i * dim + j] ** 2) / n);
        const zc = Math.abs(cov[i * dim + j] - S[i * dim + j]) / se;
        worstCov = Math.max(worstCov, zc);
        sumSq += zc * zc;
        count++;
      }
    }
    console.log(`dim ${dim}, ${n} draws: worst |mean error| ${worstMean.toFixed(2)} SE, worst |cov error| ${worstCov.toFixed(2)} SE, mean squared standardised cov error ${(sumSq / count).toFixed(3)}`);
    expect(worstMean).toBeLessThan(5);
    expect(worstCov).toBeLessThan(5);
    expect(sumSq / count).toBeGreaterThan(0.7);
    expect(sumSq / count).toBeLessThan(1.3);
  });

  it('is deterministic for a given rng and uses the cached factor when none is given', () => {
    const stats = knownStats(100, 3);
    const a = sampleEmbedding(stats, new Rng(9));
    const b = sampleEmbedding(stats, new Rng(9), choleskyLower(stats.covariance, 100));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(sampleEmbedding(stats, new Rng(10)))).not.toEqual(Array.from(a));
    expect(a).toBeInstanceOf(Float32Array);
    expect(a.length).toBe(100);
  });

  it('a diagonal Σ scales each ε by its standard deviation', () => {
    const stats: EmbeddingStats = { ...knownStats(3, 1), mean: [1, 2, 3], covariance: [4, 0, 0, 0, 9, 0, 0, 0, 0.25] };
    const eps = new Rng(11);
    const e = [eps.normal(), eps.normal(), eps.normal()];
    const z = sampleEmbedding(stats, new Rng(11));
    expect(Array.from(z)).toEqual([1 + 2 * e[0], 2 + 3 * e[1], 3 + 0.5 * e[2]].map(Math.fround));
  });
});

describe('default statistics (models/style-stats/pacs-art-painting.json)', () => {
  it('load, validate and come from the 420 art_painting images of the PACS subset', async () => {
    const s = await loadDefaultStyleStats();
    expect(s.dim).toBe(100);
    expect(s.count).toBe(420);
    expect(s.source).toContain(DEFAULT_STYLE_STATS_DOMAIN);
    expect(s.predictor).toMatch(/predict_int8\.tflite sha256:[0-9a-f]{64}/);
    expect(s.ridge).toBeGreaterThan(0);
    expect(await loadDefaultStyleStats()).toBe(s);
  });
});
