import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng/rng';
import { createTsne, pcaProject, runTsne, type TsneMethod } from './tsne';

const DATA_SEED = 2024;
const TSNE_SEED = 17;

/** Three well-separated Gaussian clusters in 10-D (unit noise, centres ~N(0, 8²) per axis). */
function threeClusters(perCluster: number, seed: number): { x: Float64Array; labels: Int32Array; n: number; d: number } {
  const d = 10;
  const r = new Rng(seed);
  const centres = Array.from({ length: 3 }, () => Array.from({ length: d }, () => r.normal(0, 8)));
  const n = 3 * perCluster;
  const x = new Float64Array(n * d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    labels[i] = c;
    for (let k = 0; k < d; k++) x[i * d + k] = centres[c][k] + r.normal();
  }
  return { x, labels, n, d };
}

/** Leave-one-out 1-nearest-neighbour label accuracy in a 2-D embedding. */
function oneNnAccuracy(y: ArrayLike<number>, labels: Int32Array): number {
  const n = labels.length;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = -1, bestD = Infinity;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const dd = (y[2 * i] - y[2 * j]) ** 2 + (y[2 * i + 1] - y[2 * j + 1]) ** 2;
      if (dd < bestD) { bestD = dd; best = j; }
    }
    if (labels[best] === labels[i]) correct++;
  }
  return correct / n;
}

describe('t-SNE on three separated clusters (150 points in 10-D)', () => {
  const data = threeClusters(50, DATA_SEED);

  it.each<TsneMethod>(['exact', 'barnes-hut'])('%s: separates the clusters and KL decreases', (method) => {
    const t = createTsne(data.x, data.n, data.d, { perplexity: 30, method, seed: TSNE_SEED });
    expect(t.options.learningRate).toBe(50); // max(150 / 12 / 4, 50)
    const kl0 = t.kl();
    const kls: number[] = [];
    for (let s = 0; s < 8; s++) kls.push(t.step(100, { computeKl: true }).kl!);
    expect(t.iteration).toBe(800);
    // After early exaggeration ends (iteration 250) KL decreases monotonically in these checkpoints.
    for (let s = 3; s < kls.length; s++) expect(kls[s]).toBeLessThanOrEqual(kls[s - 1] + 1e-9);
    expect(kls[kls.length - 1]).toBeLessThan(0.5 * kl0);
    const y = t.embedding();
    expect(y).toBeInstanceOf(Float32Array);
    expect(y.length).toBe(2 * data.n);
    expect(oneNnAccuracy(y, data.labels)).toBeGreaterThanOrEqual(0.95);
    // Clusters are far apart relative to their own spread: each between-centroid distance
    // exceeds twice the largest within-cluster RMS radius.
    const cent = [0, 1, 2].map((c) => {
      let sx = 0, sy = 0, m = 0;
      for (let i = 0; i < data.n; i++) if (data.labels[i] === c) { sx += y[2 * i]; sy += y[2 * i + 1]; m++; }
      return [sx / m, sy / m];
    });
    let maxRadius = 0;
    for (let c = 0; c < 3; c++) {
      let ss = 0, m = 0;
      for (let i = 0; i < data.n; i++) if (data.labels[i] === c) {
        ss += (y[2 * i] - cent[c][0]) ** 2 + (y[2 * i + 1] - cent[c][1]) ** 2; m++;
      }
      maxRadius = Math.max(maxRadius, Math.sqrt(ss / m));
    }
    for (let a = 0; a < 3; a++) for (let b = a + 1; b < 3; b++) {
      expect(Math.hypot(cent[a][0] - cent[b][0], cent[a][1] - cent[b][1])).toBeGreaterThan(2 * maxRadius);
    }
  });

  it('Barnes–Hut with theta = 0 follows the exact method given the same P', () => {
    // With k = N−1 neighbours the sparse P equals the exact P, so both methods take the same steps.
    const opts = { perplexity: 20, seed: TSNE_SEED, neighbors: data.n - 1 };
    const exact = createTsne(data.x, data.n, data.d, { ...opts, method: 'exact' });
    const bh = createTsne(data.x, data.n, data.d, { ...opts, method: 'barnes-hut', theta: 0 });
    exact.step(10);
    bh.step(10);
    const a = exact.embedding64(), b = bh.embedding64();
    let maxDiff = 0, scale = 0;
    for (let t = 0; t < a.length; t++) { maxDiff = Math.max(maxDiff, Math.abs(a[t] - b[t])); scale = Math.max(scale, Math.abs(a[t])); }
    expect(maxDiff).toBeLessThan(1e-10 * scale);
    expect(bh.kl()).toBeCloseTo(exact.kl(), 9);
  });
});

