/**
 * Classifiers of the camera-bias experiments (thesis ch. 6), all behind the style experiment's
 * `Classifier` interface so one training loop serves every model:
 *
 * - `resnet`: a small ResNet trained from scratch. A 3×3 stem convolution at full resolution
 *   (optionally followed by a 2× downsampling), then stages of residual blocks (conv–BN–ReLU–conv–BN
 *   plus an identity or 1×1 projection shortcut, then ReLU); every stage after the first halves the
 *   resolution by 2×2 max pooling or by a stride-2 first convolution; global average pooling and a
 *   dense layer. Fully convolutional up to the pooling, so it takes images of any size: the
 *   thesis's ResNet/Inception see the full 1024² photo.
 * - `downsampled`: the same network behind a fixed resize of the input (box-filter averaging by the
 *   integer factor, then bilinear to the exact size). This is the AlexNet/VGG situation of
 *   Tables 6.1–6.5: their fully connected layers force a 224² input, and downsampling removes much
 *   of the high-frequency texture that identifies cameras.
 * - `mobilenet`: ImageNet MobileNet v1 frozen, with a trainable dense head (the style experiment's
 *   `loadMobilenetBackbone` + `createHeadClassifier`); inputs of another size are resized to the
 *   backbone's.
 *
 * Convolution gradients follow the style experiment's KernelPath: native ops on GPU backends, the
 * forward-op gradients of convGrad.ts on `wasm` (no Conv2DBackpropFilter there), the typed-array
 * ones on `cpu`. A stride-2 convolution is computed on those paths as the stride-1 'same'
 * convolution sampled at the positions tf.conv2d(…, 2, 'same') would centre on, so every path gives
 * the same numbers.
 */
import * as tf from '@tensorflow/tfjs';
import { batchNorm as sharedBatchNorm, constVar, glorotUniform, heUniform } from '../../../core/train/params';
import type { Rng } from '../../../core/rng/rng';
import { conv2dSameCpuGrad, maxPool2x2CpuGrad } from '../../detection/cpuGradients';
import { conv2dSameMatmulGrad } from '../../style/experiment/convGrad';
import { createHeadClassifier, defaultKernelPath, type Classifier, type FrozenBackbone, type KernelPath } from '../../style/experiment/classifier';

export interface ResNetSpec {
  /** Channels of the stem convolution. */
  stem: number;
  /**
   * Stem kernel side and stride. Stride 1: a k×k 'same' convolution at full resolution. Kernel =
   * stride = p: non-overlapping p×p patches, each mapped linearly to `stem` channels (every pixel
   * still reaches the network, at 1/p² of the cost). Other strides: a k×k 'same' convolution at
   * that stride (2 only).
   */
  stemKernel: number;
  stemStride: number;
  /** Then halve the resolution with 2×2 max pooling (ResNet's stem pooling). */
  stemDownsample: boolean;
  /** Channels of each stage; stages after the first start by halving the resolution. */
  widths: number[];
  /** Residual blocks per stage. */
  blocks: number;
  /** 'pool': 2×2 max pooling before the block; 'strided': stride-2 first convolution and shortcut. */
  downsample: 'pool' | 'strided';
}

export type CameraModelSpec =
  | { kind: 'resnet'; resnet: ResNetSpec }
  /** The ResNet on the input resized to `size`² first. */
  | { kind: 'downsampled'; size: number; resnet: ResNetSpec }
  /** Frozen ImageNet MobileNet v1 (input resized to the backbone's size) and a dense head. */
  | { kind: 'mobilenet'; hidden: number };

export type CameraModelKind = CameraModelSpec['kind'];

interface Norm {
  gamma: tf.Variable;
  beta: tf.Variable;
  mean: tf.Variable;
  variance: tf.Variable;
}

const createNorm = (c: number): Norm => ({ gamma: constVar(c, 1), beta: constVar(c, 0), mean: constVar(c, 0, false), variance: constVar(c, 1, false) });

/** Batch norm over N, H, W with a layer's parameters (core/train/params.ts). */
function batchNorm(x: tf.Tensor4D, n: Norm, training: boolean): tf.Tensor4D {
  return sharedBatchNorm(x, n.gamma, n.beta, n.mean, n.variance, training);
}

/**
 * The first sample of a stride-2 'same' convolution with a k×k kernel, as an index into the
 * stride-1 'same' output of an axis of length n (tf's SAME padding puts ⌊pad/2⌋ before).
 */
