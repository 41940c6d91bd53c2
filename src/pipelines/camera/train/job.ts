/**
 * The camera-bias experiment job (kind 'camera-experiment'): runs one preset of experiments.ts in
 * a worker with the browser's canvas decoder for dataset files. Progress (fraction, throughput and
 * ETA through ctx.progress), partial results after every epoch and run, cancellation between
 * batches, and a clear error when the data has one camera or one class. Every run's trained model
 * is saved to the project's checkpoints (pipeline 'camera'), exportable as a zip from the list.
 */
import * as tf from '@tensorflow/tfjs';
import type { JobHandler } from '../../../core/jobs/protocol';
import { decodeWithCanvas } from '../../../core/data/decode';
import { exportWeightsToZip } from '../../../core/export/modelZip';
import { openWorkbenchDb, putCheckpoint } from '../../../core/storage/db';
import { runCameraExperiment, type CameraCheckpoint, type CameraExperimentParams, type CameraExperimentResult } from './experiments';
import type { WeightsSnapshot } from './models';

export const CAMERA_EXPERIMENT_JOB_KIND = 'camera-experiment';

/** Named tensors of a snapshot: `trainable/0…`, then `nonTrainable/0…` (the classifier's variable order). */
export function snapshotTensors(w: WeightsSnapshot): tf.NamedTensorMap {
  const out: tf.NamedTensorMap = {};
  w.trainable.forEach((t, i) => (out[`trainable/${i}`] = tf.tensor(t.data, t.shape)));
  w.nonTrainable.forEach((t, i) => (out[`nonTrainable/${i}`] = tf.tensor(t.data, t.shape)));
  return out;
}

/** The zip of a camera checkpoint (core/export/modelZip weights format; config = the checkpoint's meta). */
export async function cameraCheckpointZip(c: CameraCheckpoint): Promise<Uint8Array> {
  const tensors = snapshotTensors(c.weights);
  try {
    return await exportWeightsToZip(tensors, c.meta, { metadata: { pipeline: 'camera', ...c.meta } });
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

export const cameraExperimentJob: JobHandler<CameraExperimentParams, CameraExperimentResult> = async (params, ctx) => {
  const db = await openWorkbenchDb();
  const stamp = `${Date.now().toString(36)}-${ctx.seed}`;
  return runCameraExperiment(params, ctx, {
    decode: decodeWithCanvas,
    saveCheckpoint: async (c) => {
      const zip = await cameraCheckpointZip(c);
      await putCheckpoint(db, {
        id: `camera-${stamp}-${c.key}`,
        name: `Camera: ${c.name}`,
        pipeline: 'camera',
        createdAt: Date.now(),
        zip: new Blob([zip as Uint8Array<ArrayBuffer>], { type: 'application/zip' }),
        meta: { ...c.meta, model: JSON.stringify(c.meta.model), labels: c.meta.labels.join(', ') },
      });
    },
  });
};
