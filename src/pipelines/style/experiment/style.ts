/**
 * Style augmentation for the experiments, on top of the randomize module's StyleAugmenter.
 *
 * P(c) of a training image does not change between epochs or seeds, so it is computed once per
 * experiment (`contentEmbeddings`) and Eq 4.8's records come from `sampleStyleRecords` with those
 * cached embeddings; `StyleAugmenter.replay` then runs the transformer. The result is what
 * `StyleAugmenter.apply` would give on the same batch, without recomputing P(c) for every batch.
 *
 * Two sources of stylised images:
 * - online (thesis): every batch, each image is stylised with probability `ratio`, with α and the
 *   N(μ, Σ) draw seeded by (seed, step, position in batch).
 * - pool: once per seed, every training image is stylised K times (ratio 1, the configured α; the
 *   pool's own seed); each batch then replaces each image, with probability `ratio`, by one of its
 *   K variants, chosen with seeded draws per (step, position). Stylised pixels are stored as 8-bit.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../core/rng/rng';
import { sampleStyleRecords, type EmbeddingStats, type StyleAugmenter } from '../randomize';
import type { StyleSource } from './arms';
import { batchArray, type ImageSet } from './data';

export interface StyleProgress {
  onProgress?: (done: number, total: number) => void;
  checkpoint?: () => Promise<void>;
}

const indexRange = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

/** P(c) of every image of a set (Float32Array(100) each), in chunks of `chunk` images. */
export async function contentEmbeddings(augmenter: StyleAugmenter, set: ImageSet, chunk: number, hooks: StyleProgress = {}): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  const n = set.pixels.length;
  const s = set.size;
  for (let i = 0; i < n; i += chunk) {
    await hooks.checkpoint?.();
    const idx = indexRange(i, Math.min(n, i + chunk));
    const x = tf.tensor4d(batchArray(set, idx), [idx.length, s, s, 3]);
    try {
      out.push(...(await augmenter.contentEmbeddings(x)));
    } finally {
      x.dispose();
    }
    hooks.onProgress?.(Math.min(n, i + chunk), n);
  }
  return out;
}

export interface StylePoolOptions {
  /** Variants per image. */
  size: number;
  alpha: number | readonly [number, number];
  seed: number;
  /** Images per transformer call batch. */
  chunk: number;
}

/** pool[k][i]: variant k of training image i, 8-bit RGB like ImageSet.pixels. */
export type StylePool = Uint8Array[][];

/**
 * Stylise every image `options.size` times. Variant k of chunk c uses Eq 4.8 records for batch
 * index k·chunks + c of the pool seed, so the pool is a function of (images, stats, options).
 */
export async function buildStylePool(
  augmenter: StyleAugmenter,
  stats: EmbeddingStats,
  set: ImageSet,
  embeddings: readonly Float32Array[],
  options: StylePoolOptions,
  hooks: StyleProgress = {},
): Promise<StylePool> {
  const n = set.pixels.length;
  const s = set.size;
  const chunks = Math.ceil(n / options.chunk);
  const pool: StylePool = [];
  const total = options.size * n;
  for (let k = 0; k < options.size; k++) {
    const variant: Uint8Array[] = [];
    for (let c = 0; c < chunks; c++) {
      await hooks.checkpoint?.();
      const idx = indexRange(c * options.chunk, Math.min(n, (c + 1) * options.chunk));
      const records = sampleStyleRecords(stats, { ratio: 1, alpha: options.alpha, mode: 'random', seed: options.seed }, k * chunks + c, idx.length, idx.map((i) => embeddings[i]));
      const x = tf.tensor4d(batchArray(set, idx), [idx.length, s, s, 3]);
      const y = augmenter.replay(x, records);
      const v = await y.data();
      tf.dispose([x, y]);
      const per = s * s * 3;
      for (let b = 0; b < idx.length; b++) {
        const px = new Uint8Array(per);
        for (let q = 0; q < per; q++) px[q] = Math.round(Math.min(1, Math.max(0, v[b * per + q])) * 255);
        variant.push(px);
      }
      hooks.onProgress?.(k * n + idx[idx.length - 1] + 1, total);
    }
    pool.push(variant);
  }
  return pool;
}

/** Per image of a batch: −1 (keep the original) or the pool variant to use. */
export function poolChoices(seed: number, step: number, batchSize: number, ratio: number, poolSize: number): Int32Array {
  const rng = new Rng(seed).fork(`pool-step:${step}`);
  const out = new Int32Array(batchSize);
  for (let i = 0; i < batchSize; i++) {
    const r = rng.fork(`image:${i}`);
    out[i] = r.fork('stylise').bernoulli(ratio) ? r.fork('variant').int(0, poolSize - 1) : -1;
  }
  return out;
}

/** Training batches draw stylised images from a precomputed pool. */
export function poolStyleSource(set: ImageSet, pool: StylePool, ratio: number, seed: number): StyleSource {
  if (pool.length === 0) throw new Error('poolStyleSource: the pool is empty');
  return {
    mode: 'pool',
    async apply(x, indices, step) {
      const choice = poolChoices(seed, step, indices.length, ratio, pool.length);
      const stylised = Array.from(choice, (c) => c >= 0);
      if (!stylised.some(Boolean)) return { output: x.clone(), stylised };
      // The batch rebuilt from the set's pixels, with pooled variants where chosen (x holds the
      // same un-augmented images, so it is not read).
      const s = set.size;
      const output = tf.tensor4d(batchArray(set, indices, (i, b) => (choice[b] >= 0 ? pool[choice[b]][i] : set.pixels[i])), [indices.length, s, s, 3]);
      return { output, stylised };
    },
  };
}

/** Every batch is stylised on the fly (thesis): Eq 4.8 records per (seed, step), cached P(c). */
export function onlineStyleSource(
  augmenter: StyleAugmenter,
  stats: EmbeddingStats,
  embeddings: readonly Float32Array[],
  options: { ratio: number; alpha: number | readonly [number, number]; seed: number },
): StyleSource {
  return {
    mode: 'online',
    async apply(x, indices, step) {
      const records = sampleStyleRecords(stats, { ratio: options.ratio, alpha: options.alpha, mode: 'random', seed: options.seed }, step, indices.length, indices.map((i) => embeddings[i]));
      return { output: augmenter.replay(x, records), stylised: records.map((r) => r.stylised) };
    },
  };
}
