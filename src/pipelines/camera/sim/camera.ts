/**
 * Five virtual phone cameras for the ch. 6 camera-bias experiments. Each turns the scene's linear
 * radiance into an 8-bit RGBA photo through the stages of a phone image pipeline (ISP), in order:
 *
 *  1. colour (sensor part): raw_c = exposure · response_c · Σ_j sensor[c][j] · radiance_j, sampled
 *     only at the colour filter's site (Bayer mosaic, stage `bayer`).
 *  2. prnu: photosite gain 1 + strength·K(x, y) + lineStrength·(row(y) + col(x)) with K, row, col
 *     unit normals fixed per camera id, image size and sensor seed (not per photo; a custom
 *     profile reusing an id reuses its pattern). Row/column terms give faint banding.
 *  3. noise: shot noise (Poisson ≈ normal, `fullWell` electrons at raw 1) + read noise
 *     (`readNoise` electrons), drawn from the sample's noise stream; then clipped to [0, 1].
 *  4. colour (white balance): per-site gains `wbGains` on the mosaic.
 *  5. bayer + demosaic: CFA layout (RGGB / BGGR / GRBG / GBRG) and reconstruction: 'nearest'
 *     (value of the 2×2 cell), 'bilinear', or 'mhc' (Malvar–He–Cutler gradient-corrected
 *     bilinear, 5×5). Borders mirror (reflect-101), which keeps the CFA phase.
 *  6. denoise: 'none', 'box' (mean over (2r+1)², blended by `amount`) or 'bilateral' (spatial
 *     Gaussian × range Gaussian on linear luma of s.d. `rangeSigma`, blended by `amount`).
 *  7. colour (matrix): 3×3 colour correction `matrix` (rows sum to 1, so grey stays grey up to the
 *     white-balance cast).
 *  8. tone: `exposure` (applied at stage 1, as auto-exposure would), then a curve to display
 *     values: 'srgb' (IEC 61966-2-1), 'gamma' (x^(1/gamma)) or 'filmic' (Narkowicz ACES fit
 *     normalised to 1 at 1, then sRGB), then an S-curve y + contrast·y(1-y)(2y-1).
 *  9. sharpen: unsharp mask on display luma, Gaussian of s.d. `radius` px, gain `amount`.
 * 10. 8-bit quantisation, then jpeg: baseline JPEG at `quality` (IJG tables) with 4:4:4 or 4:2:0
 *     chroma, simulated in the pixel domain (jpeg.ts; `jpegCodec: 'jpeg-js'` runs the real
 *     jpeg-js encode + decode instead).
 *
 * `TraitSwitches` turns each stage's camera-specific setting on or off; an off stage uses the
 * NEUTRAL_CAMERA setting, the same implementation and parameters for every camera: prnu none,
 * noise none, bayer RGGB, demosaic bilinear, denoise none, sharpen none, colour identity (sensor,
 * response, gains and matrix), tone sRGB at exposure 1 without contrast, jpeg none (lossless 8-bit).
 * With every trait off all cameras give byte-identical images of the same scene.
 *
 * Images are planar Float32Array (R plane, G plane, B plane) until quantisation; no DOM, no
 * canvas, so the module runs in Node and in a Web Worker.
 */
import { Rng } from '../../../core/rng/rng';
import { decodeJpeg, encodeJpeg, simulateJpeg, subsampleChroma } from './jpeg';
import type { Vec3 } from './scene';

/** Row-major 3×3 matrix. */
export type Mat3 = [number, number, number, number, number, number, number, number, number];

export type CfaPattern = 'RGGB' | 'BGGR' | 'GRBG' | 'GBRG';
export type DemosaicMethod = 'nearest' | 'bilinear' | 'mhc';
export type ToneCurveKind = 'srgb' | 'gamma' | 'filmic';

export interface PrnuParams { strength: number; lineStrength: number }
/** null: no noise. */
export type NoiseParams = { fullWell: number; readNoise: number } | null;
export interface DenoiseParams { method: 'none' | 'box' | 'bilateral'; radius: 1 | 2; amount: number; rangeSigma: number }
export interface SharpenParams { radius: number; amount: number }
export interface ColourParams { sensor: Mat3; response: Vec3; wbGains: Vec3; matrix: Mat3 }
export interface ToneParams { curve: ToneCurveKind; gamma: number; exposure: number; contrast: number }
/** null: no JPEG (lossless 8-bit). */
export type JpegParams = { quality: number; chroma: '444' | '420' } | null;

