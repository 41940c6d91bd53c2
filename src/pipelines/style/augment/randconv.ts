/**
 * RandConv (Xu et al., "Robust and Generalizable Visual Representation Learning via Random
 * Convolutions", ICLR 2021): convolve each image with a fresh random k×k×C×C kernel, weights
 * ~ N(0, σ²) (default σ = 1/√(k²·C), He-normal), k drawn from {1, 3, 5, 7}, zero 'same' padding;
 * the mixing variant outputs α·x + (1-α)·conv(x) with α ~ U(0, 1).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../core/rng/rng';
import { selectImages } from './select';

export const RANDCONV_KERNEL_SIZES: readonly number[] = [1, 3, 5, 7];

export function heSigma(kernelSize: number, channels: number): number {
  return 1 / Math.sqrt(kernelSize * kernelSize * channels);
}

/** The kernel for one image, [k, k, C_in, C_out] row-major (tf.conv2d's filter layout). */
export function randConvWeights(seed: number, kernelSize: number, channels: number, sigma: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(kernelSize * kernelSize * channels * channels);
  for (let i = 0; i < out.length; i++) out[i] = rng.normal(0, sigma);
  return out;
}

export interface RandConvParams {
  kernelSize: number;
  sigma: number;
  alpha: number;
  weightSeed: number;
  clamp: boolean;
}

/**
 * Apply RandConv per image (null = leave the image alone, bit for bit). Images that share a kernel
 * size are convolved together: stacked along channels ([1,H,W,G·C]) and run through one depthwise
 * convolution with channel multiplier C, whose G·C·C outputs are summed back to C per image with a
 * small matmul — G dense C→C convolutions in one dispatch instead of a loop over images.
 */
export function randConv(images: tf.Tensor4D, params: readonly (RandConvParams | null)[]): tf.Tensor4D {
  const [n, h, w, c] = images.shape;
  if (params.length !== n) throw new Error('randConv: one parameter set (or null) per image');
  for (const p of params) {
    if (p && (p.kernelSize % 2 !== 1 || p.kernelSize < 1)) throw new Error(`randConv: kernel size must be odd, got ${p.kernelSize}`);
  }
  return tf.tidy(() => {
    const sizes = [...new Set(params.filter((p): p is RandConvParams => p !== null).map((p) => p.kernelSize))];
    const parts: tf.Tensor4D[] = [images];
    const source = Array.from({ length: n }, (_, i) => i); // row of [images; part 1; part 2; …] to keep
    // Sums output channel m over the C input channels: S[ci·C + m, m] = 1.
    const sum = tf.tensor2d(Array.from({ length: c * c * c }, (_, i) => (Math.floor(i / c) % c === i % c ? 1 : 0)), [c * c, c]);
    let offset = n;
    for (const k of sizes) {
      const members = params.flatMap((p, i) => (p?.kernelSize === k ? [i] : []));
      const g = members.length;
      const filter = new Float32Array(k * k * g * c * c);
      members.forEach((i, gi) => {
        const p = params[i]!;
        const wts = randConvWeights(p.weightSeed, k, c, p.sigma); // [k, k, C_in, C_out]
        for (let tap = 0; tap < k * k; tap++) {
          for (let ci = 0; ci < c; ci++) {
            for (let m = 0; m < c; m++) filter[(tap * g * c + gi * c + ci) * c + m] = wts[(tap * c + ci) * c + m];
          }
        }
      });
      const x = tf.gather(images, tf.tensor1d(members, 'int32')) as tf.Tensor4D;
      const stacked = tf.transpose(x, [1, 2, 0, 3]).reshape([1, h, w, g * c]) as tf.Tensor4D;
      const y = tf.depthwiseConv2d(stacked, tf.tensor4d(filter, [k, k, g * c, c]), 1, 'same');
      const conv = tf.transpose(tf.matMul(y.reshape([h * w * g, c * c]), sum).reshape([h, w, g, c]), [2, 0, 1, 3]) as tf.Tensor4D;
      const alpha = tf.tensor4d(members.map((i) => params[i]!.alpha), [g, 1, 1, 1]);
      const mixed = tf.add(tf.mul(x, alpha), tf.mul(conv, tf.sub(1, alpha))) as tf.Tensor4D;
      const clamp = members.map((i) => params[i]!.clamp);
      parts.push(clamp.some(Boolean) ? selectImages(clamp, tf.clipByValue(mixed, 0, 1), mixed) : mixed);
      members.forEach((i, gi) => (source[i] = offset + gi));
      offset += g;
    }
    if (parts.length === 1) return images.clone();
    return tf.gather(tf.concat(parts, 0), tf.tensor1d(source, 'int32')) as tf.Tensor4D;
  });
}
