/**
 * Detection losses of chapter 3 as tf ops over a fixed assignment. The assignment (assignment.ts)
 * is computed in plain TypeScript from the current predictions and enters here only as constant
 * index and target tensors, so the arg max of Eq 3.3 passes no gradient.
 */
import * as tf from '@tensorflow/tfjs';
import { assignDetectors, type Assignment, type AssignmentKind, type AssignmentOptions, type DetectorPredictions, type DistanceScale } from './assignment';
import type { CenterBox } from './boxes';

export interface LossTerms {
  /** confidence + regression, averaged over the batch. */
  loss: tf.Scalar;
  /** (1/N) Σ_i (C_i − C*_i)², averaged over the batch. */
  confidence: tf.Scalar;
  /** (1/P) Σ_pairs D, averaged over the batch; P = M for the responsibility loss (Eq 3.4). */
  regression: tf.Scalar;
}

/**
 * Eq 3.4 for a batch under fixed assignments:
 *   L = (1/N) Σ_i (C_i − C*_i)² + (1/P) Σ_{(i,j) ∈ pairs} D_ij,
 * with D from Eq 3.2, per image, then averaged over images. An image without ground truth
 * contributes only its confidence term (all targets 0).
 *
 * boxes [B, N, 4] normalised (cx, cy, w, h); confidences [B, N].
 */
export function assignmentLoss(
  boxes: tf.Tensor3D,
  confidences: tf.Tensor2D,
  groundTruth: readonly (readonly CenterBox[])[],
  assignments: readonly Assignment[],
  scale: DistanceScale,
): LossTerms {
  const [batch, detectors] = confidences.shape;
  if (assignments.length !== batch || groundTruth.length !== batch) throw new Error('assignmentLoss: one assignment and one ground-truth list per image');
  const targets = new Float32Array(batch * detectors);
  const pairIndex: number[] = [];
  const pairTargets: number[] = [];
  const pairWeights: number[] = [];
  assignments.forEach((a, n) => {
    targets.set(a.targetConfidence, n * detectors);
    a.detectors.forEach((i, p) => {
      const g = groundTruth[n][a.groundTruth[p]];
      pairIndex.push(n * detectors + i);
      pairTargets.push(g.cx, g.cy, g.w, g.h);
      pairWeights.push(1 / (a.detectors.length * batch));
    });
  });
  return tf.tidy(() => {
    const confidence = tf.mean(tf.squaredDifference(confidences, tf.tensor2d(targets, [batch, detectors]))) as tf.Scalar;
    let regression: tf.Scalar = tf.scalar(0);
    if (pairIndex.length > 0) {
      const predicted = tf.gather(tf.reshape(boxes, [batch * detectors, 4]), tf.tensor1d(pairIndex, 'int32'));
      const inverseScale = tf.tensor1d([1, 1, 1 / scale.meanBoxWidth, 1 / scale.meanBoxHeight]);
      const delta = tf.mul(tf.sub(predicted, tf.tensor2d(pairTargets, [pairIndex.length, 4])), inverseScale);
      const distance = tf.sum(tf.square(delta), 1); // D_ij, Eq 3.2
      regression = tf.sum(tf.mul(distance, tf.tensor1d(pairWeights)));
    }
    return { loss: tf.add(confidence, regression) as tf.Scalar, confidence, regression };
  });
}

/** Splits batch prediction arrays ([B·N·4] boxes, [B·N] confidences) into per-image views. */
export function splitPredictions(boxes: Float32Array, confidences: Float32Array, batch: number): DetectorPredictions[] {
  const k = confidences.length / batch;
  return Array.from({ length: batch }, (_, n) => ({
    boxes: boxes.subarray(n * k * 4, (n + 1) * k * 4),
    confidences: confidences.subarray(n * k, (n + 1) * k),
  }));
}

/** Per-image assignments of the given kind. */
export function assignBatch(
  kind: AssignmentKind,
  predictions: readonly DetectorPredictions[],
  groundTruth: readonly (readonly CenterBox[])[],
  options: AssignmentOptions,
): Assignment[] {
  return predictions.map((p, n) => assignDetectors(kind, p, groundTruth[n], options));
}

/**
 * The whole loss in one synchronous call: reads the predictions back (dataSync), assigns, and
 * builds the loss. Suited to the CPU and WASM backends, where reading back is free; on WebGPU
 * prefer reading asynchronously and calling assignBatch + assignmentLoss (see train.ts).
 *
 * kind 'responsibility' is the thesis loss (Eq 3.1–3.4); 'inverse-distance' its R = 1/D
 * ablation; 'max-iou' the standard over-detecting assignment; 'one-to-one' Hungarian matching.
 */
export function detectionLoss(
  kind: AssignmentKind,
  boxes: tf.Tensor3D,
  confidences: tf.Tensor2D,
  groundTruth: readonly (readonly CenterBox[])[],
  options: AssignmentOptions,
): LossTerms & { assignments: Assignment[] } {
  const predictions = splitPredictions(boxes.dataSync() as Float32Array, confidences.dataSync() as Float32Array, confidences.shape[0]);
  const assignments = assignBatch(kind, predictions, groundTruth, options);
  return { ...assignmentLoss(boxes, confidences, groundTruth, assignments, options.scale), assignments };
}

/** The thesis loss, Eq 3.1–3.4. */
export function responsibilityLoss(
  boxes: tf.Tensor3D,
  confidences: tf.Tensor2D,
  groundTruth: readonly (readonly CenterBox[])[],
  options: AssignmentOptions,
): LossTerms & { assignments: Assignment[] } {
  return detectionLoss('responsibility', boxes, confidences, groundTruth, options);
}
