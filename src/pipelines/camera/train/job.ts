/**
 * The camera-bias experiment job (kind 'camera-experiment'): runs one preset of experiments.ts in
 * a worker with the browser's canvas decoder for dataset files. Progress (fraction, throughput and
 * ETA through ctx.progress), partial results after every epoch and run, cancellation between
 * batches, and a clear error when the data has one camera or one class.
 */
import type { JobHandler } from '../../../core/jobs/protocol';
import { decodeWithCanvas } from '../../../core/data/decode';
import { runCameraExperiment, type CameraExperimentParams, type CameraExperimentResult } from './experiments';

export const CAMERA_EXPERIMENT_JOB_KIND = 'camera-experiment';

export const cameraExperimentJob: JobHandler<CameraExperimentParams, CameraExperimentResult> = (params, ctx) =>
  runCameraExperiment(params, ctx, { decode: decodeWithCanvas });