export interface CameraProfile {
  id: string;
  /** Display name (the thesis's phones). */
  label: string;
  prnu: PrnuParams;
  noise: NoiseParams;
  bayer: CfaPattern;
  demosaic: DemosaicMethod;
  denoise: DenoiseParams;
  sharpen: SharpenParams;
  colour: ColourParams;
  tone: ToneParams;
  jpeg: JpegParams;
}

export const TRAITS = ['prnu', 'noise', 'bayer', 'demosaic', 'denoise', 'sharpen', 'colour', 'tone', 'jpeg'] as const;
export type Trait = (typeof TRAITS)[number];
/** true: the camera's own setting for that stage; false: the common neutral setting. */
export type TraitSwitches = Record<Trait, boolean>;

export const ALL_TRAITS_ON: TraitSwitches = Object.fromEntries(TRAITS.map((t) => [t, true])) as TraitSwitches;
export const ALL_TRAITS_OFF: TraitSwitches = Object.fromEntries(TRAITS.map((t) => [t, false])) as TraitSwitches;

/** Fills missing switches with true (camera-specific). */
export function resolveTraits(traits?: Partial<TraitSwitches>): TraitSwitches {
  return { ...ALL_TRAITS_ON, ...traits };
}

const I3: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

/** The common setting every camera uses for a stage whose trait is off. */
export const NEUTRAL_CAMERA: CameraProfile = {
  id: 'neutral',
  label: 'Neutral',
  prnu: { strength: 0, lineStrength: 0 },
  noise: null,
  bayer: 'RGGB',
  demosaic: 'bilinear',
  denoise: { method: 'none', radius: 1, amount: 0, rangeSigma: 0.03 },
  sharpen: { radius: 1, amount: 0 },
  colour: { sensor: I3, response: [1, 1, 1], wbGains: [1, 1, 1], matrix: I3 },
  tone: { curve: 'srgb', gamma: 2.2, exposure: 1, contrast: 0 },
  jpeg: null,
};

/** The profile actually run: each stage from `camera` where its trait is on, else from NEUTRAL_CAMERA. */
export function effectiveProfile(camera: CameraProfile, traits?: Partial<TraitSwitches>): CameraProfile {
  const t = resolveTraits(traits);
  const out: CameraProfile = { ...camera };
  for (const k of TRAITS) if (!t[k]) (out as unknown as Record<string, unknown>)[k] = NEUTRAL_CAMERA[k];
  return out;
}

// ---------------------------------------------------------------- small matrix helpers

export function matMul3(a: Mat3, b: Mat3): Mat3 {
  const o = new Array<number>(9);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) o[r * 3 + c] = a[r * 3] * b[c] + a[r * 3 + 1] * b[3 + c] + a[r * 3 + 2] * b[6 + c];
  return o as Mat3;
}

export function invert3(m: Mat3): Mat3 {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-12) throw new Error('invert3: singular matrix');
  const inv = [A, -(b * i - c * h), b * f - c * e, B, a * i - c * g, -(a * f - c * d), C, -(a * h - b * g), a * e - b * d];
  return inv.map((v) => v / det) as Mat3;
}

/** Saturation about luma (BT.709 weights): rows sum to 1. */
export function saturationMatrix(s: number): Mat3 {
  const w = [0.2126, 0.7152, 0.0722];
  const m = new Array<number>(9);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) m[r * 3 + c] = (1 - s) * w[c] + (r === c ? s : 0);
  return m as Mat3;
}

/**
 * A camera's colour chain from its sensor: `sensor` crosstalk (rows sum to 1), channel
 * `response`, a white-balance `cast` (how the camera renders grey) and a look `saturation`.
 * Gains = (sensor · cast) / response and matrix = saturation · sensor⁻¹, so a grey g comes out as
 * saturation · (cast ⊙ g): grey tinted by the cast (slightly amplified by the saturation).
 */
export function colourFromSensor(sensor: Mat3, response: Vec3, cast: Vec3, saturation: number): ColourParams {
  const sc = [0, 1, 2].map((c) => sensor[3 * c] * cast[0] + sensor[3 * c + 1] * cast[1] + sensor[3 * c + 2] * cast[2]);
  return {
    sensor,
    response,
    wbGains: [sc[0] / response[0], sc[1] / response[1], sc[2] / response[2]],
    matrix: matMul3(saturationMatrix(saturation), invert3(sensor)),
  };
}

