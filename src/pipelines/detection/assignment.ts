/**
 * Which detector answers for which ground-truth box: the training-time assignments compared in
 * chapter 3. Pure TypeScript on plain arrays read out of the prediction tensors; the loss
 * (losses.ts) then holds the assignment fixed, so no gradient flows through the arg max.
 */
import { centerBoxAt, centerIou, type CenterBox } from './boxes';
import { hungarian } from './hungarian';

export type AssignmentKind =
  /** Eq 3.1–3.3: R_ij = C_i / D_ij, each ground truth picks arg max_i R_ij. */
  | 'responsibility'
  /** The §3.3.1 ablation R_ij = 1 / D_ij (confidence plays no part). */
  | 'inverse-distance'
  /** YOLO / Faster R-CNN style: each ground truth takes its max-IoU box, plus every box with IoU ≥ positiveIou. Needs NMS at inference. */
  | 'max-iou'
  /** DETR / OneNet style one-to-one Hungarian matching on cost λ_D·D_ij + λ_C·(1 − C_i). */
  | 'one-to-one';

export const assignmentKinds: readonly AssignmentKind[] = ['responsibility', 'inverse-distance', 'max-iou', 'one-to-one'];

/** The inference post-processing each assignment is meant to be paired with. */
export const inferenceNmsIou: Record<AssignmentKind, number | null> = {
  responsibility: null,
  'inverse-distance': null,
  'max-iou': 0.7,
  'one-to-one': null,
};

/** One image's network output: flat [K*4] normalised (cx, cy, w, h) and [K] confidences. */
export interface DetectorPredictions {
  boxes: ArrayLike<number>;
  confidences: ArrayLike<number>;
}

/** Eq 3.2 normalisation: x, y are already image-normalised; w, h are divided by the mean box size. */
export interface DistanceScale {
  /** Mean ground-truth box width as a fraction of the image width. */
  meanBoxWidth: number;
  /** Mean ground-truth box height as a fraction of the image height. */
  meanBoxHeight: number;
}

/** Distance scale for a mean box size given in pixels. */
export function distanceScaleForPixels(meanBoxPx: number, width: number, height: number): DistanceScale {
  return { meanBoxWidth: meanBoxPx / width, meanBoxHeight: meanBoxPx / height };
}

export interface Assignment {
  /** Detector index of each regression pair. */
  detectors: Int32Array;
  /** Ground-truth index of each regression pair (same length as `detectors`). */
  groundTruth: Int32Array;
  /** C*_i: 1 for a detector in some pair, else 0 (Eq 3.4). */
  targetConfidence: Float32Array;
}

export interface AssignmentOptions {
  scale: DistanceScale;
  /** Added to D_ij in R_ij = C_i / (D_ij + ε) so an exact hit stays finite (default 1e-9). */
  epsilon?: number;
  /** 'max-iou': every box with IoU ≥ this with some ground truth is also positive (default 0.7). */
  positiveIou?: number;
  /** 'one-to-one': weight of D_ij in the matching cost (default 1). */
  distanceWeight?: number;
  /** 'one-to-one': weight of (1 − C_i) in the matching cost (default 1). */
  confidenceWeight?: number;
}

/** D_ij of Eq 3.2 between a predicted and a ground-truth normalised centre box. */
export function boxDistance(p: CenterBox, g: CenterBox, scale: DistanceScale): number {
  const dw = (p.w - g.w) / scale.meanBoxWidth;
  const dh = (p.h - g.h) / scale.meanBoxHeight;
  return (p.cx - g.cx) ** 2 + (p.cy - g.cy) ** 2 + dw * dw + dh * dh;
}

export function assignDetectors(
  kind: AssignmentKind,
  predictions: DetectorPredictions,
  groundTruth: readonly CenterBox[],
  options: AssignmentOptions,
): Assignment {
  switch (kind) {
    case 'responsibility':
      return assignByResponsibility(predictions, groundTruth, options, true);
    case 'inverse-distance':
      return assignByResponsibility(predictions, groundTruth, options, false);
    case 'max-iou':
      return assignByMaxIou(predictions, groundTruth, options);
    case 'one-to-one':
      return assignOneToOne(predictions, groundTruth, options);
  }
}

/**
 * Eq 3.1–3.3: each ground-truth box j selects R*_j = arg max_i C_i / D_ij (or 1 / D_ij for the
 * ablation). Several ground truths may select the same detector. Ties go to the lower index.
 */
