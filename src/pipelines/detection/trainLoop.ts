/**
 * The detector training driver shared by the browser job worker, the Node CLI and the benchmark:
 * a procedural SIMCEP training set addressed by image index (so a "17,000-image dataset" needs no
 * storage and every batch is replayable from the seed), a fixed validation set, Adam, per-epoch
 * validation with Table 3.2 metrics, and hooks for progress, checkpoints and cancel.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../core/rng/rng';
import { distanceScaleForPixels, inferenceNmsIou, type AssignmentKind } from './assignment';
import { predict, toDetections } from './inference';
import { evaluateDetections, type DetectionReport, type ImageDetections } from './metrics';
import { createDetectorWeights, disposeDetectorWeights, type DetectorWeights } from './model';
import type { TrainingPreset } from './presets';
import type { TrainingData } from './realTraining';
import { batchImages, simcepBatch, trainStep, type SimcepBatch } from './train';

export interface TrainOptions {
  preset: TrainingPreset;
  loss: AssignmentKind;
  seed: number;
  /** Overrides of the preset (e.g. fewer epochs for a quick run). */
  epochs?: number;
  trainImages?: number;
  valImages?: number;
  batchSize?: number;
  learningRate?: number;
  /** Stop after this many optimiser steps in total (for tests and quick demos). */
  maxSteps?: number;
  /** Validate every this many steps as well as at each epoch end (0 = epoch ends only). */
  evalEvery?: number;
  /** Continue from these weights (ownership passes to the loop). */
  initialWeights?: DetectorWeights;
  /**
   * Resume a run at this step (the step its checkpoint was saved at): the steps before it are
   * skipped, and since epoch orders and batches are addressed by seed and index the run goes on with
   * the same batches it would have seen. Adam's moment estimates restart from zero.
   */
  startStep?: number;
  /** Training/validation images (default: the preset's procedural SIMCEP set, `simcepTrainingData`). */
  data?: TrainingData;
}

export interface StepInfo {
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  confidence: number;
  regression: number;
}

export interface EvalInfo {
  step: number;
  epoch: number;
  report: DetectionReport;
  valLoss: number;
}

export interface TrainHooks {
  onStep?: (s: StepInfo) => void | Promise<void>;
  onEval?: (e: EvalInfo, weights: DetectorWeights) => void | Promise<void>;
  /** Called between steps; throw (e.g. JobCancelled) to stop. */
  checkpoint?: () => Promise<void>;
}

export interface TrainResult {
  weights: DetectorWeights;
  steps: number;
  lastEval: EvalInfo | null;
}

/** Validation set: images drawn from an independent fork so it never overlaps the training indices. */
export function validationSet(preset: TrainingPreset, seed: number, size: number): SimcepBatch {
  return simcepBatch(preset.simcep, new Rng(seed).fork('validation'), size);
}

export async function evaluateOn(weights: DetectorWeights, preset: TrainingPreset, val: SimcepBatch, loss: AssignmentKind, chunk = 32): Promise<DetectionReport> {
  // Evaluate in chunks so large validation sets do not need one huge tensor.
  const n = val.boxes.length;
  const images: ImageDetections[] = [];
  const px = val.width * val.height;
  for (let i = 0; i < n; i += chunk) {
    const m = Math.min(chunk, n - i);
    const x = tf.tensor4d(val.pixels.subarray(i * px, (i + m) * px), [m, val.height, val.width, 1]);
    const preds = await predict(weights, preset.detector, x);
    x.dispose();
    preds.forEach((p, k) => images.push({ ...toDetections(p, val.width, val.height, inferenceNmsIou[loss]), groundTruth: val.boxes[i + k] }));
  }
  return evaluateDetections(images);
}

/** The preset's SIMCEP images as a training source: index-addressed batches, a fixed validation set. */
export function simcepTrainingData(preset: TrainingPreset, seed: number, valImages = preset.valImages, trainImages = preset.trainImages): TrainingData {
  let val: SimcepBatch | null = null;
  return {
    trainImages,
    width: preset.simcep.width,
    height: preset.simcep.height,
    meanBoxPx: preset.meanBoxPx,
    validationImages: valImages,
    batch: (rng, size, firstIndex) => simcepBatch(preset.simcep, rng, size, firstIndex),
    evaluate: (weights, _detector, loss) => {
      val ??= validationSet(preset, seed, valImages);
      return evaluateOn(weights, preset, val, loss);
    },
  };
}

export async function trainDetector(opts: TrainOptions, hooks: TrainHooks = {}): Promise<TrainResult> {
  const p = opts.preset;
  const batchSize = opts.batchSize ?? p.batchSize;
  const data = opts.data ?? simcepTrainingData(p, opts.seed, opts.valImages ?? p.valImages, opts.trainImages ?? p.trainImages);
  const trainImages = opts.trainImages ?? data.trainImages;
  const epochs = opts.epochs ?? p.epochs;
  const stepsPerEpoch = Math.max(1, Math.floor(trainImages / batchSize));
  const totalSteps = Math.min(opts.maxSteps ?? Infinity, stepsPerEpoch * epochs);
  const rng = new Rng(opts.seed);
  const weights = opts.initialWeights ?? createDetectorWeights(p.detector, rng.fork('init'));
  const optimizer = tf.train.adam(opts.learningRate ?? p.learningRate);
  const scale = distanceScaleForPixels(data.meanBoxPx, data.width, data.height);
  const trainRng = rng.fork('train');
  let lastEval: EvalInfo | null = null;
  const startStep = Math.max(0, Math.min(Math.floor(opts.startStep ?? 0), totalSteps));
  let step = startStep;
  const firstEpoch = Math.floor(startStep / stepsPerEpoch);
  const runEval = async (epoch: number) => {
    const report = await data.evaluate(weights, p.detector, opts.loss);
    lastEval = { step, epoch, report, valLoss: NaN };
    await hooks.onEval?.(lastEval, weights);
  };
  try {
    for (let epoch = firstEpoch; epoch < epochs && step < totalSteps; epoch++) {
      // Each epoch visits the same image indices in a new seeded order.
      const order = rng.fork(`epoch-${epoch}`).shuffle(Array.from({ length: stepsPerEpoch }, (_, i) => i));
      // On resume, the first epoch starts part-way through its order.
      for (const b of order.slice(epoch === firstEpoch ? startStep % stepsPerEpoch : 0)) {
        if (step >= totalSteps) break;
        await hooks.checkpoint?.();
        const batch = data.batch(trainRng, batchSize, b * batchSize);
        const x = batchImages(batch);
        const r = await trainStep(weights, p.detector, optimizer, x, batch.groundTruth, { kind: opts.loss, scale });
        x.dispose();
        step++;
        await hooks.onStep?.({ step, totalSteps, epoch, ...r });
        if (opts.evalEvery && step % opts.evalEvery === 0 && step < totalSteps) await runEval(epoch);
      }
      await runEval(epoch);
    }
  } catch (e) {
    // Cancel or failure: the caller has what onEval handed it (e.g. a saved checkpoint).
    optimizer.dispose();
    disposeDetectorWeights(weights);
    throw e;
  }
  optimizer.dispose();
  return { weights, steps: step, lastEval };
}

