import { describe, expect, it } from 'vitest';
import { existsSync, openAsBlob, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Box } from './boxes';
import { decodePng, decodePngForTests, encodePng } from './testdata/png';
import { writeTiff } from '../../core/data/testdata/writeTiff';
import {
  loadAnnotatedFolder,
  maskForeground,
  normaliseInPlace,
  padToMultipleOf32,
  resizeNearestMultipleOf32,
  toGray,
  toNormalisedGray,
  type FolderFile,
} from './realImages';

const blob = (bytes: Uint8Array | string): Blob => new Blob([typeof bytes === 'string' ? bytes : bytes.slice()]);
const file = (path: string, bytes: Uint8Array | string): FolderFile => ({ path, blob: blob(bytes) });

describe('test PNG codec (fixture helper)', () => {
  it('round-trips 8- and 16-bit gray, gray+alpha, RGB and RGBA through all five row filters', () => {
    for (const channels of [1, 2, 3, 4] as const) {
      for (const sixteen of [false, true]) {
        const width = 7;
        const height = 11; // > 5 rows, so every filter type is used
        const n = width * height * channels;
        const data = sixteen ? Uint16Array.from({ length: n }, (_, i) => (i * 2654435761) % 65536) : Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) % 256);
        const img = decodePng(encodePng({ width, height, channels, data }));
        expect(img).toMatchObject({ width, height, channels, bitDepth: sixteen ? 16 : 8, sampleFormat: 'uint' });
        expect(Array.from(img.data)).toEqual(Array.from(data));
      }
    }
  });
});

describe('pixel helpers', () => {
  it('toGray averages the colour channels and ignores alpha', () => {
    const rgba = { width: 2, height: 1, channels: 4, bitDepth: 8, sampleFormat: 'uint' as const, data: Uint8Array.from([10, 20, 30, 255, 0, 0, 255, 0]), pages: 1, page: 0 };
    expect(Array.from(toGray(rgba))).toEqual([20, 85]);
    expect(Array.from(maskForeground(rgba))).toEqual([1, 1]);
    const ga = { ...rgba, channels: 2, data: Uint8Array.from([7, 255, 0, 255]) };
    expect(Array.from(toGray(ga))).toEqual([7, 0]);
    expect(Array.from(maskForeground(ga))).toEqual([1, 0]);
    const rgb = { ...rgba, channels: 3, data: Uint8Array.from([0, 0, 0, 0, 3, 0]) };
    expect(Array.from(maskForeground(rgb))).toEqual([0, 1]);
  });

  it('normaliseInPlace maps the percentiles to [0, 1] and clips', () => {
    // 0..100: 1st percentile = 1, 99.5th = 99.5 (numpy's linear interpolation).
    const g = Float32Array.from({ length: 101 }, (_, i) => i);
    expect(normaliseInPlace(g, 1, 99.5, false)).toBe(false);
    expect(g[0]).toBe(0);
    expect(g[1]).toBe(0);
    expect(g[50]).toBeCloseTo(49 / 98.5, 6);
    expect(g[100]).toBe(1);
    // Constant images become 0; a bright background is inverted by 'auto'.
    const flat = new Float32Array(4).fill(3);
    normaliseInPlace(flat);
    expect(Array.from(flat)).toEqual([0, 0, 0, 0]);
    const bright = Float32Array.from([200, 200, 200, 0]);
    expect(normaliseInPlace(bright, 0, 100, 'auto')).toBe(true);
    expect(Array.from(bright)).toEqual([0, 0, 0, 1]);
    const dark = Float32Array.from([0, 0, 0, 50]);
    expect(normaliseInPlace(dark, 0, 100, 'auto')).toBe(false);
    expect(Array.from(dark)).toEqual([0, 0, 0, 1]);
  });

  it('toNormalisedGray (histogram percentiles) agrees with toGray + normaliseInPlace (sorted percentiles)', () => {
    let seed = 12345;
    const rand = (m: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % m);
    const cases: { channels: number; data: Uint8Array | Uint16Array | Float32Array }[] = [
      { channels: 1, data: Uint8Array.from({ length: 40 * 30 }, () => rand(256)) },
      { channels: 3, data: Uint8Array.from({ length: 40 * 30 * 3 }, () => rand(256)) },
      { channels: 4, data: Uint8Array.from({ length: 40 * 30 * 4 }, (_, i) => (i % 4 === 3 ? 255 : rand(256))) },
      { channels: 1, data: Uint16Array.from({ length: 40 * 30 }, () => rand(65536)) },
      { channels: 3, data: Uint16Array.from({ length: 40 * 30 * 3 }, () => rand(65536)) }, // sums overflow 16 bits: sort path
      { channels: 1, data: Float32Array.from({ length: 40 * 30 }, () => rand(1000) / 1000) },
    ];
    for (const { channels, data } of cases) {
      const img = { width: 40, height: 30, channels, bitDepth: data instanceof Uint16Array ? 16 : data instanceof Float32Array ? 32 : 8, sampleFormat: (data instanceof Float32Array ? 'float' : 'uint') as 'float' | 'uint', data, pages: 1, page: 0 };
      for (const invert of ['auto', true, false] as const) {
        const fast = toNormalisedGray(img, 2, 98, invert);
        const slow = toGray(img);
        expect(fast.inverted).toBe(normaliseInPlace(slow, 2, 98, invert));
        let worst = 0;
        for (let i = 0; i < slow.length; i++) worst = Math.max(worst, Math.abs(fast.image[i] - slow[i]));
        expect(worst).toBeLessThan(1e-5);
      }
    }
  });
});

