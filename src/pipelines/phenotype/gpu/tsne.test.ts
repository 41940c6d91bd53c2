/**
 * GPU t-SNE (exact repulsion) against the CPU reference in tsne/: gradients for the same P and
 * y, a hand-computed two-point step, step-for-step agreement with createTsne, and separation of
 * three Gaussian blobs. Skipped with a printed reason when Dawn finds no WebGPU adapter.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng/rng';
import { csrToDense, denseToCsr, exactAffinities, knnAffinities, type CsrMatrix } from '../tsne/affinities';
import { exactGradient, exactZ, klDivergenceSparse } from '../tsne/gradient';
import { createTsne } from '../tsne/tsne';
import { getTestDevice, releaseTestDevice } from './testDevice';
import { createGpuTsne, gpuKnnAffinities } from './tsne';

const gpu = await getTestDevice('tsne.test');
afterAll(releaseTestDevice);

function gaussian(n: number, d: number, sd: number, seed: number): Float64Array {
  const r = new Rng(seed);
  const x = new Float64Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = r.normal(0, sd);
  return x;
}

/** Three Gaussian blobs in 10-D (unit noise, centres ~N(0, 8²) per axis). */
function threeBlobs(perBlob: number, seed: number): { x: Float64Array; labels: Int32Array; n: number; d: number } {
  const d = 10;
  const r = new Rng(seed);
  const centres = Array.from({ length: 3 }, () => Array.from({ length: d }, () => r.normal(0, 8)));
  const n = 3 * perBlob;
  const x = new Float64Array(n * d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 3;
    for (let k = 0; k < d; k++) x[i * d + k] = centres[i % 3][k] + r.normal();
  }
  return { x, labels, n, d };
}

/** max |a − b| / max |b|. */
function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let num = 0, den = 0;
  for (let t = 0; t < a.length; t++) {
    num = Math.max(num, Math.abs(a[t] - b[t]));
    den = Math.max(den, Math.abs(b[t]));
  }
  return num / den;
}

/** Fraction of each point's `k` nearest embedding neighbours that share its label, minimum over points. */
function worstNeighbourPurity(y: ArrayLike<number>, labels: Int32Array, k: number): number {
  const n = labels.length;
  let worst = 1;
  const d = new Float64Array(n);
  const order = Array.from({ length: n }, (_, j) => j);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) d[j] = j === i ? Infinity : (y[2 * i] - y[2 * j]) ** 2 + (y[2 * i + 1] - y[2 * j + 1]) ** 2;
    order.sort((a, b) => d[a] - d[b]);
    let same = 0;
    for (let t = 0; t < k; t++) if (labels[order[t]] === labels[i]) same++;
    worst = Math.min(worst, same / k);
  }
  return worst;
}

