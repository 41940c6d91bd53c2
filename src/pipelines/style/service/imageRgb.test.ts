import { describe, expect, it } from 'vitest';
import { decodeImageNode } from '../../../core/data/nodeDecode';
import type { DecodedImage } from '../../../core/data/types';
import { encodePng } from '../../detection/testdata/png';
import { decodedToRgb, fitSize, resizeLongest, resizeRgb, rgba8ToRgb, rgbToRgba8 } from './imageRgb';

function decoded(width: number, height: number, channels: number, data: DecodedImage['data'], bitDepth = 8, extra: Partial<DecodedImage> = {}): DecodedImage {
  return { width, height, channels, bitDepth, sampleFormat: 'uint', data, pages: 1, page: 0, ...extra };
}

const px = (img: { data: Float32Array }, p: number) => Array.from(img.data.slice(p * 3, p * 3 + 3));

describe('decodedToRgb', () => {
  it('copies 8-bit gray to R = G = B = v/255', () => {
    const rgb = decodedToRgb(decoded(3, 1, 1, Uint8Array.from([0, 51, 255])));
    expect(px(rgb, 0)).toEqual([0, 0, 0]);
    expect(px(rgb, 1).map((v) => v * 255)).toEqual([51, 51, 51].map((v) => expect.closeTo(v, 4)));
    expect(px(rgb, 2)).toEqual([1, 1, 1]);
  });

  it('composites gray+alpha and RGBA over white (default) or a given background', () => {
    // Gray 0 with alpha 0, 255 and 102 (0.4).
    const ga = decodedToRgb(decoded(3, 1, 2, Uint8Array.from([0, 0, 0, 255, 0, 102])));
    expect(px(ga, 0)).toEqual([1, 1, 1]); // fully transparent → background
    expect(px(ga, 1)).toEqual([0, 0, 0]); // opaque black
    expect(px(ga, 2)[0]).toBeCloseTo(0.6, 6); // 0.4·0 + 0.6·1
    // RGBA red at half alpha (alpha 51 = 0.2) over a black background: 0.2·(1, 0, 0).
    const rgba = decodedToRgb(decoded(1, 1, 4, Uint8Array.from([255, 0, 0, 51])), 0);
    expect(px(rgba, 0).map((v) => +v.toFixed(6))).toEqual([0.2, 0, 0]);
  });

  it('treats 4 channels as colour when the decoder says there is no alpha', () => {
    const rgb = decodedToRgb(decoded(1, 1, 4, Uint8Array.from([255, 0, 255, 0]), 8, { hasAlpha: false }));
    expect(px(rgb, 0)).toEqual([1, 0, 1]);
  });

  it('divides 16-bit samples by 65535 (no per-image stretch) and reads 16-bit PNGs the same way', async () => {
    const data = Uint16Array.from([0, 4096, 32768, 65535]);
    const rgb = decodedToRgb(decoded(4, 1, 1, data, 16));
    expect(px(rgb, 1)[0]).toBeCloseTo(4096 / 65535, 7);
    expect(px(rgb, 2)[0]).toBeCloseTo(32768 / 65535, 7);
    expect(px(rgb, 3)).toEqual([1, 1, 1]);
    const fromFile = decodedToRgb(await decodeImageNode(encodePng({ width: 4, height: 1, channels: 1, data })));
    expect(Array.from(fromFile.data)).toEqual(Array.from(rgb.data));
  });

  it('reads 8-bit gray, RGB and RGBA PNG files through the Node decoder', async () => {
    const gray = decodedToRgb(await decodeImageNode(encodePng({ width: 2, height: 1, channels: 1, data: Uint8Array.from([10, 200]) })));
    expect(px(gray, 1).map((v) => Math.round(v * 255))).toEqual([200, 200, 200]);
    const rgba = decodedToRgb(await decodeImageNode(encodePng({ width: 1, height: 1, channels: 4, data: Uint8Array.from([0, 0, 255, 0]) })));
    expect(px(rgba, 0)).toEqual([1, 1, 1]); // transparent blue → white
  });

  it('keeps 2 non-alpha channels as R, G with B = 0 and maps float samples as they are (clamped)', () => {
    const two = decodedToRgb(decoded(1, 1, 2, Uint8Array.from([255, 51]), 8, { hasAlpha: false }));
    expect(px(two, 0).map((v) => +v.toFixed(6))).toEqual([1, 0.2, 0]);
    const f = decodedToRgb(decoded(2, 1, 3, Float32Array.from([0.25, -1, 2, NaN, 0.5, 1]), 32, { sampleFormat: 'float' }));
    expect(px(f, 0)).toEqual([0.25, 0, 1]);
    expect(px(f, 1)).toEqual([0, 0.5, 1]);
  });

  it('refuses data shorter than the header says', () => {
    expect(() => decodedToRgb(decoded(2, 2, 3, new Uint8Array(5)))).toThrow(/5 samples, expected 2×2×3/);
  });
});

