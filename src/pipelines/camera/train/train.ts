/**
 * One training run of a camera-bias experiment (thesis §6.4): a classifier trained on an in-memory
 * image set with Adam on softmax cross-entropy, evaluated on a test set after every epoch.
 *
 * What the network sees is set by the input mode (train and test may differ, e.g. left halves for
 * training and right halves for testing, Table 6.6):
 *   full        the whole image
 *   binary      local mean thresholding (lab/threshold.ts), white dots on black, no colour or texture (Table 6.3)
 *   crop32      a random crop (default 32×32) per image per step; at test time fixed seeded crops (Table 6.5)
 *   left-half / right-half   that half of the image (lab/cropHeatmap.ts halfRects)
 * and the augmentation: 'colour-jitter' (random hue, saturation, contrast and brightness per
 * training image, the style pipeline's colorJitter op at high strength, Table 6.4) or 'grayscale'
 * (luma, for training and test images alike).
 *
 * Seeds: the initial weights, the batch order, the training crops and the jitter each come from a
 * labelled fork of the run's seed (listed in the result). Test crops come from the config's
 * `testCropSeed`, so every model is scored on the same crops. No tensor outlives the run except the
 * classifier when the caller asks to keep it.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../core/rng/rng';
import { augmentPipeline, grayscale, type AugmentPipeline, type AugmentSpec } from '../../style/augment';
import type { Classifier } from '../../style/experiment/classifier';
import { epochShape, learningRateAt } from '../../style/experiment/train';
import { halfRects, sampleCropPositions, type CropPosition, type Rect } from '../lab/cropHeatmap';
import { localMeanThreshold, type ThresholdOptions } from '../lab/threshold';
import { evaluatePredictions, poolPredictions, predictLabels, type Evaluation } from './evaluate';
import { exportWeights, type WeightsSnapshot } from './models';

export type InputMode = 'full' | 'binary' | 'crop32' | 'left-half' | 'right-half';
export type AugmentMode = 'none' | 'colour-jitter' | 'grayscale';

export const INPUT_MODES: readonly InputMode[] = ['full', 'binary', 'crop32', 'left-half', 'right-half'];
export const AUGMENT_MODES: readonly AugmentMode[] = ['none', 'colour-jitter', 'grayscale'];

/**
 * Images of one size with a training target per image and, optionally, each image's camera and
 * class index (for per-camera / per-class / worst-group scores). Pixels are either per-image
 * interleaved 8-bit samples (`images`, RGBA unless `channels` is 3) or one float32 NHWC RGB array in
 * [0, 1] (`x`).
 */
export interface CameraImageSet {
  width: number;
  height: number;
  images?: readonly (Uint8Array | Uint8ClampedArray)[];
  channels?: 3 | 4;
  x?: Float32Array;
  labels: Int32Array;
  cameras?: Int32Array;
  classes?: Int32Array;
}

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  /** Adam's rate (the thesis trains every model at 1e-4). */
  learningRate: number;
  lrSchedule: 'constant' | 'cosine';
  /** Adam β1 (default 0.9). */
  beta1?: number;
  input: InputMode;
  /** Input mode of the test images (default: `input`). */
  testInput?: InputMode;
  augment: AugmentMode;
  /** Side of the crops in 'crop32' mode (default 32). */
  cropSize?: number;
  /** Fixed crops per test image in 'crop32' mode (default 4). */
  testCrops?: number;
  /** Seed of the fixed test crops (default 0). */
  testCropSeed?: number;
  /** Local mean thresholding for 'binary' (defaults: lab/threshold.ts). */
  threshold?: ThresholdOptions;
  evalBatchSize: number;
  /** Score the test set every this many epochs, and after the last (default 1). */
  evalEvery?: number;
}

export interface TrainData {
  train: CameraImageSet;
  test: CameraImageSet;
  /** Names of the training targets (index = label). */
  labelNames: string[];
  cameraNames?: string[];
  classNames?: string[];
}

