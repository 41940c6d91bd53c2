import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng/rng';
import { hasHeavyOverlap } from '../../src/pipelines/detection/metrics';
import { createDetectorWeights, disposeDetectorWeights } from '../../src/pipelines/detection/model';
import { PRESETS } from '../../src/pipelines/detection/presets';
import { drawnCellsCheck, heavyOverlapParams, heavyOverlapSet } from './detection';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('heavy-overlap evaluation set', () => {
  it("keeps the preset's image and cell size, crowds the cells, and only keeps images with a pair of IoU > 0.3", () => {
    const p = heavyOverlapParams(PRESETS.small);
    expect([p.width, p.height, p.cellCount]).toEqual([64, 64, PRESETS.small.simcep.cellCount]);
    expect(p.nucleusRadius).toEqual(PRESETS.small.simcep.nucleusRadius);
    expect(p.clusterProbability).toEqual([1, 1]);
    const a = heavyOverlapSet(PRESETS.small, 3, 6);
    expect(a.batch.boxes).toHaveLength(6);
    expect(a.batch.pixels).toHaveLength(6 * 64 * 64);
    expect(a.generated).toBeGreaterThanOrEqual(6);
    for (const boxes of a.batch.boxes) expect(hasHeavyOverlap(boxes, 0.3)).toBe(true);
    // Seeded: the same seed gives the same set.
    expect(heavyOverlapSet(PRESETS.small, 3, 6).batch.boxes).toEqual(a.batch.boxes);
  });
});

describe('drawn-cells check', () => {
  it('scores every requested count and leaks no tensors', async () => {
    const weights = createDetectorWeights(PRESETS.small.detector, new Rng(1));
    const before = tf.memory().numTensors;
    const r = await drawnCellsCheck(weights, PRESETS.small, 'responsibility', { size: 96, counts: [1, 3], imagesPerCount: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.byCount.map((c) => [c.cells, c.images])).toEqual([[1, 2], [3, 2]]);
    expect(r.exactRate).toBeGreaterThanOrEqual(0);
    expect(r.exactRate).toBeLessThanOrEqual(1);
    disposeDetectorWeights(weights);
  });
});
