/**
 * Display mapping: any decoded image (16-bit microscopy, float maps, many
 * channels) → 8-bit RGBA for thumbnails and viewers. Never used for training
 * data, which keeps its native depth.
 */
import type { DecodedImage } from './types';

export interface DisplayOptions {
  /** Source channel for R, G, B; -1 leaves that output channel at 0. */
  channelMap?: number[];
  /** Source channel for alpha; -1 = opaque. Default: the alpha convention (see `defaultAlphaChannel`). */
  alphaChannel?: number;
  /** Percentiles (0–100) mapped to 0 and 255, per channel. Default 0.5 / 99.5 beyond 8-bit uint; 8-bit is shown as-is. */
  lowPct?: number;
  highPct?: number;
}

type Samples = DecodedImage['data'];

/**
 * Linear-interpolated percentile (numpy's default): rank = p/100 · (n − 1).
 * NaNs are ignored; NaN when no values remain.
 */
export function percentile(values: ArrayLike<number>, p: number): number {
  return percentiles(values, [p])[0];
}

/**
 * Several percentiles of every `stride`-th value starting at `offset` (one
 * channel of interleaved data). 8/16-bit integer data uses a histogram (O(n),
 * no copy); other types sort a copy.
 */
export function percentiles(values: ArrayLike<number>, ps: number[], stride = 1, offset = 0): number[] {
  for (const p of ps) if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in [0, 100], got ${p}`);
  const hist = histogramFor(values);
  if (hist) {
    const { bins, shift } = hist;
    let n = 0;
    for (let i = offset; i < values.length; i += stride) {
      bins[values[i] + shift]++;
      n++;
    }
    if (n === 0) return ps.map(() => NaN);
    const kth = (k: number): number => {
      let seen = 0;
      for (let b = 0; b < bins.length; b++) {
        seen += bins[b];
        if (seen > k) return b - shift;
      }
      return bins.length - 1 - shift;
    };
    return ps.map((p) => interpolate(p, n, kth));
  }
  const copy = new Float64Array(Math.ceil(Math.max(0, values.length - offset) / stride));
  let n = 0;
  for (let i = offset; i < values.length; i += stride) if (!Number.isNaN(values[i])) copy[n++] = values[i];
  const sorted = copy.subarray(0, n).sort();
  return ps.map((p) => (sorted.length === 0 ? NaN : interpolate(p, sorted.length, (k) => sorted[k])));
}

function interpolate(p: number, n: number, kth: (k: number) => number): number {
  const rank = (p / 100) * (n - 1);
  const lo = Math.floor(rank);
  const a = kth(lo);
  if (rank === lo) return a;
  return a + (kth(lo + 1) - a) * (rank - lo);
}

function histogramFor(values: ArrayLike<number>): { bins: Uint32Array; shift: number } | null {
  if (values instanceof Uint8Array || values instanceof Uint8ClampedArray) return { bins: new Uint32Array(256), shift: 0 };
  if (values instanceof Int8Array) return { bins: new Uint32Array(256), shift: 128 };
  if (values instanceof Uint16Array) return { bins: new Uint32Array(65536), shift: 0 };
  if (values instanceof Int16Array) return { bins: new Uint32Array(65536), shift: 32768 };
  return null;
}

/** Full value range of the sample type: the fallback when percentiles collapse, and the scale for alpha. */
function typeRange(img: DecodedImage): [number, number] {
  if (img.sampleFormat === 'float') return [0, 1];
  const bits = Math.min(img.bitDepth, 32);
  if (img.sampleFormat === 'int') return [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1];
  return [0, 2 ** bits - 1];
}

/** Alpha channel by convention: 2 = gray+alpha, 4 = RGBA; `hasAlpha` from the decoder overrides it. */
export function defaultAlphaChannel(img: Pick<DecodedImage, 'channels' | 'hasAlpha'>): number {
  if (img.hasAlpha === false) return -1;
  if (img.hasAlpha === true) return img.channels - 1;
  return img.channels === 2 ? 1 : img.channels === 4 ? 3 : -1;
}

/** Default R, G, B sources: gray → R=G=B; 2 non-alpha channels → R, G; otherwise the first three. */
export function defaultChannelMap(img: Pick<DecodedImage, 'channels' | 'hasAlpha'>): number[] {
  const colour = img.channels - (defaultAlphaChannel(img) >= 0 ? 1 : 0);
  if (colour <= 1) return [0, 0, 0];
  if (colour === 2) return [0, 1, -1];
  return [0, 1, 2];
}

function writeChannel(src: Samples, channels: number, c: number, lo: number, hi: number, out: Uint8ClampedArray, target: number): void {
  const scale = 255 / (hi - lo);
  for (let i = c, j = target; i < src.length; i += channels, j += 4) {
    const t = (src[i] - lo) * scale;
    // Explicit clamp + round half up: huge floats would overflow `| 0`, and NaN lands on 0.
    out[j] = t <= 0 ? 0 : t >= 255 ? 255 : (t + 0.5) | 0;
  }
}

/** Map a decoded image to 8-bit RGBA (length width·height·4). */
export function toRgba8(img: DecodedImage, opts: DisplayOptions = {}): Uint8ClampedArray {
  const { width, height, channels, data } = img;
  if (data.length !== width * height * channels) throw new RangeError(`image data has ${data.length} samples, expected ${width}x${height}x${channels}`);
  const map = opts.channelMap ?? defaultChannelMap(img);
  const alpha = opts.alphaChannel ?? defaultAlphaChannel(img);
  if (map.length !== 3) throw new RangeError(`channelMap needs 3 entries (R, G, B), got ${map.length}`);
  for (const c of [...map, alpha]) {
    if (!Number.isInteger(c) || c < -1 || c >= channels) throw new RangeError(`channel ${c} does not exist (image has ${channels})`);
  }

  const [typeLo, typeHi] = typeRange(img);
  // 8-bit (or lower) unsigned data is already display-ready unless percentiles are asked for.
  const stretch = opts.lowPct !== undefined || opts.highPct !== undefined || !(img.sampleFormat === 'uint' && img.bitDepth <= 8);
  const lowPct = opts.lowPct ?? 0.5;
  const highPct = opts.highPct ?? 99.5;
  const ranges = new Map<number, [number, number]>();
  const rangeOf = (c: number): [number, number] => {
    let r = ranges.get(c);
    if (!r) {
      r = [typeLo, typeHi];
      if (stretch) {
        // Sorting types (float, 32-bit) are subsampled to ≤ ~1M values per channel: exact enough for display.
        const step = histogramFor(data) ? 1 : Math.max(1, Math.floor((width * height) / 2 ** 20));
        const [lo, hi] = percentiles(data, [lowPct, highPct], channels * step, c);
        // A flat (or all-NaN) channel has no spread to stretch: fall back to the type's range.
        if (Number.isFinite(lo) && Number.isFinite(hi) && hi > lo) r = [lo, hi];
      }
      ranges.set(c, r);
    }
    return r;
  };

  const out = new Uint8ClampedArray(width * height * 4);
  map.forEach((c, k) => {
    if (c >= 0) {
      const [lo, hi] = rangeOf(c);
      writeChannel(data, channels, c, lo, hi, out, k);
    }
  });
  if (alpha >= 0) writeChannel(data, channels, alpha, typeLo, typeHi, out, 3); // alpha is absolute, never stretched
  else for (let j = 3; j < out.length; j += 4) out[j] = 255;
  return out;
}

/** Per output index: first source index and the overlap weight of each covered source pixel (summing to 1). */
export function axisWeights(n: number, on: number): { start: Int32Array; weights: Float32Array[] } {
  const start = new Int32Array(on);
  const weights: Float32Array[] = [];
  const step = n / on;
  for (let o = 0; o < on; o++) {
    const a = o * step;
    const b = (o + 1) * step;
    const first = Math.floor(a);
    const last = Math.min(n - 1, Math.ceil(b) - 1);
    const w = new Float32Array(last - first + 1);
    for (let s = first; s <= last; s++) w[s - first] = (Math.min(b, s + 1) - Math.max(a, s)) / step;
    start[o] = first;
    weights.push(w);
  }
  return { start, weights };
}

/**
 * Area-average (box filter) RGBA so the longer side is at most `maxSide`.
 * Colour is alpha-weighted so transparent pixels do not darken edges.
 * Returns the input (as a Uint8ClampedArray view) when it is already small enough.
 */
export function downscaleRgba(rgba: Uint8ClampedArray | Uint8Array, w: number, h: number, maxSide: number): { data: Uint8ClampedArray; width: number; height: number } {
  if (rgba.length !== w * h * 4) throw new RangeError(`RGBA buffer has ${rgba.length} bytes, expected ${w}x${h}x4`);
  if (!(maxSide >= 1)) throw new RangeError(`maxSide must be at least 1, got ${maxSide}`);
  const view = rgba instanceof Uint8ClampedArray ? rgba : new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.length);
  if (Math.max(w, h) <= maxSide) return { data: view, width: w, height: h };
  const s = maxSide / Math.max(w, h);
  const ow = Math.max(1, Math.round(w * s));
  const oh = Math.max(1, Math.round(h * s));
  const xs = axisWeights(w, ow);
  const ys = axisWeights(h, oh);

  // Horizontal pass: premultiplied colour sums and alpha per (output x, source row).
  const tmp = new Float32Array(ow * h * 4);
  for (let y = 0; y < h; y++) {
    for (let ox = 0; ox < ow; ox++) {
      const wts = xs.weights[ox];
      let r = 0, g = 0, b = 0, a = 0;
      for (let k = 0; k < wts.length; k++) {
        const i = (y * w + xs.start[ox] + k) * 4;
        const wa = wts[k] * view[i + 3];
        r += wa * view[i];
        g += wa * view[i + 1];
        b += wa * view[i + 2];
        a += wa;
      }
      const t = (y * ow + ox) * 4;
      tmp[t] = r;
      tmp[t + 1] = g;
      tmp[t + 2] = b;
      tmp[t + 3] = a;
    }
  }
  // Vertical pass, then un-premultiply.
  const out = new Uint8ClampedArray(ow * oh * 4);
  for (let oy = 0; oy < oh; oy++) {
    const wts = ys.weights[oy];
    for (let ox = 0; ox < ow; ox++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let k = 0; k < wts.length; k++) {
        const t = ((ys.start[oy] + k) * ow + ox) * 4;
        r += wts[k] * tmp[t];
        g += wts[k] * tmp[t + 1];
        b += wts[k] * tmp[t + 2];
        a += wts[k] * tmp[t + 3];
      }
      const o = (oy * ow + ox) * 4;
      if (a > 0) {
        out[o] = Math.round(r / a);
        out[o + 1] = Math.round(g / a);
        out[o + 2] = Math.round(b / a);
      }
      out[o + 3] = Math.round(a);
    }
  }
  return { data: out, width: ow, height: oh };
}
