import { describe, expect, it } from 'vitest';
import type { DecodedImage } from '../../../core/data/types';
import { bilinearAxisWeights, defaultRgbMapping, fitSize, preprocessImage, resizePlane, typeMax } from './preprocess';

function image(width: number, height: number, channels: number, data: DecodedImage['data'], extra: Partial<DecodedImage> = {}): DecodedImage {
  const bitDepth = data instanceof Uint16Array || data instanceof Int16Array ? 16 : data instanceof Float32Array || data instanceof Uint32Array ? 32 : 8;
  const sampleFormat = data instanceof Float32Array || data instanceof Float64Array ? 'float' : data instanceof Int16Array || data instanceof Int8Array ? 'int' : 'uint';
  return { width, height, channels, data, bitDepth, sampleFormat, pages: 1, page: 0, ...extra };
}

/** Channel k of the HWC RGB output. */
const plane = (rgb: Float32Array, k: number) => Array.from({ length: rgb.length / 3 }, (_, i) => rgb[i * 3 + k]);

describe('percentile normalisation', () => {
  it('maps the low/high percentiles (numpy linear interpolation) to 0/1 and clips', () => {
    // 10 values 0, 10, …, 90. p10: rank 0.9 → 9; p90: rank 8.1 → 81. So v → (v − 9) / 72.
    const img = image(5, 2, 1, Uint8Array.from({ length: 10 }, (_, i) => i * 10));
    const out = preprocessImage(img, { lowPct: 10, highPct: 90 });
    expect(out.width).toBe(5);
    expect(out.height).toBe(2);
    const r = plane(out.data, 0);
    expect(r[0]).toBe(0); // 0 < 9: clipped
    expect(r[9]).toBe(1); // 90 > 81: clipped
    expect(r[5]).toBeCloseTo((50 - 9) / 72, 6);
    expect(r[1]).toBeCloseTo(1 / 72, 6);
    expect(plane(out.data, 1)).toEqual(r); // gray → R = G = B
    expect(plane(out.data, 2)).toEqual(r);
    expect(out.notes).toEqual([]);

    // Defaults 0.1 / 99.9: rank 0.009 → 0.09, rank 8.991 → 89.91.
    const d = plane(preprocessImage(img).data, 0);
    expect(d[5]).toBeCloseTo((50 - 0.09) / (89.91 - 0.09), 6);
    expect(d[0]).toBe(0);
    expect(d[9]).toBe(1);
  });

  it('normalises 16-bit data per channel, with its own percentiles for each', () => {
    // Channel 0: 1000, 2000, 3000, 60000 (one hot pixel); channel 1: 7 everywhere but 9 once.
    const data = Uint16Array.from([1000, 7, 2000, 7, 3000, 9, 60000, 7]);
    const img = image(2, 2, 2, data, { hasAlpha: false });
    // p0 = 1000, p50 = rank 1.5 → 2500 for channel 0; channel 1: p0 = 7, p50 = 7 → constant → zeros.
    const out = preprocessImage(img, { lowPct: 0, highPct: 50 });
    expect(plane(out.data, 0)).toEqual([0, (2000 - 1000) / 1500, 1, 1].map(Math.fround));
    expect(plane(out.data, 1)).toEqual([0, 0, 0, 0]);
    expect(plane(out.data, 2)).toEqual([0, 0, 0, 0]); // 2 channels → R, G; B black
    expect(out.notes).toEqual(['channel 1 is constant (7): set to 0']);
    // p0..p100: channel 1 now spreads 7..9.
    const full = preprocessImage(img, { lowPct: 0, highPct: 100 });
    expect(plane(full.data, 1)).toEqual([0, 0, 1, 0]);
    expect(plane(full.data, 0)).toEqual([0, 1000 / 59000, 2000 / 59000, 1].map(Math.fround));
  });

  it("'none' divides by the type's maximum", () => {
    const u16 = preprocessImage(image(2, 1, 1, Uint16Array.from([0, 13107])), { normalisation: 'none' });
    expect(plane(u16.data, 0)).toEqual([0, Math.fround(13107 / 65535)]);
    const i16 = preprocessImage(image(3, 1, 1, Int16Array.from([-5, 0, 32767])), { normalisation: 'none' });
    expect(plane(i16.data, 0)).toEqual([0, 0, 1]); // negatives clip to 0
    const f32 = preprocessImage(image(3, 1, 1, Float32Array.from([-0.5, 0.25, 3])), { normalisation: 'none' });
    expect(plane(f32.data, 0)).toEqual([0, 0.25, 1]);
    // 12-bit data stored in 16-bit samples: bitDepth says the range.
    expect(plane(preprocessImage(image(1, 1, 1, Uint16Array.from([4095]), { bitDepth: 12 }), { normalisation: 'none' }).data, 0)).toEqual([1]);
    expect([typeMax({ bitDepth: 8, sampleFormat: 'uint' }), typeMax({ bitDepth: 16, sampleFormat: 'int' }), typeMax({ bitDepth: 32, sampleFormat: 'float' })]).toEqual([255, 32767, 1]);
  });

  it('ignores NaN in float data (and maps it to 0)', () => {
    const out = preprocessImage(image(4, 1, 1, Float32Array.from([NaN, 1, 2, 3])), { lowPct: 0, highPct: 100 });
    expect(plane(out.data, 0)).toEqual([0, 0, 0.5, 1]);
    const allNaN = preprocessImage(image(2, 1, 1, Float32Array.from([NaN, NaN])));
    expect(plane(allNaN.data, 0)).toEqual([0, 0]);
    expect(allNaN.notes).toEqual(['channel 0 has no finite values: set to 0']);
  });
});

