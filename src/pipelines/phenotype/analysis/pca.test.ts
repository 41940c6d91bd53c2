import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng/rng';
import { symmetricEigen } from './eigen';
import { fromRows, matrix } from './matrix';
import { pca } from './pca';

/** Rotation by angle t in the (a, b) plane of R^d, as a d × d row-major matrix. */
function givens(d: number, a: number, b: number, t: number): Float64Array {
  const r = new Float64Array(d * d);
  for (let i = 0; i < d; i++) r[i * d + i] = 1;
  r[a * d + a] = Math.cos(t);
  r[a * d + b] = -Math.sin(t);
  r[b * d + a] = Math.sin(t);
  r[b * d + b] = Math.cos(t);
  return r;
}

function matmul(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const c = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) c[i * d + j] += a[i * d + k] * b[k * d + j];
  return c;
}

/** Brute-force sample covariance (n − 1 denominator). */
function covariance(x: number[][]): number[][] {
  const n = x.length, d = x[0].length;
  const mean = Array.from({ length: d }, (_, j) => x.reduce((s, r) => s + r[j], 0) / n);
  return Array.from({ length: d }, (_, a) =>
    Array.from({ length: d }, (_, b) => x.reduce((s, r) => s + (r[a] - mean[a]) * (r[b] - mean[b]), 0) / (n - 1)),
  );
}

function dot(u: ArrayLike<number>, v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < u.length; i++) s += u[i] * v[i];
  return s;
}

function expectOrthonormal(components: Float64Array, k: number, d: number): void {
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      const ip = dot(components.subarray(a * d, (a + 1) * d), components.subarray(b * d, (b + 1) * d));
      expect(ip).toBeCloseTo(a === b ? 1 : 0, 10);
    }
  }
}

describe('symmetricEigen', () => {
  it('solves [[2,1],[1,2]] exactly: eigenvalues 3 and 1, eigenvectors (1,1)/√2 and (1,−1)/√2', () => {
    const e = symmetricEigen([2, 1, 1, 2], 2);
    expect(e.values[0]).toBeCloseTo(3, 12);
    expect(e.values[1]).toBeCloseTo(1, 12);
    expect(Math.abs(e.vectors[0] + e.vectors[1]) / Math.SQRT2).toBeCloseTo(1, 12);
    expect(Math.abs(e.vectors[2] - e.vectors[3]) / Math.SQRT2).toBeCloseTo(1, 12);
  });

  it('diagonalises a random symmetric 60 × 60 matrix (A v = λ v, orthonormal V, trace preserved)', () => {
    const m = 60;
    const rng = new Rng(11);
    const a = new Float64Array(m * m);
    for (let i = 0; i < m; i++) for (let j = 0; j <= i; j++) a[i * m + j] = a[j * m + i] = rng.normal();
    const e = symmetricEigen(a, m);
    let trace = 0;
    for (let i = 0; i < m; i++) trace += a[i * m + i];
    expect(e.values.reduce((s, v) => s + v, 0)).toBeCloseTo(trace, 9);
    for (let i = 1; i < m; i++) expect(e.values[i]).toBeLessThanOrEqual(e.values[i - 1]);
    expectOrthonormal(e.vectors, m, m);
    for (let c = 0; c < m; c++) {
      const v = e.vectors.subarray(c * m, (c + 1) * m);
      for (let i = 0; i < m; i++) expect(dot(a.subarray(i * m, (i + 1) * m), v)).toBeCloseTo(e.values[c] * v[i], 9);
    }
  });
});

