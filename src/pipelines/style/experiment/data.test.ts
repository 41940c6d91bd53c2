import { describe, expect, it } from 'vitest';
import type { DecodedImage } from '../../../core/data/types';
import { Rng } from '../../../core/rng/rng';
import { capPerClass, checkSplit, loadImageSet, parseDomainLayout, resampleWeights, splitValidation, toRgbSquare, type DecodeCache, type ImageSet } from './data';

const blob = (s = 'x') => new Blob([s]);
const files = (paths: string[]) => paths.map((path) => ({ path, blob: blob(path) }));

describe('parseDomainLayout', () => {
  it('strips the shared root folder and groups domain/class/<file>', () => {
    const layout = parseDomainLayout(files([
      'pacs/photo/dog/b.jpg',
      'pacs/photo/dog/a.jpg',
      'pacs/photo/cat/c.png',
      'pacs/cartoon/dog/d.jpg',
      'pacs/cartoon/cat/e.jpg',
    ]));
    expect(layout.domains).toEqual(['cartoon', 'photo']);
    expect(layout.classes).toEqual(['cat', 'dog']);
    expect(layout.byDomain.get('photo')!.map((f) => f.path)).toEqual(['photo/cat/c.png', 'photo/dog/a.jpg', 'photo/dog/b.jpg']);
    expect(layout.counts).toEqual({ cartoon: { dog: 1, cat: 1 }, photo: { dog: 2, cat: 1 } });
    expect(layout.problems).toEqual([]);
  });

  it('works without a root folder and with backslashes', () => {
    const layout = parseDomainLayout(files(['photo\\dog\\a.jpg', 'art/dog/b.jpg']));
    expect(layout.domains).toEqual(['art', 'photo']);
    expect(layout.byDomain.get('photo')![0]).toMatchObject({ domain: 'photo', className: 'dog', path: 'photo/dog/a.jpg' });
  });

  it('reports files at the wrong depth, non-images and classes a domain lacks; skips OS junk silently', () => {
    const layout = parseDomainLayout(files([
      'root/photo/dog/a.jpg',
      'root/photo/cat/b.jpg',
      'root/cartoon/dog/c.jpg',
      'root/cartoon/stray.jpg',
      'root/photo/dog/sub/deep.jpg',
      'root/README.md',
      'root/photo/dog/.DS_Store',
      'root/photo/dog/._a.jpg',
      '__MACOSX/root/photo/dog/a.jpg',
    ]));
    expect(layout.domains).toEqual(['cartoon', 'photo']);
    const byPath = Object.fromEntries(layout.problems.map((p) => [p.path, p.message]));
    expect(byPath['root/cartoon/stray.jpg']).toMatch(/expected domain\/class\/<file> below 'root', found 1 folder level$/);
    expect(byPath['root/photo/dog/sub/deep.jpg']).toMatch(/found 3 folder levels/);
    expect(byPath['root/README.md']).toBe('not an image file (skipped)');
    expect(byPath['cartoon']).toBe("domain 'cartoon' has no images of class cat");
    expect(layout.problems).toHaveLength(4);
  });
});

describe('checkSplit', () => {
  const layout = parseDomainLayout(files(['a/x/1.png', 'a/y/2.png', 'b/x/3.png', 'b/y/4.png', 'c/x/5.png']));
  it('accepts a valid split', () => {
    expect(() => checkSplit(layout, { trainDomains: ['a', 'b'], targetDomain: 'c' })).not.toThrow();
  });
  it('refuses a target that is also a training domain', () => {
    expect(() => checkSplit(layout, { trainDomains: ['a', 'b'], targetDomain: 'b' })).toThrow("The target domain 'b' is also a training domain");
  });
  it('refuses unknown domains, no training domain and repeats', () => {
    expect(() => checkSplit(layout, { trainDomains: ['a', 'z'], targetDomain: 'c' })).toThrow("Domain 'z' is not in the folder (domains found: a, b, c)");
    expect(() => checkSplit(layout, { trainDomains: ['a'], targetDomain: 'q' })).toThrow("Domain 'q' is not in the folder");
    expect(() => checkSplit(layout, { trainDomains: [], targetDomain: 'c' })).toThrow('at least one training domain');
    expect(() => checkSplit(layout, { trainDomains: ['a', 'a'], targetDomain: 'c' })).toThrow('listed twice');
    expect(() => checkSplit(parseDomainLayout([]), { trainDomains: ['a'], targetDomain: 'c' })).toThrow('No images');
  });
});

