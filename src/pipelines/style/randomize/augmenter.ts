/**
 * Style augmentation (thesis §4.3): each chosen image c of a batch becomes T(c, z) with
 * z = α·N(μ, Σ) + (1 − α)·P(c) (Eq 4.8); the others pass through unchanged.
 *
 *   const aug = new StyleAugmenter(net, stats, { ratio: 0.5, alpha: 0.5, mode: 'random', seed });
 *   const { output, records } = await aug.apply(batch, batchIndex);   // output: caller disposes
 *   const again = aug.replay(batch, records);                          // identical to output
 *
 * apply = sampleStyleChoices (pure JS, seeded) + P(c) for the images that need it (stylised with
 * α < 1, read back to JS so the records hold the final z) + replay(records) (tensor ops only).
 * The transformer runs per image (each has its own z); P(c) sees the image resized to a
 * predictorSize square (bilinear, half-pixel centres).
 */
import * as tf from '@tensorflow/tfjs';
import type { ActivationMode } from '../tflite/graph';
import { EMBEDDING_SIZE, type StyleNetwork } from '../tflite/styleNetwork';
import { mixStyleChoices, needsContentEmbedding, sampleStyleChoices, validateStyleOptions, type StyleRandomOptions, type StyleRecord } from './records';
import type { EmbeddingStats } from './stats';
import { statsCholesky } from './stats';

export interface StyleAugmenterConfig {
  /** Content is resized to this square for P(c); default 256 (the predictor's training size). */
  predictorSize?: number;
  /** Activation arithmetic of both networks (see tflite/graph.ts); default 'float'. */
  activations?: ActivationMode;
}

function checkBatch(batch: tf.Tensor4D, what: string): void {
  if (batch.rank !== 4 || batch.shape[3] !== 3) throw new Error(`${what} expects a batch [N,H,W,3] in [0,1], got shape ${JSON.stringify(batch.shape)}`);
  if (batch.dtype !== 'float32') throw new Error(`${what} expects float32 images in [0,1], got ${batch.dtype}`);
}

export class StyleAugmenter {
  readonly predictorSize: number;
  private readonly activations: ActivationMode | undefined;

  constructor(
    readonly net: StyleNetwork,
    readonly stats: EmbeddingStats,
    readonly options: StyleRandomOptions,
    config: StyleAugmenterConfig = {},
  ) {
    if (stats.dim !== EMBEDDING_SIZE) throw new Error(`Style statistics have dim ${stats.dim}, the style network uses ${EMBEDDING_SIZE}`);
    validateStyleOptions(options);
    statsCholesky(stats); // fail here, not mid-training, if Σ is not positive definite
    this.predictorSize = config.predictorSize ?? 256;
    if (!Number.isInteger(this.predictorSize) || this.predictorSize < 8) throw new Error(`predictorSize must be an integer ≥ 8, got ${config.predictorSize}`);
    this.activations = config.activations;
  }

  /** P(c) for each image of a batch [N,H,W,3] in [0,1] → N embeddings (Float32Array(100)). */
  async contentEmbeddings(batch: tf.Tensor4D): Promise<Float32Array[]> {
    checkBatch(batch, 'contentEmbeddings');
    const all = Array.from({ length: batch.shape[0] }, (_, i) => i);
    const got = await this.embeddingsOf(batch, all);
    return all.map((i) => got[i]!);
  }

  /** P(c) of the listed images (the other entries stay undefined). */
  private async embeddingsOf(batch: tf.Tensor4D, indices: readonly number[]): Promise<(Float32Array | undefined)[]> {
    const out: (Float32Array | undefined)[] = new Array(batch.shape[0]);
    const [, h, w] = batch.shape;
    const s = this.predictorSize;
    for (const i of indices) {
      const z = tf.tidy(() => {
        let img = tf.slice(batch, [i, 0, 0, 0], [1, h, w, 3]);
        if (h !== s || w !== s) img = tf.image.resizeBilinear(img, [s, s], false, true);
        return this.net.predictStyle(img, this.activations);
      });
      try {
        out[i] = new Float32Array(await z.data());
      } finally {
        z.dispose();
      }
    }
    return out;
  }

  /**
   * Stylise a batch [N,H,W,3] in [0,1]; images not chosen pass through unchanged. Output has the
   * same shape (caller disposes). P(c) is computed only for stylised images with α < 1.
   */
  async apply(batch: tf.Tensor4D, batchIndex: number): Promise<{ output: tf.Tensor4D; records: StyleRecord[] }> {
    checkBatch(batch, 'StyleAugmenter.apply');
    const choices = sampleStyleChoices(this.stats, this.options, batchIndex, batch.shape[0]);
    const need = needsContentEmbedding(choices);
    const content = need.length > 0 ? await this.embeddingsOf(batch, need) : undefined;
    const records = mixStyleChoices(choices, this.stats.dim, content);
    return { output: this.replay(batch, records), records };
  }

  /** Re-run from records: bit-identical to apply()'s output on the same backend. */
  replay(batch: tf.Tensor4D, records: readonly StyleRecord[]): tf.Tensor4D {
    checkBatch(batch, 'StyleAugmenter.replay');
    const [n, h, w] = batch.shape;
    if (records.length !== n) throw new Error(`StyleAugmenter.replay: ${records.length} records for a batch of ${n}`);
    records.forEach((r, i) => {
      if (r.index !== i) throw new Error(`StyleAugmenter.replay: record ${i} has index ${r.index}`);
      if (r.stylised && (!r.z || r.z.length !== EMBEDDING_SIZE)) throw new Error(`StyleAugmenter.replay: record ${i} is stylised but has no ${EMBEDDING_SIZE}-value z`);
    });
    if (!records.some((r) => r.stylised)) return batch.clone();
    return tf.tidy(() => {
      const parts = records.map((r, i) => {
        const img = tf.slice(batch, [i, 0, 0, 0], [1, h, w, 3]);
        return r.stylised ? this.net.transfer(img, tf.tensor1d(r.z!, 'float32'), this.activations) : img;
      });
      return tf.concat(parts, 0);
    });
  }

  /** T(c, z) for one embedding over the whole batch (for previews and "style from this image"). */
  stylize(batch: tf.Tensor4D, z: ArrayLike<number>): tf.Tensor4D {
    checkBatch(batch, 'StyleAugmenter.stylize');
    if (z.length !== EMBEDDING_SIZE) throw new Error(`StyleAugmenter.stylize: z has ${z.length} values, expected ${EMBEDDING_SIZE}`);
    const [n, h, w] = batch.shape;
    return tf.tidy(() => {
      const zt = tf.tensor1d(Array.from(z), 'float32');
      const parts = Array.from({ length: n }, (_, i) => this.net.transfer(tf.slice(batch, [i, 0, 0, 0], [1, h, w, 3]), zt, this.activations));
      return tf.concat(parts, 0);
    });
  }
}
