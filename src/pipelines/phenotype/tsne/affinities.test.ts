import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng/rng';
import {
  bruteForceKnn,
  calibrateRow,
  conditionalAffinities,
  csrToDense,
  exactAffinities,
  knnAffinities,
  squaredDistances,
} from './affinities';

const SEED = 1234;

function randomPoints(n: number, d: number, seed: number): Float64Array {
  const r = new Rng(seed);
  const x = new Float64Array(n * d);
  for (let t = 0; t < x.length; t++) x[t] = r.normal(0, 3);
  return x;
}

/** Shannon entropy (nats) of a probability vector, computed independently of the calibration. */
function entropy(p: ArrayLike<number>): number {
  let h = 0;
  for (let j = 0; j < p.length; j++) if (p[j] > 0) h -= p[j] * Math.log(p[j]);
  return h;
}

describe('calibrateRow', () => {
  it('recovers a hand-computed kernel: d² = [0, ln 3] at β = 1 gives p = [3/4, 1/4]', () => {
    const target = Math.exp(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25))); // ≈ 1.7548
    const out = new Float64Array(2);
    const r = calibrateRow([0, Math.log(3)], target, out);
    expect(r.beta).toBeCloseTo(1, 3);
    expect(out[0]).toBeCloseTo(0.75, 5);
    expect(out[1]).toBeCloseTo(0.25, 5);
    expect(Math.abs(r.entropy - Math.log(target))).toBeLessThan(1e-5);
  });

  it('gives the uniform distribution when all neighbours are equidistant', () => {
    const out = new Float64Array(4);
    calibrateRow([2, 2, 2, 2], 4, out);
    for (const p of out) expect(p).toBeCloseTo(0.25, 12);
  });

  it('converges for distances on very different scales (shift-stable, no underflow)', () => {
    const out = new Float64Array(50);
    const d = Array.from({ length: 50 }, (_, j) => 1e6 + 1e4 * j);
    const r = calibrateRow(d, 10, out);
    expect(Math.abs(entropy(out) - Math.log(10))).toBeLessThan(1e-5);
    expect(r.iterations).toBeLessThanOrEqual(100);
  });

  it('rejects a perplexity larger than the number of neighbours', () => {
    expect(() => calibrateRow([1, 2], 3, new Float64Array(2))).toThrow(/perplexity/);
  });
});

describe('exact affinities', () => {
  const n = 80;
  const d = 5;
  const x = randomPoints(n, d, SEED);

  it.each([5, 10, 25])('each conditional row has entropy ln(%d) and sums to 1', (perp) => {
    const { conditional, entropies } = conditionalAffinities(x, n, d, perp);
    for (let i = 0; i < n; i++) {
      const row = conditional.subarray(i * n, (i + 1) * n);
      expect(row[i]).toBe(0);
      let s = 0;
      for (const p of row) s += p;
      expect(Math.abs(s - 1)).toBeLessThan(1e-12);
      expect(Math.abs(entropy(row) - Math.log(perp))).toBeLessThan(1e-5);
      expect(Math.abs(entropies[i] - Math.log(perp))).toBeLessThan(1e-5);
    }
  });

  it('conditional probabilities decrease with distance (Gaussian kernel)', () => {
    const { conditional } = conditionalAffinities(x, n, d, 10);
    const d2 = squaredDistances(x, n, d);
    for (let i = 0; i < n; i += 7) {
      const js = Array.from({ length: n }, (_, j) => j).filter((j) => j !== i);
      js.sort((a, b) => d2[i * n + a] - d2[i * n + b]);
      for (let t = 1; t < js.length; t++) {
        expect(conditional[i * n + js[t]]).toBeLessThanOrEqual(conditional[i * n + js[t - 1]]);
      }
    }
  });

  it('joint P is symmetric, sums to 1 and equals (p_j|i + p_i|j)/2N', () => {
    const { conditional } = conditionalAffinities(x, n, d, 10);
    const { P } = exactAffinities(x, n, d, 10);
    let s = 0;
    for (let i = 0; i < n; i++) {
      expect(P[i * n + i]).toBe(0);
      for (let j = 0; j < n; j++) {
        expect(P[i * n + j]).toBe(P[j * n + i]);
        expect(P[i * n + j]).toBeCloseTo((conditional[i * n + j] + conditional[j * n + i]) / (2 * n), 15);
        s += P[i * n + j];
      }
    }
    expect(Math.abs(s - 1)).toBeLessThan(1e-12);
  });
});

describe('kNN affinities', () => {
  const n = 120;
  const d = 6;
  const x = randomPoints(n, d, SEED + 1);

  it('brute-force kNN agrees with sorting all distances', () => {
    const k = 9;
    const knn = bruteForceKnn(x, n, d, k);
    const d2 = squaredDistances(x, n, d);
    for (let i = 0; i < n; i++) {
      const js = Array.from({ length: n }, (_, j) => j).filter((j) => j !== i);
      js.sort((a, b) => d2[i * n + a] - d2[i * n + b] || a - b);
      expect(Array.from(knn.index.subarray(i * k, (i + 1) * k))).toEqual(js.slice(0, k));
      for (let t = 0; t < k; t++) expect(knn.dist2[i * k + t]).toBe(d2[i * n + js[t]]);
    }
  });

  it('with k = N−1 the sparse P equals the exact P', () => {
    const perp = 15;
    const sparse = csrToDense(knnAffinities(x, n, d, perp, { k: n - 1 }).P);
    const { P } = exactAffinities(x, n, d, perp);
    let maxErr = 0;
    for (let t = 0; t < n * n; t++) maxErr = Math.max(maxErr, Math.abs(sparse[t] - P[t]));
    expect(maxErr).toBeLessThan(1e-15);
  });

  it('default k = 3·perplexity: symmetric CSR that sums to 1 and covers every kNN pair', () => {
    const perp = 10;
    const { P, k, entropies } = knnAffinities(x, n, d, perp);
    expect(k).toBe(30);
    for (const h of entropies) expect(Math.abs(h - Math.log(perp))).toBeLessThan(1e-5);
    // Columns sorted, no duplicates.
    for (let i = 0; i < n; i++) {
      for (let t = P.rowPtr[i] + 1; t < P.rowPtr[i + 1]; t++) expect(P.col[t]).toBeGreaterThan(P.col[t - 1]);
    }
    const dense = csrToDense(P);
    let s = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      expect(dense[i * n + j]).toBe(dense[j * n + i]);
      s += dense[i * n + j];
    }
    expect(Math.abs(s - 1)).toBeLessThan(1e-12);
    const knn = bruteForceKnn(x, n, d, k);
    for (let i = 0; i < n; i++) for (let t = 0; t < k; t++) {
      const j = knn.index[i * k + t];
      expect(dense[i * n + j]).toBeGreaterThan(0);
    }
    // The stored pattern of row i is exactly kNN(i) ∪ {j : i ∈ kNN(j)}.
    const pattern = Array.from({ length: n }, () => new Set<number>());
    for (let i = 0; i < n; i++) for (let t = 0; t < k; t++) {
      const j = knn.index[i * k + t];
      pattern[i].add(j);
      pattern[j].add(i);
    }
    for (let i = 0; i < n; i++) {
      const cols = Array.from(P.col.subarray(P.rowPtr[i], P.rowPtr[i + 1]));
      expect(cols).toEqual([...pattern[i]].sort((a, b) => a - b));
    }
  });
});
