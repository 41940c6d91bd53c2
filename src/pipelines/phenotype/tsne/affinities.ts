/**
 * Input-space affinities for t-SNE (van der Maaten & Hinton 2008), plain-TypeScript reference.
 *
 * For every point i a Gaussian kernel p_j|i ∝ exp(-β_i ‖x_i − x_j‖²) is calibrated by binary
 * search on the precision β_i so that the conditional distribution's entropy equals
 * log(perplexity). Entropies here are in nats (H = ln Perp, which is the same condition as
 * H₂ = log₂ Perp in bits); the tolerance applies to H in nats. The joint distribution is the
 * symmetrised P_ij = (p_j|i + p_i|j) / 2N, which sums to 1 over all ordered pairs.
 *
 * Two versions are provided:
 * - `exactAffinities`: dense N×N (row-major Float64Array), every other point is a neighbour.
 * - `knnAffinities`: sparse, only the k = ⌊3·perplexity⌋ nearest neighbours of each point carry
 *   conditional mass (as in Barnes–Hut-SNE), stored in CSR form after symmetrisation. The kNN
 *   search is brute force, O(N²·d) time and O(k) extra memory per point — adequate for the
 *   reference at tens of thousands of points; a tree/approximate search can replace it later.
 *
 * All arithmetic is float64 so that the reference can be used to check float32 GPU kernels.
 */

export type Matrix = Float32Array | Float64Array | ArrayLike<number>;

/** Compressed sparse row matrix (n×n). Columns within a row are sorted ascending. */
export interface CsrMatrix {
  n: number;
  /** Row start offsets, length n+1. */
  rowPtr: Int32Array;
  /** Column index of each stored entry. */
  col: Int32Array;
  /** Value of each stored entry. */
  val: Float64Array;
}

export interface CalibrationOptions {
  /** Absolute tolerance on the entropy in nats (default 1e-5). */
  tol?: number;
  /** Maximum binary-search steps per point (default 100). */
  maxIter?: number;
}

export interface RowCalibration {
  /** Precision β = 1/(2σ²) of the Gaussian kernel, in units of the squared distances. */
  beta: number;
  /** Entropy (nats) of the calibrated conditional distribution. */
  entropy: number;
  /** Binary-search steps used. */
  iterations: number;
}