describe('padToMultipleOf32', () => {
  it('pads right and bottom with zeros', () => {
    const img = Float32Array.from([1, 2, 3, 4, 5, 6]); // 3 × 2
    const p = padToMultipleOf32(img, 3, 2);
    expect(p).toMatchObject({ width: 32, height: 32, padRight: 29, padBottom: 30 });
    expect(Array.from(p.image.subarray(0, 4))).toEqual([1, 2, 3, 0]);
    expect(Array.from(p.image.subarray(32, 36))).toEqual([4, 5, 6, 0]);
    expect(p.image[64]).toBe(0);
    expect(p.image.reduce((s, v) => s + v, 0)).toBe(21);
  });

  it('pads with edge values on request', () => {
    const p = padToMultipleOf32(Float32Array.from([1, 2, 3, 4, 5, 6]), 3, 2, 'edge');
    expect(Array.from(p.image.subarray(0, 5))).toEqual([1, 2, 3, 3, 3]);
    expect(p.image[31]).toBe(3);
    expect(Array.from(p.image.subarray(32, 35))).toEqual([4, 5, 6]);
    expect(p.image[63]).toBe(6);
    expect(Array.from(p.image.subarray(31 * 32, 31 * 32 + 4))).toEqual([4, 5, 6, 6]);
  });

  it('reaches the next multiple (320 × 256 stays, 347 × 260 → 352 × 288) and leaves exact sizes alone', () => {
    const same = new Float32Array(320 * 256);
    const kept = padToMultipleOf32(same, 320, 256);
    expect(kept.image).toBe(same);
    expect(kept).toMatchObject({ width: 320, height: 256, padRight: 0, padBottom: 0 });
    expect(padToMultipleOf32(new Float32Array(347 * 260), 347, 260)).toMatchObject({ width: 352, height: 288, padRight: 5, padBottom: 28 });
    expect(() => padToMultipleOf32(new Float32Array(5), 3, 2)).toThrow(/5 values, expected 3×2/);
  });
});

describe('resizeNearestMultipleOf32', () => {
  it('rounds each side to the nearest multiple of 32 and scales boxes with it', () => {
    const w = 100;
    const h = 50; // → 96 × 64 (100 → 96, 50 → 64)
    const ramp = Float32Array.from({ length: w * h }, (_, i) => i % w);
    const boxes: Box[] = [{ x1: 10, y1: 5, x2: 50, y2: 25 }];
    const r = resizeNearestMultipleOf32(ramp, w, h, boxes);
    expect(r).toMatchObject({ width: 96, height: 64, scaleX: 0.96, scaleY: 1.28 });
    expect(r.boxes![0].x1).toBeCloseTo(9.6, 10);
    expect(r.boxes![0].y2).toBeCloseTo(32, 10);
    // Bilinear on a horizontal ramp: output column X samples source x = (X + 0.5) / 0.96 − 0.5.
    expect(r.image[10 * 96 + 40]).toBeCloseTo((40.5 / 0.96 - 0.5), 4);
    // Half size: 2 × 2 blocks average exactly at pixel-centre alignment.
    const half = resizeNearestMultipleOf32(Float32Array.from({ length: 64 * 64 }, (_, i) => (i % 2) * 4), 64, 64, null, 0.5);
    expect(half).toMatchObject({ width: 32, height: 32, boxes: null });
    expect(half.image.every((v) => v === 2)).toBe(true);
  });
});