export function stridedOffset(n: number, k: number): number {
  const out = Math.ceil(n / 2);
  const padTop = Math.floor(Math.max((out - 1) * 2 + k - n, 0) / 2);
  return (k - 1) / 2 - padTop;
}

/** Every second row and column of x starting at (oy, ox): out ⌈H/2⌉ × ⌈W/2⌉ (differentiable everywhere). */
function subsample(x: tf.Tensor4D, oy: number, ox: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const oh = Math.ceil(h / 2), ow = Math.ceil(w / 2);
  const s = tf.slice(x, [0, oy, ox, 0], [n, 2 * oh - 1, 2 * ow - 1, c]);
  return tf.avgPool(s, 1, 2, 'valid') as tf.Tensor4D;
}

interface Ops {
  conv(x: tf.Tensor4D, k: tf.Variable, stride: 1 | 2): tf.Tensor4D;
  pool(x: tf.Tensor4D): tf.Tensor4D;
}

function kernelOps(path: KernelPath): Ops {
  const sameConv = (x: tf.Tensor4D, k: tf.Tensor4D) =>
    path === 'cpu-grad' ? conv2dSameCpuGrad(x, k, 1) : conv2dSameMatmulGrad(x, k);
  return {
    conv(x, k, stride) {
      const kernel = k as tf.Tensor4D;
      if (path === 'native') return tf.conv2d(x, kernel, stride, 'same');
      const y = sameConv(x, kernel);
      if (stride === 1) return y;
      const ks = kernel.shape[0];
      return subsample(y, stridedOffset(x.shape[1], ks), stridedOffset(x.shape[2], ks));
    },
    pool(x) {
      if (path === 'cpu-grad' && x.shape[1] % 2 === 0 && x.shape[2] % 2 === 0) return maxPool2x2CpuGrad(x);
      return tf.maxPool(x, 2, 2, 'same');
    },
  };
}

/**
 * tf.conv2d(x, kernel, p, 'valid') for a p×p kernel at stride p (non-overlapping patches), written
 * as reshapes, one transpose and one matrix multiply so its gradients are cheap on every backend.
 */
export function patchConv(x: tf.Tensor4D, kernel: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [p, , c, o] = kernel.shape;
    const [n, h, w] = x.shape;
    const hp = Math.floor(h / p), wp = Math.floor(w / p);
    if (hp < 1 || wp < 1) throw new Error(`A ${p}×${p} patch stem needs inputs of at least ${p}×${p}, got ${h}×${w}`);
    const xc = hp * p !== h || wp * p !== w ? tf.slice(x, [0, 0, 0, 0], [n, hp * p, wp * p, c]) : x;
    const rows = tf.transpose(tf.reshape(xc, [n * hp, p, wp, p * c]), [0, 2, 1, 3]);
    const y = tf.matMul(tf.reshape(rows, [n * hp * wp, p * p * c]), tf.reshape(kernel, [p * p * c, o]));
    return tf.reshape(y, [n, hp, wp, o]) as tf.Tensor4D;
  });
}

interface Block {
  down: boolean;
  k1: tf.Variable;
  n1: Norm;
  k2: tf.Variable;
  n2: Norm;
  proj: { k: tf.Variable; n: Norm } | null;
}

/** Resize to size² with a box filter by the integer factor first, so the downsampling does not alias. */
export function downsampleImages(x: tf.Tensor4D, size: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const fy = Math.max(1, Math.floor(h / size)), fx = Math.max(1, Math.floor(w / size));
    const pooled = fy > 1 || fx > 1 ? (tf.avgPool(x, [fy, fx], [fy, fx], 'valid') as tf.Tensor4D) : x;
    if (pooled.shape[1] === size && pooled.shape[2] === size) return pooled === x ? x.clone() : pooled;
    return tf.image.resizeBilinear(pooled, [size, size], false, true);
  });
}

/** Output channels of the network body (what global average pooling sees). */
export function resnetFeatureWidth(spec: ResNetSpec): number {
  return spec.widths.length ? spec.widths[spec.widths.length - 1] : spec.stem;
}

