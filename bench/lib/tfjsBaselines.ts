/**
 * "Stock tfjs ops" baselines for the benchmark suite (bench/suite.ts): the phenotype kernels
 * written the way one would write them with tfjs's generic ops, so they run on any tfjs backend
 * (WebGPU included) and can be timed beside this project's WGSL kernels (src/pipelines/phenotype/gpu)
 * on the same device. Each has a plain-TypeScript reference it is checked against
 * (tfjsBaselines.test.ts):
 *
 * - kNN: squared distances ‖q‖² + ‖x‖² − 2 q·xᵀ by `matMul`, self masked, `topk` of the negated
 *   distances (reference: `bruteForceKnn`, tsne/affinities.ts).
 * - k-means: the same expansion for point–centroid distances, `argMin` for the assignment and
 *   `unsortedSegmentSum` for the centroid update (reference: `assignNearest` / `kmeansFromCentroids`,
 *   analysis/kmeans.ts; same stopping rule; an empty cluster keeps its centroid instead of being
 *   re-seeded).
 * - PCA: covariance by `matMul` on the device, eigenvectors by this project's solver
 *   (analysis/eigen.ts; tfjs has no symmetric eigensolver), the same sign convention as `pca`.
 * - Exact t-SNE: the all-pairs gradient with dense P from per-dimension differences, the
 *   Student-t kernel and two `matMul`s, plus the gains/momentum update of the CPU stepper
 *   (reference: `exactGradient`, tsne/gradient.ts, and `createTsne`, tsne/tsne.ts).
 *
 * Everything runs in float32 (tfjs's float dtype), so results agree with the float64 references
 * up to rounding. Functions that return typed arrays leave no tensors behind.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/core/rng/rng';
import { symmetricEigen } from '../../src/pipelines/phenotype/analysis/eigen';
import { kmeansPlusPlus, meanFeatureVariance } from '../../src/pipelines/phenotype/analysis/kmeans';
import { knnChunkRows } from '../../src/pipelines/phenotype/gpu/knn';
import type { TsneSchedule } from '../../src/pipelines/phenotype/tsne/tsne';

function f32(a: ArrayLike<number>, count = a.length): Float32Array {
  if (a instanceof Float32Array && a.length === count) return a;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = a[i];
  return out;
}

function checkRows(what: string, x: ArrayLike<number>, n: number, d: number): void {
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(d) || d < 1) throw new Error(`${what}: invalid shape ${n}×${d}`);
  if (x.length < n * d) throw new Error(`${what}: x has ${x.length} values, expected ${n}×${d}`);
}

/** ‖a_i − b_j‖² for the rows of a (n×d) and b (m×d): ‖a‖² + ‖b‖² − 2 a·bᵀ, clamped at 0. */
export function tfSquaredDistances(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const aa = tf.sum(tf.square(a), 1, true);
    const bb = tf.reshape(tf.sum(tf.square(b), 1), [1, -1]);
    const ab = tf.matMul(a, b, false, true);
    return tf.relu(tf.sub(tf.add(aa, bb), tf.mul(ab, 2))) as tf.Tensor2D;
  });
}

// ---------------------------------------------------------------------------------------------
// kNN

export interface TfKnnResult {
  k: number;
  /** n×k neighbour indices, nearest first. */
  index: Int32Array;
  /** n×k squared distances matching `index`. */
  dist2: Float32Array;
}

/**
 * The k nearest neighbours (squared Euclidean, self excluded) of each row of x (n×d), with stock
 * ops on the current tfjs backend. Query rows go in chunks so one chunk's distance block stays
 * under `maxChunkBytes` (default 64 MiB, as gpuKnn). Includes the upload of x and the read-back.
 */
export async function tfKnn(x: ArrayLike<number>, n: number, d: number, k: number, options: { maxChunkBytes?: number } = {}): Promise<TfKnnResult> {
  checkRows('tfKnn', x, n, d);
  if (!Number.isInteger(k) || k < 1 || k > n - 1) throw new Error(`tfKnn: k=${k} must be in [1, ${n - 1}]`);
  const rowsPerChunk = knnChunkRows(n, options.maxChunkBytes ?? 64 * 2 ** 20);
  const index = new Int32Array(n * k);
  const dist2 = new Float32Array(n * k);
  const xt = tf.tensor2d(f32(x, n * d), [n, d]);
  try {
    for (let start = 0; start < n; start += rowsPerChunk) {
      const rows = Math.min(rowsPerChunk, n - start);
      const { values, indices } = tf.tidy(() => {
        const q = tf.slice(xt, [start, 0], [rows, d]);
        const dist = tfSquaredDistances(q, xt);
        const self = tf.cast(tf.oneHot(tf.range(start, start + rows, 1, 'int32') as tf.Tensor1D, n), 'bool');
        const masked = tf.where(self, tf.fill([rows, n], Infinity), dist);
        const top = tf.topk(tf.neg(masked), k, true);
        return { values: tf.neg(top.values), indices: top.indices };
      });
      try {
        const [v, i] = await Promise.all([values.data(), indices.data()]);
        dist2.set(v as Float32Array, start * k);
        index.set(i as Int32Array, start * k);
      } finally {
        tf.dispose([values, indices]);
      }
    }
  } finally {
    xt.dispose();
  }
  return { k, index, dist2 };
}

