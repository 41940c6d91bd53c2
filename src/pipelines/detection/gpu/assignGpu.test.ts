/**
 * The GPU responsibility assignment against the CPU reference `assignBatch` (float64), on whatever
 * WebGPU adapter Dawn finds (SwiftShader on CPU-only machines); skipped with a printed reason when
 * there is none.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { selectNodeBackend } from '../../../core/backend/nodeWebgpu';
import { Rng } from '../../../core/rng/rng';
import { getTestDevice, releaseTestDevice } from '../../phenotype/gpu/testDevice';
import { storageBufferFrom } from '../../phenotype/gpu/util';
import { boxDistance, type Assignment, type AssignmentOptions } from '../assignment';
import { centerBoxAt, type CenterBox } from '../boxes';
import { assignBatch, splitPredictions } from '../losses';
import { distanceScaleForPixels } from '../assignment';
import { createDetectorWeights, disposeDetectorWeights, smallDetectorConfig } from '../model';
import { smallSimcepParams } from '../simcep';
import { batchImages, simcepBatch, trainStep } from '../train';
import { assignBatchGpu, padGroundTruth, type GpuAssignmentKind } from './assignGpu';
import { assignBatchFromTensors } from './assignTensors';
import { tfjsWebGpuDevice } from './tfjsDevice';

const gpu = await getTestDevice('assignGpu.test');
afterAll(async () => {
  await tf.setBackend('cpu');
  await releaseTestDevice();
});

const options: AssignmentOptions = { scale: { meanBoxWidth: 0.1, meanBoxHeight: 0.08 } };
const kinds: GpuAssignmentKind[] = ['responsibility', 'inverse-distance'];

interface Batch {
  boxes: Float32Array;
  confidences: Float32Array;
  batch: number;
  k: number;
  groundTruth: CenterBox[][];
}

function randomBatch(seed: number, k: number, counts: number[]): Batch {
  const r = new Rng(seed);
  const batch = counts.length;
  const boxes = new Float32Array(batch * k * 4);
  for (let i = 0; i < batch * k; i++) boxes.set([r.next(), r.next(), 0.02 + 0.15 * r.next(), 0.02 + 0.15 * r.next()], 4 * i);
  const confidences = Float32Array.from({ length: batch * k }, () => r.next());
  const groundTruth = counts.map((m) => Array.from({ length: m }, () => ({ cx: r.next(), cy: r.next(), w: 0.03 + 0.1 * r.next(), h: 0.03 + 0.1 * r.next() })));
  return { boxes, confidences, batch, k, groundTruth };
}

async function runGpu(device: GPUDevice, kind: GpuAssignmentKind, b: Batch): Promise<Assignment[]> {
  const boxes = storageBufferFrom(device, b.boxes, 'test-boxes');
  const confidences = storageBufferFrom(device, b.confidences, 'test-confidences');
  try {
    return await assignBatchGpu(device, kind, { boxes, confidences, batch: b.batch, detectors: b.k }, b.groundTruth, options);
  } finally {
    boxes.destroy();
    confidences.destroy();
  }
}

function cpu(kind: GpuAssignmentKind, b: Batch): Assignment[] {
  return assignBatch(kind, splitPredictions(b.boxes, b.confidences, b.batch), b.groundTruth, options);
}

/** R_ij in float64, as the reference computes it. */
function responsibility(kind: GpuAssignmentKind, b: Batch, image: number, i: number, g: CenterBox): number {
  const c = kind === 'responsibility' ? b.confidences[image * b.k + i] : 1;
  return c / (boxDistance(centerBoxAt(b.boxes, image * b.k + i), g, options.scale) + 1e-9);
}

/**
 * Same shape and ground-truth indices; detectors equal except where the two picks' float64 R
 * differ by less than f32 rounding (returns how many such near-ties there were); masks consistent.
 */
function expectSameAssignments(kind: GpuAssignmentKind, b: Batch, got: Assignment[], want: Assignment[]): number {
  expect(got.length).toBe(want.length);
  let nearTies = 0;
  got.forEach((g, n) => {
    expect(Array.from(g.groundTruth)).toEqual(Array.from(want[n].groundTruth));
    expect(g.detectors.length).toBe(want[n].detectors.length);
    expect(g.targetConfidence.length).toBe(b.k);
    g.detectors.forEach((i, j) => {
      const w = want[n].detectors[j];
      if (i === w) return;
      nearTies++;
      const gt = b.groundTruth[n][j];
      const ri = responsibility(kind, b, n, i, gt), rw = responsibility(kind, b, n, w, gt);
      expect(Math.abs(ri - rw) / Math.abs(rw)).toBeLessThan(1e-5);
    });
    // The mask marks exactly the chosen detectors.
    const chosen = new Set(g.detectors);
    g.targetConfidence.forEach((v, i) => expect(v).toBe(chosen.has(i) ? 1 : 0));
  });
  return nearTies;
}