/** Dense matrix of squared Euclidean distances between the n rows of x (n×d, row-major). */
export function squaredDistances(x: Matrix, n: number, d: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const xi = i * d;
    for (let j = i + 1; j < n; j++) {
      const xj = j * d;
      let s = 0;
      for (let k = 0; k < d; k++) {
        const t = x[xi + k] - x[xj + k];
        s += t * t;
      }
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return out;
}

/**
 * Calibrate one point's conditional distribution over its candidate neighbours.
 * `dist2` holds the squared distances to the candidates (not to the point itself); `out`
 * (same length) receives the normalised probabilities p_j|i. Distances are shifted by their
 * minimum before exponentiating, which leaves the normalised distribution unchanged but keeps
 * the largest term at exp(0) = 1 so the sum never underflows.
 */
export function calibrateRow(
  dist2: ArrayLike<number>,
  perplexity: number,
  out: Float64Array,
  options: CalibrationOptions = {},
): RowCalibration {
  const m = dist2.length;
  if (m === 0) throw new Error('calibrateRow: a point needs at least one candidate neighbour');
  if (!(perplexity > 0) || perplexity > m) {
    throw new Error(`calibrateRow: perplexity ${perplexity} must be in (0, ${m}] for ${m} neighbours`);
  }
  const tol = options.tol ?? 1e-5;
  const maxIter = options.maxIter ?? 100;
  const target = Math.log(perplexity);
  let dmin = Infinity;
  for (let j = 0; j < m; j++) if (dist2[j] < dmin) dmin = dist2[j];

  // Unnormalised kernel at precision `beta`; returns (entropy, normaliser).
  let sum = 0;
  const evaluate = (beta: number): number => {
    sum = 0;
    let sumDP = 0;
    for (let j = 0; j < m; j++) {
      const dj = dist2[j] - dmin;
      const p = Math.exp(-beta * dj);
      out[j] = p;
      sum += p;
      sumDP += dj * p;
    }
    return Math.log(sum) + (beta * sumDP) / sum;
  };

  let beta = 1;
  let betaMin = -Infinity;
  let betaMax = Infinity;
  let entropy = evaluate(beta);
  let iterations = 1;
  while (Math.abs(entropy - target) > tol && iterations < maxIter) {
    if (entropy > target) {
      // Too flat: sharpen the kernel.
      betaMin = beta;
      beta = betaMax === Infinity ? beta * 2 : (beta + betaMax) / 2;
    } else {
      betaMax = beta;
      beta = betaMin === -Infinity ? beta / 2 : (beta + betaMin) / 2;
    }
    entropy = evaluate(beta);
    iterations++;
  }
  const inv = 1 / sum;
  for (let j = 0; j < m; j++) out[j] *= inv;
  return { beta, entropy, iterations };
}

export interface ConditionalAffinities {
  /** Row-major n×n conditional probabilities p_j|i (row i sums to 1, diagonal 0). */
  conditional: Float64Array;
  betas: Float64Array;
  /** Entropy (nats) of each row after calibration. */
  entropies: Float64Array;
}

/** Dense conditional affinities p_j|i calibrated to the perplexity (every other point a neighbour). */
export function conditionalAffinities(
  x: Matrix,
  n: number,
  d: number,
  perplexity: number,
  options: CalibrationOptions = {},
): ConditionalAffinities {
  if (n < 2) throw new Error('t-SNE affinities need at least 2 points');
  if (perplexity > n - 1) throw new Error(`perplexity ${perplexity} is too large for ${n} points (max ${n - 1})`);
  const cond = squaredDistances(x, n, d);
  const betas = new Float64Array(n);
  const entropies = new Float64Array(n);
  const row = new Float64Array(n - 1);
  const probs = new Float64Array(n - 1);
  for (let i = 0; i < n; i++) {
    const base = i * n;
    // Candidates are all j ≠ i, packed without the diagonal.
    for (let j = 0, t = 0; j < n; j++) if (j !== i) row[t++] = cond[base + j];
    const r = calibrateRow(row, perplexity, probs, options);
    betas[i] = r.beta;
    entropies[i] = r.entropy;
    for (let j = 0, t = 0; j < n; j++) cond[base + j] = j === i ? 0 : probs[t++];
  }
  return { conditional: cond, betas, entropies };
}

export interface ExactAffinities {
  /** Row-major n×n joint probabilities P_ij = (p_j|i + p_i|j)/2n; symmetric, sums to 1. */
  P: Float64Array;
  betas: Float64Array;
  entropies: Float64Array;
}

/** Dense symmetrised affinities (O(n²) memory; meant for the exact method at small n). */
export function exactAffinities(
  x: Matrix,
  n: number,
  d: number,
  perplexity: number,
  options: CalibrationOptions = {},
): ExactAffinities {
  const { conditional: P, betas, entropies } = conditionalAffinities(x, n, d, perplexity, options);
  const scale = 1 / (2 * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = (P[i * n + j] + P[j * n + i]) * scale;
      P[i * n + j] = v;
      P[j * n + i] = v;
    }
  }
  return { P, betas, entropies };
}

export interface KnnResult {
  k: number;
  /** n×k neighbour indices, nearest first. */
  index: Int32Array;
  /** n×k squared distances matching `index`. */
  dist2: Float64Array;
}

/**
 * Brute-force k nearest neighbours (squared Euclidean, excluding the point itself): O(n²·d)
 * distance evaluations, each row selected with a bounded max-heap of size k (O(n log k)).
 * Ties are broken by the lower index so the result is deterministic.
 */
export function bruteForceKnn(x: Matrix, n: number, d: number, k: number): KnnResult {
  if (k < 1 || k > n - 1) throw new Error(`kNN: k=${k} must be in [1, ${n - 1}]`);
  const index = new Int32Array(n * k);
  const dist2 = new Float64Array(n * k);
  const heapD = new Float64Array(k);
  const heapI = new Int32Array(k);
  // "a is worse than b": larger distance, or equal distance and larger index.
  const worse = (da: number, ia: number, db: number, ib: number): boolean => da > db || (da === db && ia > ib);
  for (let i = 0; i < n; i++) {
    let size = 0;
    const xi = i * d;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const xj = j * d;
      let s = 0;
      for (let c = 0; c < d; c++) {
        const t = x[xi + c] - x[xj + c];
        s += t * t;
      }
      if (size < k) {
        // Sift up.
        let pos = size++;
        while (pos > 0) {
          const parent = (pos - 1) >> 1;
          if (!worse(s, j, heapD[parent], heapI[parent])) break;
          heapD[pos] = heapD[parent];
          heapI[pos] = heapI[parent];
          pos = parent;
        }
        heapD[pos] = s;
        heapI[pos] = j;
      } else if (worse(heapD[0], heapI[0], s, j)) {
        // Replace the root (current worst) and sift down.
        let pos = 0;
        for (;;) {
          const l = 2 * pos + 1;
          if (l >= k) break;
          const r = l + 1;
          const c = r < k && worse(heapD[r], heapI[r], heapD[l], heapI[l]) ? r : l;
          if (!worse(heapD[c], heapI[c], s, j)) break;
          heapD[pos] = heapD[c];
          heapI[pos] = heapI[c];
          pos = c;
        }
        heapD[pos] = s;
        heapI[pos] = j;
      }
    }
    // Heap sort ascending into the output row.
    const order = Array.from({ length: k }, (_, t) => t).sort((a, b) =>
      heapD[a] - heapD[b] || heapI[a] - heapI[b],
    );
    for (let t = 0; t < k; t++) {
      index[i * k + t] = heapI[order[t]];
      dist2[i * k + t] = heapD[order[t]];
    }
  }
  return { k, index, dist2 };
}