function rgbImage(width: number, height: number, f: (x: number, y: number) => [number, number, number], channels = 3): DecodedImage {
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = f(x, y);
      const o = (y * width + x) * channels;
      for (let c = 0; c < channels; c++) data[o + c] = c < 3 ? v[c] : 255;
    }
  }
  return { width, height, channels, bitDepth: 8, sampleFormat: 'uint', data, pages: 1, page: 0 };
}

describe('toRgbSquare (shorter side resized, centre square)', () => {
  it('at the same size only crops: a 4×2 image keeps its middle 2×2 exactly', () => {
    const img = rgbImage(4, 2, (x, y) => [x * 60, y * 100, 7]);
    expect(Array.from(toRgbSquare(img, 2))).toEqual([60, 0, 7, 120, 0, 7, 60, 100, 7, 120, 100, 7]);
  });

  it('crops a tall image vertically', () => {
    const img = rgbImage(2, 6, (x, y) => [y * 40, x * 200, 0]);
    // Middle rows 2 and 3.
    expect(Array.from(toRgbSquare(img, 2))).toEqual([80, 0, 0, 80, 200, 0, 120, 0, 0, 120, 200, 0]);
  });

  it('halving uses the triangle filter widened to 2 px (weights 3/7, 3/7, 1/7); a constant image stays constant', () => {
    const img = rgbImage(4, 4, (x, y) => [x < 2 && y < 2 ? 200 : 0, 100, x >= 2 ? 255 : 0]);
    // Output column 0 centres on source x = 0.5: taps x = 0, 1, 2 at distances ½, ½, 1½ → 1 − d/2
    // = ¾, ¾, ¼ → 3/7, 3/7, 1/7 (column 1 mirrored). R: 200·(6/7)² = 146.9, 200·(6/7)(1/7) = 24.5,
    // 200/49 = 4.1; B: 255/7 = 36.4 and 255·6/7 = 218.6.
    expect(Array.from(toRgbSquare(img, 2))).toEqual([147, 100, 36, 24, 100, 219, 24, 100, 36, 4, 100, 219]);
    const flat = toRgbSquare(rgbImage(227, 300, () => [17, 130, 250]), 64);
    expect(new Set(Array.from(flat.filter((_, i) => i % 3 === 0)))).toEqual(new Set([17]));
    expect(new Set(Array.from(flat.filter((_, i) => i % 3 === 2)))).toEqual(new Set([250]));
  });

  it('a horizontal ramp stays a ramp when downscaled 3×', () => {
    const img = rgbImage(12, 12, (x) => [x * 20, 0, 0]);
    const out = toRgbSquare(img, 4);
    // Output column j centres on source x = 3j + 1 with taps 1 − d/3: symmetric inside the image,
    // so interior columns hit the ramp exactly; column 0 loses its left taps to the border:
    // (0·⅔ + 20·1 + 40·⅔ + 60·⅓) / (⅔ + 1 + ⅔ + ⅓) = 25.
    expect([0, 1, 2, 3].map((j) => out[j * 3])).toEqual([25, 80, 140, 195]); // 195 = 220 − 25 by symmetry
  });

  it('gray, gray+alpha, RGBA and 16-bit inputs map to RGB in [0, 255]', () => {
    const gray: DecodedImage = { width: 1, height: 1, channels: 1, bitDepth: 8, sampleFormat: 'uint', data: new Uint8Array([77]), pages: 1, page: 0 };
    expect(Array.from(toRgbSquare(gray, 1))).toEqual([77, 77, 77]);
    const ga: DecodedImage = { ...gray, channels: 2, data: new Uint8Array([77, 0]) };
    expect(Array.from(toRgbSquare(ga, 1))).toEqual([77, 77, 77]);
    expect(Array.from(toRgbSquare(rgbImage(1, 1, () => [1, 2, 3], 4), 1))).toEqual([1, 2, 3]);
    const deep: DecodedImage = { ...gray, channels: 3, bitDepth: 16, data: new Uint16Array([65535, 0, 32768]) };
    expect(Array.from(toRgbSquare(deep, 1))).toEqual([255, 0, 128]);
  });

  it('resample weights sum to 1 and upscaling interpolates linearly', () => {
    const w = resampleWeights(10, 3);
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < w.count[j]; k++) s += w.weights[j * w.taps + k];
      expect(s).toBeCloseTo(1, 6);
    }
    const up = toRgbSquare(rgbImage(2, 2, (x) => [x * 200, 0, 0]), 4);
    // Output j samples source (j + ½)/2 − ½ = −¼, ¼, ¾, 1¼; outside [0, 1] the edge value holds.
    expect([0, 1, 2, 3].map((j) => up[j * 3])).toEqual([0, 50, 150, 200]);
  });
});

