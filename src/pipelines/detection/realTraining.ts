/**
 * Fine-tuning the counting detector on real annotated images (COCO / box-list JSON, DSB2018 mask
 * folders): a seeded train/validation split by image, seeded random square crops of the training
 * images (the detector is fully convolutional, so it trains on windows and runs on whole images),
 * and validation on whole images padded to multiples of 32. Plugs into `trainDetector` as a
 * `TrainingData` source, so the job, the CLI and the benchmark share the loop with SIMCEP training.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../core/rng/rng';
import type { AssignmentKind } from './assignment';
import { inferenceNmsIou } from './assignment';
import { boxArea, toCenterBox, type Box } from './boxes';
import { predict, toDetections } from './inference';
import { evaluateDetections, type DetectionReport, type ImageDetections } from './metrics';
import type { DetectorConfig, DetectorWeights } from './model';
import { padToMultipleOf32, resizeNearestMultipleOf32, type RealSample } from './realImages';
import type { SimcepBatch } from './train';

/** A training-set source for `trainDetector` (SIMCEP by default). */
export interface TrainingData {
  /** Images per epoch. */
  trainImages: number;
  /** Crop / image side of training batches (pixels). */
  width: number;
  height: number;
  /** Mean ground-truth box side in pixels (Eq 3.2 normalisation). */
  meanBoxPx: number;
  /** `size` training images; image i depends only on (rng, firstIndex + i). */
  batch(rng: Rng, size: number, firstIndex: number): SimcepBatch;
  /** Table 3.2 metrics of the current weights on the validation images. */
  evaluate(weights: DetectorWeights, detector: DetectorConfig, loss: AssignmentKind): Promise<DetectionReport>;
  validationImages: number;
}

export interface PreparedSample {
  path: string;
  image: Float32Array;
  width: number;
  height: number;
  boxes: Box[];
}

/**
 * Keep the samples that have boxes, rescaled by `scale` (so objects match the sizes the detector
 * was trained on) to multiples of 32, and split them by image into train and validation with a
 * seeded shuffle. At least one image goes to each side when there are two or more.
 */
export function prepareRealSplit(
  samples: readonly RealSample[],
  options: { valFraction: number; seed: number; scale?: number },
): { train: PreparedSample[]; val: PreparedSample[]; skipped: string[] } {
  const { valFraction, seed, scale = 1 } = options;
  if (!(valFraction >= 0 && valFraction < 1)) throw new RangeError(`valFraction must be in [0, 1), got ${valFraction}`);
  const skipped: string[] = [];
  const usable: PreparedSample[] = [];
  for (const s of samples) {
    if (!s.boxes) {
      skipped.push(s.path);
      continue;
    }
    const r = resizeNearestMultipleOf32(s.image, s.width, s.height, s.boxes, scale);
    usable.push({ path: s.path, image: r.image, width: r.width, height: r.height, boxes: r.boxes ?? [] });
  }
  if (usable.length === 0) throw new Error('No images with boxes to fine-tune on (count-only images, e.g. _C<n>_ names, can only be evaluated)');
  const order = new Rng(seed).fork('real-split').shuffle(usable.map((_, i) => i));
  let nVal = Math.round(usable.length * valFraction);
  if (valFraction > 0 && usable.length >= 2) nVal = Math.min(usable.length - 1, Math.max(1, nVal));
  const val = order.slice(0, nVal).map((i) => usable[i]);
  const train = order.slice(nVal).map((i) => usable[i]);
  return { train, val, skipped };
}

/**
 * A size×size window of `sample` at a seeded random position (zero padding where the image is
 * smaller). A box is kept, clipped to the window, when at least `minVisible` of its area lies
 * inside; boxes cut more than that are dropped (their visible part is not a whole object).
 */
export function randomCrop(sample: PreparedSample, size: number, rng: Rng, minVisible = 0.5): { image: Float32Array; boxes: Box[] } {
  const x0 = sample.width > size ? rng.int(0, sample.width - size) : 0;
  const y0 = sample.height > size ? rng.int(0, sample.height - size) : 0;
  return cropAt(sample, size, x0, y0, minVisible);
}

