import { iou, type Box } from './boxes';

export interface NmsOptions {
  /** A box is suppressed when its IoU with an already kept box is above this (0.7 in [13]). */
  iouThreshold: number;
  /** Boxes with score ≤ this are dropped before suppression. */
  scoreThreshold?: number;
  maxDetections?: number;
}

/**
 * Greedy non-maximum suppression: visit boxes by descending score (ties: lower index first), keep a
 * box unless it overlaps a kept box by IoU > `iouThreshold`. Returns the kept indices in visit
 * order. This is the post-processing step chapter 3 sets out to make unnecessary.
 */
export function nonMaxSuppression(boxes: readonly Box[], scores: readonly number[], options: NmsOptions): number[] {
  if (boxes.length !== scores.length) throw new Error('nonMaxSuppression: boxes and scores differ in length');
  const { iouThreshold, scoreThreshold = -Infinity, maxDetections = Infinity } = options;
  const order: number[] = [];
  for (let i = 0; i < boxes.length; i++) if (scores[i] > scoreThreshold) order.push(i);
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  const kept: number[] = [];
  for (const i of order) {
    if (kept.length >= maxDetections) break;
    if (kept.every((k) => iou(boxes[k], boxes[i]) <= iouThreshold)) kept.push(i);
  }
  return kept;
}
