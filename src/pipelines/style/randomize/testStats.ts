/** Test helpers: random SPD matrices and statistics with a known μ and Σ. */
import { Rng } from '../../../core/rng/rng';
import type { EmbeddingStats } from './stats';

/** A = B·Bᵀ/n + δ·I with B standard normal and per-row scales s_i (varied variances), row-major. */
export function randomSpd(n: number, seed: number, delta = 0.05): Float64Array {
  const rng = new Rng(seed);
  const scale = Array.from({ length: n }, () => rng.uniform(0.3, 1.5));
  const b = Float64Array.from({ length: n * n }, (_, k) => scale[Math.floor(k / n)] * rng.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += b[i * n + k] * b[j * n + k];
      a[i * n + j] = a[j * n + i] = s / n + (i === j ? delta : 0);
    }
  }
  return a;
}

/** Statistics with a random μ (components ~ N(0, 1)) and Σ = randomSpd(dim, seed). */
export function knownStats(dim: number, seed: number): EmbeddingStats {
  const rng = new Rng(seed).fork('mean');
  return {
    version: 1,
    dim,
    count: 1000,
    mean: Array.from({ length: dim }, () => rng.normal()),
    covariance: Array.from(randomSpd(dim, seed)),
    ridge: 0,
    source: 'test',
    predictor: 'test',
    createdAt: '2020-01-01T00:00:00.000Z',
  };
}

/** L·Lᵀ for a row-major lower-triangular n×n L. */
export function lowerTimesTranspose(l: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k <= Math.min(i, j); k++) s += l[i * n + k] * l[j * n + k];
      out[i * n + j] = s;
    }
  }
  return out;
}
