import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng/rng';
import type { Box } from './boxes';
import { rasteriseCell, sharedPixels } from './cellShape';
import { valueNoiseTexture } from './imageOps';
import { hasHeavyOverlap } from './metrics';
import { defaultSimcepParams, generateCellImage, renderCells, smallSimcepParams, type SimcepParams } from './simcep';

function meanInsideOutside(image: Float32Array, width: number, boxes: Box[]): [number, number] {
  const inside = new Uint8Array(image.length);
  for (const b of boxes) for (let y = b.y1; y < b.y2; y++) for (let x = b.x1; x < b.x2; x++) inside[y * width + x] = 1;
  let si = 0, ni = 0, so = 0, no = 0;
  image.forEach((v, k) => (inside[k] ? ((si += v), ni++) : ((so += v), no++)));
  return [si / ni, so / no];
}

/** Fraction of cell pairs whose masks share pixels, over `images` generated images. */
function overlapRate(params: SimcepParams, seed: number, images: number): { rate: number; maxShared: number; heavyImages: number } {
  let pairs = 0, overlapping = 0, maxShared = 0, heavyImages = 0;
  for (let i = 0; i < images; i++) {
    const { cells, boxes } = generateCellImage(params, new Rng(seed).fork(i));
    if (hasHeavyOverlap(boxes)) heavyImages++;
    const masks = cells.map((c) => rasteriseCell(c, params.width, params.height));
    for (let a = 0; a < masks.length; a++) {
      for (let b = a + 1; b < masks.length; b++) {
        const k = sharedPixels(masks[a], masks[b]);
        pairs++;
        if (k > 0) overlapping++;
        maxShared = Math.max(maxShared, k / Math.min(masks[a].area, masks[b].area));
      }
    }
  }
  return { rate: overlapping / pairs, maxShared, heavyImages };
}

describe('SIMCEP-style generator', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = generateCellImage(defaultSimcepParams, new Rng(42));
    const b = generateCellImage(defaultSimcepParams, new Rng(42));
    const c = generateCellImage(defaultSimcepParams, new Rng(43));
    expect(a.image).toEqual(b.image);
    expect(a.boxes).toEqual(b.boxes);
    expect(a.cells).toEqual(b.cells);
    expect(a.image).not.toEqual(c.image);
    expect(a.boxes).not.toEqual(c.boxes);
  });

  it('re-renders its own cell list exactly, and an edited list under the same conditions', () => {
    const seed = 7;
    const original = generateCellImage(defaultSimcepParams, new Rng(seed));
    const again = renderCells(original.cells, defaultSimcepParams, new Rng(seed));
    expect(again.image).toEqual(original.image);
    expect(again.boxes).toEqual(original.boxes);
    // A user-drawn plain ellipse (no outline jitter), plus one dragged fully out of the image.
    const ellipse = { cx: 100.3, cy: 60, rx: 12, ry: 6, rotation: 0, outline: [], textureSeed: 1, brightness: 1 };
    const outside = { ...ellipse, cx: -50 };
    const edited = renderCells([...original.cells, ellipse, outside], defaultSimcepParams, new Rng(seed));
    expect(edited.imaging).toEqual(original.imaging);
    expect(edited.cells.length).toBe(original.cells.length + 1);
    // Pixel centres inside x ∈ [88.3, 112.3], y ∈ [54.1, 65.9]: cols 88..111, rows 54..65.
    expect(edited.boxes[edited.boxes.length - 1]).toEqual({ x1: 88, y1: 54, x2: 112, y2: 66 });
  });

  it('keeps counts in range and boxes inside the image, around their cells, brighter than the background', () => {
    const params = defaultSimcepParams;
    let brighter = 0;
    const images = 60;
    for (let i = 0; i < images; i++) {
      const r = generateCellImage(params, new Rng(1000 + i));
      expect(r.boxes.length).toBe(r.cells.length);
      expect(r.cells.length).toBeGreaterThanOrEqual(params.cellCount[0]);
      expect(r.cells.length).toBeLessThanOrEqual(Math.min(params.cellCount[1], r.requestedCells));
      r.boxes.forEach((b, j) => {
        expect(b.x1).toBeGreaterThanOrEqual(0);
        expect(b.y1).toBeGreaterThanOrEqual(0);
        expect(b.x2).toBeLessThanOrEqual(params.width);
        expect(b.y2).toBeLessThanOrEqual(params.height);
        expect(b.x2 - b.x1).toBeGreaterThan(2);
        expect(b.y2 - b.y1).toBeGreaterThan(2);
        const { cx, cy } = r.cells[j];
        expect(cx >= b.x1 && cx <= b.x2 && cy >= b.y1 && cy <= b.y2).toBe(true);
      });
      expect(r.image.every((v) => v >= 0 && v <= 1)).toBe(true);
      const [inside, outside] = meanInsideOutside(r.image, params.width, r.boxes);
      if (inside > outside) brighter++;
    }
    expect(brighter).toBe(images);
  });

  it('overlaps more as the overlap limit and clustering rise, and never when L = 0', () => {
    const crowded = (clusterProbability: number, maxOverlap: number): SimcepParams => ({
      ...defaultSimcepParams,
      cellCount: [15, 15],
      clusterCount: [2, 2],
      clusterProbability: [clusterProbability, clusterProbability],
      maxOverlap: [maxOverlap, maxOverlap],
    });
    const none = overlapRate(crowded(1, 0), 1, 15);
    const some = overlapRate(crowded(1, 0.3), 1, 15);
    const more = overlapRate(crowded(1, 0.6), 1, 15);
    const scattered = overlapRate(crowded(0, 0.6), 1, 15);
    expect(none.rate).toBe(0);
    expect(some.maxShared).toBeLessThanOrEqual(0.3);
    expect(some.rate).toBeGreaterThan(0.02);
    expect(more.rate).toBeGreaterThan(some.rate);
    expect(more.rate).toBeGreaterThan(2 * scattered.rate);
    // The Table 3.2 heavy-overlap subset (a box pair with IoU > 0.3) grows with the same controls.
    expect(more.heavyImages).toBeGreaterThan(none.heavyImages);
  });

  it('draws unperturbed circles of area ≈ πr² and textures spanning exactly [b, 1]', () => {
    const circle = rasteriseCell({ cx: 50, cy: 50, rx: 10, ry: 10, rotation: 0, outline: [], textureSeed: 0, brightness: 1 }, 100, 100);
    expect(Math.abs(circle.area - Math.PI * 100) / (Math.PI * 100)).toBeLessThan(0.1);
    expect(circle.box).toEqual({ x1: 40, y1: 40, x2: 60, y2: 60 });
    const t = valueNoiseTexture(23, 17, defaultSimcepParams.texture, new Rng(3));
    expect(Math.min(...t)).toBeCloseTo(0.2, 6);
    expect(Math.max(...t)).toBeCloseTo(1, 6);
  });

  it('generates 224×224 images quickly', () => {
    const rng = new Rng(9);
    const n = 100;
    const start = performance.now();
    for (let i = 0; i < n; i++) generateCellImage(defaultSimcepParams, rng.fork(i));
    const perSecond = (n / (performance.now() - start)) * 1000;
    console.log(`SIMCEP 224×224: ${perSecond.toFixed(0)} images/s`);
    expect(perSecond).toBeGreaterThan(40); // loose: CI machines are shared; ~200/s on an idle core
    const small = generateCellImage(smallSimcepParams, rng);
    expect(small.image.length).toBe(64 * 64);
  });
});
