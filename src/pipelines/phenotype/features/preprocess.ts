/**
 * Microscopy image → CNN input (thesis §5.2). Fluorescence micrographs come as 8/16/32-bit
 * integer or float samples with 1..N channels whose useful range is often a small part of the
 * type's range, while ImageNet CNNs expect an RGB image. This module
 *   1. picks three source channels for R, G, B (default by colour-channel count: 1 → gray on
 *      R, G and B; 2 → R, G (B = 0); 3 → RGB; ≥4 → the first three; alpha is skipped as
 *      `DecodedImage.hasAlpha` or the usual 2 = gray+alpha / 4 = RGBA convention says), or a
 *      user mapping `[rIdx|null, gIdx|null, bIdx|null]` (null = black);
 *   2. normalises each used channel to [0, 1]: by default the 0.1 % / 99.9 % percentiles (numpy's
 *      linear interpolation, NaNs ignored) map to 0 / 1 and values are clipped, so a few hot or
 *      dead pixels do not set the contrast; 'none' divides by the sample type's maximum instead;
 *   3. optionally downscales (antialiased bilinear, i.e. a triangle filter widened by the scale
 *      factor, as PIL's BILINEAR) so the longer side is at most `maxSide`. By default the full
 *      resolution is kept: the features are spatial means of convolutional maps, so there is no
 *      need to resize to 224×224 and lose high-frequency detail (thesis §5.2).
 * The result is HWC RGB float32 in [0, 1]; each backbone then applies its own input
 * normalisation (see backbones.ts).
 */
import { defaultAlphaChannel, percentiles } from '../../../core/data/display';
import type { DecodedImage } from '../../../core/data/types';

/** Source channel index for R, G and B; null leaves that output channel at 0. */
export type ChannelMapping = readonly [number | null, number | null, number | null];

export interface PreprocessOptions {
  /** Source channels for R, G, B (default: `defaultRgbMapping`). */
  channelMap?: ChannelMapping;
  /** 'percentile' (default): per-channel percentile stretch; 'none': divide by the type's maximum. */
  normalisation?: 'percentile' | 'none';
  /** Percentile (0–100) mapped to 0; default 0.1. */
  lowPct?: number;
  /** Percentile (0–100) mapped to 1; default 99.9. */
  highPct?: number;
  /** Downscale so the longer side is at most this many pixels; default: keep full resolution. */
  maxSide?: number;
  /** 'auto' (default): skip the alpha channel in the default mapping; 'none': every channel is colour. */
  alpha?: 'auto' | 'none';
}

/** HWC RGB float32, row-major, values in [0, 1] (length width·height·3). */
export interface RgbImage {
  data: Float32Array;
  width: number;
  height: number;
}

export interface PreprocessedImage extends RgbImage {
  /** Things worth telling the user (ignored alpha, constant channels, downscaling). */
  notes: string[];
}

export class PreprocessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreprocessError';
  }
}

export const DEFAULT_LOW_PCT = 0.1;
export const DEFAULT_HIGH_PCT = 99.9;

/** Alpha channel index under `alpha` mode, or -1. */
function alphaChannel(img: Pick<DecodedImage, 'channels' | 'hasAlpha'>, alpha: 'auto' | 'none'): number {
  return alpha === 'none' ? -1 : defaultAlphaChannel(img);
}

/**
 * Default R, G, B sources by number of colour (non-alpha) channels: 1 → [0, 0, 0];
 * 2 → [0, 1, null]; ≥3 → the first three colour channels.
 */
export function defaultRgbMapping(img: Pick<DecodedImage, 'channels' | 'hasAlpha'>, alpha: 'auto' | 'none' = 'auto'): ChannelMapping {
  const a = alphaChannel(img, alpha);
  const colour = Array.from({ length: img.channels }, (_, c) => c).filter((c) => c !== a);
  if (colour.length === 0) throw new PreprocessError(`image has ${img.channels} channel(s) and no colour channel to map to RGB`);
  if (colour.length === 1) return [colour[0], colour[0], colour[0]];
  if (colour.length === 2) return [colour[0], colour[1], null];
  return [colour[0], colour[1], colour[2]];
}

/** Largest value of the sample type ('none' normalisation divides by it); floats are taken as [0, 1]. */
export function typeMax(img: Pick<DecodedImage, 'bitDepth' | 'sampleFormat'>): number {
  if (img.sampleFormat === 'float') return 1;
  const bits = Math.min(Math.max(1, img.bitDepth), 32);
  return img.sampleFormat === 'int' ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
}

const clip01 = (v: number): number => (v > 0 ? (v < 1 ? v : 1) : 0); // NaN → 0

/**
 * Per output index along one axis: first source index and normalised weights of the triangle
 * filter (support = max(1, n/on), centred at (o + 0.5)·n/on), taps outside the image dropped.
 */
export function bilinearAxisWeights(n: number, on: number): { start: Int32Array; weights: Float32Array[] } {
  const scale = n / on;
  const support = Math.max(1, scale);
  const start = new Int32Array(on);
  const weights: Float32Array[] = [];
  for (let o = 0; o < on; o++) {
    const centre = (o + 0.5) * scale;
    const first = Math.max(0, Math.floor(centre - support));
    const last = Math.min(n - 1, Math.ceil(centre + support));
    const w = new Float32Array(last - first + 1);
    let sum = 0;
    for (let x = first; x <= last; x++) {
      const v = Math.max(0, 1 - Math.abs(x + 0.5 - centre) / support);
      w[x - first] = v;
      sum += v;
    }
    for (let k = 0; k < w.length; k++) w[k] /= sum;
    start[o] = first;
    weights.push(w);
  }
  return { start, weights };
}

