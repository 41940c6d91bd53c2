/**
 * One image → `copies` augmented versions, exactly as the panel previews them and as the dataset
 * export writes them (so a preview tile (row r, copy k) equals exported copy k of image r for the
 * same seed, options and size).
 *
 * Image r is batch r of the style randomisation: its copies are the batch's images, so copy k
 * draws from Rng(seed).fork(`style-batch:r`).fork(`image:k`) (randomize/records.ts). Its content
 * embedding P(c) is computed once and shared by the copies. "Style from an image" replaces the
 * N(μ, Σ) draw (or μ) of Eq 4.8 by P(s): z = α·P(s) + (1 − α)·P(c). The optional traditional
 * augmentations (augment/, thesis §4.4.1) run after the style transfer, seeded separately.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../core/rng/rng';
import { executeRecord, sampleRecord, traditionalAugmentSpec, type AugmentRecord, type AugmentSpec } from '../augment';
import {
  mixStyleChoices,
  needsContentEmbedding,
  sampleStyleChoices,
  type EmbeddingStats,
  type StyleAugmenter,
  type StyleRandomOptions,
  type StyleRecord,
} from '../randomize';
import type { RgbImage } from './imageRgb';

export interface StyleSettings {
  options: StyleRandomOptions;
  /** P(s) of a chosen style image; replaces the random (or mean) style of Eq 4.8. */
  styleEmbedding?: readonly number[] | null;
  /** Also apply the seven traditional augmentations (the "Both" arm). */
  traditional: boolean;
}

/** The traditional augmentation spec used with style augmentation (thesis §4.4.1). */
export function traditionalSpec(): AugmentSpec {
  return traditionalAugmentSpec();
}

/** Seed of the traditional augmentations, derived from the style seed (recorded with the outputs). */
export function traditionalSeed(seed: number): number {
  return new Rng(seed).fork('traditional').seed;
}

/** The copies' records before P(c): which are stylised, their α, and whether P(c) is needed. */
export function planStyle(stats: EmbeddingStats, settings: StyleSettings, batchIndex: number, copies: number) {
  let choices = sampleStyleChoices(stats, settings.options, batchIndex, copies);
  const s = settings.styleEmbedding;
  if (s) {
    if (s.length !== stats.dim) throw new Error(`The style image embedding has ${s.length} values, expected ${stats.dim}`);
    choices = choices.map((c) => (c.stylised ? { ...c, style: s } : c));
  }
  return { choices, needsContent: needsContentEmbedding(choices).length > 0 };
}

/** Eq 4.8 for every copy of one image, given its P(c) (required when some stylised copy has α < 1). */
export function styleRecordsFor(
  stats: EmbeddingStats,
  settings: StyleSettings,
  batchIndex: number,
  copies: number,
  contentEmbedding?: ArrayLike<number>,
): StyleRecord[] {
  const { choices } = planStyle(stats, settings, batchIndex, copies);
  return mixStyleChoices(choices, stats.dim, contentEmbedding ? choices.map(() => contentEmbedding) : undefined);
}

/** The traditional-augmentation record of image `batchIndex`'s copies (null when switched off). */
export function traditionalRecordFor(settings: StyleSettings, batchIndex: number, copies: number, height: number, width: number): AugmentRecord | null {
  if (!settings.traditional) return null;
  return sampleRecord(traditionalSpec(), traditionalSeed(settings.options.seed), batchIndex, [copies, height, width, 3]);
}

/** An RGB image → [1,H,W,3] float32 tensor (caller disposes). */
export function rgbTensor(img: RgbImage): tf.Tensor4D {
  return tf.tensor4d(img.data, [1, img.height, img.width, 3]);
}

/**
 * Copy k of one image: T(c, z_k) (or c itself when not stylised), then its traditional
 * augmentations. `image` is [1,H,W,3]; returns a new [1,H,W,3] tensor (caller disposes).
 */
export function renderCopy(augmenter: StyleAugmenter, image: tf.Tensor4D, record: StyleRecord, traditional: AugmentRecord | null, copy: number): tf.Tensor4D {
  const styled = augmenter.replay(image, [{ ...record, index: 0 }]);
  if (!traditional) return styled;
  const [, h, w, c] = image.shape;
  try {
    const one: AugmentRecord = { ...traditional, shape: [1, h, w, c], images: [traditional.images[copy]] };
    return executeRecord(styled, one, traditionalSpec());
  } finally {
    styled.dispose();
  }
}

/** A [1,H,W,3] tensor in [0,1] → RGB image (values clamped). */
export async function tensorToRgb(t: tf.Tensor4D): Promise<RgbImage> {
  const [, height, width] = t.shape;
  const data = (await t.data()) as Float32Array;
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] > 0 ? (data[i] < 1 ? data[i] : 1) : 0;
  return { width, height, data: out };
}
