/**
 * The two classifiers of the domain-shift experiments.
 *
 * - `cnn`: a small CNN trained from scratch: blocks of 3×3 'same' convolution → batch norm
 *   (optional) → ReLU → 2×2 max pool, then global average pooling and a dense softmax layer.
 *   Plain tf.Variables and a pure forward function, initialised from a seeded stream.
 * - `mobilenet`: ImageNet MobileNet v1 1.0 (tfjs layers files) truncated at an intermediate layer
 *   (the configs use `conv_dw_13_relu`, 1024 channels: the last layer whose weights every copy has —
 *   the shared local copy lacks `conv_pw_13/kernel`; `conv_pw_13_relu` works with the full download)
 *   and frozen, global average pooling, and a trainable dense head
 *   (optionally one hidden ReLU layer). Its frozen part is exposed separately (`features`) so
 *   un-augmented images (the target domain) are pushed through it once per experiment.
 *
 * Gradients of the convolutions: the tfjs `cpu` backend's Conv2DBackpropFilter and MaxPoolGrad are
 * per-element loops, so there the CNN uses the typed-array gradients of detection/cpuGradients.ts;
 * the `wasm` backend has no Conv2DBackpropFilter at all, so there it uses convGrad.ts; GPU
 * backends use the native ops (see KernelPath).
 */
import * as tf from '@tensorflow/tfjs';
import { batchNorm, constVar, glorotUniform, heUniform } from '../../../core/train/params';
import type { Rng } from '../../../core/rng/rng';
import { loadLayersModelFromFiles } from '../../../core/models/layers';
import { conv2dSameCpuGrad, maxPool2x2CpuGrad } from '../../detection/cpuGradients';
import { conv2dSameMatmulGrad } from './convGrad';
import type { ClassifierKind } from './types';

/**
 * 'native': tf.conv2d / tf.maxPool with their own gradients (GPU backends). 'cpu-grad': the
 * typed-array gradients of detection/cpuGradients.ts (the `cpu` backend). 'matmul-grad':
 * convolution gradients as forward convolution + matrix multiply (convGrad.ts; the `wasm` backend,
 * which lacks Conv2DBackpropFilter), pooling with the native gradient.
 */
export type KernelPath = 'native' | 'cpu-grad' | 'matmul-grad';

/** The fastest path that works on a backend. */
export function defaultKernelPath(backend = tf.getBackend()): KernelPath {
  if (backend === 'cpu') return 'cpu-grad';
  if (backend === 'wasm') return 'matmul-grad';
  return 'native';
}

export interface Classifier {
  readonly kind: ClassifierKind;
  readonly numClasses: number;
  readonly imageSize: number;
  /** What the optimiser updates. */
  readonly trainable: tf.Variable[];
  /** State that is not trained by gradients (batch-norm running means and variances). */
  readonly nonTrainable: tf.Variable[];
  /**
   * The frozen part (images in [0, 1] → features), or null when the whole network trains. When
   * present, `logits` takes its output instead of images.
   */
  readonly features: ((images: tf.Tensor4D) => tf.Tensor) | null;
  /** Logits [N, classes]; `training` selects batch statistics (and updates the running ones). */
  logits(input: tf.Tensor, training: boolean): tf.Tensor2D;
  /** Number of trainable parameters. */
  readonly parameterCount: number;
  dispose(): void;
}

export interface CnnSpec {
  /** Output channels of each conv block; each block halves the resolution. */
  widths: number[];
  batchNorm: boolean;
}

/** The from-scratch CNN; `rng` draws the initial weights. */
export function createCnn(spec: CnnSpec, numClasses: number, imageSize: number, rng: Rng, path: KernelPath = defaultKernelPath()): Classifier {
  if (spec.widths.length === 0) throw new Error('CNN needs at least one conv block');
  if (imageSize % 2 ** spec.widths.length !== 0) {
    throw new Error(`CNN with ${spec.widths.length} pooling blocks needs an image size divisible by ${2 ** spec.widths.length}, got ${imageSize}`);
  }
  const blocks: { kernel: tf.Variable; bias: tf.Variable | null; gamma?: tf.Variable; beta?: tf.Variable; mean?: tf.Variable; variance?: tf.Variable }[] = [];
  let cin = 3;
  for (const w of spec.widths) {
    const kernel = heUniform([3, 3, cin, w], 9 * cin, rng);
    if (spec.batchNorm) {
      blocks.push({ kernel, bias: null, gamma: constVar(w, 1), beta: constVar(w, 0), mean: constVar(w, 0, false), variance: constVar(w, 1, false) });
    } else {
      blocks.push({ kernel, bias: constVar(w, 0) });
    }
    cin = w;
  }
  const dense = glorotUniform([cin, numClasses], rng);
  const denseBias = constVar(numClasses, 0);
  const trainable = [
    ...blocks.flatMap((b) => (spec.batchNorm ? [b.kernel, b.gamma!, b.beta!] : [b.kernel, b.bias!])),
    dense,
    denseBias,
  ];
  const conv = (x: tf.Tensor4D, k: tf.Variable) =>
    path === 'native' ? tf.conv2d(x, k as tf.Tensor4D, 1, 'same') : path === 'cpu-grad' ? conv2dSameCpuGrad(x, k as tf.Tensor4D, 1) : conv2dSameMatmulGrad(x, k as tf.Tensor4D);
  const pool = (x: tf.Tensor4D) => (path === 'cpu-grad' ? maxPool2x2CpuGrad(x) : tf.maxPool(x, 2, 2, 'valid'));
  return {
    kind: 'cnn',
    numClasses,
    imageSize,
    trainable,
    nonTrainable: blocks.flatMap((b) => (b.mean && b.variance ? [b.mean, b.variance] : [])),
    features: null,
    parameterCount: trainable.reduce((s, v) => s + v.size, 0),
    logits(input, training) {
      return tf.tidy(() => {
        let x = tf.sub(tf.mul(input as tf.Tensor4D, 2), 1) as tf.Tensor4D;
        for (const b of blocks) {
          x = conv(x, b.kernel);
          x = b.bias ? (tf.add(x, b.bias) as tf.Tensor4D) : batchNorm(x, b.gamma!, b.beta!, b.mean!, b.variance!, training);
          x = pool(tf.relu(x));
        }
        const g = tf.mean(x, [1, 2]) as tf.Tensor2D;
        return tf.add(tf.matMul(g, dense as tf.Tensor2D), denseBias) as tf.Tensor2D;
      });
    },
    dispose() {
      for (const b of blocks) tf.dispose([b.kernel, b.bias, b.gamma, b.beta, b.mean, b.variance].filter((v): v is tf.Variable => !!v));
      tf.dispose([dense, denseBias]);
    },
  };
}