describe.skipIf(!gpu.device)('GPU t-SNE (exact method)', () => {
  const device = gpu.device!;

  it.each([
    { n: 257, affinities: 'dense' as const },
    { n: 1000, affinities: 'knn' as const },
  ])('gradient, Z and KL match the CPU reference for the same P and y (n = $n, $affinities P)', async ({ n, affinities }) => {
    const d = 8;
    const x = gaussian(n, d, 1, n);
    const P: CsrMatrix = affinities === 'dense' ? denseToCsr(exactAffinities(x, n, d, 20).P, n) : knnAffinities(x, n, d, 20).P;
    const y = gaussian(n, 2, 4, n + 1);
    const t = await createGpuTsne(device, x, n, d, { method: 'exact', affinities: P, init: y, perplexity: 20 });
    try {
      expect(t.options.method).toBe('exact');
      // The next iteration is iteration 0, so the gradient carries the early exaggeration (12).
      const g = await t.gradient();
      const ref = new Float64Array(2 * n);
      const y32 = Float32Array.from(y);
      const zRef = exactGradient(csrToDense(P), y32, n, 2, ref, 12);
      expect(maxRelError(g, ref)).toBeLessThan(1e-3);
      expect(Math.abs((await t.z()) - zRef) / zRef).toBeLessThan(1e-4);
      expect(Math.abs((await t.z()) - exactZ(y32, n, 2)) / zRef).toBeLessThan(1e-4);
      const klRef = klDivergenceSparse(P, y32, 2, zRef);
      expect(Math.abs((await t.kl()) - klRef)).toBeLessThan(1e-4 * Math.max(1, klRef));
      // The gradient is evaluated, not applied.
      expect(t.iteration).toBe(0);
      expect(Array.from(await t.embedding())).toEqual(Array.from(y32));
    } finally {
      t.destroy();
    }
  });

  it('one step on two points follows the hand-computed momentum/gain update', async () => {
    // P = [[0, ½], [½, 0]], y = (0,0), (1,0), α = 12: w = ½, gradient (−11, 0), (11, 0).
    // Gains: 1 + 0.2 where grad > 0 (sign differs from the zero update), 0.8 where grad < 0;
    // update = −50·gain·grad → x: +440, −660; re-centring subtracts the mean −110.
    const P: CsrMatrix = { n: 2, rowPtr: Int32Array.from([0, 1, 2]), col: Int32Array.from([1, 0]), val: Float64Array.from([0.5, 0.5]) };
    const t = await createGpuTsne(device, new Float64Array([0, 0, 0, 3]), 2, 2, {
      method: 'exact', affinities: P, learningRate: 50, init: new Float64Array([0, 0, 1, 0]),
    });
    try {
      expect(Array.from(await t.gradient())).toEqual([-11, 0, 11, 0]);
      expect(await t.step(1)).toEqual({ iteration: 1 });
      const y = await t.embedding();
      expect(y[0]).toBeCloseTo(549.5, 3);
      expect(y[2]).toBeCloseTo(-549.5, 3);
      expect(y[1]).toBe(0);
      expect(y[3]).toBe(0);
    } finally {
      t.destroy();
    }
  });

  it('starts from the same seeded init as createTsne and follows it step for step', async () => {
    const data = threeBlobs(40, 7);
    const opts = { perplexity: 15, seed: 11 };
    const cpu = createTsne(data.x, data.n, data.d, { ...opts, method: 'exact' });
    const t = await createGpuTsne(device, data.x, data.n, data.d, { ...opts, method: 'exact' });
    try {
      expect(t.options.affinities).toBe('exact');
      expect(t.options.learningRate).toBe(cpu.options.learningRate);
      expect(Array.from(await t.embedding())).toEqual(Array.from(cpu.embedding()));
      // The same P (dense, calibrated on the CPU) in CSR form.
      expect(maxRelError(csrToDense(t.P), cpu.P as Float64Array)).toBe(0);
      // The early, exaggerated iterations at small N are chaotic (the embedding jumps from 1e-4 to
      // ~10 in a few steps and oscillates), so f32 and f64 trajectories drift apart roughly
      // twofold per step (measured: ~1e-6 of the extent after 5 steps, ~1e-4 after 10, O(1)
      // after 25). A few steps must agree closely.
      for (const k of [1, 2, 3]) {
        cpu.step(k);
        await t.step(k);
        const a = await t.embedding(), b = cpu.embedding64();
        expect(maxRelError(a, b)).toBeLessThan(1e-4);
      }
      expect(t.iteration).toBe(6);
      expect(Math.abs((await t.kl()) - cpu.kl())).toBeLessThan(1e-4 * cpu.kl());
      const g = await t.gradient(), gRef = new Float64Array(2 * data.n);
      exactGradient(cpu.P as Float64Array, cpu.embedding64(), data.n, 2, gRef, 12);
      expect(maxRelError(g, gRef)).toBeLessThan(1e-3);
    } finally {
      t.destroy();
    }
  });

  it('separates three Gaussian blobs in 10-D (300 points, 500 iterations)', async () => {
    const data = threeBlobs(100, 2024);
    const t = await createGpuTsne(device, data.x, data.n, data.d, { perplexity: 30, seed: 17 });
    try {
      expect(t.options.method).toBe('exact'); // 'auto' at n = 300
      const kl0 = await t.kl();
      await t.step(250);
      const klMid = await t.kl();
      await t.step(250);
      const kl1 = await t.kl();
      expect(t.iteration).toBe(500);
      expect(kl1).toBeLessThan(klMid);
      expect(kl1).toBeLessThan(0.5 * kl0);
      const y = await t.embedding();
      expect(y.every(Number.isFinite)).toBe(true);
      expect(worstNeighbourPurity(y, data.labels, 10)).toBeGreaterThanOrEqual(0.95);
    } finally {
      t.destroy();
    }
  });

  it('builds kNN affinities with the GPU neighbour search like knnAffinities', async () => {
    const n = 400, d = 6;
    const x = gaussian(n, d, 1, 5);
    const ref = knnAffinities(x, n, d, 10).P;
    const { P, k } = await gpuKnnAffinities(device, x, n, d, 10);
    expect(k).toBe(30);
    // Same sparsity pattern unless a near-tie swapped a 30th neighbour; values within f32 rounding.
    const a = csrToDense(P), b = csrToDense(ref);
    expect(maxRelError(a, b)).toBeLessThan(1e-4);
  });

  it('records options and rejects unsupported settings', async () => {
    const x = gaussian(60, 3, 1, 9);
    const t = await createGpuTsne(device, x, 60, 3, { perplexity: 10, seed: 5, method: 'auto', exactMaxN: 50, knnSearch: 'cpu' });
    try {
      expect(t.options).toMatchObject({ method: 'field', requestedMethod: 'auto', affinities: 'knn', neighbors: 30, seed: 5, learningRate: 50 });
    } finally {
      t.destroy();
    }
    await expect(createGpuTsne(device, x, 60, 3, { perplexity: 10, fieldMaxGrid: 100 })).rejects.toThrow(/powers of two/);
  });
});
