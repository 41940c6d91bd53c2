/**
 * Image-formation pieces of the SIMCEP-style generator, on flat row-major Float32Arrays:
 * multi-octave value-noise texture (docs/simcep.md §2.2), quadratic illumination fall-off (§2.6.2)
 * and a separable Gaussian blur.
 */
import type { Rng } from '../../core/rng/rng';

export interface TextureParams {
  /** Amplitude of octave i is persistence^i. */
  persistence: number;
  /** First octave o₁ (grid size 2^o₁), at least 1. */
  firstOctave: number;
  /** Number of octaves. */
  octaves: number;
  /** Output lies in [bias, 1]. */
  bias: number;
}

/**
 * SIMCEP texture T(h, w; p, o₁, n, b) (§2.2): per octave an f×f grid of U(0,1) values (f = 2^i),
 * 3×3 mean-filtered with replicate padding, resampled to h×w with corner-aligned bilinear
 * interpolation (SIMCEP uses Keys cubic above f = 2), weighted by p^i; then min–max normalised to
 * [b, 1]. Grids are capped at the patch size, where finer grids only add more of the same noise.
 */
export function valueNoiseTexture(w: number, h: number, params: TextureParams, rng: Rng, out = new Float32Array(w * h)): Float32Array {
  out.fill(0);
  if (w === 0 || h === 0) return out;
  const first = Math.max(1, params.firstOctave);
  for (let i = first; i < first + params.octaves; i++) {
    const f = 2 ** i;
    const gx = Math.min(f, Math.max(2, w)), gy = Math.min(f, Math.max(2, h));
    const grid = meanFilter3x3(randomGrid(gx, gy, rng), gx, gy);
    const amp = params.persistence ** i;
    // Bilinear resampling is separable: interpolate each grid row along x, then blend rows along y.
    const rows = new Float32Array(gy * w);
    for (let x = 0; x < w; x++) {
      const fx = w > 1 ? (x * (gx - 1)) / (w - 1) : 0;
      const j = Math.min(Math.floor(fx), gx - 2), t = fx - j;
      for (let gyi = 0; gyi < gy; gyi++) rows[gyi * w + x] = grid[gyi * gx + j] * (1 - t) + grid[gyi * gx + j + 1] * t;
    }
    for (let y = 0; y < h; y++) {
      const fy = h > 1 ? (y * (gy - 1)) / (h - 1) : 0;
      const y0 = Math.min(Math.floor(fy), gy - 2), ty = fy - y0;
      const r0 = y0 * w, r1 = r0 + w, o = y * w, a0 = amp * (1 - ty), a1 = amp * ty;
      for (let x = 0; x < w; x++) out[o + x] += a0 * rows[r0 + x] + a1 * rows[r1 + x];
    }
  }
  let lo = Infinity, hi = -Infinity;
  for (let k = 0; k < out.length; k++) {
    lo = Math.min(lo, out[k]);
    hi = Math.max(hi, out[k]);
  }
  const scale = hi > lo ? (1 - params.bias) / (hi - lo) : 0;
  for (let k = 0; k < out.length; k++) out[k] = hi > lo ? params.bias + (out[k] - lo) * scale : 1;
  return out;
}

function randomGrid(gx: number, gy: number, rng: Rng): Float32Array {
  const g = new Float32Array(gx * gy);
  for (let k = 0; k < g.length; k++) g[k] = rng.next();
  return g;
}

function meanFilter3x3(src: Float32Array, gx: number, gy: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let y = 0; y < gy; y++) {
    for (let x = 0; x < gx; x++) {
      let s = 0;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = Math.min(gy - 1, Math.max(0, y + dy)) * gx;
        for (let dx = -1; dx <= 1; dx++) s += src[yy + Math.min(gx - 1, Math.max(0, x + dx))];
      }
      out[y * gx + x] = s / 9;
    }
  }
  return out;
}

/**
 * Quadratic illumination fall-off (§2.6.2): I = 1 − (Z − min Z)/(max Z − min Z) with Z the squared
 * distance from the centre shifted by (misalignX·W/2, misalignY·H/2), so I = 1 at the (in-image)
 * centre and 0 at the farthest pixel.
 */
export function illuminationField(width: number, height: number, misalignX: number, misalignY: number): Float32Array {
  const cx = width / 2 + (misalignX * width) / 2;
  const cy = height / 2 + (misalignY * height) / 2;
  const dx2 = new Float64Array(width), dy2 = new Float64Array(height);
  for (let x = 0; x < width; x++) dx2[x] = (x + 0.5 - cx) ** 2;
  for (let y = 0; y < height; y++) dy2[y] = (y + 0.5 - cy) ** 2;
  const zMin = Math.min(...dx2) + Math.min(...dy2);
  const zMax = Math.max(...dx2) + Math.max(...dy2);
  const span = zMax > zMin ? zMax - zMin : 1;
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let x = 0; x < width; x++) out[o + x] = 1 - (dx2[x] + dy2[y] - zMin) / span;
  }
  return out;
}

/** Normalised 1-D Gaussian kernel of radius ceil(3σ). */
export function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * radius + 1);
  let s = 0;
  for (let i = -radius; i <= radius; i++) s += k[i + radius] = Math.exp((-i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= s;
  return k;
}

/**
 * Separable Gaussian blur in place with zero padding, so mass blurred past the border is lost as
 * in SIMCEP's scatter blur (§2.6.4). σ ≤ 0 leaves the image unchanged.
 */
export function gaussianBlur(image: Float32Array, width: number, height: number, sigma: number, scratch = new Float32Array(width * height)): Float32Array {
  if (!(sigma > 0)) return image;
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) / 2;
  // Both passes accumulate one kernel tap at a time over a contiguous run of pixels.
  scratch.fill(0);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let i = -r; i <= r; i++) {
      const wgt = k[i + r];
      const start = Math.max(0, -i), end = Math.min(width, width - i);
      for (let x = start; x < end; x++) scratch[o + x] += wgt * image[o + x + i];
    }
  }
  for (let y = 0; y < height; y++) {
    const lo = Math.max(-r, -y), hi = Math.min(r, height - 1 - y);
    const o = y * width;
    image.fill(0, o, o + width);
    for (let i = lo; i <= hi; i++) {
      const wgt = k[i + r], src = (y + i) * width;
      for (let x = 0; x < width; x++) image[o + x] += wgt * scratch[src + x];
    }
  }
  return image;
}
