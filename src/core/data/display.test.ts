import { describe, expect, it } from 'vitest';
import { downscaleRgba, percentile, percentiles, toRgba8 } from './display';
import type { DecodedImage } from './types';

function img(width: number, height: number, channels: number, data: DecodedImage['data'], extra: Partial<DecodedImage> = {}): DecodedImage {
  const bitDepth = data instanceof Uint8Array ? 8 : data instanceof Uint16Array ? 16 : 32;
  const sampleFormat = data instanceof Float32Array ? 'float' : 'uint';
  return { width, height, channels, bitDepth, sampleFormat, data, pages: 1, page: 0, ...extra };
}

/** Sort-based numpy 'linear' percentile, written independently of the implementation. */
function reference(values: ArrayLike<number>, p: number): number {
  const s = Array.from(values).sort((a, b) => a - b);
  const r = (p / 100) * (s.length - 1);
  const lo = Math.floor(r);
  const hi = Math.ceil(r);
  return s[lo] + (s[hi] - s[lo]) * (r - lo);
}

describe('percentile', () => {
  it('matches hand-computed values', () => {
    expect(percentile(Uint8Array.from([4, 1, 3, 2]), 50)).toBe(2.5);
    expect(percentile(Float32Array.from([4, 1, 3, 2]), 50)).toBe(2.5);
    expect(percentile([10, 20, 30, 40, 50], 25)).toBe(20);
    expect(percentile(Uint16Array.from([10, 20, 30, 40, 50]), 10)).toBe(14);
    expect(percentile(Uint16Array.from([5]), 99)).toBe(5);
    expect(percentile(Int16Array.from([2, -3, -1]), 50)).toBe(-1);
    expect(percentile(Int16Array.from([-32768, 32767]), 100)).toBe(32767);
    expect(percentile(Float32Array.from([NaN, 1, 3]), 50)).toBe(2);
    expect(percentile(new Uint16Array(0), 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('reads one channel of interleaved data', () => {
    expect(percentiles(Uint16Array.from([1, 100, 2, 200, 3, 300]), [0, 50, 100], 2, 1)).toEqual([100, 200, 300]);
    expect(percentiles(Float32Array.from([1, 100, 2, 200, 3, 300]), [50], 2, 0)).toEqual([2]);
  });

  it('histogram path agrees with a sort-based reference on uint16 data', () => {
    let state = 12345;
    const rand = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
    // Skewed like microscopy: mostly dark, a few bright outliers.
    const values = Uint16Array.from({ length: 10007 }, () => Math.floor(rand() ** 4 * 65536));
    for (const p of [0, 0.5, 1, 25, 33.3, 50, 90, 99, 99.5, 100]) expect(percentile(values, p)).toBeCloseTo(reference(values, p), 9);
    const small = Uint8Array.from({ length: 999 }, () => Math.floor(rand() * 256));
    for (const p of [0.5, 50, 99.5]) expect(percentile(small, p)).toBeCloseTo(reference(small, p), 9);
  });
});

describe('toRgba8', () => {
  it('shows 8-bit gray, gray+alpha, RGB and RGBA unchanged', () => {
    expect(Array.from(toRgba8(img(2, 1, 1, Uint8Array.from([0, 200]))))).toEqual([0, 0, 0, 255, 200, 200, 200, 255]);
    expect(Array.from(toRgba8(img(1, 1, 2, Uint8Array.from([50, 128]))))).toEqual([50, 50, 50, 128]);
    expect(Array.from(toRgba8(img(1, 1, 3, Uint8Array.from([1, 2, 3]))))).toEqual([1, 2, 3, 255]);
    expect(Array.from(toRgba8(img(1, 1, 4, Uint8Array.from([1, 2, 3, 4]))))).toEqual([1, 2, 3, 4]);
  });

  it('uses the first three of many channels, or the channel map', () => {
    const five = img(1, 1, 5, Uint8Array.from([1, 2, 3, 4, 5]));
    expect(Array.from(toRgba8(five))).toEqual([1, 2, 3, 255]);
    expect(Array.from(toRgba8(five, { channelMap: [4, -1, 0] }))).toEqual([5, 0, 1, 255]);
    expect(Array.from(toRgba8(five, { channelMap: [0, 0, 0], alphaChannel: 3 }))).toEqual([1, 1, 1, 4]);
    expect(() => toRgba8(five, { channelMap: [0, 5, 1] })).toThrow('channel 5 does not exist (image has 5)');
    expect(() => toRgba8(five, { channelMap: [0, 1] })).toThrow('channelMap needs 3 entries');
  });

  it('stretches 16-bit data between the 0.5th and 99.5th percentiles by default', () => {
    // Values 0, 100, …, 20000 (201 samples): p0.5 = 100, p99.5 = 19900.
    const g = img(201, 1, 1, Uint16Array.from({ length: 201 }, (_, k) => k * 100));
    const out = toRgba8(g);
    const at = (k: number) => Array.from(out.subarray(4 * k, 4 * k + 4));
    expect(at(0)).toEqual([0, 0, 0, 255]);
    expect(at(1)).toEqual([0, 0, 0, 255]);
    expect(at(100)).toEqual([128, 128, 128, 255]); // (10000-100)/19800·255 = 127.5 → 128
    expect(at(199)).toEqual([255, 255, 255, 255]);
    expect(at(200)).toEqual([255, 255, 255, 255]);
    expect(Array.from(toRgba8(img(3, 1, 1, Uint16Array.from([1000, 2000, 3000])), { lowPct: 0, highPct: 100 }))).toEqual([0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
  });

  it('normalises each channel on its own and falls back to the type range when flat', () => {
    // R spans 0..1000, G 0..10, B is constant 5 (shown against 0..65535 → 0).
    const rgb = img(2, 1, 3, Uint16Array.from([0, 0, 5, 1000, 10, 5]));
    expect(Array.from(toRgba8(rgb, { lowPct: 0, highPct: 100 }))).toEqual([0, 0, 0, 255, 255, 255, 0, 255]);
  });

  it('honours hasAlpha from the decoder', () => {
    const four = Uint16Array.from([0, 0, 0, 65535, 100, 100, 100, 32768]);
    // Conventional RGBA: alpha scaled by 65535, never stretched.
    expect(Array.from(toRgba8(img(2, 1, 4, four), { lowPct: 0, highPct: 100 }))).toEqual([0, 0, 0, 255, 255, 255, 255, 128]);
    // Four microscopy channels: opaque, first three as RGB.
    expect(Array.from(toRgba8(img(2, 1, 4, four, { hasAlpha: false }), { lowPct: 0, highPct: 100 }))).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
    // Two non-alpha channels: R and G.
    expect(Array.from(toRgba8(img(1, 1, 2, Uint8Array.from([7, 9]), { hasAlpha: false })))).toEqual([7, 9, 0, 255]);
  });

  it('maps float data by percentiles and NaN to 0', () => {
    const f = img(4, 1, 1, Float32Array.from([0, 0.25, 1, NaN]));
    // Non-NaN values 0, 0.25, 1: p0.5 = 0.0025, p99.5 = 0.9925, so 0.25 → 0.2475/0.99·255 = 63.75 → 64.
    expect(Array.from(toRgba8(f)).filter((_, i) => i % 4 === 0)).toEqual([0, 64, 255, 0]);
  });

  it('stretches 8-bit data only when percentiles are given', () => {
    expect(Array.from(toRgba8(img(3, 1, 1, Uint8Array.from([10, 20, 30])), { lowPct: 0, highPct: 100 })).filter((_, i) => i % 4 === 0)).toEqual([0, 128, 255]);
  });
});

describe('downscaleRgba', () => {
  it('averages 2x2 blocks', () => {
    // 4x2 opaque image; left block R = 10, 20, 30, 41 → 25.25 → 25; right block R = 0, 0, 0, 255 → 63.75 → 64.
    const rgba = Uint8ClampedArray.from([
      10, 1, 0, 255, 20, 1, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255,
      30, 1, 0, 255, 41, 2, 0, 255, 0, 0, 0, 255, 255, 0, 0, 255,
    ]);
    const r = downscaleRgba(rgba, 4, 2, 2);
    expect(r.width).toBe(2);
    expect(r.height).toBe(1);
    expect(Array.from(r.data)).toEqual([25, 1, 0, 255, 64, 0, 0, 255]); // G: 1.25 → 1
  });

  it('weights partial pixels by covered area', () => {
    // 3 → 2 pixels: out0 = (p0 + p1/2) / 1.5, out1 = (p1/2 + p2) / 1.5.
    const rgba = Uint8ClampedArray.from([0, 0, 0, 255, 90, 0, 0, 255, 150, 0, 0, 255]);
    const r = downscaleRgba(rgba, 3, 1, 2);
    expect([r.width, r.height]).toEqual([2, 1]);
    expect(Array.from(r.data)).toEqual([30, 0, 0, 255, 130, 0, 0, 255]);
  });

  it('weights colour by alpha so transparent pixels do not bleed', () => {
    const rgba = Uint8ClampedArray.from([255, 0, 0, 255, 0, 0, 255, 0]);
    expect(Array.from(downscaleRgba(rgba, 2, 1, 1).data)).toEqual([255, 0, 0, 128]);
    expect(Array.from(downscaleRgba(Uint8ClampedArray.from([9, 9, 9, 0, 9, 9, 9, 0]), 2, 1, 1).data)).toEqual([0, 0, 0, 0]);
  });

  it('keeps the aspect ratio and returns small images untouched', () => {
    const big = new Uint8ClampedArray(300 * 100 * 4).fill(200);
    const r = downscaleRgba(big, 300, 100, 64);
    expect([r.width, r.height]).toEqual([64, 21]);
    expect(r.data.every((v) => v === 200)).toBe(true);
    const small = new Uint8Array(2 * 2 * 4);
    const same = downscaleRgba(small, 2, 2, 128);
    expect(same.data.buffer).toBe(small.buffer);
    expect([same.width, same.height]).toEqual([2, 2]);
    expect(() => downscaleRgba(small, 3, 2, 2)).toThrow('RGBA buffer has 16 bytes, expected 3x2x4');
  });
});
