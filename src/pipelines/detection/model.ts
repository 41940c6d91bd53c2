/**
 * The fully convolutional detector of thesis Table 3.1, as a pure forward function over a plain
 * record of tf.Variables (`conv1/kernel`, `conv1/bias`, …) so it trains with optimizer.minimize
 * and saves/loads as named tensors. Layout NHWC, LeakyReLU α = 0.1 except `boxes` (identity)
 * and `confidence` (sigmoid). Convolutions use 'same' padding, so any input whose sides are
 * multiples of 32 gives an (H/32)×(W/32) window grid whose window (i, j) is centred on pixel
 * (32j + 16, 32i + 16) — the same geometry as the released model's valid convolutions with a
 * fully padded conv6.
 *
 * Outputs, per image, K = (H/32)·(W/32)·B detectors ordered (row, col, b):
 * - boxes [N, K, 4]: (cx, cy, w, h) normalised by the image width/height (§3.3.1);
 * - confidences [N, K] in (0, 1).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/rng/rng';
import { conv2dSameCpuGrad, maxPool2x2CpuGrad } from './cpuGradients';
import { conv2dSameMatmulGrad } from '../style/experiment/convGrad';

/** Effective stride of the conv7 grid and side of each window's receptive field, pixels (§3.3.2). */
export const WINDOW_STRIDE = 32;
export const WINDOW_SIZE = 64;

export interface DetectorConfig {
  name: string;
  /** Nominal input side for this preset (any multiple of 32 works). */
  inputSize: number;
  inputChannels: number;
  /** B, detectors per window (Table 3.1: 9). */
  detectorsPerWindow: number;
  /** Scales every layer width of Table 3.1 (1 = the thesis network). */
  widthMultiplier: number;
  leakyAlpha: number;
  /** Initial box side, pixels: sets the `boxes` bias so untrained boxes have a plausible size. */
  initialBoxSizePx: number;
}

export const thesisDetectorConfig: DetectorConfig = {
  name: 'thesis',
  inputSize: 224,
  inputChannels: 1,
  detectorsPerWindow: 9,
  widthMultiplier: 1,
  leakyAlpha: 0.1,
  initialBoxSizePx: 20,
};

/** A quarter-width network on 64×64 inputs that trains in minutes on a CPU. */
export const smallDetectorConfig: DetectorConfig = {
  ...thesisDetectorConfig,
  name: 'small',
  inputSize: 64,
  widthMultiplier: 0.25,
  initialBoxSizePx: 12,
};

type Activation = 'leaky' | 'identity' | 'sigmoid';

export interface ConvSpec {
  name: string;
  kernel: number;
  stride: number;
  inChannels: number;
  outChannels: number;
  activation: Activation;
}

/** Table 3.1 convolutions with their channel counts under the config's width multiplier. */
export function detectorLayers(config: DetectorConfig): ConvSpec[] {
  const width = (base: number) => Math.max(4, Math.round(base * config.widthMultiplier));
  const b = config.detectorsPerWindow;
  const specs: ConvSpec[] = [];
  let inChannels = config.inputChannels;
  const add = (name: string, kernel: number, outChannels: number, activation: Activation = 'leaky', stride = 1, from = inChannels) => {
    specs.push({ name, kernel, stride, inChannels: from, outChannels, activation });
    inChannels = outChannels;
  };
  add('conv1', 5, width(32));
  add('conv2', 3, width(48));
  add('conv3', 3, width(64));
  add('conv4', 3, width(86));
  add('conv5', 1, width(128));
  add('conv6', 2, width(128), 'leaky', 2);
  add('conv7', 1, width(128));
  const conv7 = inChannels;
  add('boxes', 1, 4 * b, 'identity');
  add('filter1', 3, width(16 * b), 'leaky', 1, 4 * b + conv7); // input: concat(boxes_global, conv7)
  add('filter2', 1, width(16 * b));
  add('confidence', 1, b, 'sigmoid');
  return specs;
}

/** Named weights: `${layer}/kernel` [k, k, in, out] and `${layer}/bias` [out]. */
export type DetectorWeights = Record<string, tf.Variable>;

/** Expected shape of every named weight tensor. */
export function detectorWeightShapes(config: DetectorConfig): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (const l of detectorLayers(config)) {
    shapes[`${l.name}/kernel`] = [l.kernel, l.kernel, l.inChannels, l.outChannels];
    shapes[`${l.name}/bias`] = [l.outChannels];
  }
  return shapes;
}

/**
 * Glorot-uniform kernels from the seeded stream, zero biases, except the `boxes` layer: its
 * kernel is scaled by 0.1 so untrained boxes start near their window centres, and its size bias
 * is initialBoxSizePx / WINDOW_SIZE (box sizes are in window units, see boxesGlobal).
 */