export function assignByResponsibility(
  predictions: DetectorPredictions,
  groundTruth: readonly CenterBox[],
  options: AssignmentOptions,
  useConfidence = true,
): Assignment {
  const eps = options.epsilon ?? 1e-9;
  const k = predictions.confidences.length;
  const chosen = groundTruth.map((gt) => {
    let best = 0;
    let bestR = -Infinity;
    for (let i = 0; i < k; i++) {
      const numerator = useConfidence ? predictions.confidences[i] : 1;
      const r = numerator / (boxDistance(centerBoxAt(predictions.boxes, i), gt, options.scale) + eps);
      if (r > bestR) {
        bestR = r;
        best = i;
      }
    }
    return best;
  });
  return fromPairs(k, chosen, groundTruth.map((_, j) => j));
}

/**
 * Max-IoU assignment: each ground truth takes the box overlapping it most (falling back to the
 * nearest by Eq 3.2 when no box overlaps it), and any other box with IoU ≥ `positiveIou` with a
 * ground truth is also trained towards that ground truth. Over-detects by design.
 */
export function assignByMaxIou(
  predictions: DetectorPredictions,
  groundTruth: readonly CenterBox[],
  options: AssignmentOptions,
): Assignment {
  const positiveIou = options.positiveIou ?? 0.7;
  const k = predictions.confidences.length;
  const m = groundTruth.length;
  const overlap = new Float64Array(k * m);
  for (let i = 0; i < k; i++) {
    const p = centerBoxAt(predictions.boxes, i);
    for (let j = 0; j < m; j++) overlap[i * m + j] = centerIou(p, groundTruth[j]);
  }
  const detectors: number[] = [];
  const gts: number[] = [];
  const taken = new Uint8Array(k);
  for (let j = 0; j < m; j++) {
    let best = 0;
    let bestIou = 0;
    let bestD = Infinity;
    for (let i = 0; i < k; i++) {
      const v = overlap[i * m + j];
      if (v > bestIou) {
        bestIou = v;
        best = i;
      } else if (bestIou === 0) {
        const d = boxDistance(centerBoxAt(predictions.boxes, i), groundTruth[j], options.scale);
        if (d < bestD) {
          bestD = d;
          best = i;
        }
      }
    }
    detectors.push(best);
    gts.push(j);
    taken[best] = 1;
  }
  for (let i = 0; i < k; i++) {
    if (taken[i]) continue;
    let bestJ = -1;
    let bestIou = positiveIou;
    for (let j = 0; j < m; j++) {
      if (overlap[i * m + j] >= bestIou) {
        bestIou = overlap[i * m + j];
        bestJ = j;
      }
    }
    if (bestJ >= 0) {
      detectors.push(i);
      gts.push(bestJ);
    }
  }
  return fromPairs(k, detectors, gts);
}

/** One-to-one Hungarian matching (DETR / OneNet): at most one detector per ground truth and vice versa. */
export function assignOneToOne(
  predictions: DetectorPredictions,
  groundTruth: readonly CenterBox[],
  options: AssignmentOptions,
): Assignment {
  const wd = options.distanceWeight ?? 1;
  const wc = options.confidenceWeight ?? 1;
  const k = predictions.confidences.length;
  // Rows = ground truth, columns = detectors, so rows ≤ columns whenever N > M (Eq 3.4).
  const cost = groundTruth.map((gt) => {
    const row = new Array<number>(k);
    for (let i = 0; i < k; i++) {
      row[i] = wd * boxDistance(centerBoxAt(predictions.boxes, i), gt, options.scale) + wc * (1 - predictions.confidences[i]);
    }
    return row;
  });
  const { rowToCol } = hungarian(cost);
  const detectors: number[] = [];
  const gts: number[] = [];
  rowToCol.forEach((i, j) => {
    if (i >= 0) {
      detectors.push(i);
      gts.push(j);
    }
  });
  return fromPairs(k, detectors, gts);
}

function fromPairs(k: number, detectors: readonly number[], groundTruth: readonly number[]): Assignment {
  const targetConfidence = new Float32Array(k);
  for (const i of detectors) targetConfidence[i] = 1;
  return { detectors: Int32Array.from(detectors), groundTruth: Int32Array.from(groundTruth), targetConfidence };
}
