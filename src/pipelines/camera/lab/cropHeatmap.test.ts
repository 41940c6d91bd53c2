import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng/rng';
import { CropAccumulator, averageHeatmaps, cropPixels, halfRects, leftRightSplit, poolToGrid, relativeHeatmap, sampleCropPositions } from './cropHeatmap';

const arr = (a: ArrayLike<number>) => Array.from(a, (v) => (Number.isNaN(v) ? 'nan' : Math.round(v * 1e6) / 1e6));

describe('sampleCropPositions', () => {
  it('is uniform over every valid top-left corner', () => {
    // 34 × 33 image, 32 × 32 crops: x ∈ {0, 1, 2}, y ∈ {0, 1}.
    const pos = sampleCropPositions(34, 33, 6000, 5);
    const hist = new Map<string, number>();
    for (const p of pos) hist.set(`${p.x},${p.y}`, (hist.get(`${p.x},${p.y}`) ?? 0) + 1);
    expect([...hist.keys()].sort()).toEqual(['0,0', '0,1', '1,0', '1,1', '2,0', '2,1']);
    // Expected 1000 each, binomial sd ≈ 29; allow 5 sd.
    for (const n of hist.values()) expect(Math.abs(n - 1000)).toBeLessThan(145);
  });

  it('is fixed by the seed', () => {
    expect(sampleCropPositions(100, 80, 20, 9)).toEqual(sampleCropPositions(100, 80, 20, new Rng(9)));
    expect(sampleCropPositions(100, 80, 20, 9)).not.toEqual(sampleCropPositions(100, 80, 20, 10));
    expect(sampleCropPositions(32, 32, 3, 1, 32)).toEqual([{ x: 0, y: 0 }, { x: 0, y: 0 }, { x: 0, y: 0 }]);
    expect(() => sampleCropPositions(31, 40, 1, 1)).toThrow('a 32×32 crop does not fit a 31×40 image');
  });
});

describe('CropAccumulator', () => {
  // 4 × 3 image, 2 × 2 crops at (0,0) correct, (1,1) wrong, (2,1) correct.
  const acc = new CropAccumulator(4, 3, 2);
  acc.add(0, 0, true);
  acc.add(1, 1, false);
  acc.add(2, 1, true);

  it('counts crops per pixel (hand-computed)', () => {
    const h = acc.heatmap();
    expect(arr(h.total)).toEqual([1, 1, 0, 0, 1, 2, 2, 1, 0, 1, 2, 1]);
    expect(arr(h.correct)).toEqual([1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1]);
    expect(arr(h.accuracy)).toEqual([1, 1, 'nan', 'nan', 1, 0.5, 0.5, 1, 'nan', 0, 0.5, 1]);
    expect([acc.crops, acc.correctCrops]).toEqual([3, 2]);
  });

  it('pools onto a grid of relative positions (hand-computed)', () => {
    // Columns 0–1 → cell 0, 2–3 → cell 1; rows 0–1 → cell 0 (⌊2y/3⌋), row 2 → cell 1.
    const g = acc.grid(2);
    expect(arr(g.total)).toEqual([5, 3, 1, 3]);
    expect(arr(g.correct)).toEqual([4, 2, 0, 2]);
    expect(arr(g.accuracy)).toEqual([0.8, 0.666667, 0, 0.666667]);
  });

  it('matches a direct count for many random crops', () => {
    const w = 70, h = 50, s = 32;
    const a = new CropAccumulator(w, h, s);
    const rng = new Rng(3);
    const crops = sampleCropPositions(w, h, 300, rng.fork('pos'), s).map((p) => ({ ...p, ok: rng.bernoulli(0.6) }));
    for (const c of crops) a.add(c.x, c.y, c.ok);
    const hm = a.heatmap();
    for (const [px, py] of [[0, 0], [69, 49], [35, 20], [31, 31], [32, 0], [10, 45]]) {
      const over = crops.filter((c) => px >= c.x && px < c.x + s && py >= c.y && py < c.y + s);
      expect(hm.total[py * w + px]).toBe(over.length);
      expect(hm.correct[py * w + px]).toBe(over.filter((c) => c.ok).length);
    }
  });

  it('rejects crops outside the image', () => {
    expect(() => acc.add(3, 0, true)).toThrow('crop at (3, 0) of size 2 is outside the 4×3 image');
  });
});

