/**
 * One training run of the domain-shift experiment: (arm, seed[, swept value]) → per-epoch train
 * loss/accuracy and target-domain accuracy. Adam on softmax cross-entropy (plus the config's L2
 * weight decay), batches in a seeded order, each batch augmented under the arm with the run's
 * step index as its batch index.
 *
 * Seeds (all derived from the run's seed, and listed by runSeeds for the record): the initial
 * weights and the batch order depend only on the seed, so all arms of one seed start from the
 * same network and see the images in the same order; only the augmentation differs.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../core/rng/rng';
import { armAugmenters, augmentForArm, type StyleSource } from './arms';
import { predictLogits, type Classifier } from './classifier';
import type { ExperimentConfig } from './config';
import { batchArray, type ImageSet } from './data';
import type { Arm, EpochPoint, RunResult } from './types';

/** Every seed a run uses, derived from its seed by labelled forks. */
export interface RunSeeds {
  seed: number;
  /** Initial weights. */
  init: number;
  /** Batch order (forked per epoch). */
  order: number;
  /** augmentPipeline(traditionalAugmentSpec(), trad). */
  trad: number;
  /** augmentPipeline(colorJitterSpec(), color). */
  color: number;
  /** Online stylisation: Eq 4.8 records per step. */
  style: number;
  /** Pool mode: the pool's own seed (stylisation of every image, per α). */
  pool: number;
  /** Pool mode: which images take which pooled variant, per step. */
  poolPick: number;
}

export function runSeeds(seed: number): RunSeeds {
  const r = new Rng(seed);
  return {
    seed: r.seed,
    init: r.fork('init').seed,
    order: r.fork('order').seed,
    trad: r.fork('trad').seed,
    color: r.fork('color').seed,
    style: r.fork('style').seed,
    pool: r.fork('style-pool').seed,
    poolPick: r.fork('style-pool-pick').seed,
  };
}

export interface RunData {
  train: ImageSet;
  target: ImageSet;
  validation: ImageSet;
}

/** Frozen-backbone features computed once per experiment ([N, F], owned by the caller). */
export interface CachedFeatures {
  target?: tf.Tensor2D;
  validation?: tf.Tensor2D;
  /** Un-augmented training images (used by the 'none' arm only). */
  train?: tf.Tensor2D;
}

export interface RunOptions {
  arm: Arm;
  seed: number;
  sweepValue?: number;
  config: ExperimentConfig;
  /** A fresh classifier whose trainable weights start from `rng` (disposed by the run). */
  createClassifier: (rng: Rng) => Classifier | Promise<Classifier>;
  style: StyleSource | null;
  features?: CachedFeatures;
}

export interface RunHooks {
  /** After each optimiser step (1-based step within the run). */
  onStep?: (step: number, totalSteps: number, epoch: number) => void;
  /** After each epoch with the run so far. */
  onEpoch?: (point: EpochPoint, run: RunResult) => void | Promise<void>;
  /** Between batches; throw to stop (e.g. a job's cancel). */
  checkpoint?: () => Promise<void>;
}

/** Steps per epoch and the batch size actually used (a set smaller than a batch is one batch). */
export function epochShape(trainImages: number, batchSize: number): { steps: number; batch: number } {
  if (trainImages === 0) throw new Error('No training images');
  const batch = Math.min(batchSize, trainImages);
  return { steps: Math.max(1, Math.floor(trainImages / batch)), batch };
}

/** The learning rate of step `step` (0-based) of `totalSteps` under the config's schedule. */
export function learningRateAt(config: Pick<ExperimentConfig, 'learningRate' | 'lrSchedule'>, step: number, totalSteps: number): number {
  if (config.lrSchedule === 'constant' || totalSteps <= 1) return config.learningRate;
  return (config.learningRate * (1 + Math.cos((Math.PI * step) / totalSteps))) / 2;
}

