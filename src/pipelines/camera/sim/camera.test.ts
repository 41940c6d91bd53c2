import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng/rng';
import {
  ALL_TRAITS_OFF, applyCamera, applyColourMatrix, applyTone, CAMERAS, cameraDisplay, cfaColours, colourFromSensor, demosaic,
  denoise, effectiveProfile, gaussianBlurPlane, getCamera, invert3, matMul3, mosaic, NEUTRAL_CAMERA, prnuPattern, sharpen,
  srgbDecode, srgbEncode, toneCurve, TRAITS, whiteBalanceMosaic, type CameraProfile, type CfaPattern, type DemosaicMethod,
  type Mat3, type Trait,
} from './camera';
import { sampleStreams } from './generate';
import { drawScene, MANUFACTURER_PRINTERS, renderScene } from './scene';

/** The casts and saturations the default cameras were built with (camera.ts). */
const CAST: Record<string, number[]> = { 'cam-A': [1, 1, 0.985], 'cam-B': [1.015, 1, 0.99], 'cam-C': [0.99, 1, 1.01], 'cam-D': [1.01, 1, 0.98], 'cam-E': [1.005, 1, 1] };
const SATURATION: Record<string, number> = { 'cam-A': 1.05, 'cam-B': 1.1, 'cam-C': 1.12, 'cam-D': 1, 'cam-E': 1.08 };

const PATTERNS: CfaPattern[] = ['RGGB', 'BGGR', 'GRBG', 'GBRG'];
const METHODS: DemosaicMethod[] = ['nearest', 'bilinear', 'mhc'];

/** Planar RGB of a per-pixel function. */
function planar(w: number, h: number, f: (x: number, y: number) => [number, number, number]): Float32Array {
  const n = w * h, out = new Float32Array(3 * n);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const [r, g, b] = f(x, y);
    out[y * w + x] = r; out[n + y * w + x] = g; out[2 * n + y * w + x] = b;
  }
  return out;
}

function flat(w: number, h: number, v: number): Float32Array {
  return new Float32Array(3 * w * h).fill(v);
}

function bytesEqual(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function corr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ma = 0, mb = 0;
  for (let i = 0; i < a.length; i++) { ma += a[i]; mb += b[i]; }
  ma /= a.length; mb /= b.length;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < a.length; i++) { const da = a[i] - ma, db = b[i] - mb; sab += da * db; saa += da * da; sbb += db * db; }
  return sab / Math.sqrt(saa * sbb);
}

describe('Bayer mosaic and demosaicing', () => {
  it('samples the filter colour of each site', () => {
    const w = 6, h = 4;
    const rgb = planar(w, h, (x, y) => [100 + x + 10 * y, 200 + x + 10 * y, 300 + x + 10 * y]);
    for (const p of PATTERNS) {
      const m = mosaic(rgb, w, h, p);
      const cfa = cfaColours(p);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) expect(m[y * w + x]).toBe(100 * (cfa[(y & 1) * 2 + (x & 1)] + 1) + x + 10 * y);
    }
  });

  it('returns a constant colour unchanged (every pixel, every method and layout)', () => {
    const w = 12, h = 10, c: [number, number, number] = [0.21, 0.63, 0.37];
    for (const p of PATTERNS) for (const method of METHODS) {
      const out = demosaic(mosaic(planar(w, h, () => c), w, h, p), w, h, p, method);
      for (let k = 0; k < 3; k++) for (let i = 0; i < w * h; i++) expect(out[k * w * h + i]).toBeCloseTo(c[k], 6);
    }
  });

  it('reconstructs linear ramps exactly in the interior (bilinear and Malvar–He–Cutler)', () => {
    const w = 16, h = 14;
    // Each channel its own plane a + bx + cy.
    const f = (x: number, y: number): [number, number, number] => [0.1 + 0.02 * x + 0.01 * y, 0.3 - 0.005 * x + 0.03 * y, 0.2 + 0.015 * x - 0.01 * y];
    const truth = planar(w, h, f);
    for (const p of PATTERNS) for (const method of ['bilinear', 'mhc'] as const) {
      const out = demosaic(mosaic(truth, w, h, p), w, h, p, method);
      for (let k = 0; k < 3; k++) for (let y = 2; y < h - 2; y++) for (let x = 2; x < w - 2; x++) {
        expect(out[k * w * h + y * w + x]).toBeCloseTo(truth[k * w * h + y * w + x], 5);
      }
    }
  });

  it('keeps measured site values and differs between methods on an edge', () => {
    const w = 16, h = 16;
    const edge = planar(w, h, (x) => (x < 8 ? [0.1, 0.1, 0.1] : [0.9, 0.8, 0.7]));
    const m = mosaic(edge, w, h, 'RGGB');
    const outs = METHODS.map((method) => demosaic(m, w, h, 'RGGB', method));
    for (const out of outs) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const c = cfaColours('RGGB')[(y & 1) * 2 + (x & 1)];
      expect(out[c * w * h + y * w + x]).toBe(m[y * w + x]);
    }
    expect(bytesEqual(outs[0], outs[1])).toBe(false);
    expect(bytesEqual(outs[1], outs[2])).toBe(false);
  });
});

