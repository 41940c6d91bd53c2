import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng/rng';
import { assignNearest, intraClusterVarianceCurve, kmeans, kmeansFromCentroids, kmeansPlusPlus } from './kmeans';
import { autoK } from './kneedle';
import { fromRows, matrix, meanSquaredDistanceToCentroid, type Matrix } from './matrix';

/** `perCluster` Gaussian points (σ = `std`) around each centre; returns data and true labels. */
function blobs(centres: number[][], perCluster: number, std: number, seed: number): { x: Matrix<Float64Array>; truth: number[] } {
  const rng = new Rng(seed);
  const d = centres[0].length;
  const n = centres.length * perCluster;
  const data = new Float64Array(n * d);
  const truth: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % centres.length;
    truth.push(c);
    for (let j = 0; j < d; j++) data[i * d + j] = centres[c][j] + rng.normal(0, std);
  }
  return { x: matrix(data, n, d), truth };
}

/** True when the labelling equals `truth` up to a permutation of cluster ids. */
function samePartition(labels: ArrayLike<number>, truth: ArrayLike<number>): boolean {
  const fwd = new Map<number, number>(), back = new Map<number, number>();
  for (let i = 0; i < truth.length; i++) {
    const a = truth[i], b = labels[i];
    if ((fwd.has(a) && fwd.get(a) !== b) || (back.has(b) && back.get(b) !== a)) return false;
    fwd.set(a, b);
    back.set(b, a);
  }
  return true;
}