/** A small folder with every layout, each hand-built so its boxes are known. */
function mixedFolder(): FolderFile[] {
  // DSB2018 stage-1 sample: 8 × 6 RGBA image, value 10·x + y in R, G and B.
  const w = 8;
  const h = 6;
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgba.set([10 * x + y, 10 * x + y, 10 * x + y, 255], 4 * (y * w + x));
  const gray = (pixels: [number, number][]): Uint8Array => {
    const m = new Uint8Array(w * h);
    for (const [x, y] of pixels) m[y * w + x] = 255;
    return encodePng({ width: w, height: h, channels: 1, data: m });
  };
  const rgbMask = new Uint8Array(w * h * 3);
  rgbMask[3 * (2 * w + 4) + 1] = 1; // green only at (4, 2)
  const small = (width: number, height: number) => encodePng({ width, height, channels: 1, data: Uint8Array.from({ length: width * height }, (_, i) => i) });
  return [
    file('stage1_train/abc/images/abc.png', encodePng({ width: w, height: h, channels: 4, data: rgba })),
    file('stage1_train/abc/masks/m0.png', gray([])), // empty: reported, not counted
    file('stage1_train/abc/masks/m1.png', gray([[1, 0], [2, 0], [1, 1]])), // → [1, 0, 3, 2]
    file('stage1_train/abc/masks/m2.png', gray([[7, 5]])), // → [7, 5, 8, 6]
    file('stage1_train/abc/masks/m3.png', encodePng({ width: w, height: h, channels: 3, data: rgbMask })), // → [4, 2, 5, 3]
    file('coco/instances.json', JSON.stringify({
      images: [
        { id: 1, file_name: 'a.png', width: 4, height: 4 },
        { id: 2, file_name: 'missing.png', width: 4, height: 4 },
      ],
      annotations: [
        { id: 1, image_id: 1, bbox: [0, 1, 2, 2], category_id: 1 },
        { id: 2, image_id: 1, bbox: [3, 3, 5, 5], category_id: 1 },
      ],
    })),
    file('coco/imgs/a.png', small(4, 4)),
    file('set/annotations.json', JSON.stringify({
      images: [
        { file: 'images/x.png', width: 5, height: 3, count: 1, boxes: [[1, 1, 4, 3]] },
        { file: 'images/y.png', width: 6, height: 3, count: 0, boxes: [] },
      ],
    })),
    file('set/images/x.png', small(5, 3)),
    file('set/images/y.png', small(5, 3)),
    file('bbbc/SIMCEP_images_A05_C18_F1_s05_w1.TIF', writeTiff([{ width: 4, height: 2, samplesPerPixel: 1, data: Uint16Array.from([0, 100, 200, 300, 400, 500, 600, 700]) }])),
    file('misc/photo.png', small(2, 2)),
    file('misc/meta.json', '{"camera": "x"}'),
    file('README.md', '# not an image'),
    file('__MACOSX/stage1_train/._abc.png', 'junk'),
  ];
}

