import { describe, expect, it } from 'vitest';
import { countMae, countRmse, evaluateDetections, hasHeavyOverlap, matchDetections, summariseDetections } from './metrics';

const A = { x1: 0, y1: 0, x2: 10, y2: 10 };
const B = { x1: 20, y1: 0, x2: 30, y2: 10 };

describe('Table 3.2 metrics', () => {
  it('counts a duplicate as one TP plus one FP and IoU exactly 0.6 as no match', () => {
    const image = {
      groundTruth: [A, B],
      boxes: [A, { x1: 0, y1: 0, x2: 10, y2: 9 }, { x1: 20, y1: 0, x2: 30, y2: 6 }, B],
      scores: [0.9, 0.8, 0.7, 0.3], // the exact hit on B is not positive (0.3 ≤ 0.5)
    };
    const m = summariseDetections([image]);
    expect(m).toMatchObject({ groundTruth: 2, positives: 3, truePositives: 1, falsePositives: 2 });
    expect(m.truePositiveRate).toBe(0.5);
    expect(m.falsePositiveRate).toBe(1); // FP per ground-truth object
    expect(m.precision).toBeCloseTo(1 / 3, 12);
    expect(m.f1).toBeCloseTo(0.4, 12); // 2PR/(P+R) = (2/3)/(5/6)
    expect(m.countRmse).toBe(1);
    expect(m.countMae).toBe(1);
  });

  it('matches each ground truth at most once, and pairs overlapping ones optimally', () => {
    const G1 = { x1: 0, y1: 0, x2: 10, y2: 10 };
    const G2 = { x1: 1, y1: 0, x2: 11, y2: 10 }; // IoU(G1, G2) = 0.818: one box matches both
    expect(matchDetections([G1], [G1, G2])).toMatchObject({ truePositives: 1, falsePositives: 0, falseNegatives: 1 });
    // Greedy by IoU pairs each box with its own ground truth even though both exceed 0.6 with G1.
    expect(matchDetections([G2, G1], [G1, G2]).pairs).toEqual([[0, 1], [1, 0]]);
    expect(matchDetections([G1, G1, G1], [G1])).toMatchObject({ truePositives: 1, falsePositives: 2 });
  });

  it('pools counts across images and computes count errors', () => {
    const perfect = { groundTruth: [A], boxes: [A], scores: [0.99] };
    const missed = { groundTruth: [A, B, { x1: 40, y1: 40, x2: 50, y2: 50 }], boxes: [], scores: [] };
    const over = { groundTruth: [A], boxes: [A, B], scores: [0.6, 0.6] };
    const m = summariseDetections([perfect, missed, over]);
    expect(m).toMatchObject({ images: 3, groundTruth: 5, positives: 3, truePositives: 2, falsePositives: 1 });
    expect(m.countRmse).toBeCloseTo(Math.sqrt((0 + 9 + 1) / 3), 12);
    expect(m.countMae).toBeCloseTo(4 / 3, 12);
    expect(countRmse([3, 0], [2, 3])).toBeCloseTo(Math.sqrt(5), 12);
    expect(countMae([3, 0], [2, 3])).toBe(2);
  });

  it('reports the heavy-overlap subset separately', () => {
    const G2 = { x1: 3, y1: 0, x2: 13, y2: 10 }; // IoU with A = 70/130 ≈ 0.54 > 0.3
    expect(hasHeavyOverlap([A, B])).toBe(false);
    expect(hasHeavyOverlap([A, G2])).toBe(true);
    const report = evaluateDetections([
      { groundTruth: [A, B], boxes: [A, B], scores: [0.9, 0.9] },
      { groundTruth: [A, G2], boxes: [A], scores: [0.9] },
    ]);
    expect(report.all).toMatchObject({ images: 2, truePositives: 3, groundTruth: 4 });
    expect(report.heavyOverlap).toMatchObject({ images: 1, truePositives: 1, groundTruth: 2, truePositiveRate: 0.5 });
    expect(evaluateDetections([]).heavyOverlap.truePositiveRate).toBeNaN();
  });
});
