import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng/rng';
import { eraseNoise, eraseRects, sampleEraseRect } from './erase';
import { augmentPipeline } from './pipeline';
import { heSigma, randConv, randConvWeights } from './randconv';
import type { AppliedTransform } from './types';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type EraseEntry = Extract<AppliedTransform, { op: 'erase' }>;

describe('random erasing', () => {
  it.each(['noise', 0.9] as const)('changes exactly the recorded rectangle (fill %s)', (fill) => {
    const [n, h, w, c] = [4, 12, 16, 3];
    const img = tf.fill([n, h, w, c], 0.5) as tf.Tensor4D;
    const { output, record } = augmentPipeline({ transforms: [{ op: 'erase', p: 1, fill }] }, 21).apply(img, 3);
    const out = output.dataSync();
    record.images.forEach((entries, i) => {
      expect(entries).toHaveLength(1);
      const e = entries[0] as EraseEntry;
      expect(e.op).toBe('erase');
      expect(e.x).toBeGreaterThanOrEqual(0);
      expect(e.y).toBeGreaterThanOrEqual(0);
      expect(e.x + e.w).toBeLessThanOrEqual(w);
      expect(e.y + e.h).toBeLessThanOrEqual(h);
      expect(e.area).toBe(e.w * e.h);
      let changed = 0;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const inside = y >= e.y && y < e.y + e.h && x >= e.x && x < e.x + e.w;
          for (let ch = 0; ch < c; ch++) {
            const v = out[((i * h + y) * w + x) * c + ch];
            if (!inside) expect(v).toBe(0.5);
            else if (fill === 'noise') expect(v >= 0 && v < 1).toBe(true);
            else expect(v).toBe(Math.fround(0.9));
            if (v !== 0.5) changed++;
          }
        }
      }
      // Noise can hit 0.5 exactly only with probability ~0; every erased value differs.
      expect(changed).toBe(e.area * c);
    });
    tf.dispose([img, output]);
  });

  it('places each noise patch row-major in its rectangle; mixed noise / constant / untouched batch', () => {
    const [h, w, c] = [7, 9, 2];
    const img = tf.fill([3, h, w, c], 0.25) as tf.Tensor4D;
    const rects = [{ x: 2, y: 1, w: 4, h: 3 }, { x: 0, y: 5, w: 9, h: 2 }, null];
    const out = eraseRects(img, rects, [{ kind: 'noise', seed: 42 }, { kind: 'constant', value: 0.75 }, null]);
    const v = out.arraySync() as number[][][][];
    const noise = eraseNoise(42, 3, 4, c);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let ch = 0; ch < c; ch++) {
          const in0 = y >= 1 && y < 4 && x >= 2 && x < 6;
          expect(v[0][y][x][ch]).toBe(in0 ? noise[((y - 1) * 4 + (x - 2)) * c + ch] : 0.25);
          expect(v[1][y][x][ch]).toBe(y >= 5 ? 0.75 : 0.25);
          expect(v[2][y][x][ch]).toBe(0.25);
        }
      }
    }
    tf.dispose([img, out]);
  });

  it("samples rectangles inside the image with Zhong et al.'s area and aspect ranges", () => {
    const rng = new Rng(99);
    const [w, h] = [64, 48];
    for (let i = 0; i < 500; i++) {
      const r = sampleEraseRect(rng, w, h, [0.02, 0.4], [0.3, 1 / 0.3]);
      expect(r).not.toBeNull();
      const { x, y, w: rw, h: rh } = r!;
      expect(x >= 0 && y >= 0 && x + rw <= w && y + rh <= h).toBe(true);
      // Rounding each side to an integer moves the area by at most about one row + one column.
      expect(rw * rh).toBeGreaterThanOrEqual(0.02 * w * h - (rw + rh + 1));
      expect(rw * rh).toBeLessThanOrEqual(0.4 * w * h + (rw + rh + 1));
      expect(rh / rw).toBeGreaterThan(0.3 * 0.7);
      expect(rh / rw).toBeLessThan((1 / 0.3) * 1.4);
    }
    // An impossible area gives up (no rectangle) instead of looping.
    expect(sampleEraseRect(rng, 4, 4, [0.99, 1], [1, 1], 10)).toBeNull();
  });
});