function validateResNet(spec: ResNetSpec): void {
  const ints = [spec.stem, spec.blocks, ...spec.widths];
  if (!ints.every((v) => Number.isInteger(v) && v >= 1)) throw new Error(`ResNet widths, stem and blocks must be positive integers, got ${JSON.stringify(spec)}`);
  if (spec.widths.length === 0) throw new Error('ResNet needs at least one stage');
  if (spec.downsample !== 'pool' && spec.downsample !== 'strided') throw new Error(`ResNet downsample must be 'pool' or 'strided', got '${String(spec.downsample)}'`);
  const { stemKernel: k, stemStride: s } = spec;
  const ok = Number.isInteger(k) && Number.isInteger(s) && ((s === 1 && k % 2 === 1) || (s === 2 && k % 2 === 1) || (s >= 2 && k === s));
  if (!ok) throw new Error(`ResNet stem: kernel ${k} at stride ${s} is not supported (odd kernel at stride 1 or 2, or kernel = stride)`);
}

/**
 * The ResNet; `rng` draws the initial weights (He-uniform kernels, Glorot-uniform dense layer).
 * `resizeTo` makes it the downsampled variant. `imageSize` is informational (the nominal input
 * side): any input size works.
 */
export function createResNet(spec: ResNetSpec, numClasses: number, rng: Rng, opts: { path?: KernelPath; resizeTo?: number | null; imageSize?: number } = {}): Classifier {
  validateResNet(spec);
  if (!(Number.isInteger(numClasses) && numClasses >= 2)) throw new Error(`A classifier needs at least 2 classes, got ${numClasses}`);
  const resizeTo = opts.resizeTo ?? null;
  if (resizeTo !== null && !(Number.isInteger(resizeTo) && resizeTo >= 8)) throw new Error(`Resize target must be an integer ≥ 8, got ${resizeTo}`);
  const ops = kernelOps(opts.path ?? defaultKernelPath());
  const stemK = heUniform([spec.stemKernel, spec.stemKernel, 3, spec.stem], spec.stemKernel * spec.stemKernel * 3, rng);
  const stemN = createNorm(spec.stem);
  const blocks: Block[] = [];
  let cin = spec.stem;
  spec.widths.forEach((w, s) => {
    for (let b = 0; b < spec.blocks; b++) {
      const down = s > 0 && b === 0;
      const needProj = cin !== w || (down && spec.downsample === 'strided');
      blocks.push({
        down,
        k1: heUniform([3, 3, cin, w], 9 * cin, rng),
        n1: createNorm(w),
        k2: heUniform([3, 3, w, w], 9 * w, rng),
        n2: createNorm(w),
        proj: needProj ? { k: heUniform([1, 1, cin, w], cin, rng), n: createNorm(w) } : null,
      });
      cin = w;
    }
  });
  const dense = glorotUniform([cin, numClasses], rng);
  const denseBias = constVar(numClasses, 0);
  const norms = [stemN, ...blocks.flatMap((b) => [b.n1, b.n2, ...(b.proj ? [b.proj.n] : [])])];
  const kernels = [stemK, ...blocks.flatMap((b) => [b.k1, b.k2, ...(b.proj ? [b.proj.k] : [])])];
  const trainable = [...kernels, ...norms.flatMap((n) => [n.gamma, n.beta]), dense, denseBias];
  const nonTrainable = norms.flatMap((n) => [n.mean, n.variance]);
  const strided = spec.downsample === 'strided';

  const runBlock = (input: tf.Tensor4D, b: Block, training: boolean): tf.Tensor4D => {
    const x = b.down && !strided ? ops.pool(input) : input;
    const stride = b.down && strided ? 2 : 1;
    let h = tf.relu(batchNorm(ops.conv(x, b.k1, stride), b.n1, training)) as tf.Tensor4D;
    h = batchNorm(ops.conv(h, b.k2, 1), b.n2, training);
    const shortcut = b.proj ? batchNorm(ops.conv(x, b.proj.k, stride), b.proj.n, training) : x;
    return tf.relu(tf.add(h, shortcut)) as tf.Tensor4D;
  };

  return {
    kind: 'cnn',
    numClasses,
    imageSize: resizeTo ?? opts.imageSize ?? 0,
    trainable,
    nonTrainable,
    features: null,
    parameterCount: trainable.reduce((s, v) => s + v.size, 0),
    logits(input, training) {
      return tf.tidy(() => {
        let x = input as tf.Tensor4D;
        if (resizeTo !== null) x = downsampleImages(x, resizeTo);
        x = tf.sub(tf.mul(x, 2), 1) as tf.Tensor4D;
        x = spec.stemStride > 1 && spec.stemKernel === spec.stemStride ? patchConv(x, stemK as tf.Tensor4D) : ops.conv(x, stemK, spec.stemStride as 1 | 2);
        x = tf.relu(batchNorm(x, stemN, training)) as tf.Tensor4D;
        if (spec.stemDownsample) x = ops.pool(x);
        for (const b of blocks) x = runBlock(x, b, training);
        const g = tf.mean(x, [1, 2]) as tf.Tensor2D;
        return tf.add(tf.matMul(g, dense as tf.Tensor2D), denseBias) as tf.Tensor2D;
      });
    },
    dispose() {
      tf.dispose([...trainable, ...nonTrainable]);
    },
  };
}