describe('loadImageSet', () => {
  const layout = parseDomainLayout([
    { path: 'd/a/1.raw', blob: new Blob([new Uint8Array([10, 20, 30])]) },
    { path: 'd/b/2.raw', blob: new Blob([new Uint8Array([40, 50, 60])]) },
    { path: 'd/b/bad.raw', blob: new Blob([new Uint8Array([1])]) },
    { path: 'd/c/3.raw', blob: new Blob([new Uint8Array([1, 2, 3])]) },
  ].map((f) => ({ ...f, path: f.path.replace('.raw', '.png') })));
  const decode = async (bytes: Uint8Array, path: string): Promise<DecodedImage> => {
    if (bytes.length !== 3) throw new Error(`${path}: truncated`);
    return { width: 1, height: 1, channels: 3, bitDepth: 8, sampleFormat: 'uint', data: bytes, pages: 1, page: 0 };
  };

  it('decodes, labels by class index, reports failures and unknown classes, and caches', async () => {
    const cache: DecodeCache = new Map();
    let calls = 0;
    const counting = async (b: Uint8Array, p: string) => {
      calls++;
      return decode(b, p);
    };
    const { set, problems } = await loadImageSet(layout.byDomain.get('d')!, { size: 1, classes: ['a', 'b'], decode: counting, cache });
    expect(set.paths).toEqual(['d/a/1.png', 'd/b/2.png']);
    expect(Array.from(set.labels)).toEqual([0, 1]);
    expect(set.pixels.map((p) => Array.from(p))).toEqual([[10, 20, 30], [40, 50, 60]]);
    expect(problems.map((p) => p.path)).toEqual(['d/b/bad.png', 'd/c/3.png']);
    expect(problems[0].message).toContain('could not be decoded: d/b/bad.png: truncated');
    expect(problems[1].message).toContain("class 'c' has no training images");
    expect(calls).toBe(3);
    await loadImageSet(layout.byDomain.get('d')!, { size: 1, classes: ['a', 'b'], decode: counting, cache });
    expect(calls).toBe(4); // only the failing file is tried again
  });
});

describe('splits', () => {
  const set: ImageSet = {
    size: 1,
    pixels: Array.from({ length: 20 }, (_, i) => new Uint8Array([i, 0, 0])),
    labels: Int32Array.from({ length: 20 }, (_, i) => (i < 10 ? 0 : 1)),
    paths: Array.from({ length: 20 }, (_, i) => `p${i}`),
    domains: Array.from({ length: 20 }, () => 'd'),
  };

  it('splitValidation holds out the fraction per class, disjoint and seeded', () => {
    const rng = () => new Rng(3);
    const { train, validation } = splitValidation(set, 0.2, (xs) => rng().shuffle(xs));
    expect(validation.labels.length).toBe(4);
    expect(Array.from(validation.labels).filter((l) => l === 0)).toHaveLength(2);
    expect(train.labels.length).toBe(16);
    expect(new Set([...train.paths, ...validation.paths]).size).toBe(20);
    const again = splitValidation(set, 0.2, (xs) => rng().shuffle(xs));
    expect(again.validation.paths).toEqual(validation.paths);
    expect(splitValidation(set, 0, (xs) => xs).validation.labels.length).toBe(0);
  });

  it('capPerClass keeps the first n of each (domain, class)', () => {
    const fs = parseDomainLayout(files(['a/x/1.png', 'a/x/2.png', 'a/x/3.png', 'a/y/4.png', 'b/x/5.png', 'b/x/6.png'])).byDomain;
    const all = [...fs.get('a')!, ...fs.get('b')!];
    expect(capPerClass(all, 1).map((f) => f.path)).toEqual(['a/x/1.png', 'a/y/4.png', 'b/x/5.png']);
    expect(capPerClass(all, undefined)).toHaveLength(6);
  });
});