describe('white balance and colour', () => {
  it('multiplies each photosite by the gain of its filter colour', () => {
    const w = 8, h = 6, rng = new Rng(1);
    const m = Float32Array.from({ length: w * h }, () => rng.next());
    const gains: [number, number, number] = [1.9, 1, 1.45];
    for (const p of PATTERNS) {
      const out = whiteBalanceMosaic(m, w, h, p, gains);
      const cfa = cfaColours(p);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
        expect(out[y * w + x]).toBeCloseTo(m[y * w + x] * gains[cfa[(y & 1) * 2 + (x & 1)]], 6);
      }
    }
  });

  it('applies response, gains and matrix as specified (only the colour trait on, flat grey)', () => {
    const w = 16, h = 16, grey = 0.3;
    for (const cam of CAMERAS) {
      const out = cameraDisplay(flat(w, h, grey), w, h, cam, { traits: { ...ALL_TRAITS_OFF, colour: true } });
      const { sensor: S, response, wbGains, matrix: M } = cam.colour;
      // raw_c = response_c Σ_j S_cj grey; white balance; matrix; tone = sRGB.
      const wb = [0, 1, 2].map((c) => wbGains[c] * response[c] * (S[3 * c] + S[3 * c + 1] + S[3 * c + 2]) * grey);
      const lin = [0, 1, 2].map((r) => M[3 * r] * wb[0] + M[3 * r + 1] * wb[1] + M[3 * r + 2] * wb[2]);
      for (let c = 0; c < 3; c++) expect(srgbDecode(out[c * w * h + 5 * w + 7])).toBeCloseTo(lin[c], 4);
      // Built by colourFromSensor, grey comes out as saturation · (cast ⊙ grey), within 2 % of grey.
      const cast = CAST[cam.id], s = SATURATION[cam.id];
      const tinted = cast.map((k) => k * grey), luma = 0.2126 * tinted[0] + 0.7152 * tinted[1] + 0.0722 * tinted[2];
      for (let c = 0; c < 3; c++) expect(lin[c]).toBeCloseTo(luma + s * (tinted[c] - luma), 8);
      for (let c = 0; c < 3; c++) expect(Math.abs(lin[c] / lin[1] - 1)).toBeLessThan(0.02);
    }
  });

  it('builds the matrix as saturation · sensor⁻¹', () => {
    const S: Mat3 = [0.8, 0.15, 0.05, 0.1, 0.8, 0.1, 0.03, 0.17, 0.8];
    const p = colourFromSensor(S, [0.5, 1, 0.7], [1, 1, 1], 1);
    const id = matMul3(p.matrix, S);
    for (let i = 0; i < 9; i++) expect(id[i]).toBeCloseTo(i % 4 === 0 ? 1 : 0, 10);
    expect(p.wbGains).toEqual([2, 1, 1 / 0.7]);
    const inv = invert3(invert3(S));
    for (let i = 0; i < 9; i++) expect(inv[i]).toBeCloseTo(S[i], 10);
    const rgb = planar(2, 1, () => [0.2, 0.4, 0.6]);
    const out = applyColourMatrix(rgb, [0, 0, 1, 0, 1, 0, 1, 0, 0]);
    expect(Array.from(out)).toEqual(Array.from(planar(2, 1, () => [0.6, 0.4, 0.2])));
  });
});

