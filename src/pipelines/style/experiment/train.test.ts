import { useWasmOrCpu } from '../../../core/backend/testBackend';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng/rng';
import { StyleAugmenter } from '../randomize';
import { knownStats } from '../randomize/testStats';
import { createCnn } from './classifier';
import { EXPERIMENT_CONFIGS, type ExperimentConfig } from './config';
import { emptyImageSet } from './data';
import { contentEmbeddings, onlineStyleSource } from './style';
import { concatSets, fakeStyleNetwork, shapeSet } from './testing';
import { learningRateAt, trainRun } from './train';
import type { Arm } from './types';

/** wasm when it starts (the experiment's Node backend, about 5× faster here), else cpu. */
beforeAll(async () => {
  await useWasmOrCpu();
});

const SIZE = 16;
const tinyConfig: ExperimentConfig = {
  ...EXPERIMENT_CONFIGS.small,
  imageSize: SIZE,
  cnn: { widths: [8, 16], batchNorm: true },
  epochs: 8,
  batchSize: 16,
  learningRate: 1e-2,
  evalBatchSize: 64,
};
const cnn = (config: ExperimentConfig) => (rng: Rng) => createCnn(config.cnn, 2, config.imageSize, rng);

/** Training domains 'plain' and 'inverted', target 'swapped' (channels permuted). */
const train = concatSets(shapeSet(48, SIZE, 1, 'plain'), shapeSet(48, SIZE, 2, 'inverted'));
const target = shapeSet(64, SIZE, 3, 'swapped');
const data = { train, target, validation: emptyImageSet(SIZE) };

const stats = knownStats(100, 4);

describe('a tiny run on synthetic discs vs squares', () => {
  it('target accuracy rises well above chance within seconds', async () => {
    const t0 = performance.now();
    const run = await trainRun(data, { arm: 'none', seed: 1, config: tinyConfig, createClassifier: cnn(tinyConfig), style: null });
    const seconds = (performance.now() - t0) / 1000;
    console.log(`tiny run on ${tf.getBackend()}: ${seconds.toFixed(1)} s, target accuracy per epoch ${run.epochs.map((e) => e.targetAccuracy.toFixed(2)).join(' ')}`);
    expect(run.epochs).toHaveLength(8);
    expect(run.epochs[7].trainLoss).toBeLessThan(run.epochs[0].trainLoss);
    expect(run.finalTargetAccuracy).toBe(run.epochs[7].targetAccuracy);
    expect(run.finalTargetAccuracy).toBeGreaterThanOrEqual(0.8);
    expect(run.epochs[7].trainAccuracy).toBeGreaterThanOrEqual(0.8);
    expect(seconds).toBeLessThan(20);
  });

  it('is reproducible from its seed', async () => {
    const config = { ...tinyConfig, epochs: 2 };
    const a = await trainRun(data, { arm: 'trad', seed: 5, config, createClassifier: cnn(config), style: null });
    const b = await trainRun(data, { arm: 'trad', seed: 5, config, createClassifier: cnn(config), style: null });
    expect(b.epochs.map((e) => [e.trainLoss, e.targetAccuracy])).toEqual(a.epochs.map((e) => [e.trainLoss, e.targetAccuracy]));
  });

  it.each(['none', 'trad', 'color', 'style', 'both'] as Arm[])('%s arm: no tensor growth across epochs; nothing left afterwards', async (arm) => {
    const config = { ...tinyConfig, epochs: 3 };
    const net = fakeStyleNetwork();
    const augmenter = new StyleAugmenter(net, stats, { ratio: 0.5, alpha: 0.5, mode: 'random', seed: 0 }, { predictorSize: 16 });
    const emb = await contentEmbeddings(augmenter, train, 32);
    const style = onlineStyleSource(augmenter, stats, emb, { ratio: 0.5, alpha: 0.5, seed: 3 });
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    await trainRun(data, { arm, seed: 2, config, createClassifier: cnn(config), style }, { onEpoch: () => void counts.push(tf.memory().numTensors) });
    expect(counts).toHaveLength(3);
    expect(new Set(counts).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('learning rate schedule', () => {
  it('cosine decays from the rate to zero; constant stays', () => {
    const c = { learningRate: 0.01, lrSchedule: 'cosine' as const };
    expect(learningRateAt(c, 0, 100)).toBe(0.01);
    expect(learningRateAt(c, 50, 100)).toBeCloseTo(0.005, 12);
    expect(learningRateAt(c, 75, 100)).toBeCloseTo(0.01 * (1 - Math.SQRT1_2) / 2, 12);
    expect(learningRateAt({ learningRate: 0.01, lrSchedule: 'constant' }, 99, 100)).toBe(0.01);
  });
});
