/**
 * Principal component analysis by eigendecomposition of the sample covariance matrix.
 *
 * - Data are centred on the column means; with `scale: true` each column is also divided by its
 *   sample standard deviation (columns with zero variance are left unscaled).
 * - Covariance uses the n − 1 denominator, so `explainedVariance[i]` is the sample variance of
 *   the data projected on component i, and `explainedVarianceRatio[i]` is that as a fraction of
 *   the total variance (trace of the covariance, i.e. over all d directions, not only the kept ones).
 * - When d > n the n × n Gram matrix of the centred rows is decomposed instead (same non-zero
 *   eigenvalues; component v = Xcᵀu / √((n − 1)λ)), which is far cheaper for wide data.
 * - Sign convention: each component's loading with the largest magnitude is made positive (first
 *   such index on ties), so results do not depend on the eigensolver's arbitrary signs.
 */
import { symmetricEigen } from './eigen';
import type { FloatArray, Matrix } from './matrix';

export interface PcaOptions {
  /** Number of components to keep (default 10; clamped to min(n, d)). */
  nComponents?: number;
  /** Divide each centred column by its sample standard deviation (default false). */
  scale?: boolean;
}

export interface PcaModel {
  /** Number of input features. */
  readonly d: number;
  /** Number of kept components k. */
  readonly nComponents: number;
  /** Column means used for centring (length d). */
  readonly mean: Float64Array;
  /** Per-column divisors (length d; all ones without `scale`). */
  readonly scale: Float64Array;
  /** Principal axes as rows: k × d row-major, orthonormal, in order of decreasing variance. */
  readonly components: Float64Array;
  /** Sample variance along each component (length k, descending). */
  readonly explainedVariance: Float64Array;
  /** `explainedVariance` divided by the total variance (length k). */
  readonly explainedVarianceRatio: Float64Array;
  /** Running sum of `explainedVarianceRatio` (the explained-variance plot). */
  readonly cumulativeVarianceRatio: Float64Array;
  /** Total sample variance of the (standardised) data: the sum over all d columns. */
  readonly totalVariance: number;
  /** Projects rows (n × d) onto the components: returns n × k scores. */
  transform(x: Matrix): Matrix<Float64Array>;
}