// ---------------------------------------------------------------------------------------------
// k-means

/** Nearest centroid (lowest index on ties, as argMin) and its squared distance, for each row of x. */
export function tfAssign(x: tf.Tensor2D, centroids: tf.Tensor2D): { labels: tf.Tensor1D; dist2: tf.Tensor1D } {
  return tf.tidy(() => {
    const dist = tfSquaredDistances(x, centroids);
    return { labels: tf.argMin(dist, 1) as tf.Tensor1D, dist2: tf.min(dist, 1) as tf.Tensor1D };
  });
}

/** `tfAssign` on typed arrays (x n×d, centroids k×d), as `assignNearest` returns them. */
export async function tfAssignNearest(x: ArrayLike<number>, n: number, d: number, centroids: ArrayLike<number>, k: number): Promise<{ labels: Int32Array; dist2: Float32Array; inertia: number }> {
  checkRows('tfAssignNearest', x, n, d);
  if (centroids.length < k * d) throw new Error(`tfAssignNearest: expected ${k}×${d} centroids, got ${centroids.length} values`);
  const xt = tf.tensor2d(f32(x, n * d), [n, d]);
  const ct = tf.tensor2d(f32(centroids, k * d), [k, d]);
  const r = tfAssign(xt, ct);
  try {
    const [l, dd] = await Promise.all([r.labels.data(), r.dist2.data()]);
    const dist2 = dd as Float32Array;
    let inertia = 0;
    for (const v of dist2) inertia += v;
    return { labels: Int32Array.from(l), dist2, inertia };
  } finally {
    tf.dispose([xt, ct, r.labels, r.dist2]);
  }
}

/** One centroid update: the mean of each cluster's rows; a cluster with no rows keeps its centroid. */
export function tfUpdateCentroids(x: tf.Tensor2D, labels: tf.Tensor1D, centroids: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const k = centroids.shape[0];
    const sums = tf.unsortedSegmentSum(x, labels, k);
    const counts = tf.reshape(tf.unsortedSegmentSum(tf.ones([x.shape[0]]), labels, k), [k, 1]);
    const empty = tf.cast(tf.equal(counts, 0), 'float32');
    return tf.add(tf.div(sums, tf.maximum(counts, 1)), tf.mul(centroids, empty)) as tf.Tensor2D;
  });
}

export interface TfKmeansResult {
  labels: Int32Array;
  centroids: Float64Array;
  inertia: number;
  iterations: number;
  converged: boolean;
  /** Stopped because `deadline` had passed (not converged, not at maxIter). */
  stoppedAtDeadline: boolean;
}

/**
 * Lloyd iterations from given centroids with stock ops, with `kmeansFromCentroids`'s loop: update,
 * then assignment; stop when no label changed or the summed squared centroid shift is ≤ tol × the
 * mean feature variance, or after maxIter updates. One read-back of two scalars per iteration.
 * `deadline` (a performance.now() time) stops the run after the first iteration that ends past it,
 * for benchmarks on slow devices.
 */
export async function tfKmeansFromCentroids(
  x: ArrayLike<number>,
  n: number,
  d: number,
  init: ArrayLike<number>,
  k: number,
  options: { maxIter?: number; tol?: number; deadline?: number } = {},
): Promise<TfKmeansResult> {
  checkRows('tfKmeansFromCentroids', x, n, d);
  if (init.length !== k * d) throw new Error(`tfKmeansFromCentroids: expected ${k}×${d} centroids, got ${init.length} values`);
  const xf = f32(x, n * d);
  const tolAbs = (options.tol ?? 1e-4) * meanFeatureVariance({ data: xf, n, d });
  const maxIter = options.maxIter ?? 300;
  const xt = tf.tensor2d(xf, [n, d]);
  let c = tf.tensor2d(f32(init, k * d), [k, d]);
  let a = tfAssign(xt, c);
  let iterations = 0;
  let converged = false;
  let stoppedAtDeadline = false;
  try {
    while (iterations < maxIter) {
      const next = tfUpdateCentroids(xt, a.labels, c);
      const shiftT = tf.tidy(() => tf.sum(tf.square(tf.sub(next, c))));
      const b = tfAssign(xt, next);
      const changedT = tf.tidy(() => tf.any(tf.notEqual(b.labels, a.labels)));
      const [shift, changed] = await Promise.all([shiftT.data(), changedT.data()]);
      tf.dispose([shiftT, changedT, c, a.labels, a.dist2]);
      c = next;
      a = b;
      iterations++;
      if (!changed[0] || shift[0] <= tolAbs) {
        converged = true;
        break;
      }
      if (options.deadline !== undefined && performance.now() > options.deadline && iterations < maxIter) {
        stoppedAtDeadline = true;
        break;
      }
    }
    const [l, dd, cc] = await Promise.all([a.labels.data(), a.dist2.data(), c.data()]);
    let inertia = 0;
    for (const v of dd) inertia += v;
    return { labels: Int32Array.from(l), centroids: Float64Array.from(cc), inertia, iterations, converged, stoppedAtDeadline };
  } finally {
    tf.dispose([xt, c, a.labels, a.dist2]);
  }
}