export function createDetectorWeights(config: DetectorConfig, rng: Rng): DetectorWeights {
  const weights: DetectorWeights = {};
  for (const l of detectorLayers(config)) {
    const fanIn = l.kernel * l.kernel * l.inChannels, fanOut = l.kernel * l.kernel * l.outChannels;
    const limit = Math.sqrt(6 / (fanIn + fanOut)) * (l.name === 'boxes' ? 0.1 : 1);
    const kernel = new Float32Array(fanIn * l.outChannels);
    for (let i = 0; i < kernel.length; i++) kernel[i] = rng.uniform(-limit, limit);
    const bias = new Float32Array(l.outChannels);
    if (l.name === 'boxes') for (let c = 2; c < bias.length; c += 4) bias[c] = bias[c + 1] = config.initialBoxSizePx / WINDOW_SIZE;
    // tidy frees the initial-value tensors; the variables themselves survive it.
    weights[`${l.name}/kernel`] = tf.tidy(() => tf.variable(tf.tensor4d(kernel, [l.kernel, l.kernel, l.inChannels, l.outChannels])));
    weights[`${l.name}/bias`] = tf.tidy(() => tf.variable(tf.tensor1d(bias)));
  }
  return weights;
}

/** Variables holding copies of saved named tensors, after checking every name and shape. */
export function detectorWeightsFrom(tensors: Record<string, tf.Tensor>, config: DetectorConfig): DetectorWeights {
  const shapes = Object.entries(detectorWeightShapes(config));
  // Check every tensor before creating any variable, so a bad checkpoint leaves nothing allocated.
  for (const [name, shape] of shapes) {
    const t = tensors[name];
    if (!t || !tf.util.arraysEqual(t.shape, shape)) {
      throw new Error(`detector weights: ${name} should have shape [${shape}], ${t ? `got [${t.shape}]` : 'it is missing'}`);
    }
  }
  const weights: DetectorWeights = {};
  for (const [name] of shapes) weights[name] = tf.tidy(() => tf.variable(tensors[name].clone()));
  return weights;
}

export function disposeDetectorWeights(weights: DetectorWeights): void {
  for (const v of Object.values(weights)) v.dispose();
}

/** Shapes the forward pass returns for an N×H×W input (throws unless H, W are multiples of 32). */
export function detectorOutputShape(config: DetectorConfig, height: number, width: number, batch = 1) {
  if (height % WINDOW_STRIDE || width % WINDOW_STRIDE || height <= 0 || width <= 0) {
    throw new Error(`detector input must be a positive multiple of ${WINDOW_STRIDE} on each side, got ${height}×${width}`);
  }
  const rows = height / WINDOW_STRIDE, cols = width / WINDOW_STRIDE;
  const k = rows * cols * config.detectorsPerWindow;
  return { rows, cols, boxes: [batch, k, 4] as [number, number, number], confidences: [batch, k] as [number, number] };
}

/**
 * `boxes_global` (Table 3.1): window-local boxes → normalised image coordinates. A raw detector
 * output (u, v, s, t) is a box centred (u, v) window sizes (64 px) from its window's centre with
 * side (s, t) window sizes: cx = (j + ½ + 2u)/cols, cy = (i + ½ + 2v)/rows, w = 2s/cols,
 * h = 2t/rows. Purely affine, so gradients pass straight through.
 */
export function boxesGlobal(raw: tf.Tensor4D, detectorsPerWindow: number): tf.Tensor4D {
  const [, rows, cols, channels] = raw.shape;
  if (channels !== 4 * detectorsPerWindow) throw new Error('boxesGlobal: expected 4·B channels');
  const window = WINDOW_SIZE / WINDOW_STRIDE;
  const offset = new Float32Array(rows * cols * channels);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      for (let b = 0; b < detectorsPerWindow; b++) {
        const o = ((i * cols + j) * detectorsPerWindow + b) * 4;
        offset[o] = (j + 0.5) / cols;
        offset[o + 1] = (i + 0.5) / rows;
      }
    }
  }
  const scale = new Float32Array(channels);
  for (let c = 0; c < channels; c += 4) {
    scale[c] = scale[c + 2] = window / cols;
    scale[c + 1] = scale[c + 3] = window / rows;
  }
  return tf.tidy(() => tf.add(tf.mul(raw, tf.tensor1d(scale)), tf.tensor4d(offset, [1, rows, cols, channels])));
}

