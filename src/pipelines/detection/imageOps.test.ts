import { describe, expect, it } from 'vitest';
import { gaussianBlur, gaussianKernel, illuminationField } from './imageOps';

describe('image formation ops', () => {
  it('blurs an impulse into the outer product of the 1-D kernel and conserves mass away from borders', () => {
    const w = 31, h = 25, sigma = 1.7;
    const image = new Float32Array(w * h);
    image[12 * w + 15] = 1;
    gaussianBlur(image, w, h, sigma);
    const k = gaussianKernel(sigma);
    const r = (k.length - 1) / 2;
    expect(r).toBe(6);
    for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) expect(image[(12 + dy) * w + 15 + dx]).toBeCloseTo(k[dy + r] * k[dx + r], 7);
    expect(image.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    // At a corner, the mass blurred past the border is lost (zero padding).
    const corner = new Float32Array(w * h);
    corner[0] = 1;
    gaussianBlur(corner, w, h, sigma);
    const kept = k.slice(r).reduce((a, b) => a + b, 0) ** 2;
    expect(corner.reduce((a, b) => a + b, 0)).toBeCloseTo(kept, 5);
    const same = Float32Array.from([1, 2, 3, 4]);
    expect(Array.from(gaussianBlur(same, 2, 2, 0))).toEqual([1, 2, 3, 4]);
  });

  it('peaks at 1 on the shifted illumination centre and falls to 0 at the farthest pixel', () => {
    // misalign (0.5, −0.5) moves the centre of a 40×20 field from (20, 10) to (30, 5).
    const f = illuminationField(40, 20, 0.5, -0.5);
    let best = 0;
    f.forEach((v, k) => (v > f[best] ? (best = k) : 0));
    expect([best % 40, Math.floor(best / 40)]).toEqual([29, 4]); // first of the four pixels whose centres are nearest (30, 5)
    expect(f[best]).toBeCloseTo(1, 6);
    expect(Math.min(...f)).toBe(0);
    expect(f[19 * 40 + 0]).toBe(0); // the bottom-left pixel is farthest
  });
});