/** Resample one channel plane (row-major w×h) to ow×oh with the antialiased bilinear filter. */
export function resizePlane(plane: Float32Array, w: number, h: number, ow: number, oh: number): Float32Array {
  if (plane.length !== w * h) throw new PreprocessError(`plane has ${plane.length} values, expected ${w}x${h}`);
  const xs = bilinearAxisWeights(w, ow);
  const ys = bilinearAxisWeights(h, oh);
  const tmp = new Float32Array(ow * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let ox = 0; ox < ow; ox++) {
      const wts = xs.weights[ox];
      const s = row + xs.start[ox];
      let acc = 0;
      for (let k = 0; k < wts.length; k++) acc += wts[k] * plane[s + k];
      tmp[y * ow + ox] = acc;
    }
  }
  const out = new Float32Array(ow * oh);
  for (let oy = 0; oy < oh; oy++) {
    const wts = ys.weights[oy];
    const s = ys.start[oy];
    for (let ox = 0; ox < ow; ox++) {
      let acc = 0;
      for (let k = 0; k < wts.length; k++) acc += wts[k] * tmp[(s + k) * ow + ox];
      out[oy * ow + ox] = acc;
    }
  }
  return out;
}

/** Output size whose longer side is `maxSide` (aspect kept, each side ≥ 1), or the input size when already small enough. */
export function fitSize(width: number, height: number, maxSide: number | undefined): { width: number; height: number } {
  if (maxSide === undefined || Math.max(width, height) <= maxSide) return { width, height };
  const s = maxSide / Math.max(width, height);
  return { width: Math.max(1, Math.round(width * s)), height: Math.max(1, Math.round(height * s)) };
}

function checkImage(img: DecodedImage): void {
  if (!Number.isInteger(img.channels) || img.channels < 1) throw new PreprocessError(`image has ${img.channels} channels: nothing to map to RGB`);
  if (!(img.width > 0 && img.height > 0)) throw new PreprocessError(`image is empty (${img.width}x${img.height})`);
  if (img.data.length !== img.width * img.height * img.channels) {
    throw new PreprocessError(`image data has ${img.data.length} samples, expected ${img.width}x${img.height}x${img.channels} = ${img.width * img.height * img.channels}`);
  }
}

/** Microscopy image → HWC RGB float32 in [0, 1] (see the module comment for each step). */
export function preprocessImage(img: DecodedImage, opts: PreprocessOptions = {}): PreprocessedImage {
  checkImage(img);
  const { width, height, channels, data } = img;
  const alpha = opts.alpha ?? 'auto';
  const notes: string[] = [];
  const map = opts.channelMap ?? defaultRgbMapping(img, alpha);
  if (map.length !== 3) throw new PreprocessError(`channel mapping needs 3 entries (R, G, B), got ${map.length}`);
  for (const c of map) {
    if (c !== null && !(Number.isInteger(c) && c >= 0 && c < channels)) {
      throw new PreprocessError(`channel mapping uses channel ${c}, but the image has channels 0..${channels - 1}`);
    }
  }
  if (map.every((c) => c === null)) throw new PreprocessError('channel mapping selects no channel (all of R, G, B are null)');
  const a = alphaChannel(img, alpha);
  if (opts.channelMap === undefined && a >= 0) notes.push(`channel ${a} treated as alpha and ignored`);
  const unused = channels - new Set([...map.filter((c) => c !== null), ...(a >= 0 && opts.channelMap === undefined ? [a] : [])]).size;
  if (unused > 0) notes.push(`${unused} of ${channels} channels not used (R, G, B = ${map.map((c) => (c === null ? 'none' : c)).join(', ')})`);

  const mode = opts.normalisation ?? 'percentile';
  const lowPct = opts.lowPct ?? DEFAULT_LOW_PCT;
  const highPct = opts.highPct ?? DEFAULT_HIGH_PCT;
  if (mode === 'percentile' && !(lowPct >= 0 && highPct <= 100 && lowPct < highPct)) {
    throw new PreprocessError(`percentiles must satisfy 0 ≤ low < high ≤ 100, got ${lowPct} / ${highPct}`);
  }
  if (opts.maxSide !== undefined && !(Number.isInteger(opts.maxSide) && opts.maxSide >= 1)) {
    throw new PreprocessError(`maxSide must be a positive integer, got ${opts.maxSide}`);
  }
  const out = fitSize(width, height, opts.maxSide);
  if (out.width !== width || out.height !== height) notes.push(`downscaled from ${width}x${height} to ${out.width}x${out.height}`);

  const n = width * height;
  const planes = new Map<number, Float32Array>();
  for (const c of map) {
    if (c === null || planes.has(c)) continue;
    let lo = 0;
    let hi = typeMax(img);
    if (mode === 'percentile') {
      [lo, hi] = percentiles(data, [lowPct, highPct], channels, c);
      if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) {
        notes.push(Number.isNaN(lo) ? `channel ${c} has no finite values: set to 0` : `channel ${c} is constant (${lo}): set to 0`);
        planes.set(c, new Float32Array(out.width * out.height));
        continue;
      }
    }
    const scale = 1 / (hi - lo);
    let plane: Float32Array = new Float32Array(n);
    for (let i = 0, j = c; i < n; i++, j += channels) plane[i] = clip01((data[j] - lo) * scale);
    if (out.width !== width || out.height !== height) plane = resizePlane(plane, width, height, out.width, out.height);
    planes.set(c, plane);
  }

  const m = out.width * out.height;
  const rgb = new Float32Array(m * 3);
  map.forEach((c, k) => {
    if (c === null) return;
    const p = planes.get(c) as Float32Array;
    for (let i = 0; i < m; i++) rgb[i * 3 + k] = p[i];
  });
  return { data: rgb, width: out.width, height: out.height, notes };
}