describe('loadAnnotatedFolder', () => {
  it('detects every layout and gives each image its boxes or count', async () => {
    const r = await loadAnnotatedFolder(mixedFolder(), decodePngForTests, { lowPct: 0, highPct: 100, invert: false });
    expect(r.layouts).toEqual(['coco', 'box-list', 'masks', 'file-name']);
    expect(r.annotatedImages).toBe(5);
    expect(r.samples.map((s) => [s.path, s.source, s.labelPath, s.width, s.height, s.count])).toEqual([
      ['bbbc/SIMCEP_images_A05_C18_F1_s05_w1.TIF', 'file-name', 'bbbc/SIMCEP_images_A05_C18_F1_s05_w1.TIF', 4, 2, 18],
      ['coco/imgs/a.png', 'coco', 'coco/instances.json', 4, 4, 2],
      ['set/images/x.png', 'box-list', 'set/annotations.json', 5, 3, 1],
      ['stage1_train/abc/images/abc.png', 'masks', 'stage1_train/abc/masks', 8, 6, 3],
    ]);
    const [tif, a, x, abc] = r.samples;
    expect(tif.boxes).toBeNull();
    expect(Array.from(tif.image)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((v) => Math.fround(v / 7)));
    // bbox [3, 3, 5, 5] → [3, 3, 8, 8], clipped to the 4 × 4 image.
    expect(a.boxes).toEqual([{ x1: 0, y1: 1, x2: 2, y2: 3 }, { x1: 3, y1: 3, x2: 4, y2: 4 }]);
    expect(x.boxes).toEqual([{ x1: 1, y1: 1, x2: 4, y2: 3 }]);
    expect(abc.boxes).toEqual([{ x1: 1, y1: 0, x2: 3, y2: 2 }, { x1: 7, y1: 5, x2: 8, y2: 6 }, { x1: 4, y1: 2, x2: 5, y2: 3 }]);
    // RGBA → gray 10·x + y, range 0..75.
    expect(abc.image[2 * 8 + 3]).toBeCloseTo(32 / 75, 6);
    expect(abc.inverted).toBe(false);

    expect(r.problems).toEqual([
      { path: 'coco/instances.json', message: 'coco/instances.json, annotations[1] (id 2): bbox [3, 3, 5, 5] as corners [3, 3, 8, 8] extends outside the 4×4 image; clipped to [3, 3, 4, 4]' },
      { path: 'coco/instances.json', message: '1 annotated image is not among the files: missing.png' },
      { path: 'misc/meta.json', message: 'misc/meta.json: not a recognised annotation file; expected COCO ({"images": [...], "annotations": [{"image_id", "bbox": [x, y, w, h]}]}) or a box list ({"images": [{"file", "width", "height", "boxes": [[x0, y0, x1, y1]]}]})' },
      { path: 'misc/photo.png', message: 'no labels (not in any annotation JSON, no masks/ folder, no _C<n>_ in the name); skipped' },
      { path: 'set/images/y.png', message: 'set/annotations.json says 6×3 but the image is 5×3; skipped' },
      { path: 'stage1_train/abc/masks/m0.png', message: 'empty mask (no non-zero pixel); not counted' },
    ]);
  });

  it('honours limit, reports progress and aborts', async () => {
    const seen: [number, number][] = [];
    const r = await loadAnnotatedFolder(mixedFolder(), decodePngForTests, { limit: 2, onProgress: (d, t) => seen.push([d, t]) });
    expect(r.samples.map((s) => s.path)).toEqual(['bbbc/SIMCEP_images_A05_C18_F1_s05_w1.TIF', 'coco/imgs/a.png']);
    expect(r.annotatedImages).toBe(5);
    expect(seen).toEqual([[1, 2], [2, 2]]);
    const ctl = new AbortController();
    ctl.abort();
    await expect(loadAnnotatedFolder(mixedFolder(), decodePngForTests, { signal: ctl.signal })).rejects.toThrow();
  });

  it('reports decode failures, mask size mismatches, folders without labels and unreadable JSON', async () => {
    const r = await loadAnnotatedFolder(
      [
        file('s/1/images/1.png', encodePng({ width: 4, height: 4, channels: 1, data: new Uint8Array(16) })),
        file('s/1/masks/a.png', encodePng({ width: 4, height: 3, channels: 1, data: new Uint8Array(12).fill(1) })),
        file('t/BAD_C3_x.png', 'not really a png'),
        file('t/broken.json', '{"images": [}'),
      ],
      decodePngForTests,
    );
    expect(r.samples).toEqual([]);
    expect(r.problems).toEqual([
      { path: 't/broken.json', message: expect.stringMatching(/^t\/broken\.json: invalid JSON at line 1, column 13 \(character offset 12\): unexpected character "}", expected a value/) },
      { path: 's/1/masks/a.png', message: 'mask is 4×3 but its image s/1/images/1.png is 4×4; sample skipped' },
      { path: 't/BAD_C3_x.png', message: 'could not be loaded: not a recognised image format (PNG, JPEG, WebP, BMP, GIF or TIFF)' },
    ]);
    const none = await loadAnnotatedFolder([file('p/a.png', 'x'), file('p/b.png', 'y')], decodePngForTests);
    expect(none.problems).toEqual([
      { path: '(folder)', message: 'no labels found for any of 2 images: expected a COCO or box-list JSON file, <id>/images/ + <id>/masks/ folders (DSB2018), or counts in file names (_C<n>_, BBBC005)' },
    ]);
  });
});

