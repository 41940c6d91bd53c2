import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng/rng';
import { boxMean, integralImage, localMeanThreshold, maskToRgba, thresholdToRgba, toGray } from './threshold';

/** Light plastic (200) with dark dots (50) at the given pixels, as RGBA. */
function dotsImage(width: number, height: number, dots: [number, number][], bg = 200, fg = 50): Uint8ClampedArray {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([bg, bg, bg, 255], i * 4);
  for (const [x, y] of dots) data.set([fg, fg, fg, 255], (y * width + x) * 4);
  return data;
}

const onPixels = (mask: Uint8Array, width: number) => [...mask].flatMap((v, i) => (v ? [[i % width, Math.floor(i / width)]] : []));

/** Direct O(pixels · window²) window means, for both edge rules. */
function bruteMean(gray: Float64Array, w: number, h: number, win: number, edge: 'shrink' | 'replicate'): Float64Array {
  const r = (win - 1) / 2;
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0, n = 0;
      for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          let xx = x + dx, yy = y + dy;
          if (edge === 'shrink') {
            if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
          } else {
            xx = Math.min(w - 1, Math.max(0, xx));
            yy = Math.min(h - 1, Math.max(0, yy));
          }
          s += gray[yy * w + xx];
          n++;
        }
      }
      out[y * w + x] = s / n;
    }
  }
  return out;
}

describe('grey and window sums', () => {
  it('uses integer Rec. 601 luma', () => {
    const g = toGray({ width: 3, height: 1, data: [255, 0, 0, 255, 0, 255, 0, 255, 10, 10, 10, 0] });
    // 0.299·255 = 76.2, 0.587·255 = 149.7, grey stays grey.
    expect([...g]).toEqual([76, 150, 10]);
    expect([...toGray({ width: 2, height: 1, channels: 1, data: [7, 9] })]).toEqual([7, 9]);
    // Float samples (0–1) keep their fractional luma.
    const f = toGray({ width: 1, height: 1, channels: 3, data: Float32Array.from([1, 0, 0]) });
    expect(f[0]).toBeCloseTo(0.299, 6);
  });

  it('integral image of a 3 × 2 image', () => {
    const s = integralImage([1, 2, 3, 4, 5, 6], 3, 2);
    expect([...s]).toEqual([0, 0, 0, 0, 0, 1, 3, 6, 0, 5, 12, 21]);
  });

  it('window means at the border: shrink vs replicate, by hand', () => {
    const g = [0, 30, 60, 90];
    expect([...boxMean(g, 4, 1, 3, 'shrink')]).toEqual([15, 30, 60, 75]);
    expect([...boxMean(g, 4, 1, 3, 'replicate')]).toEqual([10, 30, 60, 80]);
    const sq = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(boxMean(sq, 3, 3, 3, 'shrink')[0]).toBe((1 + 2 + 4 + 5) / 4);
    expect(boxMean(sq, 3, 3, 3, 'shrink')[4]).toBe(5);
    // Replicated corner window: rows (0, 0, 1) × columns (0, 0, 1).
    expect(boxMean(sq, 3, 3, 3, 'replicate')[0]).toBe((1 + 1 + 2 + 1 + 1 + 2 + 4 + 4 + 5) / 9);
    // Windows wider than the image.
    expect([...boxMean(sq, 3, 3, 7, 'shrink')]).toEqual(new Array(9).fill(5));
  });

  it('agrees with direct window averaging on a random image', () => {
    const rng = new Rng(11);
    const w = 23, h = 17;
    const gray = Float64Array.from({ length: w * h }, () => rng.int(0, 255));
    for (const edge of ['shrink', 'replicate'] as const) {
      for (const win of [1, 3, 7, 31]) {
        const a = boxMean(gray, w, h, win, edge);
        const b = bruteMean(gray, w, h, win, edge);
        for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 9);
      }
    }
  });

  it('rejects even windows', () => {
    expect(() => boxMean([1, 2], 2, 1, 4)).toThrow('threshold window must be an odd positive integer, got 4');
  });
});

describe('localMeanThreshold', () => {
  const W = 12, H = 9;
  // Single dots including the corner and the right edge, and a 2 × 2 dot.
  const dots: [number, number][] = [[0, 0], [5, 2], [11, 4], [3, 6], [4, 6], [3, 7], [4, 7], [8, 8]];

  it('segments exactly the dark dots', () => {
    for (const edge of ['shrink', 'replicate'] as const) {
      const mask = localMeanThreshold({ width: W, height: H, data: dotsImage(W, H, dots) }, { window: 5, c: 10, edge });
      expect(onPixels(mask, W).sort()).toEqual([...dots].sort());
    }
  });

  it('bright polarity finds light objects on a dark background', () => {
    const mask = localMeanThreshold({ width: W, height: H, data: dotsImage(W, H, dots, 40, 250) }, { window: 5, c: 10, polarity: 'bright' });
    expect(onPixels(mask, W).sort()).toEqual([...dots].sort());
    // The dark rule on that image marks only background next to the dots (a halo), never a dot.
    const halo = onPixels(localMeanThreshold({ width: W, height: H, data: dotsImage(W, H, dots, 40, 250) }, { window: 5, c: 10 }), W);
    expect(halo.length).toBeGreaterThan(0);
    for (const [x, y] of halo) {
      expect(dots.some(([dx, dy]) => dx === x && dy === y)).toBe(false);
      expect(dots.some(([dx, dy]) => Math.max(Math.abs(dx - x), Math.abs(dy - y)) <= 2)).toBe(true);
    }
  });

  it('edge rule changes a border decision as computed by hand', () => {
    // Row [100, 100, 100, 70], window 3, C = 10. Last pixel: shrink mean (100 + 70)/2 = 85 → 70 < 75 → 1;
    // replicate mean (100 + 70 + 70)/3 = 80 → 70 < 70 is false → 0.
    const img = { width: 4, height: 1, channels: 1, data: [100, 100, 100, 70] };
    expect([...localMeanThreshold(img, { window: 3, c: 10, edge: 'shrink' })]).toEqual([0, 0, 0, 1]);
    expect([...localMeanThreshold(img, { window: 3, c: 10, edge: 'replicate' })]).toEqual([0, 0, 0, 0]);
  });

  it('is strict at value = mean − C', () => {
    // Middle pixel: mean 70, value 70 → not below mean − 0; with C = −1 it is below 71.
    const img = { width: 3, height: 1, channels: 1, data: [40, 70, 100] };
    expect(localMeanThreshold(img, { window: 3, c: 0 })[1]).toBe(0);
    expect(localMeanThreshold(img, { window: 3, c: -1 })[1]).toBe(1);
  });

  it('renders masks as RGBA', () => {
    expect([...maskToRgba(Uint8Array.from([1, 0]))]).toEqual([255, 255, 255, 255, 0, 0, 0, 255]);
    expect([...maskToRgba(Uint8Array.from([1, 0]), { on: 0, off: 255 })]).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
    const rgba = thresholdToRgba({ width: W, height: H, data: dotsImage(W, H, dots) }, { window: 5 });
    expect(rgba.length).toBe(W * H * 4);
    expect(rgba[((6 * W + 3) * 4)]).toBe(255);
    expect(rgba[((6 * W + 5) * 4)]).toBe(0);
  });
});
