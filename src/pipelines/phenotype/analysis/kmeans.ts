/**
 * k-means clustering (Lloyd's algorithm) with seeded k-means++ initialisation and restarts.
 *
 * - Initialisation: k-means++ (Arthur & Vassilvitskii 2007): the first centre is a uniformly
 *   drawn row, each further centre a row drawn with probability ∝ squared distance to the
 *   nearest centre chosen so far.
 * - Iteration: assign every row to its nearest centroid (squared Euclidean distance, ties to the
 *   lower index), then move each centroid to the mean of its rows. A cluster left empty is
 *   re-seeded with the row farthest from its own centroid (taken from a cluster of size > 1).
 * - Stops when no label changes, when the summed squared centroid shift is ≤ `tol` × (mean
 *   per-feature variance of the data), or after `maxIter` iterations. Labels, inertia and
 *   centroids returned are mutually consistent: a final assignment step follows the last update.
 * - `nInit` restarts draw from `new Rng(seed).fork(restartIndex)`; the lowest inertia wins.
 *
 * `assignNearest` is the reference for the GPU assignment kernel.
 */
import { Rng, type Seed } from '../../../core/rng/rng';
import type { Matrix } from './matrix';
import { groupVariance } from './validation';

export interface KMeansOptions {
  /** Seed for k-means++ initialisation (recorded in the result). */
  seed: Seed;
  /** Independent restarts; the run with the lowest inertia is kept (default 4). */
  nInit?: number;
  /** Maximum Lloyd iterations per restart (default 300). */
  maxIter?: number;
  /** Relative tolerance on the squared centroid shift (default 1e-4). */
  tol?: number;
}

export interface KMeansResult {
  k: number;
  /** Cluster index of each row (length n). */
  labels: Int32Array;
  /** Centroids, k × d row-major. */
  centroids: Float64Array;
  /** Sum over rows of the squared distance to the assigned centroid. */
  inertia: number;
  /** Lloyd iterations (centroid updates) run by the kept restart. */
  iterations: number;
  /** Whether the kept restart stopped before `maxIter`. */
  converged: boolean;
  /** The seed the result was drawn with, and which restart was kept. */
  seed: Seed;
  restart: number;
}

/**
 * Assigns each row of `x` to its nearest centroid (k × d row-major), writing `labels` and
 * returning the summed squared distance. `dist`, when given, receives each row's squared
 * distance to its centroid.
 */
export function assignNearest(
  x: Matrix,
  centroids: Float64Array,
  k: number,
  labels: Int32Array,
  dist?: Float64Array,
): number {
  const { data, n, d } = x;
  const r = new Float64Array(d);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) r[j] = data[o + j];
    let best = Infinity;
    let bestC = 0;
    for (let c = 0; c < k; c++) {
      const oc = c * d;
      let s = 0;
      for (let j = 0; j < d; j++) {
        const t = r[j] - centroids[oc + j];
        s += t * t;
      }
      if (s < best) {
        best = s;
        bestC = c;
      }
    }
    labels[i] = bestC;
    if (dist) dist[i] = best;
    total += best;
  }
  return total;
}

/** k-means++ initial centres (k × d) for the rows of `x`, drawn from `rng`. */
export function kmeansPlusPlus(x: Matrix, k: number, rng: Rng): Float64Array {
  const { data, n, d } = x;
  const centres = new Float64Array(k * d);
  const nearest = new Float64Array(n).fill(Infinity);
  let idx = rng.int(0, n - 1);
  for (let c = 0; c < k; c++) {
    centres.set(data.subarray(idx * d, (idx + 1) * d), c * d);
    if (c === k - 1) break;
    let total = 0;
    const oc = c * d;
    for (let i = 0; i < n; i++) {
      const o = i * d;
      let s = 0;
      for (let j = 0; j < d; j++) {
        const t = data[o + j] - centres[oc + j];
        s += t * t;
      }
      if (s < nearest[i]) nearest[i] = s;
      total += nearest[i];
    }
    if (total > 0) {
      let target = rng.next() * total;
      idx = n - 1;
      for (let i = 0; i < n; i++) {
        target -= nearest[i];
        if (target < 0) {
          idx = i;
          break;
        }
      }
      // Guard against rounding landing on an already-chosen row (weight 0).
      while (nearest[idx] === 0 && idx > 0) idx--;
    } else {
      // All rows coincide with chosen centres: any row will do.
      idx = rng.int(0, n - 1);
    }
  }
  return centres;
}

/** Runs k-means with `nInit` seeded restarts and returns the lowest-inertia result. */
export function kmeans(x: Matrix, k: number, options: KMeansOptions): KMeansResult {
  const { n } = x;
  if (!Number.isInteger(k) || k < 1) throw new Error(`kmeans: k must be a positive integer, got ${k}`);
  if (k > n) throw new Error(`kmeans: k = ${k} exceeds the number of rows (${n})`);
  const nInit = options.nInit ?? 4;
  const maxIter = options.maxIter ?? 300;
  const tol = options.tol ?? 1e-4;
  const root = new Rng(options.seed);

  const tolAbs = tol * meanFeatureVariance(x);

  let best: KMeansResult | null = null;
  for (let r = 0; r < nInit; r++) {
    const run = lloyd(x, k, kmeansPlusPlus(x, k, root.fork(r)), maxIter, tolAbs);
    if (!best || run.inertia < best.inertia) {
      best = { k, ...run, seed: root.seed, restart: r };
    }
  }
  return best!;
}

