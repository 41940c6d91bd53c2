import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng/rng';
import { assignNearest, kmeansFromCentroids, kmeansPlusPlus } from '../../src/pipelines/phenotype/analysis/kmeans';
import { matrix } from '../../src/pipelines/phenotype/analysis/matrix';
import { pca } from '../../src/pipelines/phenotype/analysis/pca';
import { bruteForceKnn, exactAffinities } from '../../src/pipelines/phenotype/tsne/affinities';
import { exactGradient } from '../../src/pipelines/phenotype/tsne/gradient';
import { createTsne, initialEmbedding } from '../../src/pipelines/phenotype/tsne/tsne';
import {
  createTfTsne,
  tfAssignNearest,
  tfExactGradient,
  tfKmeans,
  tfKmeansFromCentroids,
  tfKnn,
  tfPca,
  tfUpdateCentroids,
} from './tfjsBaselines';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

let tensorsBefore = 0;
afterEach(() => {
  // Every baseline that returns typed arrays must leave no tensors behind.
  expect(tf.memory().numTensors).toBe(tensorsBefore);
});
beforeAll(() => {
  tensorsBefore = tf.memory().numTensors;
});

function normalRows(n: number, d: number, seed: number, scale = 1): Float64Array {
  const r = new Rng(seed);
  return Float64Array.from({ length: n * d }, () => r.normal(0, scale));
}

/** n rows around `clusters` well separated centres. */
function clustered(n: number, d: number, clusters: number, seed: number): Float64Array {
  const r = new Rng(seed);
  const centres = Array.from({ length: clusters }, () => Array.from({ length: d }, () => r.normal(0, 6)));
  return Float64Array.from({ length: n * d }, (_, t) => centres[Math.floor(t / d) % clusters][t % d] + r.normal());
}

const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('kNN with stock ops', () => {
  const n = 61, d = 5, k = 7;
  const x = normalRows(n, d, 11);
  const ref = bruteForceKnn(x, n, d, k);

  it('finds the same neighbours, in the same order, as the brute-force reference', async () => {
    const r = await tfKnn(x, n, d, k);
    expect(Array.from(r.index)).toEqual(Array.from(ref.index));
    expect(maxAbsDiff(r.dist2, ref.dist2)).toBeLessThan(1e-4 * maxAbs(ref.dist2));
  });

  it('gives the same result when the query rows are split into chunks (self masked per chunk)', async () => {
    // 16 rows per chunk: four chunks, the last one partial.
    const r = await tfKnn(x, n, d, k, { maxChunkBytes: 16 * 4 * n });
    expect(Array.from(r.index)).toEqual(Array.from(ref.index));
    for (let i = 0; i < n; i++) expect(Array.from(r.index.subarray(i * k, (i + 1) * k))).not.toContain(i);
  });

  it('rejects k outside [1, n − 1]', async () => {
    await expect(tfKnn(x, n, d, n)).rejects.toThrow('k=61');
    await expect(tfKnn(x, n, d, 0)).rejects.toThrow('k=0');
  });
});

describe('k-means with stock ops', () => {
  const n = 300, d = 4, k = 6;
  const x = clustered(n, d, k, 5);
  const mat = matrix(x, n, d);

  it('assigns every row to the same centroid as assignNearest, given the same centroids', async () => {
    const r = new Rng(9);
    const centroids = Float64Array.from({ length: k * d }, (_, t) => x[(7 * Math.floor(t / d) + 3) * d + (t % d)] + r.normal(0, 0.5));
    const labels = new Int32Array(n);
    const dist = new Float64Array(n);
    const inertia = assignNearest(mat, centroids, k, labels, dist);
    const t = await tfAssignNearest(x, n, d, centroids, k);
    expect(Array.from(t.labels)).toEqual(Array.from(labels));
    expect(maxAbsDiff(t.dist2, dist)).toBeLessThan(1e-3);
    expect(t.inertia).toBeCloseTo(inertia, 1);
  });

  it('runs the same Lloyd iterations as kmeansFromCentroids from the same start', async () => {
    // Start from rows 0…k−1 (one per true cluster, far from its centre's mean): several updates are needed.
    const init = Float64Array.from(x.subarray(0, k * d));
    const ref = kmeansFromCentroids(mat, init, k, { maxIter: 50 });
    const t = await tfKmeansFromCentroids(x, n, d, init, k, { maxIter: 50 });
    expect(ref.iterations).toBeGreaterThan(1);
    expect(t.iterations).toBe(ref.iterations);
    expect(t.converged).toBe(ref.converged);
    expect(Array.from(t.labels)).toEqual(Array.from(ref.labels));
    expect(maxAbsDiff(t.centroids, ref.centroids)).toBeLessThan(1e-4);
    expect(t.inertia).toBeCloseTo(ref.inertia, 0);
  });

  it('stops at maxIter and reports it as not converged', async () => {
    const init = Float64Array.from(x.subarray(0, k * d));
    const t = await tfKmeansFromCentroids(x, n, d, init, k, { maxIter: 1 });
    expect(t.iterations).toBe(1);
    expect(t.converged).toBe(false);
  });

  it('stops after the first iteration that ends past the deadline', async () => {
    const init = Float64Array.from(x.subarray(0, k * d));
    const t = await tfKmeansFromCentroids(x, n, d, init, k, { maxIter: 50, deadline: 0 });
    expect(t.iterations).toBe(1);
    expect(t.stoppedAtDeadline).toBe(true);
    expect(t.converged).toBe(false);
    const free = await tfKmeansFromCentroids(x, n, d, init, k, { maxIter: 50, deadline: performance.now() + 600_000 });
    expect(free.stoppedAtDeadline).toBe(false);
    expect(free.converged).toBe(true);
  });

  it('starts from the k-means++ centres of restart 0, as kmeans and gpuKmeans do', async () => {
    const t = await tfKmeans(x, n, d, k, { seed: 3, maxIter: 100 });
    const ref = kmeansFromCentroids(mat, kmeansPlusPlus(mat, k, new Rng(3).fork(0)), k, { maxIter: 100 });
    expect(Array.from(t.labels)).toEqual(Array.from(ref.labels));
  });

  it('keeps the centroid of a cluster that has no rows', () => {
    const xs = tf.tensor2d([0, 0, 1, 0, 10, 10], [3, 2]);
    const labels = tf.tensor1d([0, 0, 2], 'int32');
    const c = tf.tensor2d([0, 1, 50, 50, 9, 9], [3, 2]);
    const next = tfUpdateCentroids(xs, labels, c);
    expect(Array.from(next.dataSync())).toEqual([0.5, 0, 50, 50, 10, 10]);
    tf.dispose([xs, labels, c, next]);
  });
});