describe('pca', () => {
  it('recovers the exact eigenvalues and axes of a rotated 3-D point set with known covariance', () => {
    // ±3e1, ±2e2, ±1e3: mean 0, covariance diag(18, 8, 2) / 5 exactly; then rotate by R.
    const base = [[3, 0, 0], [-3, 0, 0], [0, 2, 0], [0, -2, 0], [0, 0, 1], [0, 0, -1]];
    const R = matmul(givens(3, 0, 1, 0.7), givens(3, 1, 2, -0.4), 3);
    const rows = base.map((p) => [0, 1, 2].map((i) => dot(R.subarray(i * 3, i * 3 + 3), p) + [5, -2, 1][i]));
    const model = pca(fromRows(rows), { nComponents: 3 });
    expect(Array.from(model.explainedVariance)).toEqual([3.6, 1.6, 0.4].map((v) => expect.closeTo(v, 12)));
    expect(model.totalVariance).toBeCloseTo(5.6, 12);
    expect(Array.from(model.explainedVarianceRatio)).toEqual([3.6 / 5.6, 1.6 / 5.6, 0.4 / 5.6].map((v) => expect.closeTo(v, 12)));
    expect(model.cumulativeVarianceRatio[2]).toBeCloseTo(1, 12);
    expect(Array.from(model.mean)).toEqual([5, -2, 1].map((v) => expect.closeTo(v, 12)));
    // Component c is ±(column c of R): the image of the c-th axis.
    for (let c = 0; c < 3; c++) {
      const axis = [0, 1, 2].map((i) => R[i * 3 + c]);
      expect(Math.abs(dot(model.components.subarray(c * 3, c * 3 + 3), axis))).toBeCloseTo(1, 12);
    }
    expectOrthonormal(model.components, 3, 3);
  });

  it('finds the variances and axes of a sampled rotated 2-D Gaussian (σ = 3, 1 at 30°)', () => {
    const rng = new Rng(2024);
    const n = 20000, t = Math.PI / 6;
    const data = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      const a = rng.normal(0, 3), b = rng.normal(0, 1);
      data[2 * i] = Math.cos(t) * a - Math.sin(t) * b + 10;
      data[2 * i + 1] = Math.sin(t) * a + Math.cos(t) * b - 4;
    }
    const model = pca(matrix(data, n, 2), { nComponents: 2 });
    // Sampling error of a variance is ≈ √(2/n) ≈ 1% relative.
    expect(model.explainedVariance[0]).toBeGreaterThan(9 * 0.96);
    expect(model.explainedVariance[0]).toBeLessThan(9 * 1.04);
    expect(model.explainedVariance[1]).toBeGreaterThan(0.96);
    expect(model.explainedVariance[1]).toBeLessThan(1.04);
    // Sign convention: largest loading positive, so the first axis is (cos 30°, sin 30°).
    expect(model.components[0]).toBeCloseTo(Math.cos(t), 2);
    expect(model.components[1]).toBeCloseTo(Math.sin(t), 2);
    expect(model.explainedVarianceRatio[0]).toBeCloseTo(0.9, 1);
  });

  it('agrees with an axis-aligned sampled 3-D Gaussian (variances 16, 4, 1) and its brute-force covariance', () => {
    const rng = new Rng(5);
    const n = 5000;
    const rows = Array.from({ length: n }, () => [rng.normal(0, 4), rng.normal(0, 2), rng.normal(0, 1)]);
    const model = pca(fromRows(rows), { nComponents: 3 });
    const cov = covariance(rows);
    // Each explained variance is the Rayleigh quotient of the brute-force covariance on its axis.
    for (let c = 0; c < 3; c++) {
      const v = model.components.subarray(c * 3, c * 3 + 3);
      const cv = cov.map((r) => dot(r, v));
      for (let i = 0; i < 3; i++) expect(cv[i]).toBeCloseTo(model.explainedVariance[c] * v[i], 9);
      expect(Math.abs(v[c])).toBeGreaterThan(0.99); // axis-aligned: component c ≈ e_c
      expect(v[c]).toBeGreaterThan(0); // sign convention
    }
    expect(model.explainedVariance[0] / 16).toBeCloseTo(1, 1);
    expect(model.explainedVariance[1] / 4).toBeCloseTo(1, 1);
    expect(model.explainedVariance[2] / 1).toBeCloseTo(1, 1);
  });

  it('uses the Gram matrix when d > n and still satisfies C v = λ v for the brute-force covariance', () => {
    const rng = new Rng(77);
    const n = 8, d = 30;
    const rows = Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()));
    const model = pca(fromRows(rows), { nComponents: 8 });
    expect(model.nComponents).toBe(8);
    const cov = covariance(rows);
    let trace = 0;
    for (let j = 0; j < d; j++) trace += cov[j][j];
    expect(model.totalVariance).toBeCloseTo(trace, 9);
    for (let c = 0; c < 7; c++) {
      const v = model.components.subarray(c * d, (c + 1) * d);
      const cv = cov.map((r) => dot(r, v));
      for (let i = 0; i < d; i++) expect(cv[i]).toBeCloseTo(model.explainedVariance[c] * v[i], 9);
    }
    // Centred data of 8 rows has rank ≤ 7: the 8th direction carries no variance and the 7 kept
    // ones carry all of it.
    expect(model.explainedVariance[7]).toBe(0);
    expect(model.cumulativeVarianceRatio[6]).toBeCloseTo(1, 10);
    expectOrthonormal(model.components, 8, d);
    // Same spectrum as a direct eigendecomposition of the d × d brute-force covariance.
    const eig = symmetricEigen(cov.flat(), d);
    for (let c = 0; c < 7; c++) expect(model.explainedVariance[c]).toBeCloseTo(eig.values[c], 9);
  });

  it('transform gives centred scores whose variances are the explained variances; full reconstruction is exact', () => {
    const rng = new Rng(9);
    const n = 200, d = 5;
    const rows = Array.from({ length: n }, () => {
      const z = rng.normal();
      return Array.from({ length: d }, (_, j) => z * (j + 1) + rng.normal(0, 0.3) + j);
    });
    const x = fromRows(rows);
    const model = pca(x, { nComponents: d });
    const scores = model.transform(x);
    expect(scores.n).toBe(n);
    expect(scores.d).toBe(d);
    for (let c = 0; c < d; c++) {
      let s = 0, s2 = 0;
      for (let i = 0; i < n; i++) {
        s += scores.data[i * d + c];
        s2 += scores.data[i * d + c] ** 2;
      }
      expect(s / n).toBeCloseTo(0, 10);
      expect(s2 / (n - 1)).toBeCloseTo(model.explainedVariance[c], 9);
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        let r = model.mean[j];
        for (let c = 0; c < d; c++) r += scores.data[i * d + c] * model.components[c * d + j];
        expect(r).toBeCloseTo(rows[i][j], 9);
      }
    }
  });

  it('with scale: true is invariant to per-column units and its total variance is d', () => {
    const rng = new Rng(31);
    const n = 300;
    const rows = Array.from({ length: n }, () => {
      const z = rng.normal();
      return [z + rng.normal(0, 0.5), -z + rng.normal(0, 0.5), rng.normal()];
    });
    const rescaled = rows.map((r) => [r[0] * 1000, r[1] * 0.001, r[2] * 7]);
    const a = pca(fromRows(rows), { nComponents: 3, scale: true });
    const b = pca(fromRows(rescaled), { nComponents: 3, scale: true });
    expect(a.totalVariance).toBeCloseTo(3, 10);
    for (let t = 0; t < 9; t++) expect(b.components[t]).toBeCloseTo(a.components[t], 8);
    for (let c = 0; c < 3; c++) expect(b.explainedVariance[c]).toBeCloseTo(a.explainedVariance[c], 8);
    // Unscaled, the 1000× column dominates the first component.
    const raw = pca(fromRows(rescaled), { nComponents: 1 });
    expect(raw.components[0]).toBeCloseTo(1, 6);
  });

  it('defaults to 10 components, clamps to min(n, d) and is deterministic (row order, sign)', () => {
    const rng = new Rng(4);
    const n = 100, d = 16;
    const data = new Float32Array(n * d);
    for (let i = 0; i < n * d; i++) data[i] = rng.normal() * (1 + (i % d));
    const model = pca(matrix(data, n, d));
    expect(model.nComponents).toBe(10);
    expect(model.components.length).toBe(10 * d);
    expect(pca(matrix(data, n, d), { nComponents: 50 }).nComponents).toBe(16);
    // Reversed row order: same covariance, same (sign-fixed) components.
    const rev = new Float32Array(n * d);
    for (let i = 0; i < n; i++) rev.set(data.subarray(i * d, (i + 1) * d), (n - 1 - i) * d);
    const model2 = pca(matrix(rev, n, d));
    for (let t = 0; t < 10 * d; t++) expect(model2.components[t]).toBeCloseTo(model.components[t], 9);
    for (let c = 0; c < 10; c++) {
      const v = Array.from(model.components.subarray(c * d, (c + 1) * d));
      const big = v.reduce((bi, x, j) => (Math.abs(x) > Math.abs(v[bi]) ? j : bi), 0);
      expect(v[big]).toBeGreaterThan(0);
    }
  });

  it('stays accurate for d = 256 with a planted spectrum', () => {
    const rng = new Rng(8);
    const n = 600, d = 256;
    // Independent columns with variances (j + 1)² / 100 (largest ≈ 655, 650, ...).
    const data = new Float64Array(n * d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) data[i * d + j] = rng.normal(0, (j + 1) / 10);
    const t0 = performance.now();
    const model = pca(matrix(data, n, d), { nComponents: 10 });
    const ms = performance.now() - t0;
    expectOrthonormal(model.components, 10, d);
    const eig = symmetricEigen(Float64Array.from(covariance(Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * d, (i + 1) * d)))).flat()), d);
    for (let c = 0; c < 10; c++) expect(model.explainedVariance[c]).toBeCloseTo(eig.values[c], 8);
    expect(ms).toBeLessThan(10_000);
  });
});
