import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { labelsFromPath } from '../../../core/data/labels';
import { ALL_TRAITS_OFF, CAMERAS, type TraitSwitches } from './camera';
import {
  DATASET_TEMPLATE, datasetCount, datasetPlan, encodeSamplePng, generateDataset, renderSample, sampleScene, samplePath,
} from './generate';

function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

describe('renderSample', () => {
  it('is deterministic: same options → identical bytes; another seed or index → another image', () => {
    const o = { manufacturer: 'm2', camera: 'cam-B', index: 17, size: 96, seed: 123 };
    const a = renderSample(o), b = renderSample(o);
    expect(a.width).toBe(96);
    expect(a.rgba).toHaveLength(96 * 96 * 4);
    expect(same(a.rgba, b.rgba)).toBe(true);
    expect(a.meta).toEqual(b.meta);
    expect(same(renderSample({ ...o, seed: 124 }).rgba, a.rgba)).toBe(false);
    expect(same(renderSample({ ...o, index: 18 }).rgba, a.rgba)).toBe(false);
    for (let i = 3; i < a.rgba.length; i += 4) expect(a.rgba[i]).toBe(255);
  });

  it('prints the same code for both manufacturers (the string is independent of the class)', () => {
    for (let index = 0; index < 20; index++) {
      const m1 = renderSample({ manufacturer: 'm1', camera: 'cam-A', index, size: 32, seed: 5 });
      const m2 = renderSample({ manufacturer: 'm2', camera: 'cam-C', index, size: 32, seed: 5 });
      expect(m1.meta.code).toBe(m2.meta.code);
      expect(m1.meta.code).toBe(sampleScene(5, index).lines.join('\n'));
      expect(m1.meta.code.split('\n')).toHaveLength(2);
    }
    const codes = new Set(Array.from({ length: 20 }, (_, index) => sampleScene(5, index).lines.join('\n')));
    expect(codes.size).toBe(20);
  });

  it('with every trait off, the image depends on the manufacturer but not the camera', () => {
    const base = { index: 3, size: 128, seed: 8, traits: ALL_TRAITS_OFF };
    const a = renderSample({ ...base, manufacturer: 'm1', camera: 'cam-A' });
    const b = renderSample({ ...base, manufacturer: 'm1', camera: 'cam-E' });
    const c = renderSample({ ...base, manufacturer: 'm2', camera: 'cam-A' });
    expect(same(a.rgba, b.rgba)).toBe(true);
    expect(same(a.rgba, c.rgba)).toBe(false);
  });

  it('rejects bad sizes, indices and names', () => {
    expect(() => renderSample({ manufacturer: 'm1', camera: 'cam-A', index: 0, size: 4, seed: 1 })).toThrow(/size/);
    expect(() => renderSample({ manufacturer: 'm1', camera: 'cam-A', index: -1, size: 32, seed: 1 })).toThrow(/index/);
    expect(() => renderSample({ manufacturer: 'm3', camera: 'cam-A', index: 0, size: 32, seed: 1 })).toThrow(/manufacturer/);
    expect(() => renderSample({ manufacturer: 'm1', camera: 'cam-Z', index: 0, size: 32, seed: 1 })).toThrow(/camera/);
  });
});

describe('generateDataset', () => {
  const opts = { perCell: 2, size: 48, seed: 77 };

  it('covers every manufacturer × camera cell, round-robin, with class/camera paths', () => {
    const samples = [...generateDataset(opts)];
    expect(samples).toHaveLength(datasetCount(opts));
    expect(samples).toHaveLength(2 * 5 * 2);
    // First round: one sample of each of the 10 cells, in plan order.
    const plan = datasetPlan(opts);
    expect(samples.slice(0, 10).map((s) => `${s.meta.manufacturer}/${s.meta.camera}`)).toEqual(plan.map((c) => `${c.manufacturer}/${c.camera}`));
    const indices = samples.map((s) => s.meta.index);
    expect(new Set(indices).size).toBe(indices.length);
    for (const s of samples) {
      expect(s.path).toBe(samplePath(s.meta.manufacturer, s.meta.camera, s.meta.index));
      expect(s.path).toMatch(/^m[12]\/cam-[A-E]\/\d{6}\.png$/);
      expect(labelsFromPath(s.path, DATASET_TEMPLATE)).toEqual({ labels: { class: s.meta.manufacturer, camera: s.meta.camera } });
    }
    expect(samplePath('m1', 'cam-A', 123)).toBe('m1/cam-A/000123.png');
  });

  it('regenerates any one sample alone, identical to the dataset’s', () => {
    const traits: Partial<TraitSwitches> = { sharpen: false };
    const samples = [...generateDataset({ ...opts, traits, cameras: ['cam-B', 'cam-D'] })];
    expect(samples).toHaveLength(2 * 2 * 2);
    for (const s of [samples[0], samples[5], samples[7]]) {
      const again = renderSample({ manufacturer: s.meta.manufacturer, camera: s.meta.camera, index: s.meta.index, size: 48, seed: 77, traits });
      expect(same(again.rgba, s.rgba)).toBe(true);
    }
  });

  it('shares objects across cells only when asked', () => {
    const shared = [...generateDataset({ ...opts, perCell: 1, sharedScenes: true, manufacturers: ['m1', 'm2'], cameras: ['cam-A'] })];
    expect(shared.map((s) => s.meta.index)).toEqual([0, 0]);
    expect(shared[0].meta.code).toBe(shared[1].meta.code);
    const unique = [...generateDataset({ ...opts, perCell: 1, manufacturers: ['m1', 'm2'], cameras: ['cam-A'] })];
    expect(unique.map((s) => s.meta.index)).toEqual([0, 1]);
  });

  it('encodes a sample as an RGB PNG that decodes to the same pixels', () => {
    const s = renderSample({ manufacturer: 'm1', camera: 'cam-C', index: 2, size: 40, seed: 3 });
    const png = decode(encodeSamplePng(s));
    expect([png.width, png.height, png.channels, png.depth]).toEqual([40, 40, 3, 8]);
    for (let i = 0; i < 40 * 40; i++) for (let c = 0; c < 3; c++) expect(png.data[3 * i + c]).toBe(s.rgba[4 * i + c]);
  });
});