describe('sizes and resampling', () => {
  it('fitSize keeps the aspect ratio with the longer side fixed and each side at least 8', () => {
    expect(fitSize(300, 100, 96)).toEqual({ width: 96, height: 32 });
    expect(fitSize(100, 300, 64)).toEqual({ width: 21, height: 64 });
    expect(fitSize(20, 20, 128)).toEqual({ width: 128, height: 128 });
    expect(fitSize(1000, 10, 96)).toEqual({ width: 96, height: 8 });
    expect(() => fitSize(10, 10, 4)).toThrow(/at least 8/);
  });

  it('shrinking averages whole source pixels (area average)', () => {
    // 4×2 gray ramp → 2×1: each output is the mean of a 2×2 block.
    const v = [0, 0.2, 0.4, 0.6, 0.1, 0.3, 0.5, 0.7];
    const img = { width: 4, height: 2, data: Float32Array.from(v.flatMap((x) => [x, x, 1 - x])) };
    const out = resizeRgb(img, 2, 1);
    expect(px(out, 0)[0]).toBeCloseTo((0 + 0.2 + 0.1 + 0.3) / 4, 6);
    expect(px(out, 1)[0]).toBeCloseTo((0.4 + 0.6 + 0.5 + 0.7) / 4, 6);
    expect(px(out, 1)[2]).toBeCloseTo(1 - 0.55, 6);
  });

  it('enlarging interpolates bilinearly between pixel centres, clamped at the edges', () => {
    const img = { width: 2, height: 1, data: Float32Array.from([0, 0, 0, 1, 1, 1]) };
    const out = resizeRgb(img, 4, 1);
    // Output centres map to source x = -0.25, 0.25, 0.75, 1.25.
    expect([0, 1, 2, 3].map((p) => +px(out, p)[0].toFixed(6))).toEqual([0, 0.25, 0.75, 1]);
  });

  it('resizeLongest gives the fitted size and leaves a same-size image as it is', () => {
    const img = { width: 30, height: 20, data: new Float32Array(30 * 20 * 3).fill(0.5) };
    const out = resizeLongest(img, 15);
    expect([out.width, out.height]).toEqual([15, 10]);
    expect(out.data.every((v) => Math.abs(v - 0.5) < 1e-6)).toBe(true);
    expect(resizeRgb(img, 30, 20)).toBe(img);
  });

  it('8-bit round trip is exact and rounding is half up', () => {
    const rgba = Uint8ClampedArray.from([0, 1, 128, 255, 254, 255, 7, 255]);
    const rgb = rgba8ToRgb(rgba, 2, 1);
    expect(Array.from(rgbToRgba8(rgb))).toEqual(Array.from(rgba));
    expect(Array.from(rgbToRgba8({ width: 1, height: 1, data: Float32Array.from([0.5 / 255, 1.49 / 255, 2]) }))).toEqual([1, 1, 255, 255]);
  });
});
