/**
 * Detection and counting metrics of thesis Table 3.2: a detection is positive when its confidence
 * is above 0.5; a true positive is a positive box with IoU > 0.6 with a ground-truth box, each
 * ground-truth box pairing with at most one box, so a duplicate detection is one TP plus one FP.
 *
 * Rates follow the evaluation code released with the thesis (philipjackson/avoiding-overdetection,
 * evaluate.py): TPR = TP / #GT and FPR = FP / #GT (false positives per ground-truth object; there
 * are no countable true negatives in detection). Counts are pooled over the image set, which
 * reproduces the table's F1 from its rates: P = .754/(.754+.192), F1 = 2PR/(P+R) = 0.775 ≈ 0.774.
 */
import { iou, type Box } from './boxes';

export interface MetricOptions {
  /** A positive box matches a ground-truth box when IoU is strictly above this (Table 3.2: 0.6). */
  matchIou?: number;
  /** A detection is positive when its score is strictly above this (§3.4: 0.5). */
  scoreThreshold?: number;
  /** An image is in the heavy-overlap subset when some ground-truth pair has IoU above this. */
  heavyOverlapIou?: number;
}

export const defaultMetricOptions: Required<MetricOptions> = { matchIou: 0.6, scoreThreshold: 0.5, heavyOverlapIou: 0.3 };

export interface ImageDetections {
  groundTruth: readonly Box[];
  /** Pixel boxes (after NMS, for pipelines that use it) and their confidences. */
  boxes: readonly Box[];
  scores: readonly number[];
}

export interface ImageMatch {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** [detection index, ground-truth index] of each true positive. */
  pairs: [number, number][];
}

/**
 * Pairs boxes (all treated as positives) with ground truth one-to-one: candidate pairs with
 * IoU > `matchIou` are taken greedily by descending IoU (ties: lower detection, then lower
 * ground-truth index), skipping any box or ground truth already used.
 */
export function matchDetections(boxes: readonly Box[], groundTruth: readonly Box[], matchIou = 0.6): ImageMatch {
  const candidates: [number, number, number][] = [];
  for (let d = 0; d < boxes.length; d++) {
    for (let g = 0; g < groundTruth.length; g++) {
      const v = iou(boxes[d], groundTruth[g]);
      if (v > matchIou) candidates.push([v, d, g]);
    }
  }
  candidates.sort((a, b) => b[0] - a[0] || a[1] - b[1] || a[2] - b[2]);
  const usedBox = new Uint8Array(boxes.length);
  const usedGt = new Uint8Array(groundTruth.length);
  const pairs: [number, number][] = [];
  for (const [, d, g] of candidates) {
    if (usedBox[d] || usedGt[g]) continue;
    usedBox[d] = 1;
    usedGt[g] = 1;
    pairs.push([d, g]);
  }
  return {
    truePositives: pairs.length,
    falsePositives: boxes.length - pairs.length,
    falseNegatives: groundTruth.length - pairs.length,
    pairs,
  };
}

/** Whether any two ground-truth boxes overlap by IoU > `threshold` (the heavy-overlap subset). */
export function hasHeavyOverlap(groundTruth: readonly Box[], threshold = 0.3): boolean {
  for (let a = 0; a < groundTruth.length; a++) {
    for (let b = a + 1; b < groundTruth.length; b++) if (iou(groundTruth[a], groundTruth[b]) > threshold) return true;
  }
  return false;
}

/** Root mean square count error (§3.4 reports 2.28 on the validation set). */
export function countRmse(predicted: readonly number[], truth: readonly number[]): number {
  return Math.sqrt(meanOf(predicted, truth, (d) => d * d));
}

export function countMae(predicted: readonly number[], truth: readonly number[]): number {
  return meanOf(predicted, truth, Math.abs);
}

function meanOf(predicted: readonly number[], truth: readonly number[], f: (d: number) => number): number {
  if (predicted.length !== truth.length) throw new Error('count metrics: lengths differ');
  if (predicted.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < predicted.length; i++) s += f(predicted[i] - truth[i]);
  return s / predicted.length;
}

export interface DetectionMetrics {
  images: number;
  groundTruth: number;
  /** Detections with score above the threshold (the predicted count, summed). */
  positives: number;
  truePositives: number;
  falsePositives: number;
  truePositiveRate: number;
  falsePositiveRate: number;
  precision: number;
  f1: number;
  countRmse: number;
  countMae: number;
}

/** Table 3.2 metrics plus count errors over a set of images (NaN where a ratio is undefined). */
export function summariseDetections(images: readonly ImageDetections[], options: MetricOptions = {}): DetectionMetrics {
  const { matchIou, scoreThreshold } = { ...defaultMetricOptions, ...options };
  let groundTruth = 0, positives = 0, tp = 0;
  const predictedCounts: number[] = [];
  const trueCounts: number[] = [];
  for (const image of images) {
    const kept = image.boxes.filter((_, i) => image.scores[i] > scoreThreshold);
    const match = matchDetections(kept, image.groundTruth, matchIou);
    groundTruth += image.groundTruth.length;
    positives += kept.length;
    tp += match.truePositives;
    predictedCounts.push(kept.length);
    trueCounts.push(image.groundTruth.length);
  }
  const fp = positives - tp;
  const fn = groundTruth - tp;
  return {
    images: images.length,
    groundTruth,
    positives,
    truePositives: tp,
    falsePositives: fp,
    truePositiveRate: tp / groundTruth,
    falsePositiveRate: fp / groundTruth,
    precision: tp / positives,
    f1: (2 * tp) / (2 * tp + fp + fn),
    countRmse: countRmse(predictedCounts, trueCounts),
    countMae: countMae(predictedCounts, trueCounts),
  };
}

export interface DetectionReport {
  all: DetectionMetrics;
  /** The same metrics on images with a ground-truth pair of IoU > `heavyOverlapIou`. */
  heavyOverlap: DetectionMetrics;
}

export function evaluateDetections(images: readonly ImageDetections[], options: MetricOptions = {}): DetectionReport {
  const { heavyOverlapIou } = { ...defaultMetricOptions, ...options };
  return {
    all: summariseDetections(images, options),
    heavyOverlap: summariseDetections(
      images.filter((im) => hasHeavyOverlap(im.groundTruth, heavyOverlapIou)),
      options,
    ),
  };
}