/**
 * Symmetrise fixed-width conditional rows (n×k neighbour indices and p_j|i) into CSR joint
 * probabilities P_ij = (p_j|i + p_i|j)/2n. The pattern is the union of (i,j) and (j,i).
 */
export function symmetrizeKnn(n: number, k: number, index: Int32Array, cond: Float64Array): CsrMatrix {
  const counts = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    counts[i] += k;
    for (let t = 0; t < k; t++) counts[index[i * k + t]]++;
  }
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[i + 1] = start[i] + counts[i];
  const fill = start.slice(0, n);
  const tmpCol = new Int32Array(start[n]);
  const tmpVal = new Float64Array(start[n]);
  const scale = 1 / (2 * n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const j = index[i * k + t];
      const v = cond[i * k + t] * scale;
      tmpCol[fill[i]] = j;
      tmpVal[fill[i]++] = v;
      tmpCol[fill[j]] = i;
      tmpVal[fill[j]++] = v;
    }
  }
  // Sort each row by column and merge duplicates.
  const rowPtr = new Int32Array(n + 1);
  const col = new Int32Array(start[n]);
  const val = new Float64Array(start[n]);
  let nnz = 0;
  const order: number[] = [];
  for (let i = 0; i < n; i++) {
    rowPtr[i] = nnz;
    order.length = 0;
    for (let t = start[i]; t < start[i + 1]; t++) order.push(t);
    order.sort((a, b) => tmpCol[a] - tmpCol[b]);
    let last = -1;
    for (const t of order) {
      if (tmpCol[t] === last) {
        val[nnz - 1] += tmpVal[t];
      } else {
        last = tmpCol[t];
        col[nnz] = last;
        val[nnz++] = tmpVal[t];
      }
    }
  }
  rowPtr[n] = nnz;
  return { n, rowPtr, col: col.slice(0, nnz), val: val.slice(0, nnz) };
}

export interface KnnAffinities {
  P: CsrMatrix;
  k: number;
  betas: Float64Array;
  entropies: Float64Array;
}

/**
 * Sparse affinities over the k nearest neighbours (default k = min(n−1, ⌊3·perplexity⌋)).
 * With k = n−1 this equals `exactAffinities`.
 */
export function knnAffinities(
  x: Matrix,
  n: number,
  d: number,
  perplexity: number,
  options: CalibrationOptions & { k?: number } = {},
): KnnAffinities {
  if (n < 2) throw new Error('t-SNE affinities need at least 2 points');
  const k = options.k ?? Math.min(n - 1, Math.floor(3 * perplexity));
  if (perplexity > k) throw new Error(`perplexity ${perplexity} needs at least that many neighbours (k=${k}, n=${n})`);
  const knn = bruteForceKnn(x, n, d, k);
  const cond = new Float64Array(n * k);
  const betas = new Float64Array(n);
  const entropies = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = calibrateRow(knn.dist2.subarray(i * k, (i + 1) * k), perplexity, cond.subarray(i * k, (i + 1) * k), options);
    betas[i] = r.beta;
    entropies[i] = r.entropy;
  }
  return { P: symmetrizeKnn(n, k, knn.index, cond), k, betas, entropies };
}

/** Expand a CSR matrix to a dense row-major n×n array (for tests and small problems). */
export function csrToDense(m: CsrMatrix): Float64Array {
  const out = new Float64Array(m.n * m.n);
  for (let i = 0; i < m.n; i++) {
    for (let t = m.rowPtr[i]; t < m.rowPtr[i + 1]; t++) out[i * m.n + m.col[t]] += m.val[t];
  }
  return out;
}

/** Sparse version of a dense n×n matrix (keeps the nonzero entries). */
export function denseToCsr(a: ArrayLike<number>, n: number): CsrMatrix {
  const rowPtr = new Int32Array(n + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < n; i++) {
    rowPtr[i] = cols.length;
    for (let j = 0; j < n; j++) {
      const v = a[i * n + j];
      if (v !== 0) {
        cols.push(j);
        vals.push(v);
      }
    }
  }
  rowPtr[n] = cols.length;
  return { n, rowPtr, col: Int32Array.from(cols), val: Float64Array.from(vals) };
}