describe('channel mapping', () => {
  // Channel c of pixel i holds 10·c + i (distinct, increasing within each channel), 2 pixels.
  const multi = (channels: number, extra: Partial<DecodedImage> = {}) =>
    image(2, 1, channels, Uint8Array.from({ length: 2 * channels }, (_, j) => 10 * (j % channels) + Math.floor(j / channels)), extra);
  // With p0/p100 every channel maps to [0, 1]; so a used channel reads [0, 1], an unused one [0, 0].
  const run = (img: DecodedImage, channelMap?: readonly [number | null, number | null, number | null]) =>
    preprocessImage(img, { lowPct: 0, highPct: 100, channelMap });

  it('defaults by number of colour channels, skipping alpha', () => {
    expect(defaultRgbMapping({ channels: 1 })).toEqual([0, 0, 0]);
    expect(defaultRgbMapping({ channels: 2, hasAlpha: false })).toEqual([0, 1, null]);
    expect(defaultRgbMapping({ channels: 2 })).toEqual([0, 0, 0]); // gray + alpha by convention
    expect(defaultRgbMapping({ channels: 3 })).toEqual([0, 1, 2]);
    expect(defaultRgbMapping({ channels: 4 })).toEqual([0, 1, 2]);
    expect(defaultRgbMapping({ channels: 5 })).toEqual([0, 1, 2]);
    expect(defaultRgbMapping({ channels: 4, hasAlpha: true }, 'none')).toEqual([0, 1, 2]);
    expect(defaultRgbMapping({ channels: 2 }, 'none')).toEqual([0, 1, null]);
  });

  it('1, 2, 4 and 5 channel images', () => {
    const one = run(multi(1));
    expect([plane(one.data, 0), plane(one.data, 1), plane(one.data, 2)]).toEqual([[0, 1], [0, 1], [0, 1]]);

    const two = run(multi(2, { hasAlpha: false }));
    expect([plane(two.data, 0), plane(two.data, 1), plane(two.data, 2)]).toEqual([[0, 1], [0, 1], [0, 0]]);
    const grayAlpha = run(multi(2));
    expect(plane(grayAlpha.data, 2)).toEqual([0, 1]);
    expect(grayAlpha.notes).toEqual(['channel 1 treated as alpha and ignored']);

    const rgba = run(multi(4));
    expect(plane(rgba.data, 2)).toEqual([0, 1]);
    expect(rgba.notes).toEqual(['channel 3 treated as alpha and ignored']);

    const five = run(multi(5, { hasAlpha: false }));
    expect(plane(five.data, 1)).toEqual([0, 1]);
    expect(five.notes).toEqual(['2 of 5 channels not used (R, G, B = 0, 1, 2)']);
  });

  it('follows a user mapping, and normalises each source channel with its own range', () => {
    // 16-bit, 5 channels, 3 pixels; channel c holds c·1000 + [0, 500, 1000]·(c + 1).
    const data = new Uint16Array(15);
    for (let i = 0; i < 3; i++) for (let c = 0; c < 5; c++) data[i * 5 + c] = c * 1000 + [0, 500, 1000][i] * (c + 1);
    const img = image(3, 1, 5, data, { hasAlpha: false });
    const out = preprocessImage(img, { channelMap: [4, null, 1], lowPct: 0, highPct: 100 });
    expect(plane(out.data, 0)).toEqual([0, 0.5, 1]);
    expect(plane(out.data, 1)).toEqual([0, 0, 0]);
    expect(plane(out.data, 2)).toEqual([0, 0.5, 1]);
    expect(out.notes).toEqual(['3 of 5 channels not used (R, G, B = 4, none, 1)']);
    // 'none' keeps the channels' relative brightness: channel 4 at pixel 2 = 4000 + 5000.
    const raw = preprocessImage(img, { channelMap: [4, 4, 4], normalisation: 'none' });
    expect(plane(raw.data, 0)[2]).toBeCloseTo(9000 / 65535, 6);
  });

  it('explains bad input', () => {
    expect(() => preprocessImage(image(2, 1, 0, new Uint8Array(0)))).toThrow('image has 0 channels: nothing to map to RGB');
    expect(() => preprocessImage(image(0, 5, 1, new Uint8Array(0)))).toThrow('image is empty (0x5)');
    expect(() => preprocessImage(image(2, 2, 1, new Uint8Array(3)))).toThrow('image data has 3 samples, expected 2x2x1 = 4');
    expect(() => preprocessImage(multi(3), { channelMap: [0, 3, null] })).toThrow('channel mapping uses channel 3, but the image has channels 0..2');
    expect(() => preprocessImage(multi(3), { channelMap: [null, null, null] })).toThrow('channel mapping selects no channel');
    expect(() => preprocessImage(multi(1), { lowPct: 50, highPct: 50 })).toThrow('percentiles must satisfy 0 ≤ low < high ≤ 100');
    expect(() => preprocessImage(multi(1), { maxSide: 0 })).toThrow('maxSide must be a positive integer');
  });
});

