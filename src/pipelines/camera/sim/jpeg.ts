/**
 * Baseline-JPEG compression simulated in the pixel domain: what a JPEG encode followed by a decode
 * does to the pixels, without the (lossless) entropy coding. Steps as in libjpeg:
 * RGB → 8-bit YCbCr (JFIF), optional 4:2:0 chroma (2×2 mean down, triangular "fancy" upsampling back),
 * 8×8 blocks (edges replicated), DCT (float AAN, as libjpeg's and jpeg-js's), quantisation by the
 * IJG tables scaled by the quality (round half away from zero), dequantisation, inverse DCT to
 * 8-bit samples, YCbCr → RGB, rounding.
 *
 * jpeg-js encode + decode does the same with integer arithmetic; a test checks agreement within
 * a grey level or two. The simulation is ~10× faster than jpeg-js (whose encoder rebuilds 64k-entry
 * tables on every call), has no `Buffer` dependency, and supports 4:2:0, which jpeg-js cannot encode.
 * The jpeg-js wrappers below give real JPEG bytes (file sizes, the reference for tests).
 */
import jpeg from 'jpeg-js';

/** Annex K luminance and chrominance quantisation tables, natural (row-major) order. */
export const IJG_LUMA_TABLE: readonly number[] = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
  14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
  49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
export const IJG_CHROMA_TABLE: readonly number[] = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
  47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];

/** IJG quality scaling (as libjpeg and jpeg-js): q < 50 → 5000/q %, else 200 - 2q %, clamped 1–255. */
export function scaledTable(base: readonly number[], quality: number): Float32Array {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const sf = q < 50 ? Math.floor(5000 / q) : 200 - 2 * q;
  return Float32Array.from(base, (b) => Math.min(255, Math.max(1, Math.floor((b * sf + 50) / 100))));
}

/** AAN scale factors: aan[0] = 1, aan[k] = √2·cos(kπ/16). */
const AAN = Float64Array.from({ length: 8 }, (_, k) => (k === 0 ? 1 : Math.SQRT2 * Math.cos((k * Math.PI) / 16)));

/** In place, 8 samples at d[o + i·s]: the Arai–Agui–Nakajima forward DCT (libjpeg jfdctflt), output scaled by 8·aan[u]. */
function fdct8(d: Float64Array, o: number, s: number): void {
  const d0 = d[o], d1 = d[o + s], d2 = d[o + 2 * s], d3 = d[o + 3 * s], d4 = d[o + 4 * s], d5 = d[o + 5 * s], d6 = d[o + 6 * s], d7 = d[o + 7 * s];
  const t0 = d0 + d7, t7 = d0 - d7, t1 = d1 + d6, t6 = d1 - d6, t2 = d2 + d5, t5 = d2 - d5, t3 = d3 + d4, t4 = d3 - d4;
  let t10 = t0 + t3, t11 = t1 + t2, t12 = t1 - t2;
  const t13 = t0 - t3;
  d[o] = t10 + t11;
  d[o + 4 * s] = t10 - t11;
  const z1 = (t12 + t13) * 0.707106781186548;
  d[o + 2 * s] = t13 + z1;
  d[o + 6 * s] = t13 - z1;
  t10 = t4 + t5; t11 = t5 + t6; t12 = t6 + t7;
  const z5 = (t10 - t12) * 0.382683432365090;
  const z2 = 0.541196100146197 * t10 + z5, z4 = 1.306562964876377 * t12 + z5, z3 = t11 * 0.707106781186548;
  const z11 = t7 + z3, z13 = t7 - z3;
  d[o + 5 * s] = z13 + z2;
  d[o + 3 * s] = z13 - z2;
  d[o + s] = z11 + z4;
  d[o + 7 * s] = z11 - z4;
}

/** In place: the AAN inverse DCT (libjpeg jidctflt) of coefficients pre-multiplied by aan[u]; output scaled by 8. */
function idct8(d: Float64Array, o: number, s: number): void {
  const i0 = d[o], i1 = d[o + s], i2 = d[o + 2 * s], i3 = d[o + 3 * s], i4 = d[o + 4 * s], i5 = d[o + 5 * s], i6 = d[o + 6 * s], i7 = d[o + 7 * s];
  const t10 = i0 + i4, t11 = i0 - i4, t13 = i2 + i6, t12 = (i2 - i6) * 1.414213562373095 - t13;
  const e0 = t10 + t13, e3 = t10 - t13, e1 = t11 + t12, e2 = t11 - t12;
  const z13 = i5 + i3, z10 = i5 - i3, z11 = i1 + i7, z12 = i1 - i7;
  const t7 = z11 + z13, u11 = (z11 - z13) * 1.414213562373095;
  const z5 = (z10 + z12) * 1.847759065022574;
  const u10 = 1.082392200292394 * z12 - z5, u12 = -2.613125929752753 * z10 + z5;
  const t6 = u12 - t7, t5 = u11 - t6, t4 = u10 + t5;
  d[o] = e0 + t7;
  d[o + 7 * s] = e0 - t7;
  d[o + s] = e1 + t6;
  d[o + 6 * s] = e1 - t6;
  d[o + 2 * s] = e2 + t5;
  d[o + 5 * s] = e2 - t5;
  d[o + 4 * s] = e3 + t4;
  d[o + 3 * s] = e3 - t4;
}