export interface MobilenetSpec {
  /** Layer the backbone is truncated at (its output is global-average pooled). */
  outputLayer: string;
  /** Hidden units of the head (0: one dense softmax layer on the pooled features). */
  hidden: number;
}

/**
 * MobileNet model.json with the input layer's fixed 224×224 replaced by `size` (the network is fully
 * convolutional up to its pooling, so other sizes run as long as they are multiples of 32).
 */
export function mobilenetJsonForSize(modelJson: ArrayBuffer, size: number): ArrayBuffer {
  if (size % 32 !== 0) throw new Error(`MobileNet needs an image size that is a multiple of 32, got ${size}`);
  const json = JSON.parse(new TextDecoder().decode(modelJson)) as { modelTopology?: { model_config?: { config?: { layers?: { class_name: string; config: Record<string, unknown> }[] } } } };
  const layers = json.modelTopology?.model_config?.config?.layers;
  const input = layers?.find((l) => l.class_name === 'InputLayer');
  if (!input) throw new Error('MobileNet model.json: no InputLayer found');
  input.config.batch_input_shape = [null, size, size, 3];
  return new TextEncoder().encode(JSON.stringify(json)).buffer as ArrayBuffer;
}

/** A frozen feature extractor shared by the runs of an experiment. */
export interface FrozenBackbone {
  readonly featureSize: number;
  readonly imageSize: number;
  /** Images [N,S,S,3] in [0, 1] → pooled features [N, featureSize]. */
  features(images: tf.Tensor4D): tf.Tensor2D;
  dispose(): void;
}

/** MobileNet v1 from its files (model.json + shards by name), truncated at spec.outputLayer, frozen. */
export async function loadMobilenetBackbone(files: Record<string, ArrayBuffer>, spec: MobilenetSpec, imageSize: number): Promise<FrozenBackbone> {
  if (!files['model.json']) throw new Error('MobileNet files: model.json is missing');
  const map = new Map(Object.entries(files));
  map.set('model.json', mobilenetJsonForSize(files['model.json'], imageSize));
  const model = await loadLayersModelFromFiles(map, { outputLayer: spec.outputLayer });
  model.trainable = false;
  const outShape = model.outputs[0].shape;
  return {
    featureSize: outShape[outShape.length - 1] as number,
    imageSize,
    features: (images) =>
      tf.tidy(() => {
        const out = model.predict(tf.sub(tf.mul(images, 2), 1)) as tf.Tensor4D;
        return tf.mean(out, [1, 2]) as tf.Tensor2D;
      }),
    dispose: () => model.dispose(),
  };
}

/** A trainable dense head on a frozen backbone; dispose() frees the head only. */
export function createHeadClassifier(backbone: FrozenBackbone, hidden: number, numClasses: number, rng: Rng): Classifier {
  const vars: tf.Variable[] = [];
  let hiddenW: tf.Variable | null = null, hiddenB: tf.Variable | null = null;
  let inSize = backbone.featureSize;
  if (hidden > 0) {
    hiddenW = heUniform([inSize, hidden], inSize, rng);
    hiddenB = constVar(hidden, 0);
    vars.push(hiddenW, hiddenB);
    inSize = hidden;
  }
  const dense = glorotUniform([inSize, numClasses], rng);
  const denseBias = constVar(numClasses, 0);
  vars.push(dense, denseBias);
  return {
    kind: 'mobilenet',
    numClasses,
    imageSize: backbone.imageSize,
    trainable: vars,
    nonTrainable: [],
    features: (images) => backbone.features(images),
    parameterCount: vars.reduce((s, v) => s + v.size, 0),
    logits(input) {
      return tf.tidy(() => {
        let h = input as tf.Tensor2D;
        if (hiddenW && hiddenB) h = tf.relu(tf.add(tf.matMul(h, hiddenW as tf.Tensor2D), hiddenB));
        return tf.add(tf.matMul(h, dense as tf.Tensor2D), denseBias) as tf.Tensor2D;
      });
    },
    dispose() {
      tf.dispose(vars);
    },
  };
}

/** Logits for images, through the frozen part when there is one (no gradients needed). */
export function predictLogits(c: Classifier, images: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => c.logits(c.features ? c.features(images) : images, false));
}
