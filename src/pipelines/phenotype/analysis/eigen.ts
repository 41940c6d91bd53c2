/**
 * Eigendecomposition of a real symmetric matrix by Householder reduction to tridiagonal form
 * followed by the implicit QL algorithm (the EISPACK tred2/tql2 routines, as in JAMA). Stable
 * and O(d³); used by PCA on d × d covariance (or n × n Gram) matrices.
 */

export interface SymmetricEigen {
  /** Eigenvalues, sorted in descending order. */
  values: Float64Array;
  /** Eigenvectors as rows (row-major m × m): row i is the unit eigenvector of `values[i]`. */
  vectors: Float64Array;
  size: number;
}

/**
 * Eigenvalues and eigenvectors of the symmetric m × m matrix `a` (row-major; must be symmetric —
 * both triangles are read). `a` is not modified.
 */
export function symmetricEigen(a: ArrayLike<number>, m: number): SymmetricEigen {
  if (a.length !== m * m) throw new Error(`symmetricEigen: expected ${m * m} values, got ${a.length}`);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) throw new Error('symmetricEigen: matrix has non-finite entries');
  }
  if (m === 0) return { values: new Float64Array(0), vectors: new Float64Array(0), size: 0 };
  // tred2 works on the transpose, which for a symmetric matrix is the matrix itself.
  const W = Float64Array.from(a);
  const d = new Float64Array(m);
  const e = new Float64Array(m);
  tred2(W, d, e, m);
  tql2(W, d, e, m);
  const order = Array.from({ length: m }, (_, i) => i).sort((p, q) => d[q] - d[p] || p - q);
  const values = new Float64Array(m);
  const vectors = new Float64Array(m * m);
  for (let r = 0; r < m; r++) {
    const src = order[r];
    values[r] = d[src];
    vectors.set(W.subarray(src * m, (src + 1) * m), r * m);
  }
  return { values, vectors, size: m };
}

/**
 * Householder tridiagonalisation (tred2). The transform V is stored transposed: `U[b * n + a]`
 * is V[a][b], so that the O(n³) inner loops, which walk columns of V, walk contiguous rows of U.
 * On return U = Vᵀ, i.e. row r of U is column r of the orthogonal transform.
 */
function tred2(U: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = U[j * n + n - 1];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = U[j * n + i - 1];
        U[j * n + i] = 0;
        U[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        U[i * n + j] = f;
        const oj = j * n;
        g = e[j] + U[oj + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const vkj = U[oj + k];
          g += vkj * d[k];
          e[k] += vkj * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        const oj = j * n;
        for (let k = j; k <= i - 1; k++) U[oj + k] -= f * e[k] + g * d[k];
        d[j] = U[oj + i - 1];
        U[oj + i] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    U[i * n + n - 1] = U[i * n + i];
    U[i * n + i] = 1;
    const h = d[i + 1];
    const oi1 = (i + 1) * n;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = U[oi1 + k] / h;
      for (let j = 0; j <= i; j++) {
        const oj = j * n;
        let g = 0;
        for (let k = 0; k <= i; k++) g += U[oi1 + k] * U[oj + k];
        for (let k = 0; k <= i; k++) U[oj + k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) U[oi1 + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = U[j * n + n - 1];
    U[j * n + n - 1] = 0;
  }
  U[(n - 1) * n + (n - 1)] = 1;
  e[0] = 0;
}

/** Implicit QL on the tridiagonal (d, e); W holds the transform as rows (W = Vᵀ). */
function tql2(W: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 200) throw new Error('symmetricEigen: QL iteration did not converge');
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          const oi = i * n;
          const oi1 = (i + 1) * n;
          for (let k = 0; k < n; k++) {
            const wk1 = W[oi1 + k];
            const wk = W[oi + k];
            W[oi1 + k] = s * wk + c * wk1;
            W[oi + k] = c * wk - s * wk1;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}
