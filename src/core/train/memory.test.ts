/**
 * Memory discipline of every pipeline's training (or, for phenotypes, feature-extraction) loop:
 * after a few warm-up steps (Adam creates its moment variables on its first update), 100 more
 * steps of the loop the job runs leave tf.memory()'s tensor count and tensor bytes exactly where
 * they were. A tensor left behind per step, per evaluation or per epoch would show here as growth.
 *
 * Each run uses its pipeline's `small` configuration at the smallest image size it allows and a
 * batch of 1–4, on the wasm backend (detection: cpu, see below), so the file runs in about
 * 1.5 minutes on two cores.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useWasmOrCpu } from '../backend/testBackend';
import { Rng } from '../rng/rng';
import { PRESETS } from '../../pipelines/detection/presets';
import { trainDetector } from '../../pipelines/detection/trainLoop';
import { batchImages, simcepBatch, trainStep } from '../../pipelines/detection/train';
import { createDetectorWeights, disposeDetectorWeights } from '../../pipelines/detection/model';
import { distanceScaleForPixels, type AssignmentKind } from '../../pipelines/detection/assignment';
import { createCnn } from '../../pipelines/style/experiment/classifier';
import { EXPERIMENT_CONFIGS, type ExperimentConfig } from '../../pipelines/style/experiment/config';
import { emptyImageSet } from '../../pipelines/style/experiment/data';
import { buildStylePool, contentEmbeddings, poolStyleSource } from '../../pipelines/style/experiment/style';
import { concatSets, fakeStyleNetwork, shapeSet } from '../../pipelines/style/experiment/testing';
import { trainRun } from '../../pipelines/style/experiment/train';
import { StyleAugmenter } from '../../pipelines/style/randomize';
import { knownStats } from '../../pipelines/style/randomize/testStats';
import { CAMERA_CONFIGS } from '../../pipelines/camera/train/experiments';
import { createCameraModel } from '../../pipelines/camera/train/models';
import { trainClassifier, type CameraImageSet, type TrainConfig } from '../../pipelines/camera/train/train';
import { createFeatureExtractor } from '../../pipelines/phenotype/features/extractor';
import type { RgbImage } from '../../pipelines/phenotype/features/preprocess';

/** Steps before the first measurement, and steps between the two. */
const WARMUP = 5;
const STEPS = 100;

interface Memory {
  numTensors: number;
  numBytes: number;
}

function memory(): Memory {
  const { numTensors, numBytes } = tf.memory();
  return { numTensors, numBytes };
}

/** Records tf.memory() after step WARMUP and after step WARMUP + STEPS (1-based step numbers). */
function probe() {
  const at = new Map<number, Memory>();
  return {
    onStep(step: number) {
      if (step === WARMUP || step === WARMUP + STEPS) at.set(step, memory());
    },
    get warm() {
      return at.get(WARMUP);
    },
    get end() {
      return at.get(WARMUP + STEPS);
    },
  };
}

function expectNoGrowth(name: string, p: ReturnType<typeof probe>, before: Memory): void {
  expect(p.warm, `${name}: no measurement after the warm-up`).toBeDefined();
  expect(p.end, `${name}: no measurement after ${STEPS} more steps`).toBeDefined();
  const delta = (m: Memory) => `${m.numTensors - before.numTensors} tensors / ${m.numBytes - before.numBytes} B`;
  console.log(`${name} (${tf.getBackend()}), above the count before the run: after ${WARMUP} steps ${delta(p.warm!)}; after ${WARMUP + STEPS} steps ${delta(p.end!)}`);
  expect(p.end).toEqual(p.warm);
}

beforeAll(async () => {
  await useWasmOrCpu();
});