export function cropAt(sample: PreparedSample, size: number, x0: number, y0: number, minVisible = 0.5): { image: Float32Array; boxes: Box[] } {
  const image = new Float32Array(size * size);
  const w = Math.min(size, sample.width - x0);
  const h = Math.min(size, sample.height - y0);
  for (let y = 0; y < h; y++) image.set(sample.image.subarray((y0 + y) * sample.width + x0, (y0 + y) * sample.width + x0 + w), y * size);
  const boxes: Box[] = [];
  for (const b of sample.boxes) {
    const c: Box = {
      x1: Math.max(b.x1 - x0, 0),
      y1: Math.max(b.y1 - y0, 0),
      x2: Math.min(b.x2 - x0, w),
      y2: Math.min(b.y2 - y0, h),
    };
    if (c.x2 <= c.x1 || c.y2 <= c.y1) continue;
    const area = boxArea(b);
    if (area > 0 && boxArea(c) >= minVisible * area) boxes.push(c);
  }
  return { image, boxes };
}

/** Mean box side (√(w·h)) over a set of samples; `fallback` when there are no boxes. */
export function meanBoxSide(samples: readonly PreparedSample[], fallback: number): number {
  let sum = 0;
  let n = 0;
  for (const s of samples) for (const b of s.boxes) {
    sum += Math.sqrt(Math.max(0, boxArea(b)));
    n++;
  }
  return n > 0 ? sum / n : fallback;
}

/** Table 3.2 metrics over whole images, each padded right/bottom to a multiple of 32. */
export async function evaluateWholeImages(
  weights: DetectorWeights,
  detector: DetectorConfig,
  samples: readonly PreparedSample[],
  loss: AssignmentKind,
): Promise<DetectionReport> {
  const images: ImageDetections[] = [];
  for (const s of samples) {
    const padded = padToMultipleOf32(s.image, s.width, s.height);
    const x = tf.tensor4d(padded.image, [1, padded.height, padded.width, 1]);
    const [p] = await predict(weights, detector, x);
    x.dispose();
    images.push({ ...toDetections(p, padded.width, padded.height, inferenceNmsIou[loss]), groundTruth: s.boxes });
  }
  return evaluateDetections(images);
}

export interface RealDataOptions {
  /** Crop side for training batches (a multiple of 32). */
  cropSize: number;
  /** Crops per epoch (default: one per training image, at least one batch). */
  cropsPerEpoch?: number;
  minVisible?: number;
}

/** A `TrainingData` over prepared real samples: image k of the epoch is a random crop of train[k mod n]. */
export function realTrainingData(train: readonly PreparedSample[], val: readonly PreparedSample[], options: RealDataOptions): TrainingData {
  const { cropSize } = options;
  if (!(cropSize >= 32 && cropSize % 32 === 0)) throw new RangeError(`crop size must be a positive multiple of 32, got ${cropSize}`);
  if (train.length === 0) throw new Error('No training images left after the validation split');
  const meanBoxPx = meanBoxSide(train, cropSize / 8);
  return {
    trainImages: options.cropsPerEpoch ?? train.length,
    width: cropSize,
    height: cropSize,
    meanBoxPx,
    validationImages: val.length,
    batch(rng, size, firstIndex) {
      const pixels = new Float32Array(size * cropSize * cropSize);
      const boxes: Box[][] = [];
      for (let i = 0; i < size; i++) {
        const r = rng.fork(firstIndex + i);
        const crop = randomCrop(train[(firstIndex + i) % train.length], cropSize, r, options.minVisible);
        pixels.set(crop.image, i * cropSize * cropSize);
        boxes.push(crop.boxes);
      }
      return { width: cropSize, height: cropSize, pixels, boxes, groundTruth: boxes.map((bs) => bs.map((b) => toCenterBox(b, cropSize, cropSize))) };
    },
    evaluate: (weights, detector, loss) => evaluateWholeImages(weights, detector, val, loss),
  };
}
