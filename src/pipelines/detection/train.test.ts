import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng/rng';
import { distanceScaleForPixels, type AssignmentKind } from './assignment';
import { evaluateDetector } from './inference';
import { createDetectorWeights, disposeDetectorWeights, smallDetectorConfig } from './model';
import { smallSimcepParams } from './simcep';
import { batchImages, simcepBatch, trainStep } from './train';

const scale = distanceScaleForPixels(12, 64, 64);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('training smoke test (small config, 64×64)', () => {
  it('30 Adam steps of the responsibility loss cut the loss and leak no tensors', async () => {
    const rng = new Rng(11);
    const batch = simcepBatch(smallSimcepParams, rng.fork('data'), 4);
    const images = batchImages(batch);
    const weights = createDetectorWeights(smallDetectorConfig, rng.fork('weights'));
    const optimizer = tf.train.adam(1e-3);
    const losses: number[] = [];
    let tensorsAtStep10 = -1;
    for (let step = 1; step <= 30; step++) {
      const r = await trainStep(weights, smallDetectorConfig, optimizer, images, batch.groundTruth, { kind: 'responsibility', scale });
      losses.push(r.loss);
      expect(r.loss).toBeCloseTo(r.confidence + r.regression, 5);
      if (step === 10) tensorsAtStep10 = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).toBe(tensorsAtStep10);
    expect(losses[29]).toBeLessThan(0.7 * losses[0]);

    const report = await evaluateDetector(weights, smallDetectorConfig, images, batch.boxes, 'responsibility');
    expect(report.all.images).toBe(4);
    expect(report.all.groundTruth).toBe(batch.boxes.flat().length);
    tf.dispose(images);
    disposeDetectorWeights(weights);
    optimizer.dispose();
  });

  it('the asynchronous two-pass step takes exactly the synchronous step, for every assignment kind', async () => {
    const rng = new Rng(5);
    const batch = simcepBatch(smallSimcepParams, rng.fork('data'), 2);
    batch.groundTruth[1] = []; // an image without objects must also work
    const images = batchImages(batch);
    const kinds: AssignmentKind[] = ['responsibility', 'inverse-distance', 'max-iou', 'one-to-one'];
    for (const kind of kinds) {
      const run = async (readback: 'sync' | 'async') => {
        const weights = createDetectorWeights(smallDetectorConfig, rng.fork('weights'));
        const optimizer = tf.train.adam(1e-3);
        const losses: number[] = [];
        for (let step = 0; step < 2; step++) {
          losses.push((await trainStep(weights, smallDetectorConfig, optimizer, images, batch.groundTruth, { kind, scale, readback })).loss);
        }
        disposeDetectorWeights(weights);
        optimizer.dispose();
        return losses;
      };
      const sync = await run('sync');
      const async = await run('async');
      expect(sync.every(Number.isFinite)).toBe(true);
      async.forEach((v, i) => expect(v).toBeCloseTo(sync[i], 5));
    }
    tf.dispose(images);
  });
});
