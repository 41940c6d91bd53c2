/**
 * Random erasing (Zhong et al., "Random Erasing Data Augmentation", AAAI 2020): pick a rectangle
 * of area S_e ~ U(s_l, s_h)·S and aspect r_e ~ U(r_1, r_2) (h/w), H_e = round(√(S_e·r_e)),
 * W_e = round(√(S_e/r_e)); redraw until it fits, then fill it with noise or a constant.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../core/rng/rng';

export interface EraseRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export const ZHONG_AREA: readonly [number, number] = [0.02, 0.4];
export const ZHONG_ASPECT: readonly [number, number] = [0.3, 1 / 0.3];

/** Zhong et al.'s rejection sampler; null when no rectangle fit within maxAttempts. */
export function sampleEraseRect(
  rng: Rng,
  width: number,
  height: number,
  area: readonly [number, number] = ZHONG_AREA,
  aspect: readonly [number, number] = ZHONG_ASPECT,
  maxAttempts = 100,
): EraseRect | null {
  const s = width * height;
  for (let i = 0; i < maxAttempts; i++) {
    const target = rng.uniform(area[0], area[1]) * s;
    const r = rng.uniform(aspect[0], aspect[1]);
    const h = Math.round(Math.sqrt(target * r));
    const w = Math.round(Math.sqrt(target / r));
    // Strictly smaller than the image, as in Zhong et al.'s reference code.
    if (w < 1 || h < 1 || w >= width || h >= height) continue;
    const x = rng.int(0, width - w);
    const y = rng.int(0, height - h);
    return { x, y, w, h };
  }
  return null;
}

/** Uniform [0,1) noise for an h×w×c rectangle, from its own seed (so a record can replay it). */
export function eraseNoise(seed: number, h: number, w: number, c: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(h * w * c);
  for (let i = 0; i < out.length; i++) out[i] = rng.next();
  return out;
}

export type EraseFill = { kind: 'noise'; seed: number } | { kind: 'constant'; value: number };

/**
 * Erase one rectangle per image (null = leave the image alone). Pixels outside the rectangles are
 * returned unchanged, bit for bit. All noise patches travel in one upload and are placed with one
 * gather whose indices are computed on the device from the per-image rectangles.
 */
export function eraseRects(images: tf.Tensor4D, rects: readonly (EraseRect | null)[], fills: readonly (EraseFill | null)[]): tf.Tensor4D {
  const [n, height, width, c] = images.shape;
  if (rects.length !== n || fills.length !== n) throw new Error('eraseRects: one rectangle (or null) per image');
  const active = rects.map((r, i) => (r && fills[i] ? r : null));
  if (active.every((r) => r === null)) return images.clone();
  const base: number[] = [];
  const patches: Float32Array[] = [];
  let total = 0;
  active.forEach((r, i) => {
    base.push(total / c);
    const fill = fills[i];
    if (r && fill?.kind === 'noise') {
      patches.push(eraseNoise(fill.seed, r.h, r.w, c));
      total += r.h * r.w * c;
    }
  });
  return tf.tidy(() => {
    const perImage = (f: (r: EraseRect | null, i: number) => number, dtype: 'int32' | 'float32' = 'int32') =>
      tf.tensor4d(active.map(f), [n, 1, 1, 1], dtype);
    const rows = tf.range(0, height, 1, 'int32').reshape([1, height, 1, 1]);
    const cols = tf.range(0, width, 1, 'int32').reshape([1, 1, width, 1]);
    const y0 = perImage((r) => r?.y ?? 0);
    const x0 = perImage((r) => r?.x ?? 0);
    const inRows = tf.logicalAnd(tf.greaterEqual(rows, y0), tf.less(rows, perImage((r) => (r ? r.y + r.h : 0))));
    const inCols = tf.logicalAnd(tf.greaterEqual(cols, x0), tf.less(cols, perImage((r) => (r ? r.x + r.w : 0))));
    const m = tf.cast(tf.logicalAnd(inRows, inCols), 'float32');
    const isNoise = perImage((r, i) => (r && fills[i]?.kind === 'noise' ? 1 : 0), 'float32');
    const constant = perImage((r, i) => (r && fills[i]?.kind === 'constant' ? (fills[i] as { value: number }).value : 0), 'float32');
    let fill: tf.Tensor = tf.mul(tf.sub(1, isNoise), constant);
    if (total > 0) {
      // Patch pixel of (y, x) in image i: base_i + (y - y_i)·w_i + (x - x_i); one gather of C-wide rows.
      const local = tf.add(tf.mul(tf.sub(rows, y0), perImage((r) => r?.w ?? 0)), tf.sub(cols, x0));
      const index = tf.add(local, perImage((_, i) => base[i]));
      const safe = tf.minimum(tf.maximum(index, tf.scalar(0, 'int32')), tf.scalar(total / c - 1, 'int32'));
      const buffer = new Float32Array(total);
      let o = 0;
      for (const p of patches) {
        buffer.set(p, o);
        o += p.length;
      }
      const noise = tf.gather(tf.tensor2d(buffer, [total / c, c]), safe.reshape([-1])).reshape([n, height, width, c]);
      // noise·isNoise + constant·(1-isNoise): exact for either kind of image.
      fill = tf.add(tf.mul(noise, isNoise), fill);
    }
    // images·(1-m) + fill·m is exact on both sides of the mask and avoids a broadcast select.
    return tf.add(tf.mul(images, tf.sub(1, m)), tf.mul(fill, m)) as tf.Tensor4D;
  });
}
