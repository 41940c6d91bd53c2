/**
 * Detector checkpoints: the named weight tensors plus everything needed to reuse and reproduce
 * them (detector config, training preset, loss, seed, step, metrics), as a tfjs-format zip
 * (model.json + weights.bin).
 */
import * as tf from '@tensorflow/tfjs';
import { exportWeightsToZip, importWeightsFromZip } from '../../core/export/modelZip';
import type { AssignmentKind } from './assignment';
import { detectorWeightsFrom, type DetectorConfig, type DetectorWeights } from './model';

export interface DetectorCheckpointInfo {
  pipeline: 'detection';
  detector: DetectorConfig;
  preset: string;
  loss: AssignmentKind;
  seed: number;
  step: number;
  /** Validation metrics at save time (Table 3.2 style), when known. */
  metrics?: Record<string, number>;
  /** For fine-tuned checkpoints: the real image set and the checkpoint it started from. */
  trainedOn?: Record<string, string | number>;
  createdAt: string;
}

export async function saveDetectorCheckpoint(weights: DetectorWeights, info: DetectorCheckpointInfo): Promise<Uint8Array> {
  return exportWeightsToZip(weights as unknown as tf.NamedTensorMap, info, { metadata: { pipeline: 'detection' } });
}

/** The caller owns the returned variables (dispose with disposeDetectorWeights). */
export function loadDetectorCheckpoint(bytes: Uint8Array): { weights: DetectorWeights; info: DetectorCheckpointInfo } {
  const { config, weights } = importWeightsFromZip<DetectorCheckpointInfo>(bytes);
  if (!config || config.pipeline !== 'detection' || !config.detector) {
    tf.dispose(Object.values(weights));
    throw new Error('This checkpoint is not a detection model (its model.json config has no detector section)');
  }
  try {
    const vars = detectorWeightsFrom(weights, config.detector);
    return { weights: vars, info: config };
  } finally {
    tf.dispose(Object.values(weights));
  }
}