/**
 * 'native': tf.conv2d / tf.maxPool with their own gradients. 'cpu-grad': the same forward ops with
 * typed-array gradients (cpuGradients.ts), because the CPU backend's native gradient kernels are
 * per-element loops that make training impractically slow. 'wasm-grad': the `wasm` backend has no
 * Conv2DBackpropFilter, so odd stride-1 convolutions take their gradients from forward convolutions
 * (style/experiment/convGrad.ts) and the 2×2 stride-2 convolution runs as space-to-depth + matrix
 * multiply; pooling takes the typed-array gradient of cpuGradients.ts too (wasm's MaxPoolGrad
 * disagrees with tfjs's cpu kernel; checked in wasmTraining.test.ts). Default by backend.
 */
export type KernelPath = 'native' | 'cpu-grad' | 'wasm-grad';

function defaultKernelPath(): KernelPath {
  const b = tf.getBackend();
  return b === 'cpu' ? 'cpu-grad' : b === 'wasm' ? 'wasm-grad' : 'native';
}

/**
 * A k×k stride-k convolution on an input whose sides are multiples of k ('same' padding is then
 * zero): each k×k block becomes one row of k·k·C values, multiplied by the kernel reshaped to
 * [k·k·C, out]. Only reshapes, transposes and a matrix multiply, whose gradients every backend has.
 */
export function blockConv(x: tf.Tensor4D, kernel: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const [k, k2, , out] = kernel.shape;
  if (k !== k2 || h % k !== 0 || w % k !== 0) throw new Error(`blockConv: needs a square kernel dividing the input, got ${k}×${k2} on ${h}×${w}`);
  return tf.tidy(() => {
    const blocks = tf.reshape(tf.transpose(tf.reshape(x, [n, h / k, k, w / k, k, c]), [0, 1, 3, 2, 4, 5]), [n * (h / k) * (w / k), k * k * c]);
    return tf.reshape(tf.matMul(blocks, tf.reshape(kernel, [k * k * c, out])), [n, h / k, w / k, out]) as tf.Tensor4D;
  });
}

function wasmGradConv(x: tf.Tensor4D, kernel: tf.Tensor4D, stride: number): tf.Tensor4D {
  const k = kernel.shape[0];
  if (stride === 1 && k % 2 === 1) return conv2dSameMatmulGrad(x, kernel);
  if (stride === k && x.shape[1] % k === 0 && x.shape[2] % k === 0) return blockConv(x, kernel);
  return tf.conv2d(x, kernel, stride, 'same');
}

export interface DetectorOutput {
  boxes: tf.Tensor3D;
  confidences: tf.Tensor2D;
}

/**
 * Forward pass of Table 3.1 on images [N, H, W, C] with intensities in any range: each image is
 * first standardised to zero mean and unit variance (the released training script standardised
 * with whole-dataset statistics; per image keeps the model free of dataset constants).
 */
export function detectorForward(
  weights: DetectorWeights,
  images: tf.Tensor4D,
  config: DetectorConfig,
  path: KernelPath = defaultKernelPath(),
): DetectorOutput {
  const [n, height, width] = images.shape;
  const shape = detectorOutputShape(config, height, width, n);
  return tf.tidy(() => {
    const conv = (x: tf.Tensor4D, l: ConvSpec): tf.Tensor4D => {
      const kernel = weights[`${l.name}/kernel`] as tf.Tensor4D;
      const z = path === 'cpu-grad' ? conv2dSameCpuGrad(x, kernel, l.stride) : path === 'wasm-grad' ? wasmGradConv(x, kernel, l.stride) : tf.conv2d(x, kernel, l.stride, 'same');
      const y = tf.add(z, weights[`${l.name}/bias`]) as tf.Tensor4D;
      if (l.activation === 'leaky') return tf.leakyRelu(y, config.leakyAlpha);
      return l.activation === 'sigmoid' ? tf.sigmoid(y) : y;
    };
    const pool = (x: tf.Tensor4D) => (path === 'native' ? tf.maxPool(x, 2, 2, 'valid') : maxPool2x2CpuGrad(x));
    const layer = Object.fromEntries(detectorLayers(config).map((l) => [l.name, l]));
    const { mean, variance } = tf.moments(images, [1, 2, 3], true);
    let x = tf.div(tf.sub(images, mean), tf.sqrt(tf.add(variance, 1e-6))) as tf.Tensor4D;
    x = pool(conv(x, layer.conv1));
    x = pool(conv(x, layer.conv2));
    x = pool(conv(x, layer.conv3));
    x = pool(conv(x, layer.conv4));
    x = conv(conv(conv(x, layer.conv5), layer.conv6), layer.conv7);
    const global = boxesGlobal(conv(x, layer.boxes), config.detectorsPerWindow);
    let c = tf.concat([global, x], 3); // `concat`: confidence sees the boxes and their features
    c = conv(conv(conv(c, layer.filter1), layer.filter2), layer.confidence);
    return { boxes: tf.reshape(global, shape.boxes) as tf.Tensor3D, confidences: tf.reshape(c, shape.confidences) as tf.Tensor2D };
  });
}
