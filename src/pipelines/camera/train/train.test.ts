import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmOrCpu } from '../../../core/backend/testBackend';
import { Rng } from '../../../core/rng/rng';
import { createResNet, type ResNetSpec } from './models';
import { inputBatch, testInputs, trainClassifier, type CameraImageSet, type TrainConfig, type TrainData } from './train';

beforeAll(async () => {
  await useWasmOrCpu();
});

const S = 16;

/**
 * Separable toy set: label 0 has horizontal stripes, label 1 vertical ones (period 2, amplitude
 * ±40 grey levels around a random base), plus noise. Camera = i % 3, class = label.
 */
function stripes(n: number, seed: number): CameraImageSet {
  const rng = new Rng(seed);
  const images: Uint8ClampedArray[] = [];
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    labels[i] = label;
    const base = rng.uniform(80, 170);
    const im = new Uint8ClampedArray(S * S * 4);
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const phase = label === 0 ? y % 2 : x % 2;
        const v = base + (phase ? 40 : -40) + rng.normal(0, 10);
        const o = (y * S + x) * 4;
        im[o] = v;
        im[o + 1] = v;
        im[o + 2] = v;
        im[o + 3] = 255;
      }
    }
    images.push(im);
  }
  return { width: S, height: S, images, labels, cameras: Int32Array.from(labels, (_, i) => i % 3), classes: labels };
}

const data: TrainData = { train: stripes(64, 1), test: stripes(32, 2), labelNames: ['h', 'v'], cameraNames: ['A', 'B', 'C'], classNames: ['h', 'v'] };
const SPEC: ResNetSpec = { stem: 8, stemKernel: 3, stemStride: 1, stemDownsample: false, widths: [8, 16], blocks: 1, downsample: 'pool' };
const CONFIG: TrainConfig = { epochs: 4, batchSize: 16, learningRate: 1e-2, lrSchedule: 'constant', input: 'full', augment: 'none', evalBatchSize: 32 };
const make = (rng: Rng) => createResNet(SPEC, 2, rng);