/**
 * The five cameras (thesis ch. 6 phones). Every pair differs in every stage except the CFA layout
 * (cam-A and cam-E are both RGGB) and the demosaic method (three methods for five cameras).
 * Casts are ≤ 1.5 %, JPEG qualities 80–95: differences are subtle to the eye.
 *
 *            PRNU s/line  noise e⁻ FW/read  CFA   demosaic  denoise          sharpen r/amt  tone                JPEG
 *   A iPhone  .6%/.08%    6000/2.5          RGGB  mhc       bilateral r1 .6  0.8/0.45       filmic ×1.1 c.1     92 4:2:0
 *   B Huawei  .9%/.15%    4500/3.5          BGGR  bilinear  box r1 .45       1.3/0.8        gamma 2.2 c.15      88 4:2:0
 *   C Samsung .7%/.1%     5000/2            GRBG  mhc       bilateral r2 .7  1.0/1.1        sRGB ×1.05 c.2      95 4:4:4
 *   D Redmi   1.2%/.2%    3800/4            GBRG  bilinear  none             0.6/0.6        gamma 2.0 ×.95 c.05 85 4:2:0
 *   E Vivo    .8%/.05%    4200/3            RGGB  nearest   box r1 .8        1.6/0.5        filmic              80 4:2:0
 */
export const CAMERAS: readonly CameraProfile[] = [
  {
    id: 'cam-A', label: 'iPhone',
    prnu: { strength: 0.006, lineStrength: 0.0008 },
    noise: { fullWell: 6000, readNoise: 2.5 },
    bayer: 'RGGB', demosaic: 'mhc',
    denoise: { method: 'bilateral', radius: 1, amount: 0.6, rangeSigma: 0.03 },
    sharpen: { radius: 0.8, amount: 0.45 },
    colour: colourFromSensor([0.8, 0.15, 0.05, 0.1, 0.8, 0.1, 0.03, 0.17, 0.8], [0.55, 1, 0.74], [1, 1, 0.985], 1.05),
    tone: { curve: 'filmic', gamma: 2.2, exposure: 1.1, contrast: 0.1 },
    jpeg: { quality: 92, chroma: '420' },
  },
  {
    id: 'cam-B', label: 'Huawei',
    prnu: { strength: 0.009, lineStrength: 0.0015 },
    noise: { fullWell: 4500, readNoise: 3.5 },
    bayer: 'BGGR', demosaic: 'bilinear',
    denoise: { method: 'box', radius: 1, amount: 0.45, rangeSigma: 0.03 },
    sharpen: { radius: 1.3, amount: 0.8 },
    colour: colourFromSensor([0.78, 0.17, 0.05, 0.12, 0.76, 0.12, 0.05, 0.2, 0.75], [0.6, 1, 0.68], [1.015, 1, 0.99], 1.1),
    tone: { curve: 'gamma', gamma: 2.2, exposure: 1, contrast: 0.15 },
    jpeg: { quality: 88, chroma: '420' },
  },
  {
    id: 'cam-C', label: 'Samsung',
    prnu: { strength: 0.007, lineStrength: 0.001 },
    noise: { fullWell: 5000, readNoise: 2 },
    bayer: 'GRBG', demosaic: 'mhc',
    denoise: { method: 'bilateral', radius: 2, amount: 0.7, rangeSigma: 0.04 },
    sharpen: { radius: 1, amount: 1.1 },
    colour: colourFromSensor([0.82, 0.14, 0.04, 0.09, 0.82, 0.09, 0.04, 0.14, 0.82], [0.52, 1, 0.78], [0.99, 1, 1.01], 1.12),
    tone: { curve: 'srgb', gamma: 2.2, exposure: 1.05, contrast: 0.2 },
    jpeg: { quality: 95, chroma: '444' },
  },
  {
    id: 'cam-D', label: 'Redmi',
    prnu: { strength: 0.012, lineStrength: 0.002 },
    noise: { fullWell: 3800, readNoise: 4 },
    bayer: 'GBRG', demosaic: 'bilinear',
    denoise: { method: 'none', radius: 1, amount: 0, rangeSigma: 0.03 },
    sharpen: { radius: 0.6, amount: 0.6 },
    colour: colourFromSensor([0.76, 0.18, 0.06, 0.13, 0.74, 0.13, 0.06, 0.2, 0.74], [0.58, 1, 0.7], [1.01, 1, 0.98], 1),
    tone: { curve: 'gamma', gamma: 2, exposure: 0.95, contrast: 0.05 },
    jpeg: { quality: 85, chroma: '420' },
  },
  {
    id: 'cam-E', label: 'Vivo',
    prnu: { strength: 0.008, lineStrength: 0.0005 },
    noise: { fullWell: 4200, readNoise: 3 },
    bayer: 'RGGB', demosaic: 'nearest',
    denoise: { method: 'box', radius: 1, amount: 0.8, rangeSigma: 0.03 },
    sharpen: { radius: 1.6, amount: 0.5 },
    colour: colourFromSensor([0.8, 0.16, 0.04, 0.11, 0.78, 0.11, 0.04, 0.18, 0.78], [0.62, 1, 0.66], [1.005, 1, 1], 1.08),
    tone: { curve: 'filmic', gamma: 2.2, exposure: 1, contrast: 0 },
    jpeg: { quality: 80, chroma: '420' },
  },
];