describe('dataset heatmap', () => {
  it('averages images at relative positions, each image counting once', () => {
    // Image A (4 × 4): one crop per quadrant, only the top-left one correct.
    const a = new CropAccumulator(4, 4, 2);
    a.add(0, 0, true);
    a.add(2, 0, false);
    a.add(0, 2, false);
    a.add(2, 2, false);
    // Image B (8 × 6): many correct crops on the left half only, so the right column of its grid is empty.
    const b = new CropAccumulator(8, 6, 2);
    for (let i = 0; i < 10; i++) b.add(0, 0, true);
    b.add(2, 4, true);
    const gb = b.grid(2);
    expect(arr(gb.accuracy)).toEqual([1, 'nan', 1, 'nan']);
    const avg = averageHeatmaps([a.grid(2), gb]);
    expect(arr(avg.mean)).toEqual([1, 0, 0.5, 0]);
    expect([...avg.images]).toEqual([2, 1, 2, 1]);
    expect(() => averageHeatmaps([a.grid(2), b.grid(3)])).toThrow('heatmap grids differ');
  });

  it('relative heatmap divides by the mean of defined cells', () => {
    expect(arr(relativeHeatmap([0.5, 1, NaN]))).toEqual([0.666667, 1.333333, 'nan']);
  });

  it('pools exact per-pixel counts when the grid equals the image', () => {
    const h = new CropAccumulator(3, 3, 2);
    h.add(1, 1, true);
    const p = h.heatmap();
    expect(arr(poolToGrid(p, 3, 3).total)).toEqual(arr(p.total));
  });
});

describe('left / right halves', () => {
  it('handles odd widths', () => {
    expect(halfRects(8, 5)).toEqual({ left: { x: 0, y: 0, width: 4, height: 5 }, right: { x: 4, y: 0, width: 4, height: 5 } });
    expect(halfRects(7, 5)).toEqual({ left: { x: 0, y: 0, width: 3, height: 5 }, right: { x: 4, y: 0, width: 3, height: 5 } });
    expect(halfRects(7, 5, 'left')).toEqual({ left: { x: 0, y: 0, width: 4, height: 5 }, right: { x: 4, y: 0, width: 3, height: 5 } });
    expect(halfRects(7, 5, 'right')).toEqual({ left: { x: 0, y: 0, width: 3, height: 5 }, right: { x: 3, y: 0, width: 4, height: 5 } });
    expect(() => halfRects(1, 5)).toThrow('cannot halve a 1×5 image');
  });

  it('crops pixels and pairs train-left with test-right', () => {
    // 3 × 2 RGB image whose samples are 0..17.
    const data = Uint8Array.from({ length: 18 }, (_, i) => i);
    const { left, right } = halfRects(3, 2);
    expect([...cropPixels(data, 3, 2, 3, left)]).toEqual([0, 1, 2, 9, 10, 11]);
    expect([...cropPixels(data, 3, 2, 3, right)]).toEqual([6, 7, 8, 15, 16, 17]);
    expect(cropPixels(Float32Array.from(data), 3, 2, 3, right)).toBeInstanceOf(Float32Array);
    expect(() => cropPixels(data, 3, 2, 3, { x: 2, y: 0, width: 2, height: 1 })).toThrow('outside');
    const split = leftRightSplit([{ id: 1, width: 9, height: 4 }]);
    expect(split.train).toEqual([{ item: { id: 1, width: 9, height: 4 }, rect: { x: 0, y: 0, width: 4, height: 4 } }]);
    expect(split.test).toEqual([{ item: { id: 1, width: 9, height: 4 }, rect: { x: 5, y: 0, width: 4, height: 4 } }]);
  });
});