/**
 * One k-means run with stock ops, from the k-means++ centres that `kmeans(…, { seed, nInit: 1 })`
 * and `gpuKmeans` draw for restart 0 (the seeding runs on the CPU, as theirs does).
 */
export async function tfKmeans(x: Float32Array | Float64Array, n: number, d: number, k: number, options: { seed: number; maxIter?: number; tol?: number; deadline?: number }): Promise<TfKmeansResult> {
  const init = kmeansPlusPlus({ data: x, n, d }, k, new Rng(options.seed).fork(0));
  return tfKmeansFromCentroids(x, n, d, init, k, options);
}

// ---------------------------------------------------------------------------------------------
// PCA

export interface TfPcaResult {
  /** k × d principal axes (rows), largest-magnitude loading positive. */
  components: Float64Array;
  /** Sample variance along each component (descending). */
  explainedVariance: Float64Array;
  mean: Float64Array;
}

/**
 * PCA of the rows of x (n×d): centring and the d×d sample covariance (n − 1 denominator) by stock
 * ops, then the symmetric eigensolver on the CPU. For d ≤ n (the covariance route of `pca`).
 */
export async function tfPca(x: ArrayLike<number>, n: number, d: number, nComponents: number): Promise<TfPcaResult> {
  checkRows('tfPca', x, n, d);
  if (n < 2) throw new Error('tfPca: needs at least 2 rows');
  const k = Math.min(nComponents, d);
  const xt = tf.tensor2d(f32(x, n * d), [n, d]);
  const { meanT, covT } = tf.tidy(() => {
    const m = tf.mean(xt, 0);
    const xc = tf.sub(xt, m);
    return { meanT: m, covT: tf.div(tf.matMul(xc, xc, true, false), n - 1) };
  });
  let covData: Float32Array, meanData: Float32Array;
  try {
    [covData, meanData] = (await Promise.all([covT.data(), meanT.data()])) as [Float32Array, Float32Array];
  } finally {
    tf.dispose([xt, meanT, covT]);
  }
  // float32 matMul need not give a bit-symmetric result: symmetrise before the solver.
  const cov = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) cov[i * d + j] = 0.5 * (covData[i * d + j] + covData[j * d + i]);
  const eig = symmetricEigen(cov, d);
  const components = new Float64Array(k * d);
  const explainedVariance = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const v = components.subarray(c * d, (c + 1) * d);
    v.set(eig.vectors.subarray(c * d, (c + 1) * d));
    let big = 0;
    for (let j = 0; j < d; j++) if (Math.abs(v[j]) > Math.abs(big)) big = v[j];
    if (big < 0) for (let j = 0; j < d; j++) v[j] = -v[j];
    explainedVariance[c] = Math.max(0, eig.values[c]);
  }
  return { components, explainedVariance, mean: Float64Array.from(meanData) };
}

// ---------------------------------------------------------------------------------------------
// Exact t-SNE

/**
 * The exact t-SNE gradient (n×dims) and Z for dense P (n×n) at embedding y (n×dims):
 * 4 Σ_j (α p_ij w_ij − w_ij² / Z)(y_i − y_j) with w_ij = 1/(1 + ‖y_i − y_j‖²). Squared distances
 * come from per-dimension differences (no ‖y‖² expansion, which would cancel badly for close
 * points); Σ_j m_ij (y_i − y_j) = y_i Σ_j m_ij − (M y)_i by matMul.
 */