describe('detection training (small preset, 64², batch 2, or 1 for the bare steps; tfjs cpu backend)', () => {
  // The cpu backend's typed-array gradient path; the wasm path's tensor count is checked in
  // detection/wasmTraining.test.ts.
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterAll(async () => {
    await useWasmOrCpu();
  });

  it('trainDetector, the loop of the training job: no growth over 100 steps with evaluations and epoch ends in between', async () => {
    const before = memory();
    const p = probe();
    const t0 = performance.now();
    // 20 steps per epoch and an evaluation every 25 steps: both happen between the two measurements.
    const r = await trainDetector(
      { preset: PRESETS.small, loss: 'responsibility', seed: 3, batchSize: 2, trainImages: 40, epochs: 10, maxSteps: WARMUP + STEPS, valImages: 4, evalEvery: 25 },
      { onStep: (s) => p.onStep(s.step) },
    );
    console.log(`trainDetector ${r.steps} steps: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    expect(r.steps).toBe(WARMUP + STEPS);
    expectNoGrowth('detection trainDetector', p, before);
    disposeDetectorWeights(r.weights);
    expect(memory()).toEqual(before);
  });

  it.each<[AssignmentKind, 'sync' | 'async']>([
    ['inverse-distance', 'async'],
    ['max-iou', 'sync'],
    ['one-to-one', 'async'],
  ])('trainStep with the %s loss and %s read-back: no growth over 100 steps', async (kind, readback) => {
    // The step trainDetector runs, driven directly to choose the read-back: 'async' is what it uses
    // on WebGPU and WebGL (a separate forward pass read with data()).
    const preset = PRESETS.small;
    const before = memory();
    const rng = new Rng(4);
    const weights = createDetectorWeights(preset.detector, rng.fork('init'));
    const optimizer = tf.train.adam(preset.learningRate);
    const scale = distanceScaleForPixels(preset.meanBoxPx, preset.simcep.width, preset.simcep.height);
    const p = probe();
    const t0 = performance.now();
    for (let step = 1; step <= WARMUP + STEPS; step++) {
      const batch = simcepBatch(preset.simcep, rng.fork('train'), 1, step);
      const x = batchImages(batch);
      const r = await trainStep(weights, preset.detector, optimizer, x, batch.groundTruth, { kind, scale, readback });
      x.dispose();
      expect(Number.isFinite(r.loss)).toBe(true);
      p.onStep(step);
    }
    console.log(`trainStep ${kind}/${readback}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    expectNoGrowth(`detection trainStep ${kind}/${readback}`, p, before);
    optimizer.dispose();
    disposeDetectorWeights(weights);
    expect(memory()).toEqual(before);
  });
});

describe('style experiment classifier (small config CNN, 16², batch 4)', () => {
  it('trainRun, the run of the experiment job, under the "both" arm with a style pool: no growth over 100 steps', async () => {
    const size = 16; // the small CNN's four pooling blocks need a multiple of 16
    const config: ExperimentConfig = { ...EXPERIMENT_CONFIGS.small, imageSize: size, batchSize: 4, epochs: 11, evalBatchSize: 8 };
    // 10 steps per epoch: target-domain evaluations at every epoch end fall between the measurements.
    const train = concatSets(shapeSet(20, size, 1, 'plain'), shapeSet(20, size, 2, 'inverted'));
    const data = { train, target: shapeSet(8, size, 3, 'swapped'), validation: emptyImageSet(size) };
    const stats = knownStats(100, 4);
    const augmenter = new StyleAugmenter(fakeStyleNetwork(), stats, { ratio: 1, alpha: 0.5, mode: 'random', seed: 0 }, { predictorSize: 16 });
    const before = memory();
    const embeddings = await contentEmbeddings(augmenter, train, 16);
    const pool = await buildStylePool(augmenter, stats, train, embeddings, { size: config.poolSize, alpha: 0.5, seed: 5, chunk: 16 });
    expect(memory()).toEqual(before);
    const style = poolStyleSource(train, pool, config.styleRatio, 6);
    const p = probe();
    const t0 = performance.now();
    const run = await trainRun(data, { arm: 'both', seed: 2, config, createClassifier: (r) => createCnn(config.cnn, 2, size, r), style }, { onStep: (step) => p.onStep(step) });
    console.log(`style trainRun ${config.epochs * 10} steps: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    expect(run.epochs).toHaveLength(config.epochs);
    expectNoGrowth('style trainRun', p, before);
    expect(memory()).toEqual(before);
  });
});

/** n RGBA images of side s with random pixels; labels alternate. */
function randomCameraSet(n: number, s: number, seed: number): CameraImageSet {
  const rng = new Rng(seed);
  const images = Array.from({ length: n }, () => Uint8ClampedArray.from({ length: s * s * 4 }, (_, i) => (i % 4 === 3 ? 255 : rng.int(0, 255))));
  const labels = Int32Array.from({ length: n }, (_, i) => i % 2);
  return { width: s, height: s, images, labels, cameras: labels, classes: labels };
}

describe('camera classifier (small config ResNet, 64², batch 4)', () => {
  it.each<[TrainConfig['input'], TrainConfig['augment']]>([
    ['full', 'colour-jitter'],
    ['crop32', 'none'],
  ])('trainClassifier, the run of the experiment job, with %s input and %s augmentation: no growth over 100 steps', async (input, augment) => {
    const small = CAMERA_CONFIGS.small;
    const size = 64; // the smallest imageSize the camera configs accept
    const config: TrainConfig = { ...small.train, batchSize: 4, epochs: 11, input, augment, cropSize: small.crops.size, testCrops: 2, threshold: small.threshold, evalBatchSize: 8 };
    // 10 steps per epoch, a test evaluation after each.
    const data = { train: randomCameraSet(40, size, 1), test: randomCameraSet(6, size, 2), labelNames: ['a', 'b'], cameraNames: ['a', 'b'], classNames: ['a', 'b'] };
    const before = memory();
    const p = probe();
    const t0 = performance.now();
    const { result } = await trainClassifier(data, { seed: 1, config, createClassifier: (r) => createCameraModel(small.model, 2, r, { imageSize: size }) }, { onStep: (step) => p.onStep(step) });
    console.log(`camera trainClassifier ${result.steps} steps: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    expect(result.steps).toBe(110);
    expectNoGrowth(`camera trainClassifier ${input}/${augment}`, p, before);
    expect(memory()).toEqual(before);
  });
});

describe('phenotype feature extraction (no training step: a tiny tfjs layers model)', () => {
  it('extractBatch over 100 batches: no growth', async () => {
    const input = tf.input({ shape: [null, null, 3] });
    const c1 = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c1' }).apply(input) as tf.SymbolicTensor;
    const p1 = tf.layers.maxPooling2d({ poolSize: 2, name: 'p1' }).apply(c1) as tf.SymbolicTensor;
    const c2 = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', name: 'c2' }).apply(p1) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: c2 });
    const ex = createFeatureExtractor(model, ['c1', 'c2'], 'symmetric', { ownsModel: true });
    expect(ex.dim).toBe(12);
    const rng = new Rng(9);
    const image = (s: number): RgbImage => ({ width: s, height: s, data: Float32Array.from({ length: s * s * 3 }, () => rng.uniform(0, 1)) });
    // Batches of 4 with two image sizes, so each call runs two forward passes.
    const images = [image(32), image(32), image(24), image(24)];
    const before = memory();
    const p = probe();
    for (let b = 1; b <= WARMUP + STEPS; b++) {
      const feats = await ex.extractBatch(images, 4);
      expect(feats).toHaveLength(4);
      p.onStep(b);
    }
    expectNoGrowth('phenotype extractBatch', p, before);
    expect(p.warm).toEqual(before);
    ex.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before.numTensors);
  });
});
