/**
 * Fine-tune a detector checkpoint on a real annotated folder (COCO / box-list JSON such as the
 * DSB2018 set, or DSB2018 per-object mask folders), in a job worker: seeded split by image, random
 * crops for training, whole-image validation with Table 3.2 metrics, checkpoints in IndexedDB at
 * every evaluation. Count-only images (`_C<n>_`) cannot supervise boxes and are reported.
 */
import type { JobHandler } from '../../core/jobs/protocol';
import { loadDetectorCheckpoint } from './checkpoint';
import type { AssignmentKind } from './assignment';
import { PRESETS, type TrainingPreset } from './presets';
import { decodeWithCanvas } from '../../core/data/decode';
import { loadAnnotatedFolder, noAnnotatedImagesError, type FolderFile, type FolderProblem } from './realImages';
import { prepareRealSplit, realTrainingData } from './realTraining';
import { trainWithCheckpoints, type DetectionTrainProgress } from './trainJob';

export interface DetectionFinetuneParams {
  files: FolderFile[];
  /** Name shown for the folder (recorded with the checkpoint). */
  folderName: string;
  checkpoint: Uint8Array;
  checkpointName: string;
  /** Default: the checkpoint's loss. */
  loss?: AssignmentKind;
  cropSize: number;
  /** Resize factor applied to every image first, to bring objects to the trained size. */
  scale: number;
  valFraction: number;
  epochs: number;
  maxSteps?: number;
  batchSize: number;
  learningRate: number;
  evalEvery?: number;
  /** Use at most this many annotated images (sorted path order). */
  limit?: number;
}

export interface DetectionFinetuneResult extends DetectionTrainProgress {
  trainImages: number;
  validationImages: number;
  problems: FolderProblem[];
}

/** Preset whose network matches the checkpoint (batch size etc. come from the job's params). */
function presetFor(name: string, detector: TrainingPreset['detector']): TrainingPreset {
  const base = PRESETS[name as TrainingPreset['name']] ?? PRESETS.small;
  return { ...base, detector };
}

export const detectionFinetuneJob: JobHandler<DetectionFinetuneParams, DetectionFinetuneResult> = async (params, ctx) => {
  ctx.progress(0, 1, 'reading and decoding the folder');
  const folder = await loadAnnotatedFolder(params.files, decodeWithCanvas, {
    limit: params.limit,
    onProgress: (done, total) => ctx.progress(done, total, `decoding ${done}/${total}`),
  });
  if (folder.samples.length === 0) throw noAnnotatedImagesError(folder, 'COCO/box-list JSON or <id>/images + <id>/masks folders');
  const split = prepareRealSplit(folder.samples, { valFraction: params.valFraction, seed: ctx.seed, scale: params.scale });
  const problems = [...folder.problems, ...split.skipped.map((path) => ({ path, message: 'count only (no boxes): not used for fine-tuning' }))];
  if (split.val.length === 0) throw new Error('Fine-tuning needs at least 2 annotated images (one for validation)');
  const data = realTrainingData(split.train, split.val, { cropSize: params.cropSize });
  const { weights, info } = loadDetectorCheckpoint(params.checkpoint);
  const loss = params.loss ?? info.loss;
  // trainDetector owns the weights from here (it disposes them on cancel or failure).
  const result = await trainWithCheckpoints(ctx, {
    options: {
      preset: presetFor(info.preset, info.detector),
      loss,
      seed: ctx.seed,
      data,
      epochs: params.epochs,
      maxSteps: params.maxSteps,
      batchSize: params.batchSize,
      learningRate: params.learningRate,
      evalEvery: params.evalEvery,
      initialWeights: weights,
    },
    checkpointId: `detection-finetune-${loss}-${ctx.seed}`,
    checkpointName: (step) => `${params.checkpointName} fine-tuned on ${params.folderName}, seed ${ctx.seed}, step ${step}`,
    extra: {
      folder: params.folderName,
      from: params.checkpointName,
      trainImages: split.train.length,
      validationImages: split.val.length,
      cropSize: params.cropSize,
      scale: params.scale,
    },
  });
  return { ...result, trainImages: split.train.length, validationImages: split.val.length, problems };
};
