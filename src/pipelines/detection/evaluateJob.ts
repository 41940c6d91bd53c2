/**
 * Evaluate a detector checkpoint on a real annotated folder (COCO / box-list JSON such as the
 * DSB2018 set, per-object mask folders, or `_C<n>_` counts in file names), in a job worker.
 * Images are padded right/bottom to multiples of 32, so boxes keep their coordinates.
 */
import * as tf from '@tensorflow/tfjs';
import type { JobContext, JobHandler } from '../../core/jobs/protocol';
import { inferenceNmsIou } from './assignment';
import { loadDetectorCheckpoint } from './checkpoint';
import { predict, toDetections } from './inference';
import { countMae, countRmse, evaluateDetections, type DetectionReport, type ImageDetections } from './metrics';
import { disposeDetectorWeights } from './model';
import { decodeWithCanvas, type DecodeFn } from '../../core/data/decode';
import { loadAnnotatedFolder, noAnnotatedImagesError, padToMultipleOf32, type FolderFile, type FolderProblem } from './realImages';

export interface DetectionEvaluateParams {
  files: FolderFile[];
  checkpoint: Uint8Array;
  checkpointName: string;
  limit?: number;
  threshold?: number;
}

export interface PerImageCount {
  path: string;
  truth: number;
  predicted: number;
}

export interface DetectionEvaluateResult {
  checkpointName: string;
  images: number;
  /** Table 3.2 metrics over images with boxes (null when the folder has only counts). */
  report: DetectionReport | null;
  /** Count errors over every image with a known count (boxes or `_C<n>_`). */
  countRmse: number;
  countMae: number;
  counts: PerImageCount[];
  problems: FolderProblem[];
}

/** The evaluation with an injected image decoder (the job passes the canvas decoder, the CLI Node's). */
export async function evaluateCheckpointOnFolder(params: DetectionEvaluateParams, ctx: JobContext, decode: DecodeFn): Promise<DetectionEvaluateResult> {
  const threshold = params.threshold ?? 0.5;
  ctx.progress(0, 1, 'reading and decoding the folder');
  const folder = await loadAnnotatedFolder(params.files, decode, {
    limit: params.limit,
    onProgress: (done, total) => ctx.progress(done, total * 2, 'decoding'),
  });
  if (folder.samples.length === 0) throw noAnnotatedImagesError(folder, 'COCO/box-list JSON, <id>/images + <id>/masks folders, or _C<n>_ in file names');
  const { weights, info } = loadDetectorCheckpoint(params.checkpoint);
  const nmsIou = inferenceNmsIou[info.loss];
  const withBoxes: ImageDetections[] = [];
  const counts: PerImageCount[] = [];
  const total = folder.samples.length;
  try {
    for (let i = 0; i < total; i++) {
      const s = folder.samples[i];
      const padded = padToMultipleOf32(s.image, s.width, s.height);
      const x = tf.tensor4d(padded.image, [1, padded.height, padded.width, 1]);
      const [p] = await predict(weights, info.detector, x);
      x.dispose();
      const det = toDetections(p, padded.width, padded.height, nmsIou);
      const predicted = det.scores.filter((v) => v >= threshold).length;
      if (s.count !== null) counts.push({ path: s.path, truth: s.count, predicted });
      if (s.boxes) withBoxes.push({ ...det, groundTruth: s.boxes });
      ctx.progress(total + i + 1, total * 2, s.path);
      if (i % 10 === 0) ctx.partial({ done: i + 1, total });
      await ctx.checkpoint();
    }
  } finally {
    disposeDetectorWeights(weights);
  }
  return {
    checkpointName: params.checkpointName,
    images: total,
    report: withBoxes.length > 0 ? evaluateDetections(withBoxes, { scoreThreshold: threshold }) : null,
    countRmse: countRmse(counts.map((c) => c.predicted), counts.map((c) => c.truth)),
    countMae: countMae(counts.map((c) => c.predicted), counts.map((c) => c.truth)),
    counts,
    problems: folder.problems,
  };
}

export const detectionEvaluateJob: JobHandler<DetectionEvaluateParams, DetectionEvaluateResult> = (params, ctx) => evaluateCheckpointOnFolder(params, ctx, decodeWithCanvas);