/** tfjs's Adam reads its (TypeScript-protected) learningRate field on every step. */
function setLearningRate(optimizer: tf.AdamOptimizer, lr: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

/** Accuracy of a classifier on a set (or its cached features), in batches. */
export async function accuracy(c: Classifier, set: ImageSet, batchSize: number, features?: tf.Tensor2D): Promise<number> {
  const n = set.labels.length;
  if (n === 0) return NaN;
  let correct = 0;
  for (let i = 0; i < n; i += batchSize) {
    const m = Math.min(batchSize, n - i);
    const pred = tf.tidy(() => {
      const logits = features
        ? c.logits(tf.slice(features, [i, 0], [m, features.shape[1]]), false)
        : predictLogits(c, tf.tensor4d(batchArray(set, Array.from({ length: m }, (_, k) => i + k)), [m, set.size, set.size, 3]));
      return tf.argMax(logits, 1);
    });
    const p = await pred.data();
    pred.dispose();
    for (let k = 0; k < m; k++) if (p[k] === set.labels[i + k]) correct++;
  }
  return correct / n;
}

/** Frozen features of a whole set ([N, F]); null when the classifier has no frozen part. */
export async function setFeatures(c: Classifier, set: ImageSet, batchSize: number, checkpoint?: () => Promise<void>): Promise<tf.Tensor2D | null> {
  if (!c.features || set.labels.length === 0) return null;
  const parts: tf.Tensor2D[] = [];
  try {
    for (let i = 0; i < set.labels.length; i += batchSize) {
      await checkpoint?.();
      const m = Math.min(batchSize, set.labels.length - i);
      parts.push(tf.tidy(() => c.features!(tf.tensor4d(batchArray(set, Array.from({ length: m }, (_, k) => i + k)), [m, set.size, set.size, 3])) as tf.Tensor2D));
      await parts[parts.length - 1].data();
    }
    return tf.concat(parts, 0);
  } finally {
    tf.dispose(parts);
  }
}

/** Train one (arm, seed) run; returns its curves. Disposes every tensor it creates. */
export async function trainRun(data: RunData, opts: RunOptions, hooks: RunHooks = {}): Promise<RunResult> {
  const { config, arm } = opts;
  const seeds = runSeeds(opts.seed);
  const t0 = performance.now();
  const n = data.train.labels.length;
  const { steps, batch } = epochShape(n, config.batchSize);
  const totalSteps = steps * config.epochs;
  const size = data.train.size;
  const classifier = await opts.createClassifier(new Rng(seeds.init));
  const optimizer = tf.train.adam(config.learningRate, config.beta1, 0.999);
  const aug = armAugmenters(seeds.trad, seeds.color, opts.style);
  const decayed = classifier.trainable.filter((v) => v.rank >= 2);
  const cachedTrain = arm === 'none' ? opts.features?.train : undefined;
  const run: RunResult = { arm, seed: opts.seed, ...(opts.sweepValue !== undefined ? { sweepValue: opts.sweepValue } : {}), epochs: [], finalTargetAccuracy: NaN, seconds: 0 };
  let step = 0;
  try {
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      const order = new Rng(seeds.order).fork(`epoch:${epoch}`).shuffle(Array.from({ length: n }, (_, i) => i));
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let b = 0; b < steps; b++) {
        await hooks.checkpoint?.();
        setLearningRate(optimizer, learningRateAt(config, step, totalSteps));
        const indices = order.slice(b * batch, (b + 1) * batch);
        const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(indices.map((i) => data.train.labels[i]), 'int32'), classifier.numClasses));
        let input: tf.Tensor;
        if (cachedTrain) {
          input = tf.tidy(() => tf.gather(cachedTrain, tf.tensor1d(indices, 'int32')));
        } else {
          const x = tf.tensor4d(batchArray(data.train, indices), [indices.length, size, size, 3]);
          const augmented = await augmentForArm(arm, x, indices, step, aug);
          x.dispose();
          if (classifier.features) {
            input = classifier.features(augmented.output);
            augmented.output.dispose();
          } else {
            input = augmented.output;
          }
        }
        const kept: { hits?: tf.Scalar } = {};
        const loss = optimizer.minimize(() => {
          const logits = classifier.logits(input, true);
          kept.hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(labels, 1)), 'float32')));
          let l = tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
          if (config.weightDecay > 0 && decayed.length) l = tf.add(l, tf.mul(config.weightDecay, tf.addN(decayed.map((v) => tf.sum(tf.square(v)))))) as tf.Scalar;
          return l;
        }, true, classifier.trainable) as tf.Scalar;
        const [lv, hv] = await Promise.all([loss.data(), kept.hits!.data()]);
        tf.dispose([loss, kept.hits!, input, labels]);
        if (!Number.isFinite(lv[0])) throw new Error(`${arm}, seed ${opts.seed}: training loss became ${lv[0]} at epoch ${epoch + 1}`);
        lossSum += lv[0] * indices.length;
        correct += hv[0];
        seen += indices.length;
        step++;
        hooks.onStep?.(step, totalSteps, epoch);
      }
      const targetAccuracy = await accuracy(classifier, data.target, config.evalBatchSize, opts.features?.target);
      const point: EpochPoint = { epoch: epoch + 1, trainLoss: lossSum / seen, trainAccuracy: correct / seen, targetAccuracy, seconds: (performance.now() - t0) / 1000 };
      if (data.validation.labels.length) point.validationAccuracy = await accuracy(classifier, data.validation, config.evalBatchSize, opts.features?.validation);
      run.epochs.push(point);
      run.finalTargetAccuracy = targetAccuracy;
      run.seconds = point.seconds!;
      await hooks.onEpoch?.(point, run);
    }
  } finally {
    optimizer.dispose();
    classifier.dispose();
  }
  run.seconds = (performance.now() - t0) / 1000;
  return run;
}
