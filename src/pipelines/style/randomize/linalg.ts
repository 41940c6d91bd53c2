/** The little dense linear algebra the style statistics need (Float64, row-major n×n). */

/**
 * Cholesky factor: lower-triangular L with L·Lᵀ = A (Cholesky–Banachiewicz, row by row). Only the
 * lower triangle of A is read; A is not checked for symmetry here (validateEmbeddingStats does).
 * Throws when A is not (numerically) positive definite, naming the failing pivot.
 */
export function choleskyLower(a: ArrayLike<number>, n: number): Float64Array {
  if (!Number.isInteger(n) || n < 1) throw new Error(`choleskyLower: n must be a positive integer, got ${n}`);
  if (a.length !== n * n) throw new Error(`choleskyLower: expected ${n}×${n} = ${n * n} values, got ${a.length}`);
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = a[ri + j];
      for (let k = 0; k < j; k++) s -= l[ri + k] * l[rj + k];
      if (i === j) {
        // s is the pivot: the remaining variance of variable i given variables 0..i-1.
        if (!(s > 0) || !Number.isFinite(s)) {
          throw new Error(`Matrix is not positive definite: pivot ${i} of ${n} is ${s} (diagonal entry ${a[ri + i]}); a covariance needs a ridge on its diagonal`);
        }
        l[ri + i] = Math.sqrt(s);
      } else {
        l[ri + j] = s / l[rj + j];
      }
    }
  }
  return l;
}

/** out = μ + L·ε for a lower-triangular row-major L (the upper triangle is ignored). */
export function affineLower(mean: ArrayLike<number>, l: ArrayLike<number>, eps: ArrayLike<number>, n: number, out: Float64Array = new Float64Array(n)): Float64Array {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = mean[i];
    for (let k = 0; k <= i; k++) s += l[ri + k] * eps[k];
    out[i] = s;
  }
  return out;
}
