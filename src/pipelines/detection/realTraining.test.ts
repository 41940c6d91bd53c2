import * as tf from '@tensorflow/tfjs';
import { existsSync, openAsBlob, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImageNode } from '../../core/data/nodeDecode';
import { Rng } from '../../core/rng/rng';
import { toCornerBox } from './boxes';
import { loadDetectorCheckpoint } from './checkpoint';
import { disposeDetectorWeights } from './model';
import { PRESETS } from './presets';
import type { RealSample } from './realImages';
import { loadAnnotatedFolder } from './realImages';
import { cropAt, meanBoxSide, prepareRealSplit, randomCrop, realTrainingData, type PreparedSample } from './realTraining';
import { trainDetector } from './trainLoop';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function sample(path: string, width: number, height: number, boxes: RealSample['boxes']): RealSample {
  const image = new Float32Array(width * height).map((_, i) => (i % 7) / 7);
  return { path, image, width, height, boxes, count: boxes ? boxes.length : 3, source: boxes ? 'box-list' : 'file-name', labelPath: path, inverted: false };
}

describe('cropAt', () => {
  // A 100×80 image whose pixel value encodes its position, so crops can be checked exactly.
  const W = 100, H = 80;
  const img: PreparedSample = {
    path: 'a.png',
    width: W,
    height: H,
    image: Float32Array.from({ length: W * H }, (_, i) => i),
    boxes: [
      { x1: 10, y1: 10, x2: 20, y2: 20 }, // fully inside the crop at (5, 5)
      { x1: 30, y1: 30, x2: 50, y2: 40 }, // 20×10; crop [5, 37) keeps x 30..37 → 35% of its area: dropped
      { x1: 34, y1: 6, x2: 38, y2: 16 }, // 4×10; x 34..37 inside, y fully → 75% of its area: kept, clipped
    ],
  };

  it('copies the window pixels and shifts/clips boxes, dropping those less than half visible', () => {
    const c = cropAt(img, 32, 5, 5);
    expect(c.image[0]).toBe(5 * W + 5);
    expect(c.image[31 * 32 + 31]).toBe((5 + 31) * W + 5 + 31);
    expect(c.boxes).toEqual([
      { x1: 5, y1: 5, x2: 15, y2: 15 },
      { x1: 29, y1: 1, x2: 32, y2: 11 },
    ]);
  });

  it('zero-pads where the image is smaller than the window', () => {
    const small: PreparedSample = { path: 's', width: 20, height: 10, image: new Float32Array(200).fill(1), boxes: [{ x1: 2, y1: 2, x2: 8, y2: 8 }] };
    const c = cropAt(small, 32, 0, 0);
    expect(c.image[9 * 32 + 19]).toBe(1);
    expect(c.image[9 * 32 + 20]).toBe(0);
    expect(c.image[10 * 32]).toBe(0);
    expect(c.boxes).toEqual(small.boxes);
    // randomCrop of a smaller image has nowhere to move: always the same window.
    expect(randomCrop(small, 32, new Rng(1)).image).toEqual(c.image);
  });

  it('random crops stay inside the image and are seeded', () => {
    for (let s = 0; s < 50; s++) {
      const c = randomCrop(img, 32, new Rng(s));
      const x0 = c.image[0] % W;
      const y0 = Math.floor(c.image[0] / W);
      expect(x0 + 32 <= W && y0 + 32 <= H).toBe(true);
      expect(randomCrop(img, 32, new Rng(s)).image).toEqual(c.image);
    }
  });
});

describe('prepareRealSplit', () => {
  const samples = Array.from({ length: 10 }, (_, i) => sample(`img${i}.png`, 64, 48, [{ x1: 4, y1: 4, x2: 12, y2: 10 }]));
  samples.push(sample('count_C5_.png', 64, 48, null));

  it('splits by image with a seed, skipping count-only images, and rescales boxes', () => {
    const a = prepareRealSplit(samples, { valFraction: 0.2, seed: 3, scale: 2 });
    expect(a.skipped).toEqual(['count_C5_.png']);
    expect(a.val).toHaveLength(2);
    expect(a.train).toHaveLength(8);
    expect(new Set([...a.train, ...a.val].map((s) => s.path)).size).toBe(10);
    expect(a.train[0].width).toBe(128);
    expect(a.train[0].height).toBe(96);
    expect(a.train[0].boxes[0]).toEqual({ x1: 8, y1: 8, x2: 24, y2: 20 });
    const again = prepareRealSplit(samples, { valFraction: 0.2, seed: 3, scale: 2 });
    expect(again.val.map((s) => s.path)).toEqual(a.val.map((s) => s.path));
    const other = prepareRealSplit(samples, { valFraction: 0.2, seed: 4, scale: 2 });
    expect(other.val.map((s) => s.path)).not.toEqual(a.val.map((s) => s.path));
  });

  it('keeps one validation image even for tiny sets, and refuses sets without boxes', () => {
    expect(prepareRealSplit(samples.slice(0, 2), { valFraction: 0.1, seed: 1 }).val).toHaveLength(1);
    expect(() => prepareRealSplit([samples[10]], { valFraction: 0.2, seed: 1 })).toThrow(/No images with boxes/);
  });

  it('meanBoxSide is the mean of sqrt(area)', () => {
    const s: PreparedSample = { path: 'x', width: 10, height: 10, image: new Float32Array(100), boxes: [{ x1: 0, y1: 0, x2: 4, y2: 4 }, { x1: 0, y1: 0, x2: 2, y2: 8 }] };
    expect(meanBoxSide([s], 9)).toBe(4);
    expect(meanBoxSide([], 9)).toBe(9);
  });
});

