/**
 * Dense row-major matrices for the phenotypic-profiling analysis (PCA, k-means, validation).
 * `data[i * d + j]` is feature `j` of sample `i`. These plain-array routines are also the
 * reference implementations that GPU kernels are checked against.
 */
export type FloatArray = Float32Array | Float64Array;

export interface Matrix<T extends FloatArray = FloatArray> {
  readonly data: T;
  /** Number of rows (samples). */
  readonly n: number;
  /** Number of columns (features). */
  readonly d: number;
}

/** Wraps a row-major buffer as an n × d matrix, checking its length. */
export function matrix<T extends FloatArray>(data: T, n: number, d: number): Matrix<T> {
  if (!Number.isInteger(n) || !Number.isInteger(d) || n < 0 || d < 0) {
    throw new Error(`matrix: invalid shape ${n} x ${d}`);
  }
  if (data.length !== n * d) {
    throw new Error(`matrix: buffer has ${data.length} values, expected ${n} x ${d} = ${n * d}`);
  }
  return { data, n, d };
}

/** Builds a Float64 matrix from an array of equal-length rows. */
export function fromRows(rows: ReadonlyArray<ArrayLike<number>>): Matrix<Float64Array> {
  const n = rows.length;
  const d = n === 0 ? 0 : rows[0].length;
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    if (r.length !== d) throw new Error(`fromRows: row ${i} has ${r.length} values, expected ${d}`);
    for (let j = 0; j < d; j++) data[i * d + j] = r[j];
  }
  return { data, n, d };
}

/** Row `i` of a matrix as an array of numbers (a copy). */
export function row(x: Matrix, i: number): number[] {
  return Array.from(x.data.subarray(i * x.d, (i + 1) * x.d));
}

/** Column means (length d), accumulated in double precision. */
export function columnMeans(x: Matrix): Float64Array {
  const { data, n, d } = x;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) mean[j] += data[o + j];
  }
  if (n > 0) for (let j = 0; j < d; j++) mean[j] /= n;
  return mean;
}

/**
 * Mean squared Euclidean distance of the rows to their centroid — the "variance" of a point
 * set used throughout this module (equal to the sum of the per-feature population variances).
 */
export function meanSquaredDistanceToCentroid(x: Matrix): number {
  const { data, n, d } = x;
  if (n === 0) return 0;
  const mean = columnMeans(x);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) {
      const t = data[o + j] - mean[j];
      s += t * t;
    }
  }
  return s / n;
}
