/**
 * GPU kNN against the CPU reference `bruteForceKnn` (float64). Runs on whatever WebGPU adapter
 * Dawn finds (SwiftShader on CPU-only machines); skipped with a printed reason when there is none.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng/rng';
import { bruteForceKnn } from '../tsne/affinities';
import { gpuKnn, knnChunkRows } from './knn';
import { getTestDevice, releaseTestDevice } from './testDevice';

const gpu = await getTestDevice('knn.test');
afterAll(releaseTestDevice);

function randomData(n: number, d: number, seed: number): Float32Array {
  const r = new Rng(seed);
  const x = new Float32Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = r.normal();
  return x;
}

/**
 * Compares GPU and CPU neighbour lists: the sorted distances agree within `relTol`, and the
 * neighbour sets agree except for points whose distance ties (within `tieTol`) with the k-th one.
 */
function expectSameNeighbours(
  gpuRes: { index: Int32Array; dist2: Float32Array },
  cpu: { index: Int32Array; dist2: Float64Array },
  n: number,
  k: number,
  relTol = 1e-4,
  tieTol = 1e-5,
): number {
  let setDiffs = 0;
  let worstRel = 0;
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const a = gpuRes.dist2[i * k + t], b = cpu.dist2[i * k + t];
      worstRel = Math.max(worstRel, Math.abs(a - b) / Math.max(b, 1e-12));
    }
    const cpuSet = new Set(cpu.index.subarray(i * k, (i + 1) * k));
    const kth = cpu.dist2[i * k + k - 1];
    for (let t = 0; t < k; t++) {
      const j = gpuRes.index[i * k + t];
      expect(j).not.toBe(i);
      if (!cpuSet.has(j)) {
        setDiffs++;
        // Only a near-tie with the k-th distance may differ.
        expect(Math.abs(gpuRes.dist2[i * k + t] - kth) / kth).toBeLessThan(tieTol);
      }
    }
  }
  expect(worstRel).toBeLessThan(relTol);
  return setDiffs;
}

describe.skipIf(!gpu.device)('gpuKnn', () => {
  const device = gpu.device!;

  it('matches bruteForceKnn on random data (n not a multiple of the tile size)', async () => {
    const n = 777, d = 37, k = 15;
    const x = randomData(n, d, 1);
    const [g, c] = [await gpuKnn(device, x, n, d, k), bruteForceKnn(x, n, d, k)];
    expect(g.index.length).toBe(n * k);
    const diffs = expectSameNeighbours(g, c, n, k);
    expect(diffs).toBeLessThanOrEqual(2);
    // Nearest first.
    for (let i = 0; i < n; i++) for (let t = 1; t < k; t++) expect(g.dist2[i * k + t]).toBeGreaterThanOrEqual(g.dist2[i * k + t - 1]);
  });

  it('handles many chunks, wide rows (d not a multiple of 16) and large k', async () => {
    const n = 301, d = 517, k = 90;
    const x = randomData(n, d, 2);
    // Force 64-row chunks (5 chunks, the last one partial).
    const maxChunkBytes = 64 * n * 4;
    expect(knnChunkRows(n, maxChunkBytes)).toBe(64);
    const g = await gpuKnn(device, x, n, d, k, { maxChunkBytes });
    const c = bruteForceKnn(x, n, d, k);
    expectSameNeighbours(g, c, n, k);
  });

  it('breaks exact ties by the lower index, like the CPU reference', async () => {
    // Small-integer coordinates: every squared distance is an exactly representable integer, so
    // f32 and f64 agree bit for bit and there are many ties at the k-th distance.
    const n = 500, d = 3, k = 12;
    const r = new Rng(3);
    const x = new Float32Array(n * d);
    for (let i = 0; i < x.length; i++) x[i] = r.int(0, 4);
    const g = await gpuKnn(device, x, n, d, k);
    const c = bruteForceKnn(x, n, d, k);
    expect(Array.from(g.index)).toEqual(Array.from(c.index));
    expect(Array.from(g.dist2)).toEqual(Array.from(c.dist2));
  });

  it('works with a single row per chunk and k = n − 1', async () => {
    const n = 40, d = 5, k = 39;
    const x = randomData(n, d, 4);
    const g = await gpuKnn(device, x, n, d, k, { maxChunkBytes: n * 4 });
    const c = bruteForceKnn(x, n, d, k);
    expectSameNeighbours(g, c, n, k);
  });

  it('rejects invalid k', async () => {
    const x = randomData(10, 2, 5);
    await expect(gpuKnn(device, x, 10, 2, 10)).rejects.toThrow(/k=10/);
  });
});