describe('kmeans', () => {
  const centres = [[0, 0], [20, 0], [0, 20], [20, 20], [10, 40]];

  it('recovers well-separated blobs (up to label permutation) with centroids at the blob means', () => {
    const { x, truth } = blobs(centres, 80, 1, 1);
    const res = kmeans(x, 5, { seed: 123 });
    expect(samePartition(res.labels, truth)).toBe(true);
    expect(res.converged).toBe(true);
    for (let c = 0; c < 5; c++) {
      const member = truth.findIndex((_, i) => res.labels[i] === c);
      const t = centres[truth[member]];
      expect(Math.hypot(res.centroids[2 * c] - t[0], res.centroids[2 * c + 1] - t[1])).toBeLessThan(0.5);
    }
    // Inertia is the summed squared distance to the returned centroids, ≈ n·d·σ² for true blobs.
    let s = 0;
    for (let i = 0; i < x.n; i++) {
      const c = res.labels[i];
      s += (x.data[2 * i] - res.centroids[2 * c]) ** 2 + (x.data[2 * i + 1] - res.centroids[2 * c + 1]) ** 2;
    }
    expect(res.inertia).toBeCloseTo(s, 8);
    expect(res.inertia / (x.n * 2)).toBeGreaterThan(0.8);
    expect(res.inertia / (x.n * 2)).toBeLessThan(1.2);
  });

  it('is deterministic for a seed (k-means++ centres, labels, centroids) and records it', () => {
    const { x } = blobs(centres, 40, 4, 2);
    const a = kmeans(x, 5, { seed: 99, nInit: 3 });
    const b = kmeans(x, 5, { seed: 99, nInit: 3 });
    expect(a.seed).toBe(99);
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(Array.from(a.centroids)).toEqual(Array.from(b.centroids));
    expect(a.inertia).toBe(b.inertia);
    const p = kmeansPlusPlus(x, 5, new Rng(7));
    const q = kmeansPlusPlus(x, 5, new Rng(7));
    const r = kmeansPlusPlus(x, 5, new Rng(8));
    expect(Array.from(p)).toEqual(Array.from(q));
    expect(Array.from(p)).not.toEqual(Array.from(r));
    // k-means++ centres are distinct rows of the data.
    const rowsSet = new Set(Array.from({ length: x.n }, (_, i) => `${x.data[2 * i]},${x.data[2 * i + 1]}`));
    const chosen = Array.from({ length: 5 }, (_, c) => `${p[2 * c]},${p[2 * c + 1]}`);
    for (const c of chosen) expect(rowsSet.has(c)).toBe(true);
    expect(new Set(chosen).size).toBe(5);
  });

  it('k-means++ spreads centres: one per blob far more often than uniform sampling would', () => {
    const { x, truth } = blobs(centres, 40, 0.5, 3);
    let hits = 0;
    for (let s = 0; s < 50; s++) {
      const p = kmeansPlusPlus(x, 5, new Rng(1000 + s));
      const blobsHit = new Set<number>();
      for (let c = 0; c < 5; c++) {
        const i = Array.from({ length: x.n }, (_, t) => t).find((t) => x.data[2 * t] === p[2 * c] && x.data[2 * t + 1] === p[2 * c + 1])!;
        blobsHit.add(truth[i]);
      }
      if (blobsHit.size === 5) hits++;
    }
    // Uniform sampling hits all 5 blobs with probability 5!/5⁵ ≈ 3.8%; D² sampling almost always.
    expect(hits).toBeGreaterThanOrEqual(45);
  });

  it('hand-computed tiny example: four corners of a 10 × 2 rectangle, k = 2 → inertia 4', () => {
    const x = fromRows([[0, 0], [0, 2], [10, 0], [10, 2]]);
    // Given centroids (0,1) and (10,1): every point is at distance 1.
    const labels = new Int32Array(4);
    expect(assignNearest(x, Float64Array.from([0, 1, 10, 1]), 2, labels)).toBe(4);
    expect(Array.from(labels)).toEqual([0, 0, 1, 1]);
    // The split into top and bottom rows is a local optimum with inertia 4 × 5² = 100.
    const local = kmeansFromCentroids(x, Float64Array.from([0, 0, 0, 2]), 2);
    expect(local.inertia).toBe(100);
    expect(Array.from(local.centroids)).toEqual([5, 0, 5, 2]);
    // Restarts find the global optimum.
    const res = kmeans(x, 2, { seed: 5, nInit: 10 });
    expect(res.inertia).toBe(4);
    expect(samePartition(res.labels, [0, 0, 1, 1])).toBe(true);
  });

  it('re-seeds empty clusters from the farthest point (hand-traced 1-D example)', () => {
    // Points 0 1 2 10 11 12; initial centroids −5, 50, 51: everything joins cluster 0 and the
    // other two are empty. Re-seeding takes 12 (farthest from −5) then 11; Lloyd then settles
    // on {0,1,2}, {12}, {10,11} with inertia 2 + 0 + 0.5 = 2.5.
    const x = fromRows([[0], [1], [2], [10], [11], [12]]);
    const res = kmeansFromCentroids(x, Float64Array.from([-5, 50, 51]), 3);
    expect(Array.from(res.labels)).toEqual([0, 0, 0, 2, 2, 1]);
    expect(Array.from(res.centroids)).toEqual([1, 12, 10.5]);
    expect(res.inertia).toBeCloseTo(2.5, 12);
    expect(res.converged).toBe(true);
  });

  it('handles k = 1 (centroid = mean) and rejects k > n', () => {
    const x = fromRows([[1, 2], [3, 6], [5, 1]]);
    const res = kmeans(x, 1, { seed: 1 });
    expect(res.centroids[0]).toBeCloseTo(3, 12);
    expect(res.centroids[1]).toBeCloseTo(3, 12);
    expect(res.inertia).toBeCloseTo(3 * meanSquaredDistanceToCentroid(x), 12);
    expect(() => kmeans(x, 4, { seed: 1 })).toThrow(/exceeds/);
  });

  it('intra-cluster variance curve: k = 1 equals the dataset variance, drops to σ²·d at the true k, and kneedle picks it', () => {
    const { x } = blobs(centres, 60, 1, 4);
    const ks = Array.from({ length: 12 }, (_, i) => i + 1);
    const curve = intraClusterVarianceCurve(x, ks, 2026, { nInit: 3 });
    expect(curve.seed).toBe(2026);
    expect(curve.meanVariance[0]).toBeCloseTo(meanSquaredDistanceToCentroid(x), 9);
    expect(curve.pooledVariance[0]).toBeCloseTo(meanSquaredDistanceToCentroid(x), 9);
    // Five blobs of σ = 1 in 2-D: within-cluster variance ≈ 2 at k = 5.
    expect(curve.meanVariance[4]).toBeGreaterThan(1.6);
    expect(curve.meanVariance[4]).toBeLessThan(2.4);
    for (let i = 1; i < ks.length; i++) expect(curve.inertia[i]).toBeLessThanOrEqual(curve.inertia[i - 1] * 1.0001);
    expect(autoK(curve.ks, curve.pooledVariance)).toEqual({ k: 5, fromKnee: true });
    const again = intraClusterVarianceCurve(x, ks, 2026, { nInit: 3 });
    expect(again.meanVariance).toEqual(curve.meanVariance);
  });

  it('runs 20 Lloyd iterations on 40,000 × 10 with k = 70 in reasonable time', () => {
    const rng = new Rng(40);
    const n = 40000, d = 10;
    const data = new Float32Array(n * d);
    for (let i = 0; i < n * d; i++) data[i] = rng.normal();
    const x = matrix(data, n, d);
    const t0 = performance.now();
    const res = kmeans(x, 70, { seed: 1, nInit: 1, maxIter: 20, tol: 0 });
    const ms = performance.now() - t0;
    console.log(`kmeans 40000x10 k=70: ${res.iterations} iterations in ${ms.toFixed(0)} ms`);
    expect(res.iterations).toBe(20);
    expect(new Set(res.labels).size).toBe(70);
    expect(ms).toBeLessThan(15_000); // ~1–2 s on an idle core; generous for shared machines
  });
});