export function tfTsneGradient(P: tf.Tensor2D, y: tf.Tensor2D, exaggeration = 1): { grad: tf.Tensor2D; z: tf.Scalar } {
  return tf.tidy(() => {
    const [n, dims] = y.shape;
    let d2: tf.Tensor2D | null = null;
    for (let c = 0; c < dims; c++) {
      const col = tf.slice(y, [0, c], [n, 1]);
      const diff = tf.sub(col, tf.transpose(col));
      const sq = tf.square(diff) as tf.Tensor2D;
      d2 = d2 ? (tf.add(d2, sq) as tf.Tensor2D) : sq;
    }
    const w = tf.reciprocal(tf.add(d2!, 1)) as tf.Tensor2D;
    // The diagonal holds w_ii = 1 exactly (zero differences): Z excludes it.
    const z = tf.sub(tf.sum(w), n) as tf.Scalar;
    const pw = tf.mul(P, w) as tf.Tensor2D;
    const w2 = tf.square(w) as tf.Tensor2D;
    const pull = (m: tf.Tensor2D) => tf.sub(tf.mul(y, tf.sum(m, 1, true)), tf.matMul(m, y));
    const grad = tf.mul(tf.sub(tf.mul(pull(pw), exaggeration), tf.div(pull(w2), z)), 4) as tf.Tensor2D;
    return { grad, z };
  });
}

/** `tfTsneGradient` on typed arrays, for checks: gradient n×dims (float32) and Z. */
export async function tfExactGradient(P: ArrayLike<number>, y: ArrayLike<number>, n: number, dims: number, exaggeration = 1): Promise<{ grad: Float32Array; z: number }> {
  const pt = tf.tensor2d(f32(P, n * n), [n, n]);
  const yt = tf.tensor2d(f32(y, n * dims), [n, dims]);
  const r = tfTsneGradient(pt, yt, exaggeration);
  try {
    const [g, z] = await Promise.all([r.grad.data(), r.z.data()]);
    return { grad: g as Float32Array, z: z[0] };
  } finally {
    tf.dispose([pt, yt, r.grad, r.z]);
  }
}

export type TfTsneSchedule = Pick<TsneSchedule, 'learningRate' | 'earlyExaggeration' | 'exaggerationIters' | 'initialMomentum' | 'finalMomentum' | 'momentumSwitchIter' | 'minGain'>;

export interface TfTsne {
  readonly n: number;
  readonly iteration: number;
  /** Runs k iterations; resolves once they have finished on the device. */
  step(k?: number): Promise<void>;
  embedding(): Promise<Float32Array>;
  dispose(): void;
}

/**
 * Exact t-SNE with stock ops: dense P (n×n, row-major) uploaded once, the CPU stepper's update
 * (gains +0.2 / ×0.8 floored at minGain, momentum switch, early exaggeration, re-centring),
 * starting from y0 (n×dims, e.g. `initialEmbedding` of tsne/tsne.ts for the same seed).
 */
export function createTfTsne(P: ArrayLike<number>, n: number, y0: ArrayLike<number>, dims: number, schedule: TfTsneSchedule): TfTsne {
  if (P.length < n * n) throw new Error(`createTfTsne: P has ${P.length} values, expected ${n}×${n}`);
  if (y0.length < n * dims) throw new Error(`createTfTsne: y0 has ${y0.length} values, expected ${n}×${dims}`);
  const pt = tf.tensor2d(f32(P, n * n), [n, n]);
  let y = tf.tensor2d(f32(y0, n * dims), [n, dims]);
  let update = tf.zeros([n, dims]) as tf.Tensor2D;
  let gains = tf.ones([n, dims]) as tf.Tensor2D;
  let iteration = 0;
  const stepOnce = () => {
    const exaggeration = iteration < schedule.exaggerationIters ? schedule.earlyExaggeration : 1;
    const momentum = iteration < schedule.momentumSwitchIter ? schedule.initialMomentum : schedule.finalMomentum;
    const next = tf.tidy(() => {
      const { grad } = tfTsneGradient(pt, y, exaggeration);
      const flip = tf.notEqual(tf.greater(grad, 0), tf.greater(update, 0));
      const g = tf.maximum(tf.where(flip, tf.add(gains, 0.2), tf.mul(gains, 0.8)), schedule.minGain) as tf.Tensor2D;
      const u = tf.sub(tf.mul(update, momentum), tf.mul(tf.mul(g, grad), schedule.learningRate)) as tf.Tensor2D;
      const moved = tf.add(y, u);
      return { y: tf.sub(moved, tf.mean(moved, 0, true)) as tf.Tensor2D, u, g };
    });
    tf.dispose([y, update, gains]);
    y = next.y;
    update = next.u;
    gains = next.g;
    iteration++;
  };
  return {
    n,
    get iteration() {
      return iteration;
    },
    async step(k = 1) {
      for (let s = 0; s < k; s++) stepOnce();
      await y.data();
    },
    async embedding() {
      return (await y.data()) as Float32Array;
    },
    dispose() {
      tf.dispose([pt, y, update, gains]);
    },
  };
}
