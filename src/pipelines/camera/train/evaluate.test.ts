import { describe, expect, it } from 'vitest';
import { evaluatePredictions, poolPredictions } from './evaluate';

// Eight test images: classes m1/m2, cameras A/B; a model that answers by camera: A → m1, B → m2.
const classes = [0, 0, 1, 1, 0, 0, 1, 1];
const cameras = [0, 0, 0, 0, 1, 1, 1, 1];
const predicted = [0, 0, 0, 0, 1, 1, 1, 0];

describe('evaluatePredictions', () => {
  const e = evaluatePredictions(predicted, classes, ['m1', 'm2'], { cameras, cameraNames: ['A', 'B'], classes, classNames: ['m1', 'm2'] });

  it('counts accuracy and the confusion matrix', () => {
    // Right: items 0, 1 (A, m1), 6 (B, m2) → 3 of 8.
    expect(e.correct).toBe(3);
    expect(e.accuracy).toBe(3 / 8);
    // true m1 (items 0,1,4,5) → predicted 0,0,1,1; true m2 (2,3,6,7) → 0,0,1,0.
    expect(e.confusion).toEqual([[2, 2], [3, 1]]);
    expect(e.perLabel.map((g) => [g.n, g.correct])).toEqual([[4, 2], [4, 1]]);
  });

  it('builds the per-camera stacked bars', () => {
    const [a, b] = e.perCamera!;
    expect(a).toMatchObject({ name: 'A', n: 4, correct: 2, accuracy: 0.5, predicted: [4, 0], correctByLabel: [2, 0], wrongByLabel: [2, 0] });
    // B: items 4,5 (m1 → 1, 1 wrong), 6 (m2 → 1 right), 7 (m2 → 0 wrong).
    expect(b).toMatchObject({ name: 'B', n: 4, correct: 1, accuracy: 0.25, predicted: [1, 3], correctByLabel: [0, 1], wrongByLabel: [1, 2] });
  });

  it('finds the worst class × camera cell', () => {
    expect(e.cells!.map((c) => [c.cls, c.camera, c.n, c.correct])).toEqual([
      ['m1', 'A', 2, 2],
      ['m1', 'B', 2, 0],
      ['m2', 'A', 2, 0],
      ['m2', 'B', 2, 1],
    ]);
    // Two cells at 0: the first in class, then camera order.
    expect(e.worstGroup).toMatchObject({ cls: 'm1', camera: 'B', accuracy: 0 });
    expect(e.perClass!.map((g) => g.accuracy)).toEqual([0.5, 0.25]);
  });

  it('skips empty cells and rejects bad indices', () => {
    const f = evaluatePredictions([0, 1], [0, 1], ['x', 'y'], { cameras: [0, 0], classes: [0, 1], cameraNames: ['A', 'B'] });
    expect(f.cells!.map((c) => c.camera)).toEqual(['A', 'A']);
    expect(f.perCamera![1]).toMatchObject({ n: 0, accuracy: NaN });
    expect(() => evaluatePredictions([2], [0], ['x', 'y'])).toThrow(/out of range/);
    expect(() => evaluatePredictions([0, 1], [0], ['x', 'y'])).toThrow(/2 predictions for 1/);
  });
});

describe('poolPredictions', () => {
  it('takes the argmax of the mean probability over each image’s crops', () => {
    // Two images × two crops × two classes.
    const p = Float32Array.from([0.9, 0.1, 0.2, 0.8, /* img 2 */ 0.4, 0.6, 0.45, 0.55]);
    // Image 1: means (0.55, 0.45) → 0; image 2: (0.425, 0.575) → 1.
    expect(Array.from(poolPredictions(p, 2, 2))).toEqual([0, 1]);
    expect(() => poolPredictions(p, 2, 3)).toThrow();
  });
});
