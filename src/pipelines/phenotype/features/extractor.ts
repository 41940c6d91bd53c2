/**
 * Multi-scale CNN features (thesis §5.2): one forward pass of a backbone, the spatial mean of
 * each chosen layer's maps (one value per channel), concatenated in layer order.
 *
 * A single multi-output tf.model is built from the named layers of the given model, so shared
 * early layers run once. The model must accept the image's spatial size: registry models have a
 * fixed 224×224 input, so load them with `inputShape: [null, null, null, 3]` (see
 * core/models/layers.ts, or `loadBackboneModel` in pipeline.ts) to work on full-resolution images.
 * Every intermediate tensor is disposed; `extract` reads back asynchronously (WebGPU has no
 * cheap synchronous read), `extractSync` is for CPU/WASM backends and tests.
 */
import * as tf from '@tensorflow/tfjs';
import { normaliseInput, type InputNormalisation } from './backbones';
import type { RgbImage } from './preprocess';

export interface LayerDim {
  name: string;
  channels: number;
}

export interface FeatureExtractor {
  /** Feature length: the sum of the layers' channels. */
  dim: number;
  layerDims: LayerDim[];
  /** Features of one HWC RGB image in [0, 1]. */
  extract(rgb: RgbImage): Promise<Float32Array>;
  /** Same, with a synchronous read-back (CPU/WASM backends). */
  extractSync(rgb: RgbImage): Float32Array;
  /** Features of several images; runs of same-sized images go through the network together (≤ batchSize at a time). */
  extractBatch(images: readonly RgbImage[], batchSize?: number): Promise<Float32Array[]>;
  /** Release the model when the extractor owns it (`ownsModel`); the extractor is unusable afterwards. */
  dispose(): void;
}

export interface FeatureExtractorOptions {
  /** dispose() also disposes `model` (default false: the caller keeps and disposes it). */
  ownsModel?: boolean;
}

export class FeatureExtractorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeatureExtractorError';
  }
}

type Normaliser = InputNormalisation | ((x: tf.Tensor4D) => tf.Tensor4D);

function outputShape(layer: tf.layers.Layer): (number | null)[] | null {
  try {
    const s = layer.outputShape;
    return Array.isArray(s) && !s.some((d) => Array.isArray(d)) ? (s as (number | null)[]) : null; // a list of shapes = several outputs
  } catch {
    return null; // e.g. a layer applied at several nodes
  }
}

export function createFeatureExtractor(model: tf.LayersModel, layers: readonly string[], normalise: Normaliser, opts: FeatureExtractorOptions = {}): FeatureExtractor {
  if (layers.length === 0) throw new FeatureExtractorError('No feature layers given');
  if (model.inputs.length !== 1) throw new FeatureExtractorError(`The model has ${model.inputs.length} inputs; a feature backbone takes one image`);
  const inShape = model.inputs[0].shape;
  if (inShape.length !== 4 || (inShape[3] !== null && inShape[3] !== 3)) {
    throw new FeatureExtractorError(`The model input has shape ${JSON.stringify(inShape)}; expected [batch, height, width, 3]`);
  }
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  const fourD = model.layers.filter((l) => outputShape(l)?.length === 4).map((l) => l.name);
  const outputs: tf.SymbolicTensor[] = [];
  const layerDims: LayerDim[] = [];
  for (const name of layers) {
    const layer = byName.get(name);
    if (!layer) throw new FeatureExtractorError(`Layer "${name}" is not in the model. Layers with 4-D outputs: ${fourD.join(', ')}`);
    const shape = outputShape(layer);
    if (!shape || shape.length !== 4) {
      throw new FeatureExtractorError(`Layer "${name}" has output shape ${JSON.stringify(shape)}, not [batch, height, width, channels]. Layers with 4-D outputs: ${fourD.join(', ')}`);
    }
    const channels = shape[3];
    if (channels === null) throw new FeatureExtractorError(`Layer "${name}" has an unknown channel count`);
    outputs.push(layer.output as tf.SymbolicTensor);
    layerDims.push({ name, channels });
  }
  // Shares the model's layers and weights; it is never disposed itself (that would dispose them).
  const net = tf.model({ inputs: model.inputs, outputs });
  const dim = layerDims.reduce((s, l) => s + l.channels, 0);
  const norm = (x: tf.Tensor4D) => (typeof normalise === 'function' ? normalise(x) : normaliseInput(x, normalise));
  let disposed = false;

  const check = (rgb: RgbImage) => {
    if (disposed) throw new FeatureExtractorError('The feature extractor has been disposed');
    if (!(rgb.width > 0 && rgb.height > 0) || rgb.data.length !== rgb.width * rgb.height * 3) {
      throw new FeatureExtractorError(`RGB image of ${rgb.width}x${rgb.height} needs ${rgb.width * rgb.height * 3} values, got ${rgb.data.length}`);
    }
    const [, h, w] = inShape;
    if ((h !== null && h !== rgb.height) || (w !== null && w !== rgb.width)) {
      throw new FeatureExtractorError(`The model input is fixed to ${w}x${h} but the image is ${rgb.width}x${rgb.height}; load the model with inputShape [null, null, null, 3] to use any size`);
    }
  };

  /** [n, dim] features of a stack of same-sized images. */
  const forward = (batch: readonly RgbImage[]): tf.Tensor2D => tf.tidy(() => {
    const { width, height } = batch[0];
    const data = new Float32Array(batch.length * width * height * 3);
    batch.forEach((b, i) => data.set(b.data, i * width * height * 3));
    const x = norm(tf.tensor4d(data, [batch.length, height, width, 3]));
    const ys = net.predict(x, { batchSize: batch.length });
    const maps = Array.isArray(ys) ? ys : [ys];
    const means = maps.map((m) => m.mean([1, 2]) as tf.Tensor2D);
    return means.length === 1 ? means[0] : tf.concat(means, 1);
  });

  return {
    dim,
    layerDims,
    async extract(rgb) {
      check(rgb);
      const f = forward([rgb]);
      try {
        return (await f.data()) as Float32Array;
      } finally {
        f.dispose();
      }
    },
    extractSync(rgb) {
      check(rgb);
      const f = forward([rgb]);
      try {
        return f.dataSync() as Float32Array;
      } finally {
        f.dispose();
      }
    },
    async extractBatch(images, batchSize = 8) {
      if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new FeatureExtractorError(`batchSize must be a positive integer, got ${batchSize}`);
      images.forEach(check);
      const out: Float32Array[] = [];
      for (let i = 0; i < images.length;) {
        let j = i + 1;
        while (j < images.length && j - i < batchSize && images[j].width === images[i].width && images[j].height === images[i].height) j++;
        const f = forward(images.slice(i, j));
        try {
          const v = (await f.data()) as Float32Array;
          for (let k = 0; k < j - i; k++) out.push(v.slice(k * dim, (k + 1) * dim));
        } finally {
          f.dispose();
        }
        i = j;
      }
      return out;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      if (opts.ownsModel) model.dispose();
    },
  };
}