/**
 * In place on a plane of size pw×ph (multiples of 8): per 8×8 block the orthonormal 2-D DCT
 * F(u, v) (AAN, scale folded into the quantiser), quantisation by `table` (round half away from
 * zero, as jpeg-js and libjpeg), dequantisation and the inverse DCT.
 */
function quantisePlane(plane: Float32Array, pw: number, ph: number, table: Float32Array): void {
  // F = raw / (8·aan[u]·aan[v]); the IDCT wants F·q·aan[u]·aan[v] and returns 8× the samples.
  const toQ = new Float64Array(64), fromQ = new Float64Array(64);
  for (let v = 0; v < 8; v++) {
    for (let u = 0; u < 8; u++) {
      const a = AAN[u] * AAN[v], q = table[v * 8 + u];
      toQ[v * 8 + u] = 1 / (8 * a * q);
      fromQ[v * 8 + u] = (q * a) / 8;
    }
  }
  const blk = new Float64Array(64);
  for (let by = 0; by < ph; by += 8) {
    for (let bx = 0; bx < pw; bx += 8) {
      for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) blk[y * 8 + x] = plane[(by + y) * pw + bx + x];
      for (let y = 0; y < 8; y++) fdct8(blk, y * 8, 1);
      for (let x = 0; x < 8; x++) fdct8(blk, x, 8);
      for (let k = 0; k < 64; k++) {
        const r = blk[k] * toQ[k];
        blk[k] = (r >= 0 ? Math.floor(r + 0.5) : -Math.floor(-r + 0.5)) * fromQ[k];
      }
      for (let x = 0; x < 8; x++) idct8(blk, x, 8);
      for (let y = 0; y < 8; y++) idct8(blk, y * 8, 1);
      for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) plane[(by + y) * pw + bx + x] = blk[y * 8 + x];
    }
  }
}

/** Copies a w×h plane into a pw×ph one, replicating the last row and column. */
function padPlane(src: Float32Array, w: number, h: number, pw: number, ph: number): Float32Array {
  if (pw === w && ph === h) return src;
  const out = new Float32Array(pw * ph);
  for (let y = 0; y < ph; y++) {
    const sy = Math.min(y, h - 1) * w;
    for (let x = 0; x < pw; x++) out[y * pw + x] = src[sy + Math.min(x, w - 1)];
  }
  return out;
}

/** libjpeg's triangular ("fancy") 2× upsampling of a cw×ch plane to w×h: 3/4 nearer + 1/4 farther sample per axis. */
function upsample2(c: Uint8ClampedArray, cw: number, ch: number, w: number, h: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(w * h);
  for (let y = 0; y < h; y++) {
    const cy = (y >> 1), ny = Math.min(ch - 1, Math.max(0, (y & 1) ? cy + 1 : cy - 1));
    for (let x = 0; x < w; x++) {
      const cx = (x >> 1), nx = Math.min(cw - 1, Math.max(0, (x & 1) ? cx + 1 : cx - 1));
      out[y * w + x] = 0.5625 * c[cy * cw + cx] + 0.1875 * (c[cy * cw + nx] + c[ny * cw + cx]) + 0.0625 * c[ny * cw + nx];
    }
  }
  return out;
}

/**
 * 4:2:0 chroma subsampling of RGBA bytes: JFIF YCbCr, Cb/Cr averaged over each 2×2 block and
 * replicated back (what a 4:2:0 JPEG with a simple upsampler does to colour).
 */
export function subsampleChroma(rgba: Uint8ClampedArray, width: number, height: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(rgba.length);
  for (let by = 0; by < height; by += 2) {
    for (let bx = 0; bx < width; bx += 2) {
      let cb = 0, cr = 0, cnt = 0;
      for (let y = by; y < Math.min(by + 2, height); y++) {
        for (let x = bx; x < Math.min(bx + 2, width); x++) {
          const o = 4 * (y * width + x);
          const r = rgba[o], g = rgba[o + 1], b = rgba[o + 2];
          cb += -0.168736 * r - 0.331264 * g + 0.5 * b;
          cr += 0.5 * r - 0.418688 * g - 0.081312 * b;
          cnt++;
        }
      }
      cb /= cnt; cr /= cnt;
      for (let y = by; y < Math.min(by + 2, height); y++) {
        for (let x = bx; x < Math.min(bx + 2, width); x++) {
          const o = 4 * (y * width + x);
          const Y = 0.299 * rgba[o] + 0.587 * rgba[o + 1] + 0.114 * rgba[o + 2];
          out[o] = Y + 1.402 * cr;
          out[o + 1] = Y - 0.344136 * cb - 0.714136 * cr;
          out[o + 2] = Y + 1.772 * cb;
          out[o + 3] = rgba[o + 3];
        }
      }
    }
  }
  return out;
}