export function getCamera(id: string): CameraProfile {
  const c = CAMERAS.find((k) => k.id === id);
  if (!c) throw new Error(`unknown camera '${id}' (known: ${CAMERAS.map((k) => k.id).join(', ')})`);
  return c;
}

// ---------------------------------------------------------------- CFA

/** Colour index (0 R, 1 G, 2 B) of the four sites of the 2×2 cell, index (y & 1) * 2 + (x & 1). */
export function cfaColours(pattern: CfaPattern): [number, number, number, number] {
  return [...pattern].map((ch) => 'RGB'.indexOf(ch)) as [number, number, number, number];
}

/** One colour per photosite: mosaic[y·W + x] = rgb[cfa(x, y)] (planar input). */
export function mosaic(rgb: Float32Array, width: number, height: number, pattern: CfaPattern): Float32Array {
  const n = width * height;
  const cfa = cfaColours(pattern);
  const out = new Float32Array(n);
  for (let y = 0; y < height; y++) {
    const c0 = cfa[(y & 1) * 2] * n, c1 = cfa[(y & 1) * 2 + 1] * n;
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      out[i] = rgb[((x & 1) ? c1 : c0) + i];
    }
  }
  return out;
}

/** Multiplies each photosite by the white-balance gain of its filter colour. */
export function whiteBalanceMosaic(m: Float32Array, width: number, height: number, pattern: CfaPattern, gains: Vec3): Float32Array {
  const cfa = cfaColours(pattern);
  const out = new Float32Array(m.length);
  for (let y = 0; y < height; y++) {
    const g0 = gains[cfa[(y & 1) * 2]], g1 = gains[cfa[(y & 1) * 2 + 1]];
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      out[i] = m[i] * ((x & 1) ? g1 : g0);
    }
  }
  return out;
}

/** Copy with a `pad`-pixel mirrored border (reflect-101: -1 → 1, W → W-2), which keeps the CFA phase. */
export function padReflect(src: Float32Array, width: number, height: number, pad: number): Float32Array {
  if (width <= pad || height <= pad) throw new Error(`image ${width}×${height} too small for a ${pad}-pixel border`);
  const pw = width + 2 * pad, ph = height + 2 * pad;
  const out = new Float32Array(pw * ph);
  const ref = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * n - 2 - i : i);
  for (let y = 0; y < ph; y++) {
    const sy = ref(y - pad, height) * width;
    const row = y * pw;
    for (let x = 0; x < pad; x++) out[row + x] = src[sy + ref(x - pad, width)];
    out.set(src.subarray(sy, sy + width), row + pad);
    for (let x = width + pad; x < pw; x++) out[row + x] = src[sy + ref(x - pad, width)];
  }
  return out;
}

/**
 * Full RGB (planar) from a CFA mosaic. Site kinds: 0 R, 1 G in an R row, 2 G in a B row, 3 B.
 * 'bilinear': missing G = mean of the 4 neighbours; R/B at G = mean of the 2 neighbours of that
 * colour; R at B (B at R) = mean of the 4 diagonals. 'mhc': Malvar, He & Cutler (2004) 5×5
 * gradient-corrected kernels. 'nearest': the values of the pixel's aligned 2×2 cell (G from the
 * cell's G in the same row at R/B sites).
 */