describe('t-SNE stepper', () => {
  const data = threeClusters(20, DATA_SEED + 1);

  it('is deterministic for a seed and differs between seeds', () => {
    const run = (seed: number, method: TsneMethod) => {
      const t = createTsne(data.x, data.n, data.d, { perplexity: 10, seed, method });
      expect(t.options.seed).toBe(seed);
      t.step(60);
      return t.embedding();
    };
    for (const method of ['exact', 'barnes-hut'] as const) {
      expect(run(5, method)).toEqual(run(5, method));
      expect(run(5, method)).not.toEqual(run(6, method));
    }
  });

  it('initialises with seeded N(0, 1e-4²) coordinates', () => {
    const t = createTsne(data.x, data.n, data.d, { perplexity: 10, seed: 3 });
    const y = t.embedding64();
    let ss = 0;
    for (const v of y) ss += v * v;
    const sd = Math.sqrt(ss / y.length);
    expect(sd).toBeGreaterThan(0.5e-4);
    expect(sd).toBeLessThan(2e-4);
  });

  it('one step on two points follows the hand-computed momentum/gain update', () => {
    // P = [[0, ½], [½, 0]], y = (0,0), (1,0), α = 12: gradient (−11, 0), (11, 0) (w = ½).
    // Gains start at 1: +0.2 where sign(grad) ≠ sign(previous update = 0), i.e. grad > 0, else ×0.8.
    // update = −lr·gain·grad → x: −50·0.8·(−11) = 440, −50·1.2·11 = −660; then re-centring.
    const x = new Float64Array([0, 0, 0, 3]);
    const t = createTsne(x, 2, 2, { perplexity: 1, learningRate: 50, init: new Float64Array([0, 0, 1, 0]) });
    t.step(1);
    const y = t.embedding64();
    expect(y[0]).toBeCloseTo(549.5, 9);
    expect(y[2]).toBeCloseTo(-549.5, 9);
    expect(y[1]).toBe(0);
    expect(y[3]).toBe(0);
    expect(Array.from(t.lastGradient())).toEqual([-11, 0, 11, 0]);
  });

  it('resolves options: auto learning rate and method limits', () => {
    const t = createTsne(data.x, data.n, data.d, { perplexity: 10, learningRate: 'auto', earlyExaggeration: 4 });
    expect(t.options.learningRate).toBe(50);
    expect(t.options.neighbors).toBe(30);
    expect(() => createTsne(data.x, data.n, data.d, { perplexity: 10, method: 'barnes-hut', dims: 3 })).toThrow(/dims = 2/);
    expect(() => createTsne(data.x, data.n, data.d, { perplexity: 100 })).toThrow(/perplexity/);
  });

  it('supports a 3-D exact embedding', () => {
    const t = createTsne(data.x, data.n, data.d, { perplexity: 10, dims: 3, seed: 1 });
    const kl0 = t.kl();
    t.step(300);
    expect(t.embedding().length).toBe(3 * data.n);
    expect(t.kl()).toBeLessThan(kl0);
  });

  it('PCA init projects onto the principal axes, scaled to sd 1e-4', () => {
    // Points on a line along direction (3, 4, 0)/5 plus tiny noise in the third axis.
    const n = 50;
    const r = new Rng(8);
    const x = new Float64Array(n * 3);
    const s = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = r.normal(0, 2);
      x[3 * i] = 1 + 0.6 * s[i];
      x[3 * i + 1] = -2 + 0.8 * s[i];
      x[3 * i + 2] = r.normal(0, 0.01);
    }
    const pcs = pcaProject(x, n, 3, 1, new Rng(1));
    let mean = 0;
    for (let i = 0; i < n; i++) mean += s[i] / n;
    // The 0.01 noise tilts the axis slightly, hence 5 digits.
    for (let i = 0; i < n; i++) expect(pcs[i]).toBeCloseTo(s[i] - mean, 5);
    const t = createTsne(x, n, 3, { perplexity: 5, init: 'pca', seed: 2 });
    const y = t.embedding64();
    let ss = 0, m0 = 0;
    for (let i = 0; i < n; i++) m0 += y[2 * i] / n;
    for (let i = 0; i < n; i++) ss += (y[2 * i] - m0) ** 2;
    expect(Math.sqrt(ss / n)).toBeCloseTo(1e-4, 12);
    // First coordinate proportional to the projection on the line.
    const ratio = y[0] / (s[0] - mean);
    for (let i = 0; i < n; i++) expect(y[2 * i] / ratio).toBeCloseTo(s[i] - mean, 5);
  });

  it('runTsne reports progress in chunks and can be cancelled', async () => {
    const t = createTsne(data.x, data.n, data.d, { perplexity: 10, seed: 4 });
    const seen: number[] = [];
    const done = await runTsne(t, 45, { chunk: 10, computeKl: true, onProgress: (r) => seen.push(r.iteration) });
    expect(seen).toEqual([10, 20, 30, 40, 45]);
    expect(done.iteration).toBe(45);
    expect(done.kl).toBeGreaterThan(0);

    const t2 = createTsne(data.x, data.n, data.d, { perplexity: 10, seed: 4 });
    const ctrl = new AbortController();
    const run = runTsne(t2, 1000, { chunk: 5, signal: ctrl.signal, onProgress: (r) => { if (r.iteration >= 15) ctrl.abort(); } });
    await expect(run).rejects.toThrow();
    expect(t2.iteration).toBe(15);
  });
});