/**
 * jpeg-js encode. Its encoder returns `Buffer.from(bytes)` whenever a CommonJS `module` exists,
 * which bundlers provide in browsers and workers where `Buffer` does not exist; a minimal
 * stand-in is installed for the duration of the call there.
 */
export function encodeJpeg(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number, quality: number): Uint8Array {
  const g = globalThis as { Buffer?: unknown };
  const shim = g.Buffer === undefined;
  if (shim) g.Buffer = { from: (a: ArrayLike<number>) => Uint8Array.from(a) };
  try {
    const data = jpeg.encode({ data: rgba, width, height }, quality).data as Uint8Array;
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } finally {
    if (shim) delete g.Buffer;
  }
}

export function decodeJpeg(bytes: Uint8Array): { rgba: Uint8ClampedArray; width: number; height: number } {
  const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
  return { rgba: new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.byteLength), width: img.width, height: img.height };
}

export interface JpegSimOptions {
  quality: number;
  chroma: '444' | '420';
}

/** Decoded JPEG samples: Y, Cb, Cr planes (W×H, 8-bit, Cb/Cr centred on 128) as a decoder outputs them. */
export interface JpegSamples {
  y: Uint8ClampedArray;
  cb: Uint8ClampedArray;
  cr: Uint8ClampedArray;
}

/** Crops a pw-wide plane to w×h with the +128 level shift into 8-bit samples (decoders' range limit). */
function toSamples(p: Float32Array, pw: number, w: number, h: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = p[y * pw + x] + 128;
  return out;
}

/** The Y, Cb, Cr samples a decoder returns for RGBA bytes compressed as a baseline JPEG. */
export function jpegSamples(rgba: Uint8ClampedArray, width: number, height: number, o: JpegSimOptions): JpegSamples {
  const n = width * height;
  const Y = new Float32Array(n), Cb = new Float32Array(n), Cr = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rgba[4 * i], g = rgba[4 * i + 1], b = rgba[4 * i + 2];
    // Encoders work on 8-bit YCbCr samples.
    Y[i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b) - 128;
    Cb[i] = Math.round(-0.168736 * r - 0.331264 * g + 0.5 * b);
    Cr[i] = Math.round(0.5 * r - 0.418688 * g - 0.081312 * b);
  }
  const lq = scaledTable(IJG_LUMA_TABLE, o.quality), cq = scaledTable(IJG_CHROMA_TABLE, o.quality);
  const pw = Math.ceil(width / 8) * 8, ph = Math.ceil(height / 8) * 8;
  const Yp = padPlane(Y, width, height, pw, ph);
  quantisePlane(Yp, pw, ph, lq);
  const y = toSamples(Yp, pw, width, height);
  if (o.chroma === '444') {
    const chroma = (p: Float32Array) => {
      const padded = padPlane(p, width, height, pw, ph);
      quantisePlane(padded, pw, ph, cq);
      return toSamples(padded, pw, width, height);
    };
    return { y, cb: chroma(Cb), cr: chroma(Cr) };
  }
  const cw = Math.ceil(width / 2), ch = Math.ceil(height / 2);
  const cpw = Math.ceil(cw / 8) * 8, cph = Math.ceil(ch / 8) * 8;
  const chroma = (p: Float32Array) => {
    // 2×2 mean, blocks, then triangular upsampling of the 8-bit samples.
    const d = new Float32Array(cw * ch);
    for (let cy = 0; cy < ch; cy++) {
      for (let cx = 0; cx < cw; cx++) {
        const x0 = 2 * cx, y0 = 2 * cy, x1 = Math.min(x0 + 1, width - 1), y1 = Math.min(y0 + 1, height - 1);
        d[cy * cw + cx] = 0.25 * (p[y0 * width + x0] + p[y0 * width + x1] + p[y1 * width + x0] + p[y1 * width + x1]);
      }
    }
    const padded = padPlane(d, cw, ch, cpw, cph);
    quantisePlane(padded, cpw, cph, cq);
    return upsample2(toSamples(padded, cpw, cw, ch), cw, ch, width, height);
  };
  return { y, cb: chroma(Cb), cr: chroma(Cr) };
}

/** RGBA bytes → the RGBA bytes a baseline JPEG at `quality` decodes to (alpha kept). */
export function simulateJpeg(rgba: Uint8ClampedArray, width: number, height: number, o: JpegSimOptions): Uint8ClampedArray {
  const { y, cb, cr } = jpegSamples(rgba, width, height, o);
  const n = width * height;
  const out = new Uint8ClampedArray(4 * n);
  for (let i = 0; i < n; i++) {
    const yy = y[i], b = cb[i] - 128, r = cr[i] - 128;
    out[4 * i] = yy + 1.402 * r;
    out[4 * i + 1] = yy - 0.344136 * b - 0.714136 * r;
    out[4 * i + 2] = yy + 1.772 * b;
    out[4 * i + 3] = rgba[4 * i + 3];
  }
  return out;
}