describe('realTrainingData', () => {
  it('gives replayable crop batches whose normalised boxes map back to the crop boxes', () => {
    const train: PreparedSample[] = [0, 1, 2].map((k) => ({
      path: `t${k}`,
      width: 96,
      height: 96,
      image: new Float32Array(96 * 96).fill(k),
      boxes: [{ x1: 40, y1: 40, x2: 56, y2: 56 }],
    }));
    const data = realTrainingData(train, train.slice(0, 1), { cropSize: 64 });
    expect(data.meanBoxPx).toBe(16);
    const b = data.batch(new Rng(7), 4, 6);
    expect(b.pixels.length).toBe(4 * 64 * 64);
    // Image i of the batch comes from train[(6 + i) mod 3]: fill values 0, 1, 2, 0.
    expect([0, 1, 2, 3].map((i) => b.pixels[i * 64 * 64])).toEqual([0, 1, 2, 0]);
    b.groundTruth.forEach((g, i) => g.forEach((c, j) => {
      const back = toCornerBox(c, 64, 64);
      expect(back.x1).toBeCloseTo(b.boxes[i][j].x1, 4);
      expect(back.y2).toBeCloseTo(b.boxes[i][j].y2, 4);
    }));
    expect(data.batch(new Rng(7), 4, 6)).toEqual(b);
    expect(() => realTrainingData(train, [], { cropSize: 48 })).toThrow(/multiple of 32/);
  });
});

const DSB = '/work/shared/data/dsb2018-nuclei';
const SHIPPED = 'models/detector-small/detector-small.zip';
const haveDsb = existsSync(join(DSB, 'annotations.json')) && existsSync(SHIPPED);
if (!haveDsb) console.log(`realTraining: DSB2018 fine-tuning test skipped because ${DSB} is not present (shared data is only beside the development checkout)`);

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)]));
}

describe.skipIf(!haveDsb)('fine-tuning the shipped checkpoint on real DSB2018 nuclei', () => {
  it('trains on crops, validates on whole images, and leaks no tensors', async () => {
    const files = await Promise.all(listFiles(DSB).map(async (p) => ({ path: `dsb/${relative(DSB, p)}`, blob: await openAsBlob(p) })));
    const folder = await loadAnnotatedFolder(files, (bytes, path) => decodeImageNode(bytes, path), { limit: 6 });
    expect(folder.samples).toHaveLength(6);
    const split = prepareRealSplit(folder.samples, { valFraction: 0.34, seed: 1, scale: 0.5 });
    expect(split.val).toHaveLength(2);
    const data = realTrainingData(split.train, split.val, { cropSize: 64 });
    const { weights, info } = loadDetectorCheckpoint(new Uint8Array(readFileSync(SHIPPED)));
    const before = tf.memory().numTensors;
    const tensors: number[] = [];
    const losses: number[] = [];
    const r = await trainDetector(
      { preset: { ...PRESETS.small, detector: info.detector }, loss: info.loss, seed: 2, data, maxSteps: 4, batchSize: 2, epochs: 10, initialWeights: weights },
      { onStep: (s) => void (losses.push(s.loss), tensors.push(tf.memory().numTensors)) },
    );
    expect(r.steps).toBe(4);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(new Set(tensors).size).toBe(1);
    const report = r.lastEval!.report;
    expect(report.all.images).toBe(2);
    expect(report.all.groundTruth).toBe(split.val.reduce((n, s) => n + s.boxes.length, 0));
    disposeDetectorWeights(r.weights);
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
  }, 120_000);
});