describe('tone, denoise, sharpen', () => {
  it('sRGB is the standard curve and the LUT follows the exact curve', () => {
    expect(srgbEncode(0)).toBe(0);
    expect(srgbEncode(1)).toBeCloseTo(1, 12);
    expect(srgbEncode(0.0031308)).toBeCloseTo(0.04045, 5);
    expect(srgbEncode(0.18)).toBeCloseTo(0.4613, 3);
    for (const v of [0.001, 0.05, 0.3, 0.8]) expect(srgbDecode(srgbEncode(v))).toBeCloseTo(v, 10);
    for (const cam of CAMERAS) {
      const xs = Float32Array.from({ length: 200 }, (_, i) => i / 150);
      const lut = applyTone(xs, cam.tone);
      xs.forEach((x, i) => expect(lut[i]).toBeCloseTo(toneCurve(x, cam.tone), 4));
      // Monotone, 0 → 0, saturates at 1.
      for (let i = 1; i < xs.length; i++) expect(lut[i]).toBeGreaterThanOrEqual(lut[i - 1] - 1e-6);
      expect(toneCurve(0, cam.tone)).toBeCloseTo(0, 6);
      expect(toneCurve(1, cam.tone)).toBeCloseTo(1, 6);
    }
  });

  it('denoise and sharpen leave a flat image flat and act on texture', () => {
    const w = 20, h = 20, rng = new Rng(4);
    const tex = planar(w, h, () => { const v = 0.5 + rng.normal(0, 0.02); return [v, v, v]; });
    const energy = (img: Float32Array) => { let s = 0; for (let i = 0; i < w * h; i++) s += (img[i] - 0.5) ** 2; return s; };
    for (const cam of CAMERAS) {
      const dFlat = denoise(flat(w, h, 0.4), w, h, cam.denoise);
      for (const v of dFlat) expect(v).toBeCloseTo(0.4, 6);
      const sFlat = sharpen(flat(w, h, 0.4), w, h, cam.sharpen);
      for (const v of sFlat) expect(v).toBeCloseTo(0.4, 6);
      if (cam.denoise.method !== 'none') expect(energy(denoise(tex, w, h, cam.denoise))).toBeLessThan(0.7 * energy(tex));
      expect(energy(sharpen(tex, w, h, cam.sharpen))).toBeGreaterThan(1.1 * energy(tex));
    }
    // Gaussian blur preserves the mean and the kernel is normalised.
    const blurred = gaussianBlurPlane(tex.subarray(0, w * h), w, h, 1.3);
    let a = 0, b = 0;
    for (let i = 0; i < w * h; i++) { a += tex[i]; b += blurred[i]; }
    expect(b / (w * h)).toBeCloseTo(a / (w * h), 2);
  });
});