export interface EpochPoint {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  /** NaN for epochs without a test evaluation (see TrainConfig.evalEvery). */
  testAccuracy: number;
  /** Test accuracy per camera / per class (index order of the names), when known. */
  cameraAccuracy?: number[];
  classAccuracy?: number[];
  worstGroupAccuracy?: number;
  learningRate: number;
  /** Seconds since the run started, at the end of this epoch. */
  seconds: number;
}

export interface RunSeeds {
  seed: number;
  init: number;
  order: number;
  crop: number;
  jitter: number;
}

export function runSeeds(seed: number): RunSeeds {
  const r = new Rng(seed);
  return { seed: r.seed, init: r.fork('init').seed, order: r.fork('order').seed, crop: r.fork('crop').seed, jitter: r.fork('jitter').seed };
}

export interface TrainRunResult {
  seed: number;
  seeds: RunSeeds;
  epochs: EpochPoint[];
  /** Test evaluation after the last epoch. */
  evaluation: Evaluation;
  /** Predicted label per test input (per crop in crop mode) after the last epoch. */
  testPredicted: Int32Array;
  /** Crop mode: per-image accuracy of the mean probability over an image's test crops. */
  pooledAccuracy?: number;
  steps: number;
  parameterCount: number;
  seconds: number;
}

export interface TrainOptions {
  seed: number;
  config: TrainConfig;
  /** A fresh classifier whose weights come from `rng`. */
  createClassifier: (rng: Rng) => Classifier | Promise<Classifier>;
  /** Return the trained classifier instead of disposing it (the caller disposes it). */
  keepClassifier?: boolean;
  /** Call hooks.onCheckpoint with the weights every this many epochs (0/undefined: never). */
  checkpointEvery?: number;
}

export interface TrainHooks {
  onStep?: (step: number, totalSteps: number, epoch: number) => void;
  onEpoch?: (point: EpochPoint, run: { epochs: EpochPoint[]; evaluation: Evaluation }) => void | Promise<void>;
  /** Between batches; throw to stop (a job's cancel). */
  checkpoint?: () => Promise<void>;
  onCheckpoint?: (weights: WeightsSnapshot, epoch: number) => void | Promise<void>;
}

/** Hue, saturation, contrast and brightness randomised on every training image (Fig 6.7). */
export function strongColourJitterSpec(): AugmentSpec {
  return {
    transforms: [{ op: 'colorJitter', p: 1, brightness: 0.4, brightnessMode: 'multiplicative', contrast: 0.5, saturation: 0.8, hue: 180, randomOrder: true }],
  };
}

// ---------------------------------------------------------------------------------------------
// Inputs

export function setSize(set: CameraImageSet): number {
  return set.labels.length;
}

/** Check pixel storage and labels agree; returns the image count. */
export function validateSet(set: CameraImageSet, what: string): number {
  const n = set.labels.length;
  const { width, height } = set;
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) throw new Error(`${what}: bad image size ${width}×${height}`);
  if (!!set.images === !!set.x) throw new Error(`${what}: give either per-image pixels (images) or one float array (x)`);
  if (set.images) {
    const ch = set.channels ?? 4;
    if (set.images.length !== n) throw new Error(`${what}: ${set.images.length} images but ${n} labels`);
    set.images.forEach((im, i) => {
      if (im.length !== width * height * ch) throw new Error(`${what}: image ${i} has ${im.length} samples, expected ${width}×${height}×${ch}`);
    });
  } else if (set.x!.length !== n * width * height * 3) throw new Error(`${what}: x has ${set.x!.length} values, expected ${n}×${height}×${width}×3`);
  for (const [k, v] of [['cameras', set.cameras], ['classes', set.classes]] as const) if (v && v.length !== n) throw new Error(`${what}: ${v.length} ${k} for ${n} images`);
  return n;
}

