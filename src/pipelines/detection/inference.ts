/**
 * Inference and evaluation: run the detector, turn its output into pixel boxes, optionally apply
 * NMS (only the max-IoU baseline needs it), and score against ground truth (Table 3.2).
 */
import * as tf from '@tensorflow/tfjs';
import { inferenceNmsIou, type AssignmentKind, type DetectorPredictions } from './assignment';
import { decodeDetections, type Box, type Detections } from './boxes';
import { splitPredictions } from './losses';
import { evaluateDetections, type DetectionReport, type MetricOptions } from './metrics';
import { detectorForward, type DetectorConfig, type DetectorWeights } from './model';
import { nonMaxSuppression } from './nms';

/** Per-image raw predictions (normalised centre boxes and confidences), read asynchronously. */
export async function predict(weights: DetectorWeights, config: DetectorConfig, images: tf.Tensor4D): Promise<DetectorPredictions[]> {
  const out = detectorForward(weights, images, config);
  const [boxes, confidences] = await Promise.all([out.boxes.data(), out.confidences.data()]);
  tf.dispose([out.boxes, out.confidences]);
  return splitPredictions(boxes as Float32Array, confidences as Float32Array, images.shape[0]);
}

/** Pixel detections for one image; with `nmsIou` set, greedy NMS at that IoU is applied. */
export function toDetections(prediction: DetectorPredictions, width: number, height: number, nmsIou: number | null = null): Detections {
  const all = decodeDetections(prediction.boxes, prediction.confidences, width, height);
  if (nmsIou === null) return all;
  const kept = nonMaxSuppression(all.boxes, all.scores, { iouThreshold: nmsIou });
  return { boxes: kept.map((i) => all.boxes[i]), scores: kept.map((i) => all.scores[i]) };
}

/** Table 3.2 metrics for a model trained with `kind`, using that kind's inference post-processing. */
export async function evaluateDetector(
  weights: DetectorWeights,
  config: DetectorConfig,
  images: tf.Tensor4D,
  groundTruth: readonly (readonly Box[])[],
  kind: AssignmentKind,
  options: MetricOptions = {},
): Promise<DetectionReport> {
  const [, height, width] = images.shape;
  const predictions = await predict(weights, config, images);
  return evaluateDetections(
    predictions.map((p, n) => ({ ...toDetections(p, width, height, inferenceNmsIou[kind]), groundTruth: groundTruth[n] })),
    options,
  );
}