/** Simple per-image statistics: colour means and high-frequency texture measures. */
function features(rgba: Uint8ClampedArray, w: number, h: number, colour: boolean): number[] {
  const px = (x: number, y: number, c: number) => rgba[4 * (y * w + x) + c];
  const lap = (f: (x: number, y: number) => number, x: number, y: number) => Math.abs(4 * f(x, y) - f(x - 1, y) - f(x + 1, y) - f(x, y - 1) - f(x, y + 1));
  const g = (x: number, y: number) => px(x, y, 1), rg = (x: number, y: number) => px(x, y, 0) - px(x, y, 1), bg = (x: number, y: number) => px(x, y, 2) - px(x, y, 1);
  let lg = 0, lrg = 0, lbg = 0, dh = 0, dv = 0, edge = 0, nEdge = 0, inner = 0, nInner = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      lg += lap(g, x, y); lrg += lap(rg, x, y); lbg += lap(bg, x, y);
      const d = Math.abs(g(x, y) - g(x - 1, y));
      dh += d; dv += Math.abs(g(x, y) - g(x, y - 1));
      if (x % 8 === 0) { edge += d; nEdge++; } else { inner += d; nInner++; }
    }
  }
  const k = (w - 2) * (h - 2);
  const hf = [lg / k, lrg / k, lbg / k, dh / dv, edge / nEdge / (inner / nInner)];
  if (!colour) return hf;
  const mean = [0, 1, 2].map((c) => { let s = 0; for (let i = 0; i < w * h; i++) s += rgba[4 * i + c]; return s / (w * h); });
  return [...mean, ...hf];
}

/** Leave-one-out nearest-centroid accuracy on z-scored features. */
function looAccuracy(X: number[][], y: number[]): number {
  const d = X[0].length, n = X.length;
  const mu = Array.from({ length: d }, (_, j) => X.reduce((s, r) => s + r[j], 0) / n);
  const sd = Array.from({ length: d }, (_, j) => Math.sqrt(X.reduce((s, r) => s + (r[j] - mu[j]) ** 2, 0) / n) || 1);
  const Z = X.map((r) => r.map((v, j) => (v - mu[j]) / sd[j]));
  const classes = [...new Set(y)];
  let ok = 0;
  for (let i = 0; i < n; i++) {
    let best = -1, bestD = Infinity;
    for (const c of classes) {
      const members = Z.filter((_, j) => j !== i && y[j] === c);
      const cen = Array.from({ length: d }, (_, k) => members.reduce((s, r) => s + r[k], 0) / members.length);
      const dist = cen.reduce((s, v, k) => s + (v - Z[i][k]) ** 2, 0);
      if (dist < bestD) { bestD = dist; best = c; }
    }
    if (best === y[i]) ok++;
  }
  return ok / n;
}

describe('learnability smoke test (128²)', () => {
  const shots = (traits: Partial<TraitSwitches>, colour: boolean, perCamera: number) => {
    const X: number[][] = [], y: number[] = [];
    let index = 0;
    for (let k = 0; k < perCamera; k++) {
      CAMERAS.forEach((cam, ci) => {
        const s = renderSample({ manufacturer: k % 2 ? 'm1' : 'm2', camera: cam, index: index++, size: 128, seed: 9, traits });
        X.push(features(s.rgba, 128, 128, colour));
        y.push(ci);
      });
    }
    return looAccuracy(X, y);
  };

  it('cameras leave measurable traces: trivial statistics beat chance (0.2) by far', () => {
    // All traits: colour means and texture separate the five cameras.
    expect(shots({}, true, 6)).toBeGreaterThan(0.6);
    // Texture alone, with the colour and tone traits off (as under the thesis's colour jitter).
    expect(shots({ colour: false, tone: false }, false, 6)).toBeGreaterThan(0.45);
  });

  it('with every trait off the cameras are indistinguishable', () => {
    expect(shots(ALL_TRAITS_OFF, true, 4)).toBeLessThan(0.45);
  });
});
