import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { ALL_TRAITS_ON, applyCamera, getCamera } from './camera';
import { renderSample, sampleStreams } from './generate';
import { decodeJpeg, encodeJpeg, IJG_LUMA_TABLE, jpegSamples, scaledTable, simulateJpeg, subsampleChroma } from './jpeg';
import { drawScene, MANUFACTURER_PRINTERS, renderScene } from './scene';

/** A camera photo without its JPEG stage (textured plastic, dots, noise). */
function photo(size: number, index = 0): Uint8ClampedArray {
  const st = sampleStreams(3, index);
  const { radiance } = renderScene(drawScene(st.scene), MANUFACTURER_PRINTERS[1], size, size, st.printer);
  return applyCamera(radiance, size, size, getCamera('cam-D'), { traits: { ...ALL_TRAITS_ON, jpeg: false }, noiseRng: st.noise });
}

/** Mean, 99th percentile and max absolute difference over the RGB samples. */
function diffStats(a: ArrayLike<number>, b: ArrayLike<number>): { mean: number; p99: number; max: number } {
  const d: number[] = [];
  for (let i = 0; i < a.length; i++) if (i % 4 !== 3) d.push(Math.abs(a[i] - b[i]));
  d.sort((x, y) => x - y);
  return { mean: d.reduce((s, v) => s + v, 0) / d.length, p99: d[Math.floor(0.99 * (d.length - 1))], max: d[d.length - 1] };
}