describe('RandConv', () => {
  it('k = 1 is a per-pixel linear colour map (matches a matmul with the recorded kernel)', () => {
    const [n, h, w, c] = [2, 5, 6, 3];
    const img = tf.randomUniform([n, h, w, c], 0, 1, 'float32', 31) as tf.Tensor4D;
    const aug = augmentPipeline({ transforms: [{ op: 'randConv', p: 1, kernelSizes: [1], mix: true, clamp: false }] }, 8);
    const { output, record } = aug.apply(img, 0);
    const outRows = tf.unstack(output);
    record.images.forEach((entries, i) => {
      const e = entries[0] as Extract<AppliedTransform, { op: 'randConv' }>;
      expect(e.kernelSize).toBe(1);
      expect(e.sigma).toBeCloseTo(heSigma(1, 3), 12);
      expect(e.alpha).toBeGreaterThanOrEqual(0);
      expect(e.alpha).toBeLessThan(1);
      const weights = tf.tensor2d(randConvWeights(e.weightSeed, 1, c, e.sigma), [c, c]);
      const x = tf.slice(img, [i, 0, 0, 0], [1, -1, -1, -1]).reshape([h * w, c]);
      const expected = tf.add(tf.mul(x, e.alpha), tf.mul(tf.matMul(x, weights), 1 - e.alpha));
      const diff = tf.max(tf.abs(tf.sub(outRows[i].reshape([h * w, c]), expected))).dataSync()[0];
      expect(diff).toBeLessThan(1e-6);
      tf.dispose([weights, x, expected]);
    });
    tf.dispose([img, output, ...outRows]);
  });

  it('k = 3, 5, 7 (batched as one depthwise convolution per size) equal per-image tf.conv2d', () => {
    const [h, w, c] = [8, 10, 3];
    const img = tf.randomUniform([5, h, w, c], 0, 1, 'float32', 33) as tf.Tensor4D;
    const params = [3, 5, 3, 7, 5].map((k, i) => ({ kernelSize: k, sigma: heSigma(k, c), alpha: i / 10, weightSeed: 7 + i, clamp: false }));
    const out = randConv(img, params);
    params.forEach((p, i) => {
      const x = tf.slice(img, [i, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
      const kernel = tf.tensor4d(randConvWeights(p.weightSeed, p.kernelSize, c, p.sigma), [p.kernelSize, p.kernelSize, c, c]);
      const ref = tf.add(tf.mul(x, p.alpha), tf.mul(tf.conv2d(x, kernel, 1, 'same'), 1 - p.alpha));
      const got = tf.slice(out, [i, 0, 0, 0], [1, -1, -1, -1]);
      expect(tf.max(tf.abs(tf.sub(got, ref))).dataSync()[0]).toBeLessThan(1e-5);
      tf.dispose([x, kernel, ref, got]);
    });
    tf.dispose([img, out]);
  });

  it('keeps the shape for k = 3, 5, 7, leaves null entries untouched and clamps by default', () => {
    const img = tf.randomUniform([4, 9, 9, 3], 0, 1, 'float32', 32) as tf.Tensor4D;
    const params = [3, 5, 7].map((k, i) => ({ kernelSize: k, sigma: 1, alpha: 0, weightSeed: 100 + i, clamp: true }));
    const out = randConv(img, [...params, null]);
    expect(out.shape).toEqual([4, 9, 9, 3]);
    const v = out.dataSync();
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
    const last = tf.slice(out, [3, 0, 0, 0], [1, -1, -1, -1]);
    const orig = tf.slice(img, [3, 0, 0, 0], [1, -1, -1, -1]);
    expect(Array.from(last.dataSync())).toEqual(Array.from(orig.dataSync()));
    expect(() => randConv(img, [{ kernelSize: 2, sigma: 1, alpha: 0, weightSeed: 1, clamp: true }, null, null, null])).toThrow(/odd/);
    tf.dispose([img, out, last, orig]);
  });

  it('draws weights from N(0, σ²)', () => {
    const wts = randConvWeights(5, 7, 3, 0.5);
    expect(wts.length).toBe(7 * 7 * 3 * 3);
    const mean = wts.reduce((a, b) => a + b, 0) / wts.length;
    const sd = Math.sqrt(wts.reduce((a, b) => a + (b - mean) ** 2, 0) / wts.length);
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(sd).toBeGreaterThan(0.4);
    expect(sd).toBeLessThan(0.6);
  });
});