/**
 * MobileNet head classifier whose frozen part takes images of any size: inputs are resized
 * (box filter + bilinear) to the backbone's side first. dispose() frees the head only.
 */
export function createMobilenetClassifier(backbone: FrozenBackbone, hidden: number, numClasses: number, rng: Rng): Classifier {
  const head = createHeadClassifier(backbone, hidden, numClasses, rng);
  const size = backbone.imageSize;
  const features = (images: tf.Tensor4D): tf.Tensor =>
    tf.tidy(() => {
      const same = images.shape[1] === size && images.shape[2] === size;
      return backbone.features(same ? images : downsampleOrUpsample(images, size));
    });
  return {
    kind: head.kind,
    numClasses: head.numClasses,
    imageSize: head.imageSize,
    trainable: head.trainable,
    nonTrainable: head.nonTrainable,
    parameterCount: head.parameterCount,
    features,
    logits: (input, training) => head.logits(input, training),
    dispose: () => head.dispose(),
  };
}

/** Box-filtered downsampling when shrinking, plain bilinear when enlarging (e.g. 32² crops). */
function downsampleOrUpsample(images: tf.Tensor4D, size: number): tf.Tensor4D {
  if (images.shape[1] >= size && images.shape[2] >= size) return downsampleImages(images, size);
  return tf.image.resizeBilinear(images, [size, size], false, true);
}

/** Build a classifier from a spec; MobileNet needs its loaded backbone. */
export function createCameraModel(spec: CameraModelSpec, numClasses: number, rng: Rng, deps: { path?: KernelPath; backbone?: FrozenBackbone | null; imageSize?: number } = {}): Classifier {
  switch (spec.kind) {
    case 'resnet':
      return createResNet(spec.resnet, numClasses, rng, { path: deps.path, imageSize: deps.imageSize });
    case 'downsampled':
      return createResNet(spec.resnet, numClasses, rng, { path: deps.path, resizeTo: spec.size });
    case 'mobilenet':
      if (!deps.backbone) throw new Error('The MobileNet classifier needs the loaded MobileNet v1 backbone');
      return createMobilenetClassifier(deps.backbone, spec.hidden, numClasses, rng);
    default:
      throw new Error(`Unknown camera model kind '${(spec as { kind: string }).kind}'`);
  }
}

/** Weights of a classifier as plain typed arrays (structured-cloneable; order: trainable, then the rest). */
export interface WeightsSnapshot {
  trainable: { shape: number[]; data: Float32Array }[];
  nonTrainable: { shape: number[]; data: Float32Array }[];
}

export async function exportWeights(c: Classifier): Promise<WeightsSnapshot> {
  const read = (vs: tf.Variable[]) => Promise.all(vs.map(async (v) => ({ shape: [...v.shape], data: (await v.data()) as Float32Array })));
  return { trainable: await read(c.trainable), nonTrainable: await read(c.nonTrainable) };
}

/** Load a snapshot into a classifier of the same architecture. */
export function importWeights(c: Classifier, w: WeightsSnapshot): void {
  const load = (vs: tf.Variable[], ws: WeightsSnapshot['trainable'], what: string) => {
    if (vs.length !== ws.length) throw new Error(`Checkpoint has ${ws.length} ${what} tensors, the model ${vs.length}`);
    vs.forEach((v, i) => {
      if (!tf.util.arraysEqual(v.shape, ws[i].shape)) throw new Error(`Checkpoint ${what} tensor ${i}: shape ${JSON.stringify(ws[i].shape)}, the model has ${JSON.stringify(v.shape)}`);
      tf.tidy(() => v.assign(tf.tensor(ws[i].data, ws[i].shape)));
    });
  };
  load(c.trainable, w.trainable, 'trainable');
  load(c.nonTrainable, w.nonTrainable, 'non-trainable');
}
