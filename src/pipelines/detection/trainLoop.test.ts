import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainDetector } from './trainLoop';
import { PRESETS } from './presets';
import { disposeDetectorWeights } from './model';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('trainDetector', () => {
  it('is reproducible for a seed, validates at the end, and leaks no tensors across steps', async () => {
    const run = async (seed: number) => {
      const losses: number[] = [];
      const tensors: number[] = [];
      let evals = 0;
      const r = await trainDetector(
        { preset: PRESETS.small, loss: 'responsibility', seed, maxSteps: 6, batchSize: 2, valImages: 4 },
        {
          onStep: (s) => {
            losses.push(s.loss);
            tensors.push(tf.memory().numTensors);
          },
          onEval: () => {
            evals++;
          },
        },
      );
      disposeDetectorWeights(r.weights);
      return { losses, tensors, evals, steps: r.steps, report: r.lastEval?.report };
    };
    const before = tf.memory().numTensors;
    const a = await run(5);
    const b = await run(5);
    const c = await run(6);
    expect(a.steps).toBe(6);
    expect(a.losses).toEqual(b.losses);
    expect(a.losses).not.toEqual(c.losses);
    expect(a.evals).toBe(1);
    expect(a.report?.all.groundTruth).toBeGreaterThan(0);
    // Constant tensor count from step 2 on (step 1 creates Adam's slots), none left after disposal.
    expect(new Set(a.tensors.slice(1)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });
});
