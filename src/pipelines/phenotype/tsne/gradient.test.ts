import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng/rng';
import { csrToDense, exactAffinities, knnAffinities } from './affinities';
import {
  QuadTree,
  barnesHutGradient,
  barnesHutRepulsion,
  exactGradient,
  exactZ,
  klDivergenceDense,
  klDivergenceSparse,
} from './gradient';

const SEED = 99;

function gaussian(count: number, std: number, seed: number): Float64Array {
  const r = new Rng(seed);
  const out = new Float64Array(count);
  for (let t = 0; t < count; t++) out[t] = r.normal(0, std);
  return out;
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let t = 0; t < a.length; t++) {
    num += (a[t] - b[t]) ** 2;
    den += b[t] ** 2;
  }
  return Math.sqrt(num / den);
}

describe('exact KL gradient', () => {
  it('two points: KL = 0 and the exaggerated gradient matches the hand-computed 2w(α−1)(y_i − y_j)', () => {
    const P = [0, 0.5, 0.5, 0];
    const y = [0, 0, 1, 0];
    expect(klDivergenceDense(P, y, 2, 2)).toBeCloseTo(0, 15);
    const g = new Float64Array(4);
    const z = exactGradient(P, y, 2, 2, g, 1);
    expect(z).toBeCloseTo(1, 15); // 2 · 1/(1+1)
    for (const v of g) expect(v).toBeCloseTo(0, 15);
    exactGradient(P, y, 2, 2, g, 12);
    // w = 1/2, y_1 − y_2 = (−1, 0): 2 · 0.5 · 11 · (−1) = −11.
    expect(Array.from(g)).toEqual([-11, 0, 11, 0]);
  });

  it.each([2, 3])('matches central finite differences of KL on N=6 (dims=%d)', (dims) => {
    const n = 6;
    const x = gaussian(n * 4, 1, SEED);
    const { P } = exactAffinities(x, n, 4, 2.5);
    const y = gaussian(n * dims, 1, SEED + dims);
    const g = new Float64Array(n * dims);
    exactGradient(P, y, n, dims, g);
    const fd = new Float64Array(n * dims);
    const h = 1e-5;
    for (let t = 0; t < n * dims; t++) {
      const yp = Float64Array.from(y); yp[t] += h;
      const ym = Float64Array.from(y); ym[t] -= h;
      fd[t] = (klDivergenceDense(P, yp, n, dims) - klDivergenceDense(P, ym, n, dims)) / (2 * h);
    }
    expect(relErr(g, fd)).toBeLessThan(1e-7);
    for (let t = 0; t < n * dims; t++) expect(Math.abs(g[t] - fd[t])).toBeLessThan(1e-8);
  });
});

describe('Barnes–Hut', () => {
  const n = 300;
  const d = 8;
  const x = gaussian(n * d, 2, SEED + 10);
  const { P } = knnAffinities(x, n, d, 20);
  const Pd = csrToDense(P);
  // An embedding with clusters and spread, like a mid-optimisation t-SNE map.
  const y = gaussian(n * 2, 3, SEED + 11);
  for (let i = 0; i < n; i++) y[2 * i] += (i % 3) * 15;
  const gExact = new Float64Array(2 * n);
  const zExact = exactGradient(Pd, y, n, 2, gExact, 4);

  it('theta = 0 reproduces the exact gradient and Z', () => {
    const g = new Float64Array(2 * n);
    const z = barnesHutGradient(P, y, n, g, 0, 4);
    expect(Math.abs(z - zExact) / zExact).toBeLessThan(1e-12);
    expect(Math.abs(zExact - exactZ(y, n, 2)) / zExact).toBeLessThan(1e-12);
    for (let t = 0; t < 2 * n; t++) expect(Math.abs(g[t] - gExact[t])).toBeLessThan(1e-6 * (1e-3 + Math.abs(gExact[t])));
  });

  it('theta = 0.5 is close to exact; errors grow with theta', () => {
    // No exaggeration: the approximated repulsive term then weighs most in the gradient.
    const g1 = new Float64Array(2 * n);
    exactGradient(Pd, y, n, 2, g1, 1);
    const results = [0.25, 0.5, 1].map((theta) => {
      const g = new Float64Array(2 * n);
      const z = barnesHutGradient(P, y, n, g, theta, 1);
      return { zErr: Math.abs(z - zExact) / zExact, gErr: relErr(g, g1) };
    });
    expect(results[1].zErr).toBeLessThan(0.01);
    expect(results[1].gErr).toBeLessThan(0.03);
    expect(results[0].gErr).toBeLessThan(results[1].gErr);
    expect(results[1].gErr).toBeLessThan(results[2].gErr);
    expect(results[0].zErr).toBeLessThan(results[1].zErr);
    expect(results[1].zErr).toBeLessThan(results[2].zErr);
  });

  it('handles coincident points (theta = 0 still exact)', () => {
    const m = 40;
    const yy = gaussian(m * 2, 1, SEED + 12);
    for (let i = 0; i < 10; i++) { yy[2 * i] = 0.5; yy[2 * i + 1] = -0.25; }
    const rep = new Float64Array(2 * m);
    const z = barnesHutRepulsion(yy, m, 0, rep);
    // Exact repulsion by direct summation.
    const want = new Float64Array(2 * m);
    let zw = 0;
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
      if (i === j) continue;
      const dx = yy[2 * i] - yy[2 * j], dy = yy[2 * i + 1] - yy[2 * j + 1];
      const w = 1 / (1 + dx * dx + dy * dy);
      zw += w;
      want[2 * i] += w * w * dx;
      want[2 * i + 1] += w * w * dy;
    }
    expect(z).toBeCloseTo(zw, 10);
    for (let t = 0; t < 2 * m; t++) expect(rep[t]).toBeCloseTo(want[t], 12);
  });

  it('quadtree cells partition the points and centres of mass are the cell means', () => {
    const tree = new QuadTree(y, n);
    expect(tree.end[0] - tree.start[0]).toBe(n);
    const seen = new Set(Array.from(tree.perm));
    expect(seen.size).toBe(n);
    for (let node = 0; node < tree.nodeCount; node++) {
      let sx = 0;
      for (let t = tree.start[node]; t < tree.end[node]; t++) sx += y[2 * tree.perm[t]];
      expect(tree.comX[node]).toBeCloseTo(sx / (tree.end[node] - tree.start[node]), 9);
      if (tree.childCount[node] > 0) {
        const f = tree.firstChild[node];
        expect(tree.start[f]).toBe(tree.start[node]);
        expect(tree.end[f + tree.childCount[node] - 1]).toBe(tree.end[node]);
        for (let c = 0; c < tree.childCount[node]; c++) expect(tree.width[f + c]).toBe(tree.width[node] / 2);
      }
    }
  });

  it('sparse KL with exact Z equals dense KL', () => {
    expect(klDivergenceSparse(P, y, 2, exactZ(y, n, 2))).toBeCloseTo(klDivergenceDense(Pd, y, n, 2), 10);
  });
});