describe('JPEG stage', () => {
  it('scales the IJG tables like libjpeg', () => {
    expect(Array.from(scaledTable(IJG_LUMA_TABLE, 50))).toEqual(IJG_LUMA_TABLE);
    expect(scaledTable(IJG_LUMA_TABLE, 100).every((v) => v === 1)).toBe(true);
    // q = 90 → 20 %: 16 → floor((16·20 + 50)/100) = 3; q = 10 → 500 %: 16 → 80, 121 → 255 (clamped).
    expect(scaledTable(IJG_LUMA_TABLE, 90)[0]).toBe(3);
    expect(scaledTable(IJG_LUMA_TABLE, 10)[0]).toBe(80);
    expect(scaledTable(IJG_LUMA_TABLE, 10)[50]).toBe(255);
  });

  it('simulated 4:4:4 compression agrees with a jpeg-js encode + decode', () => {
    // Compared on the decoded Y, Cb, Cr samples (jpeg-js with colorTransform off): the two differ
    // only by the decoders' IDCT arithmetic. (In RGB a ±1 chroma difference becomes up to ±3, and
    // jpeg-js's RGB conversion truncates instead of rounding.)
    const compare = (img: Uint8ClampedArray, w: number, h: number, q: number) => {
      const raw = jpeg.decode(encodeJpeg(img, w, h, q), { useTArray: true, colorTransform: false }).data;
      const sim = jpegSamples(img, w, h, { quality: q, chroma: '444' });
      let off1 = 0, off2 = 0, lossRef = 0, lossSim = 0;
      for (let i = 0; i < w * h; i++) {
        const r = img[4 * i], g = img[4 * i + 1], b = img[4 * i + 2];
        const exact = [0.299 * r + 0.587 * g + 0.114 * b, 128 - 0.168736 * r - 0.331264 * g + 0.5 * b, 128 + 0.5 * r - 0.418688 * g - 0.081312 * b];
        const s = [sim.y[i], sim.cb[i], sim.cr[i]];
        for (let c = 0; c < 3; c++) {
          const d = Math.abs(s[c] - raw[4 * i + c]);
          if (d > 0) off1++;
          if (d > 1) off2++;
          lossRef += Math.abs(exact[c] - raw[4 * i + c]);
          lossSim += Math.abs(exact[c] - s[c]);
        }
      }
      const m = 3 * w * h;
      return { off1: off1 / m, off2: off2 / m, lossRef: lossRef / m, lossSim: lossSim / m };
    };
    const size = 128;
    const img = photo(size);
    for (const q of [50, 80, 95]) {
      const r = compare(img, size, size, q);
      expect(r.off1).toBeLessThan(0.25); // most samples identical
      expect(r.off2).toBeLessThan(0.01); // almost none off by more than one level
      expect(Math.abs(r.lossSim / r.lossRef - 1)).toBeLessThan(0.1);
    }
    // Also for sizes that are not multiples of 8 (edge blocks replicate the last row/column).
    const w = 37, h = 29, odd = new Uint8ClampedArray(w * h * 4);
    for (let i = 0; i < w * h; i++) { odd[4 * i] = (i * 13) % 256; odd[4 * i + 1] = (i * 7) % 200; odd[4 * i + 2] = 90; odd[4 * i + 3] = 255; }
    const r = compare(odd, w, h, 85);
    expect(r.off2).toBeLessThan(0.05); // a harsh pattern: large coefficients, larger IDCT rounding
    expect(Math.abs(r.lossSim / r.lossRef - 1)).toBeLessThan(0.1);
    // simulateJpeg is these samples converted to RGB.
    const rgb = simulateJpeg(img, size, size, { quality: 80, chroma: '444' }), ycc = jpegSamples(img, size, size, { quality: 80, chroma: '444' });
    expect(rgb[0]).toBe(Math.min(255, Math.max(0, Math.round(ycc.y[0] + 1.402 * (ycc.cr[0] - 128)))));
  });

  it('loses less and writes more bytes as the quality rises', () => {
    const size = 128;
    const img = photo(size, 1);
    const qs = [20, 40, 60, 75, 85, 92, 97];
    const bytes = qs.map((q) => encodeJpeg(img, size, size, q).length);
    const loss = qs.map((q) => diffStats(img, simulateJpeg(img, size, size, { quality: q, chroma: '444' })).mean);
    for (let i = 1; i < qs.length; i++) {
      expect(bytes[i]).toBeGreaterThan(bytes[i - 1]);
      expect(loss[i]).toBeLessThan(loss[i - 1]);
    }
    // Quality 100 (all divisors 1) is nearly lossless: 8-bit YCbCr samples and integer
    // coefficients cost a few levels at most in RGB.
    const best = diffStats(img, simulateJpeg(img, size, size, { quality: 100, chroma: '444' }));
    expect(best.mean).toBeLessThan(0.8);
    expect(best.max).toBeLessThanOrEqual(4);
  });

  it('4:2:0 blurs colour, not brightness', () => {
    const w = 32, h = 32, img = new Uint8ClampedArray(w * h * 4);
    // Vertical stripes of alternating red and green columns with equal-ish luma.
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const o = 4 * (y * w + x);
      if (x % 2) { img[o] = 200; img[o + 1] = 60; img[o + 2] = 60; } else { img[o] = 60; img[o + 1] = 130; img[o + 2] = 60; }
      img[o + 3] = 255;
    }
    const luma = (a: ArrayLike<number>, i: number) => 0.299 * a[4 * i] + 0.587 * a[4 * i + 1] + 0.114 * a[4 * i + 2];
    for (const chroma of ['444', '420'] as const) {
      const out = simulateJpeg(img, w, h, { quality: 100, chroma });
      let lumaErr = 0, colErr = 0;
      for (let i = 0; i < w * h; i++) { lumaErr += Math.abs(luma(out, i) - luma(img, i)); colErr += Math.abs(out[4 * i] - img[4 * i]); }
      if (chroma === '444') { expect(colErr / (w * h)).toBeLessThan(1); } else { expect(colErr / (w * h)).toBeGreaterThan(30); }
      expect(lumaErr / (w * h)).toBeLessThan(1.5);
    }
    // The jpeg-js path's stand-in keeps each pixel's luma and gives each 2×2 block one colour
    // (the block's mean Cb, Cr), up to 8-bit rounding.
    const sub = subsampleChroma(img, w, h);
    const cb = (a: ArrayLike<number>, i: number) => -0.168736 * a[4 * i] - 0.331264 * a[4 * i + 1] + 0.5 * a[4 * i + 2];
    for (const i of [0, 1, w, w + 1]) {
      expect(Math.abs(luma(sub, i) - luma(img, i))).toBeLessThan(1);
      expect(Math.abs(cb(sub, i) - (cb(img, 0) + cb(img, 1) + cb(img, w) + cb(img, w + 1)) / 4)).toBeLessThan(1.5);
    }
  });

  it('the camera pipeline gives nearly the same photo with either JPEG codec', () => {
    const run = (camera: string) => {
      const o = { manufacturer: 'm1', camera, index: 4, size: 96, seed: 2 };
      const sim = renderSample(o).rgba, real = renderSample({ ...o, jpegCodec: 'jpeg-js' }).rgba, none = renderSample({ ...o, traits: { jpeg: false } }).rgba;
      return { between: diffStats(sim, real).mean, lossSim: diffStats(none, sim).mean, lossReal: diffStats(none, real).mean };
    };
    // 4:4:4 (cam-C, q95): the codecs differ by less than either loses (jpeg-js adds a -0.5 bias).
    const c = run('cam-C');
    expect(c.between).toBeLessThan(1);
    expect(c.between).toBeLessThan(c.lossReal);
    // 4:2:0 (cam-B, q88): the jpeg-js path only approximates it (block-replicated chroma coded at full
    // size), so the pixels differ more, but both lose about as much.
    const b = run('cam-B');
    expect(b.lossSim / b.lossReal).toBeGreaterThan(0.7);
    expect(b.lossSim / b.lossReal).toBeLessThan(1.4);
  });

  it('encodes without a global Buffer (browser workers)', () => {
    const g = globalThis as { Buffer?: unknown };
    const saved = g.Buffer;
    const img = photo(64, 2);
    try {
      delete g.Buffer;
      const bytes = encodeJpeg(img, 64, 64, 90);
      expect(bytes).toBeInstanceOf(Uint8Array);
      expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
      const back = decodeJpeg(bytes);
      expect(back.width).toBe(64);
      expect(g.Buffer).toBeUndefined();
    } finally {
      g.Buffer = saved;
    }
  });
});