/** The rectangle a mode reads (crop mode: the crop at `crop`). */
export function inputRect(mode: InputMode, width: number, height: number, cropSize = 32, crop?: CropPosition): Rect {
  switch (mode) {
    case 'full':
    case 'binary':
      return { x: 0, y: 0, width, height };
    case 'left-half':
      return halfRects(width, height).left;
    case 'right-half':
      return halfRects(width, height).right;
    case 'crop32':
      if (!crop) throw new Error('crop mode needs a crop position');
      return { x: crop.x, y: crop.y, width: cropSize, height: cropSize };
    default:
      throw new Error(`Unknown input mode '${mode as string}'`);
  }
}

/** Binary masks per set and threshold options, computed once. */
const maskCache = new WeakMap<CameraImageSet, Map<string, Uint8Array[]>>();

function masksOf(set: CameraImageSet, opts: ThresholdOptions = {}): Uint8Array[] {
  let byOpts = maskCache.get(set);
  if (!byOpts) maskCache.set(set, (byOpts = new Map()));
  const key = JSON.stringify(opts);
  let masks = byOpts.get(key);
  if (!masks) {
    const { width, height } = set;
    const px = width * height;
    masks = Array.from({ length: set.labels.length }, (_, i) => {
      if (set.images) return localMeanThreshold({ width, height, data: set.images[i], channels: set.channels ?? 4 }, opts);
      const rgb = new Uint8ClampedArray(px * 3);
      const x = set.x!;
      for (let k = 0; k < px * 3; k++) rgb[k] = Math.round(x[i * px * 3 + k] * 255);
      return localMeanThreshold({ width, height, data: rgb, channels: 3 }, opts);
    });
    byOpts.set(key, masks);
  }
  return masks;
}

/**
 * Float32 NHWC RGB [0, 1] inputs of images `indices` under a mode (`crops`: one position per index
 * in crop mode). All rectangles of one call have the same size.
 */
export function inputBatch(set: CameraImageSet, indices: readonly number[], mode: InputMode, opts: { crops?: readonly CropPosition[]; cropSize?: number; threshold?: ThresholdOptions } = {}): { data: Float32Array; shape: [number, number, number, number] } {
  const { width } = set;
  const rects = indices.map((_, b) => inputRect(mode, set.width, set.height, opts.cropSize, opts.crops?.[b]));
  const h = rects.length ? rects[0].height : 0, w = rects.length ? rects[0].width : 0;
  const data = new Float32Array(indices.length * h * w * 3);
  const masks = mode === 'binary' ? masksOf(set, opts.threshold) : null;
  const ch = set.channels ?? 4;
  indices.forEach((i, b) => {
    const r = rects[b];
    if (r.x < 0 || r.y < 0 || r.x + r.width > set.width || r.y + r.height > set.height) throw new Error(`input rectangle ${r.width}×${r.height} at (${r.x}, ${r.y}) is outside the ${set.width}×${set.height} image`);
    let o = b * h * w * 3;
    for (let y = 0; y < h; y++) {
      const row = (r.y + y) * width + r.x;
      for (let x = 0; x < w; x++) {
        const p = row + x;
        if (masks) {
          const v = masks[i][p];
          data[o++] = v;
          data[o++] = v;
          data[o++] = v;
        } else if (set.images) {
          const im = set.images[i];
          const s = p * ch;
          data[o++] = im[s] / 255;
          data[o++] = im[s + 1] / 255;
          data[o++] = im[s + 2] / 255;
        } else {
          const s = (i * set.width * set.height + p) * 3;
          data[o++] = set.x![s];
          data[o++] = set.x![s + 1];
          data[o++] = set.x![s + 2];
        }
      }
    }
  });
  return { data, shape: [indices.length, h, w, 3] };
}

/** The test inputs of a set: one per image, or `testCrops` fixed crops per image in crop mode. */
export interface TestInputs {
  /** Image index of every test input. */
  image: Int32Array;
  crops?: CropPosition[];
}

