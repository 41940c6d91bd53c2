import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainDetector } from './trainLoop';
import { PRESETS } from './presets';
import { detectorWeightsFrom, disposeDetectorWeights } from './model';

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

describe('trainDetector resume (startStep)', () => {
  // Four steps per epoch so a resume can land inside an epoch or cross into the next one.
  const base = { preset: PRESETS.small, loss: 'responsibility' as const, seed: 11, trainImages: 8, batchSize: 2, epochs: 2, maxSteps: 7, valImages: 2 };

  it('continues at the saved step with the batches the uninterrupted run used', async () => {
    const saved = new Map<number, Record<string, tf.Tensor>>();
    const full: { step: number; epoch: number; loss: number }[] = [];
    const r = await trainDetector({ ...base, evalEvery: 1 }, {
      onStep: (s) => void full.push({ step: s.step, epoch: s.epoch, loss: s.loss }),
      onEval: (e, w) => void saved.set(e.step, Object.fromEntries(Object.entries(w).map(([k, v]) => [k, v.clone()]))),
    });
    disposeDetectorWeights(r.weights);
    expect(full.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7]);

    for (const at of [3, 5]) {
      const resumed: { step: number; epoch: number; loss: number }[] = [];
      const initialWeights = detectorWeightsFrom(saved.get(at)!, PRESETS.small.detector);
      const rr = await trainDetector({ ...base, initialWeights, startStep: at }, { onStep: (s) => void resumed.push({ step: s.step, epoch: s.epoch, loss: s.loss }) });
      disposeDetectorWeights(rr.weights);
      expect(rr.steps).toBe(7);
      expect(resumed.map((s) => s.step)).toEqual(full.slice(at).map((s) => s.step));
      expect(resumed.map((s) => s.epoch)).toEqual(full.slice(at).map((s) => s.epoch));
      // Same weights and the same batch: the first resumed loss is the uninterrupted run's loss at
      // that step (only the optimiser update that follows differs, as Adam restarts).
      expect(resumed[0].loss).toBeCloseTo(full[at].loss, 5);
    }
    for (const w of saved.values()) tf.dispose(Object.values(w));
  });

  it('does nothing when the checkpoint is already at the last step', async () => {
    const steps: number[] = [];
    const r = await trainDetector({ ...base, startStep: 7 }, { onStep: (s) => void steps.push(s.step) });
    disposeDetectorWeights(r.weights);
    expect(steps).toEqual([]);
    expect(r.steps).toBe(7);
  });
});
