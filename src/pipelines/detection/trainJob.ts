/**
 * The in-browser training job (runs in a job worker, on WebGPU when available): trains a detector
 * preset with the chosen loss, streams the loss curve and per-evaluation Table 3.2 metrics as
 * partial results, and saves a checkpoint to IndexedDB at every evaluation, so cancel, a crash or
 * a reload keeps the last one.
 */
import type { JobContext, JobHandler } from '../../core/jobs/protocol';
import { openWorkbenchDb, putCheckpoint, getCheckpoint } from '../../core/storage/db';
import type { AssignmentKind } from './assignment';
import { saveDetectorCheckpoint, loadDetectorCheckpoint } from './checkpoint';
import type { DetectionMetrics } from './metrics';
import { PRESETS, type TrainingPreset } from './presets';
import { trainDetector, type TrainOptions } from './trainLoop';
import { disposeDetectorWeights } from './model';
import { trainCheckpointId } from './resume';

export interface DetectionTrainParams {
  preset: TrainingPreset['name'];
  loss: AssignmentKind;
  epochs?: number;
  maxSteps?: number;
  batchSize?: number;
  learningRate?: number;
  trainImages?: number;
  valImages?: number;
  evalEvery?: number;
  /**
   * Continue from a checkpoint saved in IndexedDB, at the step it was saved at (the run's schedule,
   * epochs and max steps, stays that of the original run).
   */
  resumeFrom?: string;
}

export interface CurvePoint {
  step: number;
  loss: number;
  confidence: number;
  regression: number;
}

export interface EvalPoint {
  step: number;
  epoch: number;
  all: DetectionMetrics;
  heavyOverlap: DetectionMetrics;
}

export interface DetectionTrainProgress {
  curve: CurvePoint[];
  evals: EvalPoint[];
  checkpointId: string | null;
  totalSteps: number;
  /** Set when the run resumed from a checkpoint: the step it was saved at. */
  resumedFromStep?: number;
}

export const detectionTrainJob: JobHandler<DetectionTrainParams, DetectionTrainProgress> = async (params, ctx) => {
  const preset = PRESETS[params.preset];
  if (!preset) throw new Error(`Unknown preset '${params.preset}'`);
  const db = await openWorkbenchDb();
  let initialWeights;
  let startStep: number | undefined;
  if (params.resumeFrom) {
    const rec = await getCheckpoint(db, params.resumeFrom);
    if (!rec) throw new Error(`Checkpoint '${params.resumeFrom}' is not in this project`);
    const loaded = loadDetectorCheckpoint(new Uint8Array(await rec.zip.arrayBuffer()));
    if (loaded.info.detector.name !== preset.detector.name) {
      disposeDetectorWeights(loaded.weights);
      throw new Error(`Checkpoint '${rec.name}' is a '${loaded.info.detector.name}' detector, not '${preset.detector.name}'`);
    }
    initialWeights = loaded.weights;
    startStep = loaded.info.step;
    ctx.log(`Resuming from checkpoint '${rec.name}' at step ${startStep}`);
  }
  return trainWithCheckpoints(ctx, {
    options: {
      preset, loss: params.loss, seed: ctx.seed, epochs: params.epochs, maxSteps: params.maxSteps, batchSize: params.batchSize,
      learningRate: params.learningRate, trainImages: params.trainImages, valImages: params.valImages, evalEvery: params.evalEvery,
      initialWeights, startStep,
    },
    checkpointId: trainCheckpointId(params, ctx.seed),
    checkpointName: (step) => `Detector ${preset.name}, ${params.loss}, seed ${ctx.seed}, step ${step}`,
  });
};

export interface CheckpointedTraining {
  options: TrainOptions;
  /** IndexedDB id of the checkpoint, overwritten at every evaluation. */
  checkpointId: string;
  checkpointName: (step: number) => string;
  /** Extra fields recorded in the checkpoint's metrics and listing (e.g. the fine-tuning folder). */
  extra?: Record<string, string | number>;
}

/**
 * Run `trainDetector` inside a job: the loss curve and every evaluation's Table 3.2 metrics as
 * partial results (throttled), a checkpoint in IndexedDB at every evaluation, progress and cancel.
 */
export async function trainWithCheckpoints(ctx: JobContext, run: CheckpointedTraining): Promise<DetectionTrainProgress> {
  const { preset, loss, seed } = run.options;
  const db = await openWorkbenchDb();
  const state: DetectionTrainProgress = {
    curve: [], evals: [], checkpointId: null, totalSteps: 0, ...(run.options.startStep ? { resumedFromStep: run.options.startStep } : {}),
  };
  let lastPublish = 0;
  const publish = (force = false) => {
    const now = performance.now();
    if (!force && now - lastPublish < 500) return;
    lastPublish = now;
    ctx.partial({ ...state, curve: [...state.curve], evals: [...state.evals] });
  };
  await trainDetector(run.options, {
    onStep: (s) => {
      state.totalSteps = s.totalSteps;
      state.curve.push({ step: s.step, loss: s.loss, confidence: s.confidence, regression: s.regression });
      ctx.progress(s.step, s.totalSteps, `epoch ${s.epoch + 1}, loss ${s.loss.toFixed(4)}`);
      publish();
    },
    onEval: async (e, weights) => {
      state.evals.push({ step: e.step, epoch: e.epoch, all: e.report.all, heavyOverlap: e.report.heavyOverlap });
      const zip = await saveDetectorCheckpoint(weights, {
        pipeline: 'detection', detector: preset.detector, preset: preset.name, loss, seed, step: e.step,
        metrics: { f1: e.report.all.f1, tpr: e.report.all.truePositiveRate, fpr: e.report.all.falsePositiveRate, countRmse: e.report.all.countRmse },
        ...(run.extra ? { trainedOn: run.extra } : {}),
        createdAt: new Date().toISOString(),
      });
      await putCheckpoint(db, {
        id: run.checkpointId,
        name: run.checkpointName(e.step),
        pipeline: 'detection',
        createdAt: Date.now(),
        zip: new Blob([zip as Uint8Array<ArrayBuffer>], { type: 'application/zip' }),
        meta: { preset: preset.name, loss, seed, step: e.step, f1: e.report.all.f1, ...run.extra },
      });
      state.checkpointId = run.checkpointId;
      publish(true);
    },
    checkpoint: () => ctx.checkpoint(),
  }).then((r) => disposeDetectorWeights(r.weights));
  publish(true);
  return state;
}
