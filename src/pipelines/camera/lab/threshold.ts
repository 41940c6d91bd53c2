/**
 * Local mean thresholding (thesis §6.4.4, Fig 6.6): a binary image that keeps the batch-code dots
 * and removes colour and texture, so a model trained on it cannot use camera-specific texture.
 * Each pixel's grey value is compared with the mean of a square window around it: with polarity
 * 'dark' (dark dots on light plastic) the pixel is 1 when value < mean − C, with 'bright' when
 * value > mean + C. Window sums come from an integral image, so the cost is O(pixels) whatever the
 * window size. C is in the image's grey units (0–255 for 8-bit). For integer samples grey is
 * integer Rec. 601 luma and the comparison is done as value·n vs sum − C·n, which is exact for
 * integer C.
 */

/** Interleaved pixels; `channels` defaults to 4 (RGBA). Alpha is ignored. */
export interface PixelImage {
  width: number;
  height: number;
  data: ArrayLike<number>;
  channels?: number;
}

export interface ThresholdOptions {
  /** Side of the square window in pixels, odd. Default 31. */
  window?: number;
  /** Offset C in grey levels. Default 10. */
  c?: number;
  /** 'dark': objects darker than their surroundings (default); 'bright': lighter. */
  polarity?: 'dark' | 'bright';
  /**
   * Windows that cross the image border: 'shrink' (default) averages only the pixels inside the
   * image; 'replicate' extends the image with its edge pixels (OpenCV BORDER_REPLICATE).
   */
  edge?: 'shrink' | 'replicate';
}

/**
 * Grey values: the first channel for 1–2 channels, else Rec. 601 luma 0.299 R + 0.587 G + 0.114 B,
 * rounded to an integer for integer samples (8/16-bit) and left unrounded for float samples.
 */
export function toGray(img: PixelImage): Float64Array {
  const { width, height, data } = img;
  const ch = img.channels ?? 4;
  const n = width * height;
  if (data.length < n * ch) throw new Error(`image data has ${data.length} samples, expected ${n * ch} (${width}×${height}×${ch})`);
  const out = new Float64Array(n);
  if (ch < 3) {
    for (let i = 0; i < n; i++) out[i] = data[i * ch];
    return out;
  }
  if (data instanceof Float32Array || data instanceof Float64Array) {
    for (let i = 0, p = 0; i < n; i++, p += ch) out[i] = 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
    return out;
  }
  for (let i = 0, p = 0; i < n; i++, p += ch) out[i] = Math.floor((299 * data[p] + 587 * data[p + 1] + 114 * data[p + 2] + 500) / 1000);
  return out;
}

/** Summed-area table of size (width + 1) × (height + 1); entry (x, y) = sum of gray[< y][< x]. */
export function integralImage(gray: ArrayLike<number>, width: number, height: number): Float64Array {
  const w1 = width + 1;
  const s = new Float64Array(w1 * (height + 1));
  for (let y = 0; y < height; y++) {
    let row = 0;
    const src = y * width;
    const dst = (y + 1) * w1;
    for (let x = 0; x < width; x++) {
      row += gray[src + x];
      s[dst + x + 1] = s[dst - w1 + x + 1] + row;
    }
  }
  return s;
}

/** Edge-replicated copy of `gray` with `pad` pixels added on every side. */
function padReplicate(gray: ArrayLike<number>, width: number, height: number, pad: number): Float64Array {
  const pw = width + 2 * pad;
  const ph = height + 2 * pad;
  const out = new Float64Array(pw * ph);
  for (let y = 0; y < ph; y++) {
    const sy = Math.min(height - 1, Math.max(0, y - pad)) * width;
    for (let x = 0; x < pw; x++) out[y * pw + x] = gray[sy + Math.min(width - 1, Math.max(0, x - pad))];
  }
  return out;
}

function checkWindow(window: number): number {
  if (!Number.isInteger(window) || window < 1 || window % 2 === 0) throw new Error(`threshold window must be an odd positive integer, got ${window}`);
  return (window - 1) / 2;
}

interface WindowSums {
  /** Sum over each pixel's window. */
  sum: Float64Array;
  /** Pixels in the window of (x, y) = countX[x] · countY[y] (separable, since the window is a clipped square). */
  countX: Float64Array;
  countY: Float64Array;
}