export function testInputs(set: CameraImageSet, config: Pick<TrainConfig, 'input' | 'testInput' | 'cropSize' | 'testCrops' | 'testCropSeed'>): TestInputs {
  const mode = config.testInput ?? config.input;
  const n = set.labels.length;
  if (mode !== 'crop32') return { image: Int32Array.from({ length: n }, (_, i) => i) };
  const per = config.testCrops ?? 4;
  const rng = new Rng(config.testCropSeed ?? 0);
  const image = new Int32Array(n * per);
  const crops: CropPosition[] = [];
  for (let i = 0; i < n; i++) {
    const pos = sampleCropPositions(set.width, set.height, per, rng.fork(i), config.cropSize ?? 32);
    for (let j = 0; j < per; j++) {
      image[i * per + j] = i;
      crops.push(pos[j]);
    }
  }
  return { image, crops };
}

function applyAugment(x: tf.Tensor4D, mode: AugmentMode, jitter: AugmentPipeline | null, step: number, training: boolean): tf.Tensor4D {
  if (mode === 'grayscale') return grayscale(x);
  if (mode === 'colour-jitter' && training) return jitter!.apply(x, step).output;
  return x.clone();
}

function validateConfig(c: TrainConfig): void {
  const posInt = (name: string, v: number) => {
    if (!(Number.isInteger(v) && v >= 1)) throw new Error(`${name} must be a positive integer, got ${v}`);
  };
  posInt('epochs', c.epochs);
  posInt('batchSize', c.batchSize);
  posInt('evalBatchSize', c.evalBatchSize);
  if (!(c.learningRate > 0)) throw new Error(`learningRate must be positive, got ${c.learningRate}`);
  if (!INPUT_MODES.includes(c.input)) throw new Error(`Unknown input mode '${c.input}' (${INPUT_MODES.join(', ')})`);
  if (c.testInput && !INPUT_MODES.includes(c.testInput)) throw new Error(`Unknown test input mode '${c.testInput}'`);
  if (!AUGMENT_MODES.includes(c.augment)) throw new Error(`Unknown augmentation '${c.augment}' (${AUGMENT_MODES.join(', ')})`);
  if (c.cropSize !== undefined) posInt('cropSize', c.cropSize);
  if (c.testCrops !== undefined) posInt('testCrops', c.testCrops);
  if (c.evalEvery !== undefined) posInt('evalEvery', c.evalEvery);
}

