/**
 * GPU k-means against the CPU reference (analysis/kmeans.ts): assignment equality with
 * `assignNearest`, and whole runs from the same seed (same k-means++ draws) reaching the same
 * clustering and inertia. Skipped with a printed reason when Dawn finds no WebGPU adapter.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng/rng';
import { assignNearest, kmeans, kmeansFromCentroids } from '../analysis/kmeans';
import { matrix } from '../analysis/matrix';
import { gpuAssign, gpuKmeans, gpuKmeansFromCentroids, uploadRows } from './kmeans';
import { getTestDevice, releaseTestDevice } from './testDevice';

const gpu = await getTestDevice('kmeans.test');
afterAll(releaseTestDevice);

function randomMatrix(n: number, d: number, seed: number, sd = 1): Float32Array {
  const r = new Rng(seed);
  const x = new Float32Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = r.normal(0, sd);
  return x;
}

/** `perCluster` Gaussian points (σ = 1) around k random centres ~N(0, 10²) in d dimensions. */
function blobs(k: number, perCluster: number, d: number, seed: number): Float64Array {
  const r = new Rng(seed);
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => r.normal(0, 10)));
  const n = k * perCluster;
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = centres[i % k][j] + r.normal();
  return x;
}

describe.skipIf(!gpu.device)('gpuAssign / gpuKmeans', () => {
  const device = gpu.device!;

  it.each([
    { n: 1001, d: 7, k: 5 },
    { n: 333, d: 130, k: 37 }, // several centroid blocks of 16 and feature chunks of 64
  ])('assignment equals assignNearest (n = $n, d = $d, k = $k)', async ({ n, d, k }) => {
    const x = randomMatrix(n, d, n + d);
    const centroids = Float64Array.from(randomMatrix(k, d, k, 0.7));
    const res = await gpuAssign(device, x, n, d, centroids, k);
    const labels = new Int32Array(n);
    const dist = new Float64Array(n);
    const inertia = assignNearest(matrix(x, n, d), centroids, k, labels, dist);
    // Continuous random data has no near-ties within f32 precision, so labels agree exactly.
    expect(Array.from(res.labels)).toEqual(Array.from(labels));
    for (let i = 0; i < n; i++) expect(Math.abs(res.dist2[i] - dist[i])).toBeLessThanOrEqual(1e-5 * dist[i] + 1e-6);
    expect(res.inertia).toBeCloseTo(inertia, 1);
    expect(Math.abs(res.inertia - inertia) / inertia).toBeLessThan(1e-6);
  });

  it('breaks exact ties to the lower centroid index, like assignNearest', async () => {
    // Integer points and centroids: distances are exact in f32, with many ties.
    const n = 200, d = 2, k = 4;
    const r = new Rng(4);
    const x = Float32Array.from({ length: n * d }, () => r.int(0, 4));
    const centroids = Float64Array.from([1, 1, 3, 1, 1, 3, 3, 3]);
    const res = await gpuAssign(device, x, n, d, centroids, k);
    const labels = new Int32Array(n);
    assignNearest(matrix(x, n, d), centroids, k, labels);
    expect(Array.from(res.labels)).toEqual(Array.from(labels));
  });

  it.each(['gpu', 'cpu'] as const)('%s update: same clustering and inertia as the CPU kmeans for a seed', async (update) => {
    const k = 6, d = 12;
    const x = blobs(k, 70, d, 10); // n = 420, not a multiple of 64
    const n = x.length / d;
    const cpu = kmeans(matrix(x, n, d), k, { seed: 42, nInit: 3 });
    const res = await gpuKmeans(device, x, n, d, k, { seed: 42, nInit: 3, update });
    expect(res.k).toBe(k);
    expect(res.seed).toBe(cpu.seed);
    expect(res.restart).toBe(cpu.restart);
    expect(Array.from(res.labels)).toEqual(Array.from(cpu.labels));
    expect(Math.abs(res.inertia - cpu.inertia) / cpu.inertia).toBeLessThan(1e-5);
    expect(res.iterations).toBe(cpu.iterations);
    expect(res.converged).toBe(cpu.converged);
    for (let t = 0; t < k * d; t++) expect(res.centroids[t]).toBeCloseTo(cpu.centroids[t], 4);
  });

  it.each(['gpu', 'cpu'] as const)('%s update: re-seeds an empty cluster like kmeansFromCentroids', async (update) => {
    // Two groups and a third initial centroid far from every row: its cluster is empty after the
    // first assignment, so the reference gives it the row farthest from its centroid.
    const d = 2;
    const x = new Float64Array([0, 0, 0.1, 0, 0, 0.1, 5, 5, 5.1, 5, 5, 5.2, 0.3, 0.2, 4.6, 5.4]);
    const n = x.length / d;
    const init = new Float64Array([0, 0, 5, 5, 100, 100]);
    const cpu = kmeansFromCentroids(matrix(x, n, d), init, 3);
    const res = await gpuKmeansFromCentroids(device, x, n, d, init, 3, { update });
    expect(new Set(cpu.labels).size).toBe(3); // the empty cluster was re-seeded
    expect(Array.from(res.labels)).toEqual(Array.from(cpu.labels));
    expect(res.iterations).toBe(cpu.iterations);
    expect(res.inertia).toBeCloseTo(cpu.inertia, 5);
    for (let t = 0; t < 6; t++) expect(res.centroids[t]).toBeCloseTo(cpu.centroids[t], 5);
  });

  it('keeps rows resident across calls and restarts', async () => {
    const k = 4, d = 5;
    const x = blobs(k, 50, d, 3);
    const n = x.length / d;
    const rows = uploadRows(device, x, n, d);
    try {
      const a = await gpuKmeans(device, x, n, d, k, { seed: 1, nInit: 2, rows });
      const b = await gpuKmeans(device, x, n, d, k, { seed: 1, nInit: 2 });
      expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
      const asg = await gpuAssign(device, rows, n, d, a.centroids, k);
      expect(Array.from(asg.labels)).toEqual(Array.from(a.labels));
      expect(asg.inertia).toBeCloseTo(a.inertia, 3);
    } finally {
      rows.destroy();
    }
    await expect(gpuKmeans(device, x, n, d, n + 1, { seed: 1 })).rejects.toThrow(/exceeds/);
  });
});