export function demosaic(m: Float32Array, width: number, height: number, pattern: CfaPattern, method: DemosaicMethod): Float32Array {
  const n = width * height;
  const out = new Float32Array(3 * n);
  const P = 2, pw = width + 2 * P;
  const p = padReflect(m, width, height, P);
  const cfa = cfaColours(pattern);
  // Kind of each of the 4 cell sites.
  const kind = [0, 1, 2, 3].map((s) => {
    const c = cfa[s];
    if (c !== 1) return c === 0 ? 0 : 3;
    const horiz = cfa[(s & 2) | ((s & 1) ^ 1)]; // horizontal neighbour's colour
    return horiz === 0 ? 1 : 2;
  });
  const R = 0, G = n, B = 2 * n;
  const siteOff = [0, 1, pw, pw + 1];
  const rSite = cfa.indexOf(0), bSite = cfa.indexOf(2);
  const up = -pw, dn = pw, up2 = -2 * pw, dn2 = 2 * pw;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const j = (y + P) * pw + x + P;
      const c = p[j];
      const k = kind[(y & 1) * 2 + (x & 1)];
      let r: number, g: number, b: number;
      if (method === 'bilinear') {
        const cross = (p[j - 1] + p[j + 1] + p[j + up] + p[j + dn]) * 0.25;
        const diag = (p[j + up - 1] + p[j + up + 1] + p[j + dn - 1] + p[j + dn + 1]) * 0.25;
        const hor = (p[j - 1] + p[j + 1]) * 0.5, ver = (p[j + up] + p[j + dn]) * 0.5;
        if (k === 0) { r = c; g = cross; b = diag; }
        else if (k === 3) { b = c; g = cross; r = diag; }
        else if (k === 1) { g = c; r = hor; b = ver; }
        else { g = c; b = hor; r = ver; }
      } else if (method === 'mhc') {
        const n4 = p[j - 1] + p[j + 1] + p[j + up] + p[j + dn];
        const d4 = p[j + up - 1] + p[j + up + 1] + p[j + dn - 1] + p[j + dn + 1];
        const h2 = p[j - 2] + p[j + 2], v2 = p[j + up2] + p[j + dn2];
        if (k === 0 || k === 3) {
          const gg = (4 * c + 2 * n4 - (h2 + v2)) / 8;
          const other = (6 * c + 2 * d4 - 1.5 * (h2 + v2)) / 8;
          g = gg;
          if (k === 0) { r = c; b = other; } else { b = c; r = other; }
        } else {
          const hor = (5 * c + 4 * (p[j - 1] + p[j + 1]) - h2 - d4 + 0.5 * v2) / 8;
          const ver = (5 * c + 4 * (p[j + up] + p[j + dn]) - v2 - d4 + 0.5 * h2) / 8;
          g = c;
          if (k === 1) { r = hor; b = ver; } else { b = hor; r = ver; }
        }
      } else {
        // Aligned 2×2 cell: its R and B sites, and the G in this pixel's row.
        const cx = x & 1, cy = y & 1;
        const j00 = j - cx - cy * pw;
        r = p[j00 + siteOff[rSite]];
        b = p[j00 + siteOff[bSite]];
        g = cfa[cy * 2 + cx] === 1 ? c : p[j00 + siteOff[cy * 2 + (cx ^ 1)]];
      }
      out[R + i] = r; out[G + i] = g; out[B + i] = b;
    }
  }
  return out;
}

// ---------------------------------------------------------------- PRNU and noise

export interface PrnuPattern {
  /** Per-photosite unit normal K(x, y), W×H. */
  pixel: Float32Array;
  rows: Float32Array;
  cols: Float32Array;
}

/** Default sensor seed: fixes every camera's PRNU pattern across datasets. */
export const DEFAULT_SENSOR_SEED = 0x5e1150;

const prnuCache = new Map<string, PrnuPattern>();

/**
 * The camera's fixed pattern (unit normals), from camera id + size + sensor seed only, so it is
 * the same in every photo the camera takes. Cached (last 12 patterns).
 */
export function prnuPattern(cameraId: string, width: number, height: number, sensorSeed = DEFAULT_SENSOR_SEED): PrnuPattern {
  const key = `${cameraId}|${width}x${height}|${sensorSeed >>> 0}`;
  const hit = prnuCache.get(key);
  if (hit) return hit;
  const rng = new Rng(sensorSeed).fork('prnu').fork(cameraId).fork(`${width}x${height}`);
  const pixel = new Float32Array(width * height);
  for (let i = 0; i < pixel.length; i++) pixel[i] = rng.normal();
  const rows = new Float32Array(height), cols = new Float32Array(width);
  for (let i = 0; i < height; i++) rows[i] = rng.normal();
  for (let i = 0; i < width; i++) cols[i] = rng.normal();
  const pat = { pixel, rows, cols };
  prnuCache.set(key, pat);
  if (prnuCache.size > 12) prnuCache.delete(prnuCache.keys().next().value as string);
  return pat;
}

/** In place: m *= 1 + strength·K + lineStrength·(row + col). */
export function applyPrnu(m: Float32Array, width: number, height: number, params: PrnuParams, pat: PrnuPattern): void {
  const { strength: s, lineStrength: l } = params;
  if (s === 0 && l === 0) return;
  for (let y = 0; y < height; y++) {
    const ry = l * pat.rows[y];
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      m[i] *= 1 + s * pat.pixel[i] + ry + l * pat.cols[x];
    }
  }
}

