/**
 * Photometric augmentations as batched tensor ops on [N,H,W,C] in [0,1]. Per-image parameters are
 * [N] arrays broadcast as [N,1,1,1]; a neutral parameter (offset 0, factor 1) leaves the pixel
 * bit-for-bit unchanged for brightness and contrast. Colour-space ops need C = 3 (RGB); on C = 1
 * grayscale, saturation and hue are the identity.
 */
import * as tf from '@tensorflow/tfjs';

/** ITU-R BT.601 luma weights. */
export const LUMA = [0.299, 0.587, 0.114] as const;

function perImage(values: readonly number[]): tf.Tensor4D {
  return tf.tensor4d(values as number[], [values.length, 1, 1, 1]);
}

function channels(images: tf.Tensor4D): number {
  return images.shape[3];
}

/** Luma Y = 0.299 R + 0.587 G + 0.114 B, repeated over C so the shape is kept. */
export function grayscale(images: tf.Tensor4D): tf.Tensor4D {
  const c = channels(images);
  if (c === 1) return images.clone();
  if (c !== 3) throw new Error(`grayscale: expects 1 or 3 channels, got ${c}`);
  // One [P,3]×[3,3] matmul whose three columns are the luma weights (no reduction, no tile).
  return tf.tidy(() => channelMap(images, LUMA.flatMap((w) => [w, w, w])));
}

/** Additive: x + b; multiplicative: x · b. Clamped to [0,1]. */
export function adjustBrightness(images: tf.Tensor4D, amount: readonly number[], mode: 'additive' | 'multiplicative'): tf.Tensor4D {
  return tf.tidy(() => {
    const a = perImage(amount);
    const y = mode === 'additive' ? tf.add(images, a) : tf.mul(images, a);
    return tf.clipByValue(y, 0, 1) as tf.Tensor4D;
  });
}

/** x·f + m·(1-f), m the per-image mean over H, W and C. Clamped to [0,1]. */
export function adjustContrast(images: tf.Tensor4D, factor: readonly number[]): tf.Tensor4D {
  return tf.tidy(() => {
    const f = perImage(factor);
    const mean = tf.mean(images, [1, 2, 3], true);
    const y = tf.add(tf.mul(images, f), tf.mul(mean, tf.sub(1, f)));
    return tf.clipByValue(y, 0, 1) as tf.Tensor4D;
  });
}

/** [P,3]×[3,3] over the channel axis: a per-pixel linear colour map (a permutation, a sum, …). */
function channelMap(images: tf.Tensor4D, m: number[]): tf.Tensor4D {
  return tf.matMul(images.reshape([-1, 3]), tf.tensor2d(m, [3, 3])).reshape(images.shape) as tf.Tensor4D;
}

const ROTATE_1 = [0, 0, 1, 1, 0, 0, 0, 1, 0]; // (r, g, b) → (g, b, r)
const ROTATE_2 = [0, 1, 0, 0, 0, 1, 1, 0, 0]; // (r, g, b) → (b, r, g)
const SUM = [1, 1, 1, 1, 1, 1, 1, 1, 1];
const SECTOR_DIFFS = [0, -1, 1, 1, 0, -1, -1, 1, 0]; // (r, g, b) → (g-b, b-r, r-g)

/**
 * RGB → HSV with every plane replicated over the 3 channels ([N,H,W,3] each). Only elementwise ops
 * and tiny channel matmuls: reductions and splits over a 3-wide last axis are slow on tfjs's
 * WebGPU (one workgroup per pixel) and cpu (strided copies) backends. The sector formulas
 * (g-b)/Δ, (b-r)/Δ + 2, (r-g)/Δ + 4 are averaged over the channels equal to the max; where several
 * channels tie for the max their formulas agree, so no tie-break is needed.
 */
function hsvReplicated(images: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
  return tf.tidy(() => {
    const r1 = channelMap(images, ROTATE_1);
    const r2 = channelMap(images, ROTATE_2);
    const max = tf.maximum(images, tf.maximum(r1, r2));
    const min = tf.minimum(images, tf.minimum(r1, r2));
    const delta = tf.sub(max, min);
    const hasHue = tf.greater(delta, 0);
    const positive = tf.greater(max, 0);
    const s = tf.where(positive, tf.div(delta, tf.where(positive, max, tf.onesLike(max))), tf.zerosLike(max));
    const ratio = tf.div(channelMap(images, SECTOR_DIFFS), tf.where(hasHue, delta, tf.onesLike(delta)));
    const sectors = tf.mod(tf.add(ratio, tf.tensor1d([0, 2, 4])), 6) as tf.Tensor4D;
    const isMax = tf.cast(tf.equal(images, max), 'float32') as tf.Tensor4D;
    const h6 = tf.div(channelMap(tf.mul(sectors, isMax), SUM), channelMap(isMax, SUM));
    const h = tf.where(hasHue, tf.div(h6, 6), tf.zerosLike(h6));
    return [h as tf.Tensor4D, s as tf.Tensor4D, max as tf.Tensor4D];
  });
}

/** RGB → HSV, each in [0,1] (h = hue / 360°). Returns [h, s, v] planes of shape [N,H,W,1]. */
export function rgbToHsv(images: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
  return tf.tidy(() => {
    const planes = hsvReplicated(images);
    return planes.map((p) => tf.slice(p, [0, 0, 0, 0], [-1, -1, -1, 1])) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  });
}

/** HSV → RGB with the branch-free form c_n = v - v·s·clamp(min(k, 4-k), 0, 1), k = (n + 6h) mod 6,
 * n = 5, 3, 1 for R, G, B (broadcast over a [3] constant, so no concat). Planes may be [N,H,W,1]
 * or replicated [N,H,W,3]. */
export function hsvToRgb(h: tf.Tensor4D, s: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const k = tf.mod(tf.add(tf.mul(h, 6), tf.tensor1d([5, 3, 1])), 6);
    const f = tf.clipByValue(tf.minimum(k, tf.sub(4, k)), 0, 1);
    return tf.sub(v, tf.mul(tf.mul(v, s), f)) as tf.Tensor4D;
  });
}

/** Hue rotation (degrees) and saturation scaling in HSV space. */
export function adjustHueSaturation(images: tf.Tensor4D, hueDegrees: readonly number[], saturation: readonly number[]): tf.Tensor4D {
  const c = channels(images);
  if (c === 1) return images.clone();
  if (c !== 3) throw new Error(`adjustHueSaturation: expects 1 or 3 channels, got ${c}`);
  return tf.tidy(() => {
    const [h, s, v] = hsvReplicated(images);
    const h2 = tf.mod(tf.add(h, perImage(hueDegrees.map((d) => d / 360))), 1) as tf.Tensor4D;
    const s2 = tf.clipByValue(tf.mul(s, perImage(saturation)), 0, 1) as tf.Tensor4D;
    return tf.clipByValue(hsvToRgb(h2, s2, v), 0, 1) as tf.Tensor4D;
  });
}