describe('PRNU', () => {
  it('is a fixed gain pattern per camera: the same in every photo, different between cameras', () => {
    const w = 32, h = 32, n = w * h;
    const only = { ...ALL_TRAITS_OFF, prnu: true };
    // Gain recovered from the red channel at red sites of an RGGB sensor: out = sRGB(v·gain).
    const gainAtRedSites = (cam: CameraProfile, v: number, sensorSeed?: number) => {
      const out = cameraDisplay(flat(w, h, v), w, h, cam, { traits: only, sensorSeed });
      const g: number[] = [];
      for (let y = 0; y < h; y += 2) for (let x = 0; x < w; x += 2) g.push(srgbDecode(out[y * w + x]) / v);
      return g;
    };
    const a1 = gainAtRedSites(CAMERAS[0], 0.3), a2 = gainAtRedSites(CAMERAS[0], 0.55);
    a1.forEach((g, i) => expect(g).toBeCloseTo(a2[i], 3));
    // Equal to 1 + s·K + l·(row + col) from the pattern.
    const pat = prnuPattern(CAMERAS[0].id, w, h);
    const { strength: s, lineStrength: l } = CAMERAS[0].prnu;
    let k = 0;
    for (let y = 0; y < h; y += 2) for (let x = 0; x < w; x += 2) expect(a1[k++]).toBeCloseTo(1 + s * pat.pixel[y * w + x] + l * (pat.rows[y] + pat.cols[x]), 3);
    // Stable across calls (and sizes are separate patterns).
    expect(prnuPattern(CAMERAS[0].id, w, h)).toBe(pat);
    expect(prnuPattern(CAMERAS[0].id, w, h).pixel).toHaveLength(n);
    // Different cameras, or a different sensor seed: unrelated patterns.
    const b1 = gainAtRedSites(CAMERAS[1], 0.3);
    expect(Math.abs(corr(a1, b1))).toBeLessThan(0.2);
    const a3 = gainAtRedSites(CAMERAS[0], 0.3, 12345);
    expect(Math.abs(corr(a1, a3))).toBeLessThan(0.2);
    // Unit normals.
    let m = 0, v = 0;
    for (const x of pat.pixel) { m += x; v += x * x; }
    expect(Math.abs(m / n)).toBeLessThan(0.1);
    expect(v / n).toBeGreaterThan(0.85);
    expect(v / n).toBeLessThan(1.15);
  });
});

describe('trait switches', () => {
  const w = 96, h = 96;
  const st = sampleStreams(5, 0);
  const scene = renderScene(drawScene(st.scene), MANUFACTURER_PRINTERS[0], w, h, st.printer).radiance;
  const shoot = (cam: CameraProfile, traits: Partial<Record<Trait, boolean>>) =>
    applyCamera(scene, w, h, cam, { traits, noiseRng: sampleStreams(5, 0).noise });

  it('an off trait uses the neutral stage for every camera', () => {
    for (const t of TRAITS) {
      const traits = { [t]: false };
      for (const cam of CAMERAS) {
        const eff = effectiveProfile(cam, traits);
        expect(eff[t]).toEqual(NEUTRAL_CAMERA[t]);
        for (const u of TRAITS) if (u !== t) expect(eff[u]).toEqual(cam[u]);
      }
    }
  });

  it('with every trait off, all cameras give identical bytes', () => {
    const ref = shoot(CAMERAS[0], ALL_TRAITS_OFF);
    for (const cam of CAMERAS.slice(1)) expect(bytesEqual(shoot(cam, ALL_TRAITS_OFF), ref)).toBe(true);
  });

  it('with one trait on, two cameras differ exactly when that stage differs', () => {
    for (const t of TRAITS) {
      const traits = { ...ALL_TRAITS_OFF, [t]: true };
      const outs = CAMERAS.map((c) => shoot(c, traits));
      for (let i = 0; i < CAMERAS.length; i++) {
        for (let j = i + 1; j < CAMERAS.length; j++) {
          // PRNU patterns are per camera id, so two cameras always differ there.
          const sameStage = t === 'prnu' ? false : JSON.stringify(CAMERAS[i][t]) === JSON.stringify(CAMERAS[j][t]);
          expect({ t, i, j, identical: bytesEqual(outs[i], outs[j]) }).toEqual({ t, i, j, identical: sameStage });
        }
      }
      // cam-A and cam-B differ in every stage.
      expect(bytesEqual(outs[0], outs[1])).toBe(false);
    }
  });

  it('turning a trait off changes a camera only through that stage', () => {
    const cam = getCamera('cam-C');
    const all = shoot(cam, {});
    for (const t of TRAITS) expect(bytesEqual(shoot(cam, { [t]: false }), all)).toBe(false);
  });
});