describe('downscaling', () => {
  it('uses triangle weights widened by the scale factor (hand-computed)', () => {
    // 3 → 2: scale 1.5, centres 0.75 and 2.25. Weights 1 − |x + 0.5 − c| / 1.5:
    // output 0: x0 → 5/6, x1 → 1/2, x2 → 0 ⇒ normalised 0.625, 0.375.
    const w = bilinearAxisWeights(3, 2);
    expect(Array.from(w.start)).toEqual([0, 0]);
    expect(Array.from(w.weights[0])).toEqual([0.625, 0.375, 0]);
    expect(Array.from(w.weights[1])).toEqual([0, 0.375, 0.625]);
    expect(Array.from(resizePlane(Float32Array.from([1, 2, 3]), 3, 1, 2, 1))).toEqual([1.375, 2.625]);
    // 4 → 2: scale 2, centres 1 and 3, weights 1 − |x + 0.5 − c| / 2: output 0 gets x0, x1 → 3/4,
    // x2 → 1/4 ⇒ 3/7, 3/7, 1/7 (so [1, 3, 5, 9] → 17/7 and 45/7). No resize is the identity.
    expect(Array.from(bilinearAxisWeights(4, 2).weights[1])).toEqual([1, 3, 3].map((v) => Math.fround(v / 7)));
    const half = resizePlane(Float32Array.from([1, 3, 5, 9]), 4, 1, 2, 1);
    expect(half[0]).toBeCloseTo(17 / 7, 6);
    expect(half[1]).toBeCloseTo(45 / 7, 6);
    const id = Float32Array.from([1, 5, 2, 8, 3, 0]);
    expect(resizePlane(id, 3, 2, 3, 2)).toEqual(id);
  });

  it('downscales to maxSide on the longer side, separably in x and y', () => {
    expect(fitSize(6, 3, 3)).toEqual({ width: 3, height: 2 }); // 1.5 rounds up
    expect(fitSize(100, 80, 200)).toEqual({ width: 100, height: 80 });
    expect(fitSize(1000, 3, 10)).toEqual({ width: 10, height: 1 });
    // 4×4 → 2×2: output (ox, oy) = Σ wy[y]·wx[x]·v[y][x] with the 4 → 2 weights above.
    const data = Uint8Array.from({ length: 16 }, (_, i) => (i * 37) % 256);
    const out = preprocessImage(image(4, 4, 1, data), { normalisation: 'none', maxSide: 2 });
    expect([out.width, out.height]).toEqual([2, 2]);
    const w = [[3, 3, 1, 0], [0, 1, 3, 3]].map((r) => r.map((v) => v / 7));
    const at = (ox: number, oy: number) => {
      let s = 0;
      for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) s += w[oy][y] * w[ox][x] * data[y * 4 + x] / 255;
      return s;
    };
    const r = plane(out.data, 0);
    [at(0, 0), at(1, 0), at(0, 1), at(1, 1)].forEach((v, i) => expect(r[i]).toBeCloseTo(v, 6));
    expect(out.notes).toEqual(['downscaled from 4x4 to 2x2']);
  });
});
