/**
 * Images as the style networks take them: interleaved RGB floats in [0, 1] (HWC, row-major), plus
 * the conversions from any decoded file (gray, gray+alpha, RGB, RGBA, 8/16/32-bit, float) and the
 * resizing that keeps previews small. Pure functions, used by the panel, the style worker, the
 * dataset-augmentation job and Node tests alike.
 */
import { axisWeights } from '../../../core/data/display';
import type { DecodedImage } from '../../../core/data/types';
import { defaultAlphaChannel, defaultChannelMap } from '../../../core/data/display';

export interface RgbImage {
  width: number;
  height: number;
  /** Interleaved R, G, B in [0, 1]; length width·height·3. */
  data: Float32Array;
}

/** The value that maps to 1.0 for a sample type (0 for float, which is taken as already in [0, 1]). */
function sampleScale(img: Pick<DecodedImage, 'sampleFormat' | 'bitDepth'>): { offset: number; scale: number } {
  if (img.sampleFormat === 'float') return { offset: 0, scale: 1 };
  const bits = Math.min(img.bitDepth, 32);
  if (img.sampleFormat === 'int') {
    // Signed: the full type range maps onto [0, 1].
    const lo = -(2 ** (bits - 1));
    return { offset: lo, scale: 2 ** bits - 1 };
  }
  return { offset: 0, scale: 2 ** bits - 1 };
}

const clamp01 = (v: number): number => (v > 0 ? (v < 1 ? v : 1) : 0); // NaN → 0

/**
 * Any decoded image → RGB in [0, 1]. Integer samples are divided by their type's maximum (a 16-bit
 * value of 65535 is 1.0, so photometric ratios are kept; no per-image stretching). Gray is copied
 * to R = G = B; an image with two colour channels gets B = 0; channels past the third colour one
 * are ignored. Alpha (by the usual convention, or the decoder's `hasAlpha`) is composited over
 * `background` (default white), so transparent areas do not show whatever colour they happen to
 * store.
 */
export function decodedToRgb(img: DecodedImage, background = 1): RgbImage {
  const { width, height, channels, data } = img;
  const n = width * height;
  if (!(width > 0 && height > 0)) throw new RangeError(`image has no pixels (${width}×${height})`);
  if (data.length < n * channels) throw new RangeError(`image data has ${data.length} samples, expected ${width}×${height}×${channels}`);
  const map = defaultChannelMap(img);
  const alpha = defaultAlphaChannel(img);
  const { offset, scale } = sampleScale(img);
  const out = new Float32Array(n * 3);
  for (let p = 0, i = 0, o = 0; p < n; p++, i += channels, o += 3) {
    const a = alpha >= 0 ? clamp01((data[i + alpha] - offset) / scale) : 1;
    for (let k = 0; k < 3; k++) {
      const c = map[k];
      const v = c >= 0 ? clamp01((data[i + c] - offset) / scale) : 0;
      out[o + k] = a === 1 ? v : a * v + (1 - a) * background;
    }
  }
  return { width, height, data: out };
}

/**
 * Output size with the longer side equal to `longest` (aspect kept, rounded), each side at least
 * `minSide` (the style transformer needs ≥ 8 px).
 */
export function fitSize(width: number, height: number, longest: number, minSide = 8): { width: number; height: number } {
  if (!(longest >= minSide)) throw new RangeError(`longest side must be at least ${minSide}, got ${longest}`);
  const s = longest / Math.max(width, height);
  return { width: Math.max(minSide, Math.round(width * s)), height: Math.max(minSide, Math.round(height * s)) };
}

/** Bilinear taps (pixel centres aligned, edges clamped) for enlarging an axis. */
function linearWeights(n: number, on: number): { start: Int32Array; weights: Float32Array[] } {
  const start = new Int32Array(on);
  const weights: Float32Array[] = [];
  const step = n / on;
  for (let o = 0; o < on; o++) {
    const x = Math.min(n - 1, Math.max(0, (o + 0.5) * step - 0.5));
    const i0 = Math.min(n - 2, Math.floor(x));
    if (n === 1) {
      start[o] = 0;
      weights.push(new Float32Array([1]));
      continue;
    }
    const t = x - i0;
    start[o] = i0;
    weights.push(new Float32Array([1 - t, t]));
  }
  return { start, weights };
}

function axis(n: number, on: number) {
  return on <= n ? axisWeights(n, on) : linearWeights(n, on);
}

/**
 * Resample to `width`×`height`: area averaging on a shrinking axis (no aliasing), bilinear on a
 * growing one. Returns the input itself when the size is unchanged.
 */
export function resizeRgb(img: RgbImage, width: number, height: number): RgbImage {
  if (!(width >= 1 && height >= 1)) throw new RangeError(`bad target size ${width}×${height}`);
  if (width === img.width && height === img.height) return img;
  const xs = axis(img.width, width);
  const ys = axis(img.height, height);
  const src = img.data;
  const tmp = new Float32Array(width * img.height * 3);
  for (let y = 0; y < img.height; y++) {
    for (let ox = 0; ox < width; ox++) {
      const w = xs.weights[ox];
      let r = 0, g = 0, b = 0;
      for (let k = 0; k < w.length; k++) {
        const i = (y * img.width + xs.start[ox] + k) * 3;
        r += w[k] * src[i];
        g += w[k] * src[i + 1];
        b += w[k] * src[i + 2];
      }
      const o = (y * width + ox) * 3;
      tmp[o] = r;
      tmp[o + 1] = g;
      tmp[o + 2] = b;
    }
  }
  const out = new Float32Array(width * height * 3);
  for (let oy = 0; oy < height; oy++) {
    const w = ys.weights[oy];
    for (let x = 0; x < width; x++) {
      let r = 0, g = 0, b = 0;
      for (let k = 0; k < w.length; k++) {
        const i = ((ys.start[oy] + k) * width + x) * 3;
        r += w[k] * tmp[i];
        g += w[k] * tmp[i + 1];
        b += w[k] * tmp[i + 2];
      }
      const o = (oy * width + x) * 3;
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
    }
  }
  return { width, height, data: out };
}

/** Resize so the longer side is `longest` (see fitSize). */
export function resizeLongest(img: RgbImage, longest: number, minSide = 8): RgbImage {
  const { width, height } = fitSize(img.width, img.height, longest, minSide);
  return resizeRgb(img, width, height);
}

/** RGB [0, 1] → 8-bit RGBA (opaque), rounding half up. */
export function rgbToRgba8(img: RgbImage): Uint8ClampedArray<ArrayBuffer> {
  const n = img.width * img.height;
  const out = new Uint8ClampedArray(n * 4);
  for (let p = 0; p < n; p++) {
    out[p * 4] = (clamp01(img.data[p * 3]) * 255 + 0.5) | 0;
    out[p * 4 + 1] = (clamp01(img.data[p * 3 + 1]) * 255 + 0.5) | 0;
    out[p * 4 + 2] = (clamp01(img.data[p * 3 + 2]) * 255 + 0.5) | 0;
    out[p * 4 + 3] = 255;
  }
  return out;
}

/** 8-bit RGB(A) bytes → RGB [0, 1] (the alpha byte, if any, is dropped). */
export function rgba8ToRgb(rgba: ArrayLike<number>, width: number, height: number, channels: 3 | 4 = 4): RgbImage {
  const n = width * height;
  const out = new Float32Array(n * 3);
  for (let p = 0; p < n; p++) for (let k = 0; k < 3; k++) out[p * 3 + k] = rgba[p * channels + k] / 255;
  return { width, height, data: out };
}