/** Per-epoch test scores from an evaluation. */
function pointScores(e: Evaluation): Pick<EpochPoint, 'testAccuracy' | 'cameraAccuracy' | 'classAccuracy' | 'worstGroupAccuracy'> {
  return {
    testAccuracy: e.accuracy,
    ...(e.perCamera ? { cameraAccuracy: e.perCamera.map((g) => g.accuracy) } : {}),
    ...(e.perClass ? { classAccuracy: e.perClass.map((g) => g.accuracy) } : {}),
    ...(e.worstGroup ? { worstGroupAccuracy: e.worstGroup.accuracy } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Training

/** Train one run; returns its curves and final evaluation (and the classifier when kept). */
export async function trainClassifier(data: TrainData, opts: TrainOptions, hooks: TrainHooks = {}): Promise<{ result: TrainRunResult; classifier: Classifier | null }> {
  const { config } = opts;
  validateConfig(config);
  const n = validateSet(data.train, 'training set');
  validateSet(data.test, 'test set');
  if (data.test.width !== data.train.width || data.test.height !== data.train.height) {
    throw new Error(`training images are ${data.train.width}×${data.train.height} but test images ${data.test.width}×${data.test.height}`);
  }
  const testMode = config.testInput ?? config.input;
  const cropSize = config.cropSize ?? 32;
  if (config.input === 'crop32' || testMode === 'crop32') {
    if (data.train.width < cropSize || data.train.height < cropSize) throw new Error(`${cropSize}×${cropSize} crops do not fit ${data.train.width}×${data.train.height} images`);
  }
  const seeds = runSeeds(opts.seed);
  const t0 = performance.now();
  const { steps, batch } = epochShape(n, config.batchSize);
  const totalSteps = steps * config.epochs;
  const inputs = testInputs(data.test, config);
  const testGroups = {
    cameras: data.test.cameras ? Int32Array.from(inputs.image, (i) => data.test.cameras![i]) : undefined,
    classes: data.test.classes ? Int32Array.from(inputs.image, (i) => data.test.classes![i]) : undefined,
    cameraNames: data.cameraNames,
    classNames: data.classNames,
  };
  const testTruth = Int32Array.from(inputs.image, (i) => data.test.labels[i]);
  const testBatch = (start: number, count: number) => {
    const idx = Array.from(inputs.image.subarray(start, start + count));
    const b = inputBatch(data.test, idx, testMode, { crops: inputs.crops?.slice(start, start + count), cropSize, threshold: config.threshold });
    return tf.tidy(() => {
      const x = tf.tensor4d(b.data, b.shape);
      return config.augment === 'grayscale' ? grayscale(x) : x;
    });
  };

  const classifier = await opts.createClassifier(new Rng(seeds.init));
  const optimizer = tf.train.adam(config.learningRate, config.beta1 ?? 0.9, 0.999);
  const jitter = config.augment === 'colour-jitter' ? augmentPipeline(strongColourJitterSpec(), seeds.jitter) : null;
  // A frozen backbone's features of deterministic inputs are computed once.
  let trainFeatures: tf.Tensor2D | null = null;
  let testFeatures: tf.Tensor2D | null = null;
  const epochs: EpochPoint[] = [];
  let evaluation: Evaluation | null = null;
  let testPredicted: Int32Array = new Int32Array(0);
  let probabilities: Float32Array = new Float32Array(0);
  let kept = false;
  let step = 0;
  try {
    if (classifier.features) {
      const feats = async (count: number, make: (s: number, m: number) => tf.Tensor4D) => {
        const parts: tf.Tensor[] = [];
        try {
          for (let s = 0; s < count; s += config.evalBatchSize) {
            await hooks.checkpoint?.();
            const m = Math.min(config.evalBatchSize, count - s);
            parts.push(tf.tidy(() => classifier.features!(make(s, m))));
          }
          return tf.concat(parts, 0) as tf.Tensor2D;
        } finally {
          tf.dispose(parts);
        }
      };
      testFeatures = await feats(inputs.image.length, testBatch);
      if (config.input !== 'crop32' && config.augment !== 'colour-jitter') {
        trainFeatures = await feats(n, (s, m) => {
          const b = inputBatch(data.train, Array.from({ length: m }, (_, k) => s + k), config.input, { threshold: config.threshold });
          return tf.tidy(() => applyAugment(tf.tensor4d(b.data, b.shape), config.augment, null, 0, true));
        });
      }
    }
    const evaluateTest = async () => {
      const tf2 = testFeatures;
      const r = tf2
        ? await predictFromFeatures(classifier, tf2, config.evalBatchSize)
        : await predictLabels(classifier, inputs.image.length, testBatch, config.evalBatchSize, hooks.checkpoint);
      testPredicted = r.predicted;
      probabilities = r.probabilities;
      return evaluatePredictions(r.predicted, testTruth, data.labelNames, testGroups);
    };

    for (let epoch = 0; epoch < config.epochs; epoch++) {
      const order = new Rng(seeds.order).fork(`epoch:${epoch}`).shuffle(Array.from({ length: n }, (_, i) => i));
      let lossSum = 0, correct = 0, seen = 0, lr = config.learningRate;
      for (let b = 0; b < steps; b++) {
        await hooks.checkpoint?.();
        lr = learningRateAt(config, step, totalSteps);
        (optimizer as unknown as { learningRate: number }).learningRate = lr;
        const indices = order.slice(b * batch, (b + 1) * batch);
        const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(indices.map((i) => data.train.labels[i]), 'int32'), classifier.numClasses));
        let input: tf.Tensor;
        if (trainFeatures) {
          const tfeat = trainFeatures;
          input = tf.tidy(() => tf.gather(tfeat, tf.tensor1d(indices, 'int32')));
        } else {
          const crops = config.input === 'crop32' ? sampleCropPositions(data.train.width, data.train.height, indices.length, new Rng(seeds.crop).fork(step), cropSize) : undefined;
          const bx = inputBatch(data.train, indices, config.input, { crops, cropSize, threshold: config.threshold });
          input = tf.tidy(() => {
            const x = applyAugment(tf.tensor4d(bx.data, bx.shape), config.augment, jitter, step, true);
            return classifier.features ? classifier.features(x) : x;
          });
        }
        const hits: { t?: tf.Scalar } = {};
        const loss = optimizer.minimize(() => {
          const logits = classifier.logits(input, true);
          hits.t = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(labels, 1)), 'float32')));
          return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
        }, true, classifier.trainable) as tf.Scalar;
        const [lv, hv] = await Promise.all([loss.data(), hits.t!.data()]);
        tf.dispose([loss, hits.t!, input, labels]);
        if (!Number.isFinite(lv[0])) throw new Error(`seed ${opts.seed}: training loss became ${lv[0]} at epoch ${epoch + 1}`);
        lossSum += lv[0] * indices.length;
        correct += hv[0];
        seen += indices.length;
        step++;
        hooks.onStep?.(step, totalSteps, epoch);
      }
      const scored = (epoch + 1) % (config.evalEvery ?? 1) === 0 || epoch + 1 === config.epochs;
      if (scored) evaluation = await evaluateTest();
      const scores = scored ? pointScores(evaluation!) : { testAccuracy: NaN };
      const point: EpochPoint = { epoch: epoch + 1, trainLoss: lossSum / seen, trainAccuracy: correct / seen, ...scores, learningRate: lr, seconds: (performance.now() - t0) / 1000 };
      epochs.push(point);
      if (evaluation) await hooks.onEpoch?.(point, { epochs: [...epochs], evaluation });
      if (opts.checkpointEvery && hooks.onCheckpoint && ((epoch + 1) % opts.checkpointEvery === 0 || epoch + 1 === config.epochs)) {
        await hooks.onCheckpoint(await exportWeights(classifier), epoch + 1);
      }
    }
    kept = !!opts.keepClassifier;
  } finally {
    optimizer.dispose();
    tf.dispose([trainFeatures, testFeatures].filter((t): t is tf.Tensor2D => !!t));
    if (!kept) classifier.dispose();
  }
  const result: TrainRunResult = {
    seed: opts.seed,
    seeds,
    epochs,
    evaluation: evaluation!,
    testPredicted,
    steps: totalSteps,
    parameterCount: classifier.parameterCount,
    seconds: (performance.now() - t0) / 1000,
  };
  if (testMode === 'crop32') {
    const per = config.testCrops ?? 4;
    const pooled = poolPredictions(probabilities, classifier.numClasses, per);
    let right = 0;
    pooled.forEach((p, i) => {
      if (p === data.test.labels[i]) right++;
    });
    result.pooledAccuracy = pooled.length ? right / pooled.length : NaN;
  }
  return { result, classifier: kept ? classifier : null };
}

/** Predictions from precomputed frozen features [N, F]. */
async function predictFromFeatures(c: Classifier, features: tf.Tensor2D, batchSize: number): Promise<{ predicted: Int32Array; probabilities: Float32Array }> {
  const n = features.shape[0];
  const predicted = new Int32Array(n);
  const probabilities = new Float32Array(n * c.numClasses);
  for (let i = 0; i < n; i += batchSize) {
    const m = Math.min(batchSize, n - i);
    const [arg, prob] = tf.tidy(() => {
      const p = tf.softmax(c.logits(tf.slice(features, [i, 0], [m, features.shape[1]]), false));
      return [tf.argMax(p, 1), p];
    });
    const [a, p] = await Promise.all([arg.data(), prob.data()]);
    tf.dispose([arg, prob]);
    predicted.set(a as Int32Array, i);
    probabilities.set(p as Float32Array, i * c.numClasses);
  }
  return { predicted, probabilities };
}