/** In place: shot + read noise in electrons, then clip to [0, 1]. */
export function applySensorNoise(m: Float32Array, params: NoiseParams, rng: Rng): void {
  if (params) {
    const fw = params.fullWell, rd2 = params.readNoise * params.readNoise;
    for (let i = 0; i < m.length; i++) {
      const e = Math.max(0, m[i]) * fw;
      m[i] += (rng.normal() * Math.sqrt(e + rd2)) / fw;
    }
  }
  for (let i = 0; i < m.length; i++) m[i] = m[i] < 0 ? 0 : m[i] > 1 ? 1 : m[i];
}

// ---------------------------------------------------------------- denoise, colour, tone, sharpen

/** Separable mean over (2r+1)² per plane (mirrored borders). */
function boxBlurPlane(src: Float32Array, width: number, height: number, r: number): Float32Array {
  const tmp = new Float32Array(width * height), out = new Float32Array(width * height);
  const ref = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * n - 2 - i : i);
  const inv = 1 / (2 * r + 1);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let d = -r; d <= r; d++) s += src[row + ref(x + d, width)];
      tmp[row + x] = s * inv;
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let d = -r; d <= r; d++) s += tmp[ref(y + d, height) * width + x];
      out[y * width + x] = s * inv;
    }
  }
  return out;
}

const RANGE_LUT_SIZE = 2048, RANGE_LUT_MAX = 9;
const RANGE_LUT = (() => {
  const t = new Float32Array(RANGE_LUT_SIZE + 1);
  for (let i = 0; i <= RANGE_LUT_SIZE; i++) t[i] = Math.exp(-(i / RANGE_LUT_SIZE) * RANGE_LUT_MAX);
  return t;
})();

/** Denoise planar linear RGB. */
export function denoise(rgb: Float32Array, width: number, height: number, params: DenoiseParams): Float32Array {
  if (params.method === 'none' || params.amount === 0) return rgb;
  const n = width * height, a = params.amount, r = params.radius;
  const out = new Float32Array(3 * n);
  if (params.method === 'box') {
    for (let c = 0; c < 3; c++) {
      const plane = rgb.subarray(c * n, (c + 1) * n);
      const m = boxBlurPlane(plane, width, height, r);
      for (let i = 0; i < n; i++) out[c * n + i] = plane[i] + a * (m[i] - plane[i]);
    }
    return out;
  }
  // Bilateral on the luma Y = (R + 2G + B) / 4, same weights for the three channels.
  const P = r, pw = width + 2 * P;
  const pr = padReflect(rgb.subarray(0, n), width, height, P);
  const pg = padReflect(rgb.subarray(n, 2 * n), width, height, P);
  const pb = padReflect(rgb.subarray(2 * n), width, height, P);
  const py = new Float32Array(pr.length);
  for (let i = 0; i < py.length; i++) py[i] = 0.25 * pr[i] + 0.5 * pg[i] + 0.25 * pb[i];
  const taps = (2 * r + 1) ** 2;
  const offs = new Int32Array(taps), ws = new Float32Array(taps);
  const ss = 2 * (0.8 * r) ** 2;
  for (let dy = -r, t = 0; dy <= r; dy++) for (let dx = -r; dx <= r; dx++, t++) { offs[t] = dy * pw + dx; ws[t] = Math.exp(-(dx * dx + dy * dy) / ss); }
  const lutScale = RANGE_LUT_SIZE / RANGE_LUT_MAX / (2 * params.rangeSigma * params.rangeSigma);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const j = (y + P) * pw + x + P;
      const y0 = py[j];
      let sw = 0, sr = 0, sg = 0, sb = 0;
      for (let t = 0; t < taps; t++) {
        const q = j + offs[t];
        const d = py[q] - y0;
        const li = d * d * lutScale;
        const w = ws[t] * (li >= RANGE_LUT_SIZE ? 0 : RANGE_LUT[li | 0]);
        sw += w; sr += w * pr[q]; sg += w * pg[q]; sb += w * pb[q];
      }
      const i = y * width + x;
      out[i] = pr[j] + a * (sr / sw - pr[j]);
      out[n + i] = pg[j] + a * (sg / sw - pg[j]);
      out[2 * n + i] = pb[j] + a * (sb / sw - pb[j]);
    }
  }
  return out;
}

