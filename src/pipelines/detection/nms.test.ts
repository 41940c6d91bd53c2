import { describe, expect, it } from 'vitest';
import { nonMaxSuppression } from './nms';

describe('nonMaxSuppression', () => {
  const boxes = [
    { x1: 0, y1: 0, x2: 10, y2: 10 }, // 0: score .9
    { x1: 1, y1: 1, x2: 11, y2: 11 }, // 1: IoU with 0 = 81/119 ≈ 0.68
    { x1: 20, y1: 20, x2: 30, y2: 30 }, // 2: IoU with 3 = 90/110 ≈ 0.82
    { x1: 21, y1: 20, x2: 31, y2: 30 }, // 3: highest score
    { x1: 0, y1: 0, x2: 10, y2: 10 }, // 4: exact duplicate of 0, same score
    { x1: 0, y1: 0, x2: 10, y2: 6 }, // 5: IoU with 0 exactly 0.6
  ];
  const scores = [0.9, 0.8, 0.7, 0.95, 0.9, 0.5];

  it('keeps the best box of each overlapping group, in score order, ties to the lower index', () => {
    expect(nonMaxSuppression(boxes, scores, { iouThreshold: 0.5 })).toEqual([3, 0]);
    // 1 survives at 0.7 (0.68 is not above it); 5 overlaps 0 by exactly 0.6 and so survives at 0.6.
    expect(nonMaxSuppression(boxes, scores, { iouThreshold: 0.7 })).toEqual([3, 0, 1, 5]);
    expect(nonMaxSuppression(boxes, scores, { iouThreshold: 0.6 })).toEqual([3, 0, 5]);
  });

  it('applies the score threshold and the detection cap', () => {
    expect(nonMaxSuppression(boxes, scores, { iouThreshold: 0.7, scoreThreshold: 0.75 })).toEqual([3, 0, 1]);
    expect(nonMaxSuppression(boxes, scores, { iouThreshold: 0.7, maxDetections: 2 })).toEqual([3, 0]);
    expect(nonMaxSuppression([], [], { iouThreshold: 0.5 })).toEqual([]);
  });
});