describe.skipIf(!gpu.device)('assignBatchGpu', () => {
  const device = gpu.device!;

  it('matches assignBatch on random batches (K and G not multiples of 64, empty images, B > 1)', async () => {
    const cases: [number, number[]][] = [
      [77, [5, 0, 13, 1]],
      [200, [70, 3]],
      [1, [2, 0]],
      [64, [64, 65]],
    ];
    let compared = 0, nearTies = 0;
    for (const [t, [k, counts]] of cases.entries()) {
      for (const kind of kinds) {
        const b = randomBatch(10 + t, k, counts);
        const want = cpu(kind, b);
        const got = await runGpu(device, kind, b);
        nearTies += expectSameAssignments(kind, b, got, want);
        compared += counts.reduce((a, c) => a + c, 0);
        // An image without ground truth gets no pairs and an all-zero mask.
        counts.forEach((m, n) => m === 0 && expect(got[n].targetConfidence.every((v) => v === 0)).toBe(true));
      }
    }
    // Random f32 data: near-ties within f32 rounding are rare enough that nearly all picks agree exactly.
    expect(compared).toBeGreaterThan(300);
    expect(nearTies).toBeLessThanOrEqual(1);
  });

  it('breaks exact ties by the lowest detector index, across and within threads', async () => {
    const k = 130;
    const b = randomBatch(3, k, [4, 3]);
    // Random detectors moved off the image (D ≥ 1), so only the planted ones below can win.
    for (let i = 0; i < b.batch * k; i++) b.boxes[4 * i] += 2;
    const put = (n: number, i: number, box: number[], c: number) => {
      b.boxes.set(box, 4 * (n * k + i));
      b.confidences[n * k + i] = c;
    };
    // Image 0: duplicated (box, confidence) pairs sitting exactly on a ground truth, so D = 0 and
    // R is identical. Index pairs in different threads (40 / 100: lanes 40 and 36), in the same
    // thread (5 / 69) and adjacent across the stride (63 / 64 / 127).
    const dup: [number[], number[]][] = [[[40, 100], [0.2, 0.2, 0.05, 0.05]], [[69, 5], [0.7, 0.3, 0.06, 0.04]], [[127, 64, 63], [0.4, 0.8, 0.08, 0.08]]];
    b.groundTruth[0] = [];
    for (const [idx, box] of dup) {
      for (const i of idx) put(0, i, box, 0.75);
      b.groundTruth[0].push({ cx: box[0], cy: box[1], w: box[2], h: box[3] });
    }
    // Mirrored boxes with exactly representable coordinates: equal D in f32 and f64.
    put(0, 90, [0.5 + 0.0625, 0.5, 0.125, 0.125], 0.75);
    put(0, 20, [0.5 - 0.0625, 0.5, 0.125, 0.125], 0.75);
    b.groundTruth[0].push({ cx: 0.5, cy: 0.5, w: 0.125, h: 0.125 });
    // Image 1: mirrored in y and in w (dw = ±1/32, scaled by the same w̄), confidences equal.
    put(1, 111, [0.25, 0.75 + 0.03125, 0.0625, 0.0625], 0.75);
    put(1, 47, [0.25, 0.75 - 0.03125, 0.0625, 0.0625], 0.75);
    put(1, 12, [0.75, 0.25, 0.0625 + 0.03125, 0.0625], 0.75);
    put(1, 33, [0.75, 0.25, 0.0625 - 0.03125, 0.0625], 0.75);
    b.groundTruth[1] = [{ cx: 0.25, cy: 0.75, w: 0.0625, h: 0.0625 }, { cx: 0.75, cy: 0.25, w: 0.0625, h: 0.0625 }, { cx: 0.9, cy: 0.9, w: 0.05, h: 0.05 }];
    for (const kind of kinds) {
      const want = cpu(kind, b);
      const got = await runGpu(device, kind, b);
      expect(Array.from(got[0].detectors)).toEqual(Array.from(want[0].detectors));
      expect(Array.from(got[1].detectors)).toEqual(Array.from(want[1].detectors));
      expect(Array.from(got[0].targetConfidence)).toEqual(Array.from(want[0].targetConfidence));
      expect(Array.from(got[1].targetConfidence)).toEqual(Array.from(want[1].targetConfidence));
    }
    const got = await runGpu(device, 'responsibility', b);
    expect(Array.from(got[0].detectors)).toEqual([40, 5, 63, 20]);
    expect(Array.from(got[1].detectors.subarray(0, 2))).toEqual([47, 12]);
  });

  it('lets several ground truths claim one detector and never picks a NaN box', async () => {
    const k = 70;
    const b = randomBatch(5, k, [3]);
    // Three ground truths around one confident detector at index 0 (the first one a thread sees,
    // the case where a NaN R would otherwise stick).
    b.boxes.set([0.5, 0.5, 0.1, 0.1], 0);
    b.confidences[0] = 1;
    b.groundTruth[0] = [{ cx: 0.5, cy: 0.5, w: 0.1, h: 0.1 }, { cx: 0.51, cy: 0.5, w: 0.1, h: 0.1 }, { cx: 0.5, cy: 0.49, w: 0.1, h: 0.1 }];
    let got = await runGpu(device, 'responsibility', b);
    expect(Array.from(got[0].detectors)).toEqual([0, 0, 0]);
    expect(got[0].targetConfidence.reduce((a, v) => a + v, 0)).toBe(1);
    // A diverged detector (NaN box) is skipped, as the reference's `r > bestR` skips NaN.
    b.boxes[2] = NaN;
    got = await runGpu(device, 'responsibility', b);
    const want = cpu('responsibility', b);
    expect(Array.from(got[0].detectors)).toEqual(Array.from(want[0].detectors));
    expect(got[0].detectors.includes(0)).toBe(false);
  });

  it('rejects kinds without a kernel, short buffers and mismatched ground truth', async () => {
    const b = randomBatch(6, 10, [2, 1]);
    const boxes = storageBufferFrom(device, b.boxes.subarray(0, 8), 'short');
    const confidences = storageBufferFrom(device, b.confidences, 'conf');
    try {
      const p = { boxes, confidences, batch: 2, detectors: 10 };
      await expect(assignBatchGpu(device, 'max-iou' as GpuAssignmentKind, p, b.groundTruth, options)).rejects.toThrow(/max-iou/);
      await expect(assignBatchGpu(device, 'responsibility', p, b.groundTruth, options)).rejects.toThrow(/boxes buffer/);
      await expect(assignBatchGpu(device, 'responsibility', p, [[]], options)).rejects.toThrow(/1 ground-truth lists for a batch of 2/);
    } finally {
      boxes.destroy();
      confidences.destroy();
    }
  });

  it('pads ground truth to the largest count', () => {
    const p = padGroundTruth([[{ cx: 1, cy: 2, w: 3, h: 4 }], [], [{ cx: 5, cy: 6, w: 7, h: 8 }, { cx: 9, cy: 10, w: 11, h: 12 }]]);
    expect(p.maxCount).toBe(2);
    expect(Array.from(p.counts)).toEqual([1, 0, 2]);
    expect(Array.from(p.boxes)).toEqual([1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('takes predictions straight from tfjs WebGPU tensors', async (ctx) => {
    const sel = await selectNodeBackend('webgpu', () => undefined);
    if (sel.backend !== 'webgpu') {
      console.log(`assignGpu.test: tfjs path skipped (${sel.fallbackReason})`);
      ctx.skip();
      return;
    }
    const b = randomBatch(8, 90, [6, 0, 11]);
    // Computed by a tfjs op, so the values live in a GPU buffer as a model's output would.
    const boxes = tf.tidy(() => tf.mul(tf.tensor3d(b.boxes, [b.batch, b.k, 4]), 1) as tf.Tensor3D);
    const confidences = tf.tidy(() => tf.mul(tf.tensor2d(b.confidences, [b.batch, b.k]), 1) as tf.Tensor2D);
    const before = tf.memory().numTensors;
    try {
      for (const kind of kinds) {
        const got = await assignBatchFromTensors(kind, boxes, confidences, b.groundTruth, options);
        expectSameAssignments(kind, b, got, cpu(kind, b));
      }
      expect(tf.memory().numTensors).toBe(before);
      // Buffers of another device: the validation error comes back as a rejection, not a console line.
      const foreign = storageBufferFrom(device, b.boxes, 'foreign');
      try {
        const p = { boxes: foreign, confidences: foreign, batch: b.batch, detectors: b.k };
        await expect(assignBatchGpu(tfjsWebGpuDevice()!, 'responsibility', p, b.groundTruth, options)).rejects.toThrow(/^assignBatchGpu: /);
      } finally {
        foreign.destroy();
      }
    } finally {
      tf.dispose([boxes, confidences]);
    }
  });

  it('a training step on tfjs WebGPU takes the same loss with the kernel assignment as with the TypeScript one', async (ctx) => {
    const sel = await selectNodeBackend('webgpu', () => undefined);
    if (sel.backend !== 'webgpu') {
      console.log(`assignGpu.test: training-step check skipped (${sel.fallbackReason})`);
      ctx.skip();
      return;
    }
    const rng = new Rng(5);
    const batch = simcepBatch(smallSimcepParams, rng.fork('data'), 2);
    batch.groundTruth[1] = [];
    const images = batchImages(batch);
    const scale = distanceScaleForPixels(12, 64, 64);
    try {
      for (const kind of kinds) {
        const run = async (assignOnGpu: boolean) => {
          const weights = createDetectorWeights(smallDetectorConfig, rng.fork('weights'));
          const optimizer = tf.train.adam(1e-3);
          const losses: number[] = [];
          for (let step = 0; step < 2; step++) {
            losses.push((await trainStep(weights, smallDetectorConfig, optimizer, images, batch.groundTruth, { kind, scale, readback: 'async', assignOnGpu })).loss);
          }
          disposeDetectorWeights(weights);
          optimizer.dispose();
          return losses;
        };
        const before = tf.memory().numTensors;
        const gpu = await run(true);
        expect(tf.memory().numTensors).toBe(before);
        const ts = await run(false);
        expect(gpu.every(Number.isFinite)).toBe(true);
        gpu.forEach((v, i) => expect(v).toBeCloseTo(ts[i], 5));
      }
    } finally {
      tf.dispose(images);
    }
  });
});
