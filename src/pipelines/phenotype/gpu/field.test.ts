/**
 * Accuracy of the grid ("field") repulsion against the float64 exact gradient, and an end-to-end
 * field t-SNE run. Skipped with a printed reason when Dawn finds no WebGPU adapter.
 *
 * Why the bounds: the field method interpolates kernels that vary on a unit length scale with
 * cubic polynomials on nodes of spacing h, an O(h⁴) error. With the default target spacing 0.3
 * the chosen h lies in (0.15, 0.3]; measured relative L2 gradient errors there are ~5e-4 – 5e-3
 * (tight clusters are the hard case), so 1e-2 is asserted — also below the error of the CPU's
 * Barnes–Hut approximation at θ = 0.5, which the test measures on the same embedding. Halving
 * the spacing must cut the error by well over the 2× a first-order scheme would give.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng/rng';
import { knnAffinities, type CsrMatrix } from '../tsne/affinities';
import { barnesHutGradient, sparseAttraction } from '../tsne/gradient';
import { getTestDevice, releaseTestDevice } from './testDevice';
import { createGpuTsne } from './tsne';

const gpu = await getTestDevice('field.test');
afterAll(releaseTestDevice);

/** Float64 exact gradient for sparse P (attraction over P, repulsion over all pairs); returns Z. */
function exactSparseGradient(P: CsrMatrix, y: Float64Array, n: number, grad: Float64Array): number {
  const attr = new Float64Array(2 * n);
  sparseAttraction(P, y, 2, attr);
  const rep = new Float64Array(2 * n);
  let z = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
      const w = 1 / (1 + dx * dx + dy * dy);
      z += w;
      rep[2 * i] += w * w * dx;
      rep[2 * i + 1] += w * w * dy;
    }
  }
  for (let t = 0; t < 2 * n; t++) grad[t] = 4 * (attr[t] - rep[t] / z);
  return z;
}

/** relative L2 error ‖a − b‖ / ‖b‖. */
function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let t = 0; t < b.length; t++) {
    num += (a[t] - b[t]) ** 2;
    den += b[t] ** 2;
  }
  return Math.sqrt(num / den);
}

/** `clusters` 2-D Gaussian clusters (sd `spread`) with centres uniform in ±scale: a converged-looking embedding. */
function clusteredEmbedding(n: number, clusters: number, scale: number, spread: number, seed: number): Float64Array {
  const r = new Rng(seed);
  const c = Array.from({ length: clusters }, () => [r.uniform(-scale, scale), r.uniform(-scale, scale)]);
  const y = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    y[2 * i] = c[i % clusters][0] + r.normal(0, spread);
    y[2 * i + 1] = c[i % clusters][1] + r.normal(0, spread);
  }
  return y;
}

describe.skipIf(!gpu.device)('field (grid + FFT) repulsion', () => {
  const device = gpu.device!;
  const n = 3000, d = 6;
  const r = new Rng(31);
  const x = new Float64Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = r.normal();
  const P = knnAffinities(x, n, d, 30).P;

  it.each([
    { name: 'tight clusters', clusters: 12, scale: 3, spread: 0.3 },
    { name: 'spread clusters', clusters: 10, scale: 8, spread: 1.5 },
  ])('gradient and Z of $name (3000 points) are close to the exact ones', async ({ clusters, scale, spread }) => {
    const y = clusteredEmbedding(n, clusters, scale, spread, clusters);
    const y32 = Float64Array.from(Float32Array.from(y));
    const ref = new Float64Array(2 * n);
    // Exaggeration 1 (exaggerationIters: 0) so attraction and repulsion are of similar size.
    const zRef = exactSparseGradient(P, y32, n, ref);
    const bh = new Float64Array(2 * n);
    barnesHutGradient(P, y32, n, bh, 0.5, 1);
    const bhErr = relL2(bh, ref);

    const errs: number[] = [];
    for (const spacing of [0.3, 0.15]) {
      const t = await createGpuTsne(device, x, n, d, { method: 'field', affinities: P, init: y, exaggerationIters: 0, fieldSpacing: spacing });
      try {
        const g = await t.gradient();
        const z = await t.z();
        const grid = (await t.fieldGrid())!;
        expect(Math.max(...grid.h)).toBeLessThanOrEqual(spacing);
        const err = relL2(g, ref);
        const zErr = Math.abs(z - zRef) / zRef;
        console.log(
          `field.test: ${n} points, spacing ${spacing} (M = ${grid.M}, h = ${grid.h.map((v) => v.toFixed(3)).join('/')}): ` +
            `gradient rel. L2 error ${err.toExponential(2)}, Z rel. error ${zErr.toExponential(2)} (Barnes–Hut θ=0.5: ${bhErr.toExponential(2)})`,
        );
        errs.push(err);
        expect(zErr).toBeLessThan(2e-3);
        // The exact GPU method on the same stepper agrees to f32 precision.
        expect(relL2(await t.gradient('exact'), ref)).toBeLessThan(1e-4);
      } finally {
        t.destroy();
      }
    }
    expect(errs[0]).toBeLessThan(1e-2);
    expect(errs[0]).toBeLessThan(bhErr);
    // O(h⁴): halving the spacing divides the error by ~16 (measured 16–19); a first-order
    // scheme would only halve it.
    expect(errs[1]).toBeLessThan(errs[0] / 8);
  });

  it('field t-SNE separates three Gaussian blobs (300 points, 500 iterations) like the exact method', async () => {
    const m = 300, dd = 10;
    const rr = new Rng(2024);
    const centres = Array.from({ length: 3 }, () => Array.from({ length: dd }, () => rr.normal(0, 8)));
    const xb = new Float64Array(m * dd);
    for (let i = 0; i < m; i++) for (let k = 0; k < dd; k++) xb[i * dd + k] = centres[i % 3][k] + rr.normal();
    // A coarse grid (spacing ≤ 1, M ≤ 64) keeps the 500 iterations quick on a software adapter;
    // its ~10 % gradient error still yields a faithful layout.
    const t = await createGpuTsne(device, xb, m, dd, { perplexity: 30, seed: 17, method: 'field', fieldSpacing: 1, fieldMaxGrid: 64 });
    try {
      expect(t.options.affinities).toBe('knn');
      await t.step(500);
      const y = await t.embedding();
      expect(y.every(Number.isFinite)).toBe(true);
      // Every point's 10 nearest embedding neighbours come from its own blob.
      let worst = 1;
      for (let i = 0; i < m; i++) {
        const order = Array.from({ length: m }, (_, j) => j).filter((j) => j !== i);
        order.sort((a, b) => (y[2 * i] - y[2 * a]) ** 2 + (y[2 * i + 1] - y[2 * a + 1]) ** 2 - ((y[2 * i] - y[2 * b]) ** 2 + (y[2 * i + 1] - y[2 * b + 1]) ** 2));
        let same = 0;
        for (let q = 0; q < 10; q++) if (order[q] % 3 === i % 3) same++;
        worst = Math.min(worst, same / 10);
      }
      expect(worst).toBeGreaterThanOrEqual(0.95);
      // KL with the exact Z (n ≤ exactKlMaxN) is in the range of a converged run.
      const kl = await t.kl();
      expect(kl).toBeGreaterThan(0);
      expect(kl).toBeLessThan(1.5);
    } finally {
      t.destroy();
    }
  });
});
