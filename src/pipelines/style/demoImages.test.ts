import { describe, expect, it } from 'vitest';
import { DEMO_SCENES, demoImages, renderDemoImage } from './demoImages';

/** Mean RGB over a rectangle given as fractions of the image. */
function meanRgb(img: { width: number; height: number; data: Float32Array }, x0: number, y0: number, x1: number, y1: number): number[] {
  const s = [0, 0, 0];
  let n = 0;
  for (let y = Math.floor(y0 * img.height); y < Math.ceil(y1 * img.height); y++) {
    for (let x = Math.floor(x0 * img.width); x < Math.ceil(x1 * img.width); x++) {
      for (let k = 0; k < 3; k++) s[k] += img.data[(y * img.width + x) * 3 + k];
      n++;
    }
  }
  return s.map((v) => v / n);
}

describe('demo images', () => {
  it('are deterministic for a (scene, size, seed) and change with the seed', () => {
    for (const scene of DEMO_SCENES) {
      const a = renderDemoImage(scene, 48, 7);
      const b = renderDemoImage(scene, 48, 7);
      const c = renderDemoImage(scene, 48, 8);
      expect(Array.from(a.data)).toEqual(Array.from(b.data));
      const diff = a.data.reduce((s, v, i) => s + Math.abs(v - c.data[i]), 0) / a.data.length;
      expect(diff, scene).toBeGreaterThan(0.01);
    }
  });

  it('have the scene aspect with the requested longer side, values in [0, 1], and are colourful', () => {
    const sizes = Object.fromEntries(DEMO_SCENES.map((s) => {
      const img = renderDemoImage(s, 64, 3);
      expect(img.data.length).toBe(img.width * img.height * 3);
      expect(img.data.every((v) => v >= 0 && v <= 1)).toBe(true);
      // Colourful: a clear spread between channels somewhere (mean |R − B| over the image).
      let chroma = 0;
      for (let p = 0; p < img.width * img.height; p++) chroma += Math.abs(img.data[p * 3] - img.data[p * 3 + 2]);
      expect(chroma / (img.width * img.height), s).toBeGreaterThan(0.1);
      return [s, [img.width, img.height]];
    }));
    expect(sizes).toEqual({ house: [64, 48], fruit: [64, 64], sailboat: [64, 48], flower: [48, 64], blocks: [64, 64] });
  });

  it('draw what the scene says: blue sky above green grass, sky above a blue sea', () => {
    const house = renderDemoImage('house', 96, 11);
    const [r, , b] = meanRgb(house, 0.5, 0, 1, 0.08); // top right strip: the sun stays left of x = 0.53·height
    expect(b).toBeGreaterThan(r + 0.2);
    const grass = meanRgb(house, 0, 0.93, 0.3, 1);
    expect(grass[1]).toBeGreaterThan(grass[0] + 0.15);
    expect(grass[1]).toBeGreaterThan(grass[2] + 0.15);
    const boat = renderDemoImage('sailboat', 96, 5);
    const sea = meanRgb(boat, 0, 0.9, 0.25, 1);
    expect(sea[2]).toBeGreaterThan(sea[0] + 0.2);
    const sky = meanRgb(boat, 0.8, 0, 1, 0.1); // sunset sky: warm
    expect(sky[0]).toBeGreaterThan(sky[2] + 0.2);
  });

  it('demoImages cycles through the scenes with distinct derived seeds and file-like names', () => {
    const imgs = demoImages(7, 32, 1);
    expect(imgs.map((d) => d.scene)).toEqual([...DEMO_SCENES, 'house', 'fruit']);
    expect(imgs[0].seed).not.toBe(imgs[5].seed);
    expect(imgs[0].name).toBe(`house/house_seed${imgs[0].seed}.png`);
    expect(Array.from(demoImages(2, 32, 1)[1].data)).toEqual(Array.from(imgs[1].data));
    expect(() => renderDemoImage('house', 4, 1)).toThrow(/≥ 8/);
  });
});