/** out = M · rgb per pixel (planar). Returns the input when M is the identity. */
export function applyColourMatrix(rgb: Float32Array, m: Mat3): Float32Array {
  if (m.every((v, k) => v === I3[k])) return rgb;
  const n = rgb.length / 3;
  const out = new Float32Array(rgb.length);
  for (let i = 0; i < n; i++) {
    const r = rgb[i], g = rgb[n + i], b = rgb[2 * n + i];
    out[i] = m[0] * r + m[1] * g + m[2] * b;
    out[n + i] = m[3] * r + m[4] * g + m[5] * b;
    out[2 * n + i] = m[6] * r + m[7] * g + m[8] * b;
  }
  return out;
}

export function srgbEncode(x: number): number {
  return x <= 0.0031308 ? 12.92 * x : 1.055 * x ** (1 / 2.4) - 0.055;
}
export function srgbDecode(y: number): number {
  return y <= 0.04045 ? y / 12.92 : ((y + 0.055) / 1.055) ** 2.4;
}

function aces(x: number): number {
  return (x * (2.51 * x + 0.03)) / (x * (2.43 * x + 0.59) + 0.14);
}

/** The tone curve (display value in [0, 1]) of linear x ≥ 0, exposure not included. */
export function toneCurve(x: number, t: ToneParams): number {
  const v = Math.max(0, x);
  let y: number;
  if (t.curve === 'srgb') y = srgbEncode(Math.min(v, 1));
  else if (t.curve === 'gamma') y = Math.min(v, 1) ** (1 / t.gamma);
  else y = srgbEncode(Math.min(1, aces(v) / aces(1)));
  y = Math.min(1, Math.max(0, y));
  return y + t.contrast * y * (1 - y) * (2 * y - 1);
}

const TONE_LUT_SIZE = 8192, TONE_LUT_MAX = 2;

/** Applies `toneCurve` through a LUT over [0, 2] with linear interpolation (planar, any length). */
export function applyTone(rgb: Float32Array, t: ToneParams): Float32Array {
  const lut = new Float32Array(TONE_LUT_SIZE + 2);
  for (let i = 0; i <= TONE_LUT_SIZE; i++) lut[i] = toneCurve((i / TONE_LUT_SIZE) * TONE_LUT_MAX, t);
  lut[TONE_LUT_SIZE + 1] = lut[TONE_LUT_SIZE];
  const scale = TONE_LUT_SIZE / TONE_LUT_MAX;
  const out = new Float32Array(rgb.length);
  for (let i = 0; i < rgb.length; i++) {
    let v = rgb[i] * scale;
    v = v < 0 ? 0 : v > TONE_LUT_SIZE ? TONE_LUT_SIZE : v;
    const k = v | 0;
    out[i] = lut[k] + (lut[k + 1] - lut[k]) * (v - k);
  }
  return out;
}

/** Separable Gaussian blur of one plane (s.d. sigma px, radius ⌈3σ⌉, mirrored borders). */
export function gaussianBlurPlane(src: Float32Array, width: number, height: number, sigma: number): Float32Array {
  const R = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * R + 1);
  let s = 0;
  for (let d = -R; d <= R; d++) s += k[d + R] = Math.exp(-(d * d) / (2 * sigma * sigma));
  for (let d = 0; d < k.length; d++) k[d] /= s;
  const tmp = new Float32Array(width * height), out = new Float32Array(width * height);
  const ref = (i: number, n: number) => { while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i; return i; };
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      let a = 0;
      if (x >= R && x < width - R) for (let d = -R; d <= R; d++) a += k[d + R] * src[row + x + d];
      else for (let d = -R; d <= R; d++) a += k[d + R] * src[row + ref(x + d, width)];
      tmp[row + x] = a;
    }
  }
  for (let y = 0; y < height; y++) {
    const inner = y >= R && y < height - R;
    for (let x = 0; x < width; x++) {
      let a = 0;
      if (inner) for (let d = -R; d <= R; d++) a += k[d + R] * tmp[(y + d) * width + x];
      else for (let d = -R; d <= R; d++) a += k[d + R] * tmp[ref(y + d, height) * width + x];
      out[y * width + x] = a;
    }
  }
  return out;
}