describe('PCA with stock ops', () => {
  it('finds the same components (up to sign) and variances as pca()', async () => {
    const n = 200, d = 6, k = 4;
    const r = new Rng(21);
    // Latent directions with well separated variances, mixed by a random matrix.
    const z = Array.from({ length: n }, () => [6, 4, 2.5, 1.5, 0.7, 0.3].map((s) => r.normal(0, s)));
    const mix = Array.from({ length: d }, () => Array.from({ length: d }, () => r.normal()));
    const x = new Float64Array(n * d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = 3 + z[i].reduce((s, v, l) => s + v * mix[l][j], 0);
    const ref = pca(matrix(x, n, d), { nComponents: k });
    const t = await tfPca(x, n, d, k);
    for (let c = 0; c < k; c++) {
      const a = ref.components.subarray(c * d, (c + 1) * d);
      const b = t.components.subarray(c * d, (c + 1) * d);
      const dot = a.reduce((s, v, j) => s + v * b[j], 0);
      const sign = Math.sign(dot);
      expect(Math.abs(dot)).toBeGreaterThan(1 - 1e-6);
      expect(maxAbsDiff(a, b.map((v) => sign * v))).toBeLessThan(1e-4);
      expect(Math.abs(t.explainedVariance[c] - ref.explainedVariance[c])).toBeLessThan(1e-4 * ref.explainedVariance[0]);
    }
    expect(maxAbsDiff(t.mean, ref.mean)).toBeLessThan(1e-4);
  });
});

describe('exact t-SNE with stock ops', () => {
  const n = 40, d = 5;
  const x = clustered(n, d, 4, 8);
  const { P } = exactAffinities(x, n, d, 10);

  for (const dims of [2, 3]) {
    for (const exaggeration of [1, 12]) {
      it(`gives the exact gradient of tsne/gradient.ts within 1e-4 (dims ${dims}, exaggeration ${exaggeration})`, async () => {
        const y = normalRows(n, dims, 30 + dims, 2);
        const grad = new Float64Array(n * dims);
        const z = exactGradient(P, y, n, dims, grad, exaggeration);
        const t = await tfExactGradient(P, y, n, dims, exaggeration);
        expect(maxAbs(grad)).toBeGreaterThan(1e-3); // not a trivially small gradient
        expect(maxAbsDiff(t.grad, grad)).toBeLessThan(1e-4);
        expect(Math.abs(t.z - z) / z).toBeLessThan(1e-5);
      });
    }
  }

  it('takes the same steps as the CPU exact stepper from the same start', async () => {
    const seed = 4;
    // A small step size: with the default (50 at n = 40) the early iterations are chaotic, and the
    // float32 / float64 rounding difference grows to the size of the map within 20 iterations.
    // Both schedule switches (exaggeration off, momentum up) happen within the 30 steps.
    const cpu = createTsne(x, n, d, { method: 'exact', perplexity: 10, seed, learningRate: 5, exaggerationIters: 20, momentumSwitchIter: 20 });
    const y0 = initialEmbedding(x, n, d, 2, seed, 'random');
    const t = createTfTsne(csrFreeDense(cpu.P), n, y0, 2, cpu.options);
    try {
      cpu.step(30);
      await t.step(30);
      expect(t.iteration).toBe(30);
      const a = cpu.embedding64();
      const b = await t.embedding();
      expect(maxAbs(a)).toBeGreaterThan(0.1); // the map has grown from its 1e-4 start
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-4 * maxAbs(a));
    } finally {
      t.dispose();
    }
  });
});

/** The CPU exact stepper keeps P dense. */
function csrFreeDense(P: unknown): Float64Array {
  if (!(P instanceof Float64Array)) throw new Error('expected dense P from the exact stepper');
  return P;
}