/** Window sums for every pixel under the given edge rule; shared by `boxMean` and the thresholder. */
function windowSums(gray: ArrayLike<number>, width: number, height: number, window: number, edge: 'shrink' | 'replicate'): WindowSums {
  const r = checkWindow(window);
  const sum = new Float64Array(width * height);
  const countX = new Float64Array(width);
  const countY = new Float64Array(height);
  if (edge === 'replicate') {
    countX.fill(window);
    countY.fill(window);
    const pw = width + 2 * r;
    const s = integralImage(padReplicate(gray, width, height, r), pw, height + 2 * r);
    const w1 = pw + 1;
    for (let y = 0; y < height; y++) {
      // Padded window rows y .. y + 2r, columns x .. x + 2r.
      const top = y * w1;
      const bottom = (y + window) * w1;
      const o = y * width;
      for (let x = 0; x < width; x++) sum[o + x] = s[bottom + x + window] - s[top + x + window] - s[bottom + x] + s[top + x];
    }
    return { sum, countX, countY };
  }
  const x0 = new Int32Array(width);
  const x1 = new Int32Array(width);
  for (let x = 0; x < width; x++) {
    x0[x] = Math.max(0, x - r);
    x1[x] = Math.min(width, x + r + 1);
    countX[x] = x1[x] - x0[x];
  }
  const s = integralImage(gray, width, height);
  const w1 = width + 1;
  for (let y = 0; y < height; y++) {
    const y0 = Math.max(0, y - r);
    const y1 = Math.min(height, y + r + 1);
    countY[y] = y1 - y0;
    const top = y0 * w1;
    const bottom = y1 * w1;
    const o = y * width;
    for (let x = 0; x < width; x++) sum[o + x] = s[bottom + x1[x]] - s[top + x1[x]] - s[bottom + x0[x]] + s[top + x0[x]];
  }
  return { sum, countX, countY };
}

/** Mean of the `window` × `window` neighbourhood of every pixel. */
export function boxMean(gray: ArrayLike<number>, width: number, height: number, window: number, edge: 'shrink' | 'replicate' = 'shrink'): Float64Array {
  const { sum, countX, countY } = windowSums(gray, width, height, window, edge);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) sum[y * width + x] /= countX[x] * countY[y];
  return sum;
}

/** Binary mask (1 = object pixel, 0 = background), one byte per pixel. */
export function localMeanThreshold(img: PixelImage, opts: ThresholdOptions = {}): Uint8Array {
  const { width, height } = img;
  const c = opts.c ?? 10;
  const dark = (opts.polarity ?? 'dark') === 'dark';
  const gray = toGray(img);
  const mask = new Uint8Array(width * height);
  const { sum, countX, countY } = windowSums(gray, width, height, opts.window ?? 31, opts.edge ?? 'shrink');
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let x = 0; x < width; x++) {
      const i = o + x;
      const n = countX[x] * countY[y];
      const v = gray[i] * n;
      mask[i] = dark ? (v < sum[i] - c * n ? 1 : 0) : v > sum[i] + c * n ? 1 : 0;
    }
  }
  return mask;
}

/** RGBA rendering of a mask: `on` for 1, `off` for 0 (grey levels; default white objects on black). */
export function maskToRgba(mask: ArrayLike<number>, opts: { on?: number; off?: number } = {}): Uint8ClampedArray {
  const on = opts.on ?? 255;
  const off = opts.off ?? 0;
  const out = new Uint8ClampedArray(mask.length * 4);
  for (let i = 0; i < mask.length; i++) {
    const v = mask[i] ? on : off;
    out[4 * i] = v;
    out[4 * i + 1] = v;
    out[4 * i + 2] = v;
    out[4 * i + 3] = 255;
  }
  return out;
}

/** Threshold an image straight to RGBA (the network's input in the binary-mask experiment). */
export function thresholdToRgba(img: PixelImage, opts: ThresholdOptions & { on?: number; off?: number } = {}): Uint8ClampedArray {
  return maskToRgba(localMeanThreshold(img, opts), opts);
}