/** Fits PCA to the rows of `x` (n × d). */
export function pca(x: Matrix, options: PcaOptions = {}): PcaModel {
  const { data, n, d } = x;
  if (n < 1 || d < 1) throw new Error(`pca: need at least one row and one column, got ${n} x ${d}`);
  const requested = options.nComponents ?? 10;
  if (!Number.isInteger(requested) || requested < 1) {
    throw new Error(`pca: nComponents must be a positive integer, got ${requested}`);
  }
  const k = Math.min(requested, n, d);
  const denom = Math.max(n - 1, 1);

  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const scale = new Float64Array(d).fill(1);
  if (options.scale) {
    const ss = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const t = data[i * d + j] - mean[j];
        ss[j] += t * t;
      }
    }
    for (let j = 0; j < d; j++) {
      const sd = Math.sqrt(ss[j] / denom);
      scale[j] = sd > 0 && Number.isFinite(sd) ? sd : 1;
    }
  }

  const invScale = scale.map((s) => 1 / s);
  const centredRow = (i: number, out: Float64Array): void => {
    const o = i * d;
    for (let j = 0; j < d; j++) out[j] = (data[o + j] - mean[j]) * invScale[j];
  };

  const components = new Float64Array(k * d);
  const explainedVariance = new Float64Array(k);
  let totalVariance = 0;

  if (d <= n) {
    // d × d covariance, accumulated over the upper triangle.
    const cov = new Float64Array(d * d);
    const r = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      centredRow(i, r);
      for (let a = 0; a < d; a++) {
        const ra = r[a];
        if (ra === 0) continue;
        const o = a * d;
        for (let b = a; b < d; b++) cov[o + b] += ra * r[b];
      }
    }
    for (let a = 0; a < d; a++) {
      for (let b = a; b < d; b++) {
        const v = cov[a * d + b] / denom;
        cov[a * d + b] = v;
        cov[b * d + a] = v;
      }
      totalVariance += cov[a * d + a];
    }
    const eig = symmetricEigen(cov, d);
    for (let c = 0; c < k; c++) {
      explainedVariance[c] = Math.max(0, eig.values[c]);
      components.set(eig.vectors.subarray(c * d, (c + 1) * d), c * d);
    }
  } else {
    // Gram trick: eigenvectors u of G = Xc Xcᵀ / (n − 1) map to components Xcᵀu / √((n − 1)λ).
    const xc = new Float64Array(n * d);
    for (let i = 0; i < n; i++) centredRow(i, xc.subarray(i * d, (i + 1) * d));
    const gram = new Float64Array(n * n);
    for (let a = 0; a < n; a++) {
      for (let b = a; b < n; b++) {
        let s = 0;
        const oa = a * d, ob = b * d;
        for (let j = 0; j < d; j++) s += xc[oa + j] * xc[ob + j];
        s /= denom;
        gram[a * n + b] = s;
        gram[b * n + a] = s;
      }
      totalVariance += gram[a * n + a];
    }
    const eig = symmetricEigen(gram, n);
    const tiny = 1e-12 * Math.max(eig.values[0], 0);
    let filled = 0;
    for (let c = 0; c < k; c++) {
      const lambda = eig.values[c];
      if (!(lambda > tiny) || lambda <= 0) break;
      const f = 1 / Math.sqrt(denom * lambda);
      const v = components.subarray(c * d, (c + 1) * d);
      for (let i = 0; i < n; i++) {
        const u = eig.vectors[c * n + i] * f;
        if (u === 0) continue;
        const o = i * d;
        for (let j = 0; j < d; j++) v[j] += u * xc[o + j];
      }
      normalise(v);
      explainedVariance[c] = lambda;
      filled++;
    }
    // Zero-variance directions are not determined by the data: complete an orthonormal basis.
    completeBasis(components, filled, k, d);
  }

  for (let c = 0; c < k; c++) fixSign(components.subarray(c * d, (c + 1) * d));

  const explainedVarianceRatio = new Float64Array(k);
  const cumulativeVarianceRatio = new Float64Array(k);
  let cum = 0;
  for (let c = 0; c < k; c++) {
    explainedVarianceRatio[c] = totalVariance > 0 ? explainedVariance[c] / totalVariance : 0;
    cum += explainedVarianceRatio[c];
    cumulativeVarianceRatio[c] = cum;
  }

  const transform = (y: Matrix): Matrix<Float64Array> => {
    if (y.d !== d) throw new Error(`pca.transform: expected ${d} columns, got ${y.d}`);
    const out = new Float64Array(y.n * k);
    const r = new Float64Array(d);
    for (let i = 0; i < y.n; i++) {
      const o = i * d;
      for (let j = 0; j < d; j++) r[j] = (y.data[o + j] - mean[j]) * invScale[j];
      for (let c = 0; c < k; c++) {
        let s = 0;
        const oc = c * d;
        for (let j = 0; j < d; j++) s += r[j] * components[oc + j];
        out[i * k + c] = s;
      }
    }
    return { data: out, n: y.n, d: k };
  };

  return {
    d,
    nComponents: k,
    mean,
    scale,
    components,
    explainedVariance,
    explainedVarianceRatio,
    cumulativeVarianceRatio,
    totalVariance,
    transform,
  };
}

function normalise(v: FloatArray): void {
  let s = 0;
  for (let j = 0; j < v.length; j++) s += v[j] * v[j];
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let j = 0; j < v.length; j++) v[j] *= inv;
}

/** Fills rows filled..k−1 of `rows` (k × d) with unit vectors orthogonal to all earlier rows. */
function completeBasis(rows: Float64Array, filled: number, k: number, d: number): void {
  let next = filled;
  for (let axis = 0; axis < d && next < k; axis++) {
    const v = rows.subarray(next * d, (next + 1) * d);
    v.fill(0);
    v[axis] = 1;
    for (let pass = 0; pass < 2; pass++) {
      for (let c = 0; c < next; c++) {
        const u = rows.subarray(c * d, (c + 1) * d);
        let dot = 0;
        for (let j = 0; j < d; j++) dot += u[j] * v[j];
        for (let j = 0; j < d; j++) v[j] -= dot * u[j];
      }
    }
    let s = 0;
    for (let j = 0; j < d; j++) s += v[j] * v[j];
    if (s > 0.25) {
      normalise(v);
      next++;
    }
  }
}

/** Makes the loading with the largest magnitude positive (first such index within rounding). */
function fixSign(v: Float64Array): void {
  let max = 0;
  for (let j = 0; j < v.length; j++) max = Math.max(max, Math.abs(v[j]));
  for (let j = 0; j < v.length; j++) {
    if (Math.abs(v[j]) >= max * (1 - 1e-9)) {
      if (v[j] < 0) for (let t = 0; t < v.length; t++) v[t] = -v[t];
      return;
    }
  }
}