/**
 * Lloyd iterations from given initial centroids (k × d; not modified). `tol` is relative, as in
 * `kmeans`. Useful to check other implementations step for step.
 */
export function kmeansFromCentroids(
  x: Matrix,
  init: Float64Array,
  k: number,
  options: { maxIter?: number; tol?: number } = {},
): Pick<KMeansResult, 'labels' | 'centroids' | 'inertia' | 'iterations' | 'converged'> {
  if (init.length !== k * x.d) throw new Error(`kmeansFromCentroids: expected ${k} x ${x.d} centroids`);
  return lloyd(x, k, Float64Array.from(init), options.maxIter ?? 300, (options.tol ?? 1e-4) * meanFeatureVariance(x));
}

/** Mean over features of the population variance of each column. */
export function meanFeatureVariance(x: Matrix): number {
  const { data, n, d } = x;
  if (n === 0 || d === 0) return 0;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  let s = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const t = data[i * d + j] - mean[j];
      s += t * t;
    }
  }
  return s / (n * d);
}

function lloyd(
  x: Matrix,
  k: number,
  init: Float64Array,
  maxIter: number,
  tolAbs: number,
): Pick<KMeansResult, 'labels' | 'centroids' | 'inertia' | 'iterations' | 'converged'> {
  const { data, n, d } = x;
  const centroids = init;
  const next = new Float64Array(k * d);
  const counts = new Int32Array(k);
  const labels = new Int32Array(n).fill(-1);
  const prev = new Int32Array(n);
  const dist = new Float64Array(n);
  let iterations = 0;
  let converged = false;

  assignNearest(x, centroids, k, labels, dist);
  while (iterations < maxIter) {
    // Update step.
    next.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = labels[i];
      counts[c]++;
      const o = i * d, oc = c * d;
      for (let j = 0; j < d; j++) next[oc + j] += data[o + j];
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] > 0) {
        const inv = 1 / counts[c];
        for (let j = 0; j < d; j++) next[c * d + j] *= inv;
      }
    }
    reseedEmpty(x, k, labels, counts, dist, next);
    let shift = 0;
    for (let t = 0; t < k * d; t++) {
      const s = next[t] - centroids[t];
      shift += s * s;
    }
    centroids.set(next);
    iterations++;

    // Assignment step.
    prev.set(labels);
    assignNearest(x, centroids, k, labels, dist);
    let changed = false;
    for (let i = 0; i < n; i++) {
      if (labels[i] !== prev[i]) {
        changed = true;
        break;
      }
    }
    if (!changed || shift <= tolAbs) {
      converged = true;
      break;
    }
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += dist[i];
  return { labels, centroids, inertia, iterations, converged };
}

/**
 * Gives every empty cluster the row farthest from its current centroid, taking rows only from
 * clusters that keep at least one member. Updates labels, counts, dist and centroids in place.
 */
export function reseedEmpty(
  x: Matrix,
  k: number,
  labels: Int32Array,
  counts: Int32Array,
  dist: Float64Array,
  centroids: Float64Array,
): void {
  const { data, n, d } = x;
  for (let c = 0; c < k; c++) {
    if (counts[c] > 0) continue;
    let far = -1;
    let farDist = -1;
    for (let i = 0; i < n; i++) {
      if (counts[labels[i]] > 1 && dist[i] > farDist) {
        farDist = dist[i];
        far = i;
      }
    }
    if (far < 0) continue; // k ≤ n guarantees a donor; kept for safety.
    const old = labels[far];
    const o = far * d;
    // Remove the row from its old cluster's mean and make it the new cluster's centroid.
    const m = counts[old];
    for (let j = 0; j < d; j++) {
      centroids[old * d + j] = (centroids[old * d + j] * m - data[o + j]) / (m - 1);
      centroids[c * d + j] = data[o + j];
    }
    counts[old]--;
    counts[c] = 1;
    labels[far] = c;
    dist[far] = 0;
  }
}

export interface VarianceCurve {
  ks: number[];
  /** Mean over clusters of the within-cluster variance (mean squared distance to centroid). */
  meanVariance: number[];
  /** Inertia / n: within-cluster variance pooled over all rows. */
  pooledVariance: number[];
  inertia: number[];
  seed: Seed;
}

/**
 * The intra-cluster variance curve over k (thesis Fig. 5.3): for each k, k-means (seeded by
 * `new Rng(seed).fork('k' + k)`) and the mean over clusters of the within-cluster variance
 * (singleton clusters count, with variance 0), in the same units as the intra-well line
 * `groupVariance(x, wells).meanVariance`.
 */
export function intraClusterVarianceCurve(
  x: Matrix,
  ks: readonly number[],
  seed: Seed,
  options: Omit<KMeansOptions, 'seed'> = {},
): VarianceCurve {
  const root = new Rng(seed);
  const curve: VarianceCurve = { ks: [...ks], meanVariance: [], pooledVariance: [], inertia: [], seed: root.seed };
  for (const k of ks) {
    const res = kmeans(x, k, { ...options, seed: root.fork(`k${k}`).seed });
    const gv = groupVariance(x, res.labels, { minGroupSize: 1 });
    curve.meanVariance.push(gv.meanVariance);
    curve.pooledVariance.push(res.inertia / x.n);
    curve.inertia.push(res.inertia);
  }
  return curve;
}
