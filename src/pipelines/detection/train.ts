/**
 * Training glue: SIMCEP batches as tensors, and one optimiser step under any assignment kind.
 * The assignment is recomputed every step from the current predictions and held fixed for the
 * gradient (losses.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/rng/rng';
import type { Assignment, AssignmentKind, AssignmentOptions } from './assignment';
import { isGpuAssignmentKind } from './gpu/assignGpu';
import { assignBatchFromTensors } from './gpu/assignTensors';
import { tfjsWebGpuDevice } from './gpu/tfjsDevice';
import { toCenterBox, type Box, type CenterBox } from './boxes';
import { assignBatch, assignmentLoss, detectionLoss, splitPredictions, type LossTerms } from './losses';
import { detectorForward, type DetectorConfig, type DetectorWeights } from './model';
import { generateCellImage, type SimcepParams } from './simcep';

export interface SimcepBatch {
  width: number;
  height: number;
  /** N images back to back, row-major gray in [0, 1]. */
  pixels: Float32Array;
  /** Pixel boxes per image (for metrics). */
  boxes: Box[][];
  /** The same boxes as normalised (cx, cy, w, h) (for the losses). */
  groundTruth: CenterBox[][];
}

/** `size` generated images; image i draws from rng.fork(firstIndex + i), so batches are replayable. */
export function simcepBatch(params: SimcepParams, rng: Rng, size: number, firstIndex = 0): SimcepBatch {
  const { width, height } = params;
  const pixels = new Float32Array(size * width * height);
  const boxes: Box[][] = [];
  for (let i = 0; i < size; i++) {
    const sample = generateCellImage(params, rng.fork(firstIndex + i));
    pixels.set(sample.image, i * width * height);
    boxes.push(sample.boxes);
  }
  return { width, height, pixels, boxes, groundTruth: boxes.map((bs) => bs.map((b) => toCenterBox(b, width, height))) };
}

export function batchImages(batch: SimcepBatch): tf.Tensor4D {
  return tf.tensor4d(batch.pixels, [batch.pixels.length / (batch.width * batch.height), batch.height, batch.width, 1]);
}

export interface TrainStepOptions extends AssignmentOptions {
  kind: AssignmentKind;
  /**
   * 'sync' reads predictions back inside the gradient tape (one forward pass; best on CPU/WASM).
   * 'async' reads them with data() from a separate forward pass, then differentiates a second
   * pass under that assignment (no blocking GPU read-back; for WebGPU/WebGL). Default: by backend.
   */
  readback?: 'sync' | 'async';
  /** With 'async' on tfjs's WebGPU backend: assign with the WGSL kernel (default) or read back and assign in TypeScript (false). */
  assignOnGpu?: boolean;
}

export interface TrainStepResult {
  loss: number;
  confidence: number;
  regression: number;
}

/** One optimiser step; returns the loss terms before the update. Leaves no tensors behind. */
export async function trainStep(
  weights: DetectorWeights,
  config: DetectorConfig,
  optimizer: tf.Optimizer,
  images: tf.Tensor4D,
  groundTruth: readonly (readonly CenterBox[])[],
  options: TrainStepOptions,
): Promise<TrainStepResult> {
  const readback = options.readback ?? (['cpu', 'wasm', 'tensorflow'].includes(tf.getBackend()) ? 'sync' : 'async');
  let build: (boxes: tf.Tensor3D, confidences: tf.Tensor2D) => LossTerms;
  if (readback === 'sync') {
    build = (boxes, confidences) => detectionLoss(options.kind, boxes, confidences, groundTruth, options);
  } else {
    const first = detectorForward(weights, images, config);
    let assignments: Assignment[];
    try {
      if (options.assignOnGpu !== false && tfjsWebGpuDevice() && isGpuAssignmentKind(options.kind)) {
        // The WGSL assignment kernel (gpu/assignGpu.ts) reads the predictions where they are and
        // returns only the detector indices and the confidence targets.
        assignments = await assignBatchFromTensors(options.kind, first.boxes, first.confidences, groundTruth, options);
      } else {
        const [b, c] = await Promise.all([first.boxes.data(), first.confidences.data()]);
        assignments = assignBatch(options.kind, splitPredictions(b as Float32Array, c as Float32Array, images.shape[0]), groundTruth, options);
      }
    } finally {
      tf.dispose([first.boxes, first.confidences]);
    }
    build = (boxes, confidences) => assignmentLoss(boxes, confidences, groundTruth, assignments, options.scale);
  }
  let terms: tf.Scalar[] = [];
  const loss = optimizer.minimize(
    () => {
      const out = detectorForward(weights, images, config);
      const t = build(out.boxes, out.confidences);
      terms = [tf.keep(t.confidence), tf.keep(t.regression)];
      return t.loss;
    },
    true,
    Object.values(weights),
  );
  if (!loss) throw new Error('trainStep: optimizer returned no loss');
  const [total, confidence, regression] = await Promise.all([loss, ...terms].map(async (t) => (await t.data())[0]));
  tf.dispose([loss, ...terms]);
  return { loss: total, confidence, regression };
}