describe('trainClassifier', () => {
  it('learns a separable task, reports per-camera curves and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const perEpoch: number[] = [];
    const { result } = await trainClassifier(data, { seed: 1, config: CONFIG, createClassifier: make }, { onEpoch: () => void perEpoch.push(tf.memory().numTensors) });
    expect(tf.memory().numTensors).toBe(before);
    // Same tensor count at the end of every epoch: nothing accumulates.
    expect(new Set(perEpoch).size).toBe(1);
    expect(result.epochs).toHaveLength(4);
    expect(result.evaluation.accuracy).toBeGreaterThan(0.9);
    expect(result.epochs[3].trainLoss).toBeLessThan(result.epochs[0].trainLoss);
    expect(result.epochs[3].cameraAccuracy).toHaveLength(3);
    expect(result.epochs[3].classAccuracy).toHaveLength(2);
    expect(result.evaluation.perCamera!.reduce((s, c) => s + c.n, 0)).toBe(32);
    expect(result.steps).toBe(16);
  });

  it('is deterministic for a seed', async () => {
    const cfg = { ...CONFIG, epochs: 1 };
    const a = await trainClassifier(data, { seed: 7, config: cfg, createClassifier: make });
    const b = await trainClassifier(data, { seed: 7, config: cfg, createClassifier: make });
    expect(b.result.epochs[0].trainLoss).toBe(a.result.epochs[0].trainLoss);
    expect(Array.from(b.result.testPredicted)).toEqual(Array.from(a.result.testPredicted));
  });

  it('crop, half, binary and augmentation modes train and score the right number of test inputs', async () => {
    const before = tf.memory().numTensors;
    const crop = await trainClassifier(data, { seed: 1, config: { ...CONFIG, epochs: 3, evalEvery: 2, input: 'crop32', cropSize: 8, testCrops: 3 }, createClassifier: make });
    // Scored after epochs 2 and 3 (the last) only.
    expect(crop.result.epochs.map((p) => Number.isNaN(p.testAccuracy))).toEqual([true, false, false]);
    expect(crop.result.testPredicted.length).toBe(96);
    expect(crop.result.evaluation.n).toBe(96);
    expect(crop.result.pooledAccuracy).toBeGreaterThanOrEqual(0);
    const halves = await trainClassifier(data, { seed: 1, config: { ...CONFIG, epochs: 1, input: 'left-half', testInput: 'right-half', augment: 'colour-jitter' }, createClassifier: make });
    expect(halves.result.evaluation.n).toBe(32);
    const bin = await trainClassifier(data, { seed: 1, config: { ...CONFIG, epochs: 1, input: 'binary', augment: 'grayscale', threshold: { window: 5, c: 5 } }, createClassifier: make });
    expect(Number.isFinite(bin.result.evaluation.accuracy)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops on a cancelling checkpoint without leaking, emits weight checkpoints, and can keep the model', async () => {
    const before = tf.memory().numTensors;
    let calls = 0;
    await expect(
      trainClassifier(data, { seed: 1, config: CONFIG, createClassifier: make }, {
        checkpoint: async () => {
          if (++calls > 5) throw new Error('cancelled');
        },
      }),
    ).rejects.toThrow('cancelled');
    expect(tf.memory().numTensors).toBe(before);

    const snaps: number[] = [];
    const { result, classifier } = await trainClassifier(data, { seed: 1, config: { ...CONFIG, epochs: 3 }, createClassifier: make, keepClassifier: true, checkpointEvery: 2 }, {
      onCheckpoint: (w, epoch) => {
        snaps.push(epoch);
        expect(w.trainable.length).toBeGreaterThan(0);
      },
    });
    expect(snaps).toEqual([2, 3]);
    expect(classifier).not.toBeNull();
    const x = inputBatch(data.test, [0, 1], 'full');
    const logits = tf.tidy(() => tf.argMax(classifier!.logits(tf.tensor4d(x.data, x.shape), false), 1));
    expect(Array.from(logits.dataSync())).toEqual(Array.from(result.testPredicted.slice(0, 2)));
    logits.dispose();
    classifier!.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects mismatched sets and impossible crops', async () => {
    const small: TrainData = { ...data, test: { ...data.test, width: 8, images: data.test.images } };
    await expect(trainClassifier(small, { seed: 1, config: CONFIG, createClassifier: make })).rejects.toThrow(/image 0 has|test images/);
    await expect(trainClassifier(data, { seed: 1, config: { ...CONFIG, input: 'crop32' }, createClassifier: make })).rejects.toThrow(/32×32 crops do not fit/);
  });
});

describe('inputBatch', () => {
  // One 4×2 RGBA image whose red channel is the pixel index × 10.
  const im = new Uint8ClampedArray(4 * 2 * 4);
  for (let p = 0; p < 8; p++) im.set([p * 10, 255, 0, 255], p * 4);
  const set: CameraImageSet = { width: 4, height: 2, images: [im], labels: Int32Array.of(0) };
  const red = (b: { data: Float32Array }) => Array.from(b.data.filter((_, i) => i % 3 === 0)).map((v) => Math.round(v * 255));

  it('reads halves and crops', () => {
    expect(red(inputBatch(set, [0], 'left-half'))).toEqual([0, 10, 40, 50]);
    expect(red(inputBatch(set, [0], 'right-half'))).toEqual([20, 30, 60, 70]);
    const c = inputBatch(set, [0], 'crop32', { cropSize: 2, crops: [{ x: 1, y: 0 }] });
    expect(c.shape).toEqual([1, 2, 2, 3]);
    expect(red(c)).toEqual([10, 20, 50, 60]);
  });

  it('float sets give the same values as byte sets', () => {
    const x = new Float32Array(8 * 3);
    for (let p = 0; p < 8; p++) x.set([im[p * 4] / 255, 1, 0], p * 3);
    const f = inputBatch({ width: 4, height: 2, x, labels: Int32Array.of(0) }, [0], 'full');
    expect(Array.from(f.data)).toEqual(Array.from(inputBatch(set, [0], 'full').data));
  });

  it('test crops are fixed by the crop seed, not the run', () => {
    const s = stripes(2, 3);
    const a = testInputs(s, { input: 'crop32', cropSize: 8, testCrops: 2, testCropSeed: 5 });
    const b = testInputs(s, { input: 'crop32', cropSize: 8, testCrops: 2, testCropSeed: 5 });
    expect(a.crops).toEqual(b.crops);
    expect(Array.from(a.image)).toEqual([0, 0, 1, 1]);
  });
});