/** Unsharp mask on display luma (BT.709): each channel += amount · (Y - blur(Y)). Clamped to [0, 1]. */
export function sharpen(rgb: Float32Array, width: number, height: number, params: SharpenParams): Float32Array {
  const n = width * height;
  if (params.amount === 0) return rgb;
  const Y = new Float32Array(n);
  for (let i = 0; i < n; i++) Y[i] = 0.2126 * rgb[i] + 0.7152 * rgb[n + i] + 0.0722 * rgb[2 * n + i];
  const Yb = gaussianBlurPlane(Y, width, height, params.radius);
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const d = params.amount * (Y[i] - Yb[i]);
    for (let c = 0; c < 3; c++) {
      const v = rgb[c * n + i] + d;
      out[c * n + i] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
  return out;
}

// ---------------------------------------------------------------- 8-bit and JPEG

/** Planar display RGB in [0, 1] → interleaved RGBA bytes (rounded, alpha 255). */
export function quantise(rgb: Float32Array, width: number, height: number): Uint8ClampedArray {
  const n = width * height;
  const out = new Uint8ClampedArray(4 * n);
  for (let i = 0; i < n; i++) {
    out[4 * i] = rgb[i] * 255;
    out[4 * i + 1] = rgb[n + i] * 255;
    out[4 * i + 2] = rgb[2 * n + i] * 255;
    out[4 * i + 3] = 255;
  }
  return out;
}

/** How the JPEG stage is computed: pixel-domain simulation (default) or a jpeg-js encode + decode. */
export type JpegCodec = 'simulate' | 'jpeg-js';

/**
 * The camera's JPEG stage. 'simulate': jpeg.ts `simulateJpeg` (4:4:4 or 4:2:0). 'jpeg-js': the
 * real codec, 4:4:4 only, so 4:2:0 is applied beforehand by `subsampleChroma`; several times slower.
 */
export function jpegRoundTrip(rgba: Uint8ClampedArray, width: number, height: number, params: JpegParams, codec: JpegCodec = 'simulate'): Uint8ClampedArray {
  if (!params) return rgba;
  if (codec === 'simulate') return simulateJpeg(rgba, width, height, params);
  const src = params.chroma === '420' ? subsampleChroma(rgba, width, height) : rgba;
  return decodeJpeg(encodeJpeg(src, width, height, params.quality)).rgba;
}

// ---------------------------------------------------------------- the pipeline

export interface CameraRunOptions {
  traits?: Partial<TraitSwitches>;
  /** The sample's noise stream (default: a fixed stream, seed 0). */
  noiseRng?: Rng;
  sensorSeed?: number;
  jpegCodec?: JpegCodec;
}

/**
 * Stages 1–9 (everything before 8-bit quantisation): planar display RGB in [0, 1]. Exposed for
 * tests and for analyses that want the float image.
 */
export function cameraDisplay(radiance: Float32Array, width: number, height: number, camera: CameraProfile, opts: CameraRunOptions = {}): Float32Array {
  const n = width * height;
  if (radiance.length !== 3 * n) throw new Error(`radiance has ${radiance.length} values, expected 3×${width}×${height}`);
  const cam = effectiveProfile(camera, opts.traits);
  const col = cam.colour;
  // 1. Sensor colour response and exposure, sampled through the CFA.
  const cfa = cfaColours(cam.bayer);
  const S = col.sensor, e = cam.tone.exposure;
  const m = new Float32Array(n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const c = cfa[(y & 1) * 2 + (x & 1)];
      m[i] = e * col.response[c] * (S[3 * c] * radiance[i] + S[3 * c + 1] * radiance[n + i] + S[3 * c + 2] * radiance[2 * n + i]);
    }
  }
  // 2–3. PRNU, noise, full-well clip.
  if (cam.prnu.strength !== 0 || cam.prnu.lineStrength !== 0) {
    applyPrnu(m, width, height, cam.prnu, prnuPattern(camera.id, width, height, opts.sensorSeed ?? DEFAULT_SENSOR_SEED));
  }
  applySensorNoise(m, cam.noise, opts.noiseRng ?? new Rng(0));
  // 4–7.
  const wb = whiteBalanceMosaic(m, width, height, cam.bayer, col.wbGains);
  const rgb = applyColourMatrix(denoise(demosaic(wb, width, height, cam.bayer, cam.demosaic), width, height, cam.denoise), col.matrix);
  // 8–9.
  return sharpen(applyTone(rgb, cam.tone), width, height, cam.sharpen);
}

/** The whole camera: radiance (planar linear RGB) → RGBA bytes of the photo. */
export function applyCamera(radiance: Float32Array, width: number, height: number, camera: CameraProfile, opts: CameraRunOptions = {}): Uint8ClampedArray {
  const cam = effectiveProfile(camera, opts.traits);
  return jpegRoundTrip(quantise(cameraDisplay(radiance, width, height, camera, opts), width, height), width, height, cam.jpeg, opts.jpegCodec);
}