const DSB = '/work/shared/data/dsb2018-nuclei';
const haveDsb = existsSync(join(DSB, 'annotations.json'));
if (!haveDsb) console.log(`realImages: DSB2018 tests skipped because ${DSB}/annotations.json is not present (the shared data folder is only beside the development checkout)`);

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)]));
}

describe.skipIf(!haveDsb)('real DSB2018 nuclei subset (/work/shared/data/dsb2018-nuclei)', () => {
  interface Entry {
    file: string;
    width: number;
    height: number;
    count: number;
    boxes: [number, number, number, number][];
  }

  it('loads the first 5 images with boxes inside them that match annotations.json and sit on the nuclei', async () => {
    const truth = (JSON.parse(readFileSync(join(DSB, 'annotations.json'), 'utf8')) as { images: Entry[] }).images;
    // As a dropped folder: paths start with the folder's own name. Blobs are file-backed (lazy).
    const files = await Promise.all(listFiles(DSB).map(async (p) => ({ path: `dsb2018-nuclei/${relative(DSB, p)}`, blob: await openAsBlob(p) })));
    const r = await loadAnnotatedFolder(files, decodePngForTests, { limit: 5 });
    expect(r.problems).toEqual([]);
    expect(r.layouts).toEqual(['box-list']);
    expect(r.annotatedImages).toBe(truth.length);
    expect(r.samples).toHaveLength(5);
    const expected = truth.map((e) => e.file).sort().slice(0, 5);
    expect(r.samples.map((s) => s.path)).toEqual(expected.map((f) => `dsb2018-nuclei/${f}`));

    for (const s of r.samples) {
      const t = truth.find((e) => `dsb2018-nuclei/${e.file}` === s.path)!;
      expect([s.width, s.height]).toEqual([t.width, t.height]);
      expect(s.count).toBe(t.count);
      expect(s.boxes).toHaveLength(t.count);
      expect(s.boxes).toEqual(t.boxes.map(([x1, y1, x2, y2]) => ({ x1, y1, x2, y2 })));
      for (const b of s.boxes!) {
        expect(Number.isInteger(b.x1) && Number.isInteger(b.y2)).toBe(true);
        expect(0 <= b.x1 && b.x1 < b.x2 && b.x2 <= s.width && 0 <= b.y1 && b.y1 < b.y2 && b.y2 <= s.height, JSON.stringify(b)).toBe(true);
      }
      expect(s.image.every((v) => v >= 0 && v <= 1)).toBe(true);
      // Orientation check (x/y not swapped): after normalisation nuclei are bright, so pixels inside
      // the boxes are brighter on average than those outside.
      const inside = new Uint8Array(s.width * s.height);
      for (const b of s.boxes!) for (let y = b.y1; y < b.y2; y++) inside.fill(1, y * s.width + b.x1, y * s.width + b.x2);
      let si = 0;
      let ni = 0;
      let so = 0;
      let no = 0;
      s.image.forEach((v, i) => (inside[i] ? ((si += v), ni++) : ((so += v), no++)));
      expect(si / ni, s.path).toBeGreaterThan(so / no + 0.1);
      // Padding keeps every box inside a detector-sized image.
      const p = padToMultipleOf32(s.image, s.width, s.height);
      expect(p.width % 32 === 0 && p.height % 32 === 0).toBe(true);
      expect(s.boxes!.every((b) => b.x2 <= p.width && b.y2 <= p.height)).toBe(true);
    }
    console.log(
      'realImages: DSB2018 first 5:',
      r.samples.map((s) => `${s.path.slice(22, 30)}… ${s.width}×${s.height} count ${s.count}${s.inverted ? ' (inverted)' : ''}`).join('; '),
    );
  });
});
