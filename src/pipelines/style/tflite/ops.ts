/**
 * TFLite builtin operators as tfjs ops. Each mapping states the TFLite semantics it reproduces; all
 * run on any tfjs backend (cpu, webgl, webgpu). Constant weights reach an op already in the tfjs
 * layout asked for by `weightLayout` (prepared once at load), so `run` does no per-call transposes.
 */
import * as tf from '@tensorflow/tfjs';
import type {
  ActivationName, ActivationOptions, ConcatOptions, ConvOptions, MirrorPadOptions, PoolOptions, ReducerOptions,
  ReshapeOptions, ResizeOptions, SoftmaxOptions,
} from './opcodes';
import type { OperatorInfo, TensorInfo } from './parse';

export interface OpContext {
  op: OperatorInfo;
  /** Input `i` as a tfjs tensor (weights already in the layout `weightLayout` asked for). */
  input(i: number): tf.Tensor;
  /** Whether input `i` is present (TFLite marks omitted optional inputs with −1). */
  has(i: number): boolean;
  /** The integer values of input `i` when it is a constant in the file (axes, paddings, sizes). */
  constInt(i: number): number[];
  /** File metadata of input `i` / output `i` (shape as recorded at conversion time). */
  inputInfo(i: number): TensorInfo;
  outputInfo(i: number): TensorInfo;
}

/** How a constant input should be stored for an op: as is, or re-laid-out for tfjs once at load. */
export type WeightLayout = 'as-is' | 'conv-hwio' | 'depthwise-hwcm';

export interface OpSpec {
  run(ctx: OpContext): tf.Tensor[];
  weightLayout?(inputIndex: number): WeightLayout;
}

/** Apply a TFLite fused activation function. */
export function applyActivation(x: tf.Tensor, act: ActivationName, where: string): tf.Tensor {
  switch (act) {
    case 'NONE': return x;
    case 'RELU': return tf.relu(x);
    case 'RELU6': return tf.relu6(x);
    case 'RELU_N1_TO_1': return tf.clipByValue(x, -1, 1);
    case 'TANH': return tf.tanh(x);
    default: throw new Error(`${where}: fused activation ${act} is not supported`);
  }
}

/** The fused activations tfjs can apply inside its fused conv kernels. */
function fusable(act: ActivationName): 'linear' | 'relu' | 'relu6' | null {
  return act === 'NONE' ? 'linear' : act === 'RELU' ? 'relu' : act === 'RELU6' ? 'relu6' : null;
}

function where(ctx: OpContext): string {
  return `Operator ${ctx.op.index} (${ctx.op.opcode})`;
}

function as4d(ctx: OpContext, i: number): tf.Tensor4D {
  const x = ctx.input(i);
  if (x.rank !== 4) throw new Error(`${where(ctx)}: input ${i} must be rank 4 (NHWC), got shape ${JSON.stringify(x.shape)}`);
  return x as tf.Tensor4D;
}

function convLike(ctx: OpContext, depthwise: boolean): tf.Tensor[] {
  const o = ctx.op.options as ConvOptions;
  const x = as4d(ctx, 0);
  const filter = ctx.input(1) as tf.Tensor4D;
  const strides: [number, number] = [o.strideH, o.strideW];
  const dilations: [number, number] = [o.dilationH, o.dilationW];
  if ((o.strideH > 1 || o.strideW > 1) && (o.dilationH > 1 || o.dilationW > 1)) {
    throw new Error(`${where(ctx)}: strides ${strides} together with dilations ${dilations} are not supported by tfjs`);
  }
  const pad = o.padding === 'SAME' ? 'same' : 'valid';
  const bias = ctx.has(2) ? ctx.input(2) : undefined;
  const act = fusable(o.activation);
  const args = { x, filter, strides, pad, dilations, bias, activation: act ?? 'linear' } as const;
  const y = depthwise ? tf.fused.depthwiseConv2d(args) : tf.fused.conv2d(args);
  return [act ? y : applyActivation(y, o.activation, where(ctx))];
}

function binary(fn: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): OpSpec {
  return {
    run(ctx) {
      const o = ctx.op.options as Partial<ActivationOptions>;
      return [applyActivation(fn(ctx.input(0), ctx.input(1)), o.activation ?? 'NONE', where(ctx))];
    },
  };
}

function unary(fn: (a: tf.Tensor) => tf.Tensor): OpSpec {
  return { run: (ctx) => [fn(ctx.input(0))] };
}

function normAxes(axes: number[], rank: number): number[] {
  return [...new Set(axes.map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
}

function reducer(fn: (x: tf.Tensor, axes: number[], keepDims: boolean) => tf.Tensor): OpSpec {
  return {
    run(ctx) {
      const x = ctx.input(0);
      const axes = normAxes(ctx.constInt(1), x.rank);
      return [fn(x, axes, (ctx.op.options as ReducerOptions).keepDims)];
    },
  };
}

/** Paddings as a [rank][2] list from a constant [rank, 2] tensor. */
function paddingsOf(ctx: OpContext, rank: number): Array<[number, number]> {
  const p = ctx.constInt(1);
  if (p.length !== 2 * rank) throw new Error(`${where(ctx)}: paddings has ${p.length} values for a rank-${rank} input`);
  return Array.from({ length: rank }, (_, i) => [p[2 * i], p[2 * i + 1]] as [number, number]);
}

/**
 * Output size of a resize. The file stores a constant size computed for the conversion-time input
 * shape; for any other input size we keep the same scale factor (the original TF graph computed the
 * size from the input shape), so fully convolutional graphs work at other resolutions.
 */
export function resizeTarget(ctx: OpContext, x: tf.Tensor4D): [number, number] {
  const [h, w] = ctx.constInt(1);
  const ref = ctx.inputInfo(0).shape;
  if (ref.length !== 4 || (ref[1] === x.shape[1] && ref[2] === x.shape[2])) return [h, w];
  return [Math.round((x.shape[1] * h) / ref[1]), Math.round((x.shape[2] * w) / ref[2])];
}

function resize(bilinear: boolean): OpSpec {
  return {
    run(ctx) {
      const x = as4d(ctx, 0);
      const o = ctx.op.options as ResizeOptions;
      if (o.alignCorners && o.halfPixelCenters) throw new Error(`${where(ctx)}: align_corners together with half_pixel_centers is not supported`);
      const size = resizeTarget(ctx, x);
      return [bilinear
        ? tf.image.resizeBilinear(x, size, o.alignCorners, o.halfPixelCenters)
        : tf.image.resizeNearestNeighbor(x, size, o.alignCorners, o.halfPixelCenters)];
    },
  };
}

function pool(kind: 'avg' | 'max'): OpSpec {
  return {
    run(ctx) {
      const o = ctx.op.options as PoolOptions;
      const x = as4d(ctx, 0);
      const pad = o.padding === 'SAME' ? 'same' : 'valid';
      const y = kind === 'avg'
        ? tf.avgPool(x, [o.filterH, o.filterW], [o.strideH, o.strideW], pad)
        : tf.maxPool(x, [o.filterH, o.filterW], [o.strideH, o.strideW], pad);
      return [applyActivation(y, o.activation, where(ctx))];
    },
  };
}

/** Identity on float values: (de)quantisation is modelled by the graph's activation mode. */
const passThrough: OpSpec = { run: (ctx) => [tf.cast(ctx.input(0), 'float32')] };

export const OPS: Record<string, OpSpec> = {
  CONV_2D: { run: (ctx) => convLike(ctx, false), weightLayout: (i) => (i === 1 ? 'conv-hwio' : 'as-is') },
  DEPTHWISE_CONV_2D: { run: (ctx) => convLike(ctx, true), weightLayout: (i) => (i === 1 ? 'depthwise-hwcm' : 'as-is') },
  ADD: binary(tf.add),
  SUB: binary(tf.sub),
  MUL: binary(tf.mul),
  DIV: binary(tf.div),
  SQUARED_DIFFERENCE: binary(tf.squaredDifference),
  MAXIMUM: binary(tf.maximum),
  MINIMUM: binary(tf.minimum),
  RSQRT: unary(tf.rsqrt),
  SQRT: unary(tf.sqrt),
  LOGISTIC: unary(tf.sigmoid),
  TANH: unary(tf.tanh),
  RELU: unary(tf.relu),
  RELU6: unary(tf.relu6),
  EXP: unary(tf.exp),
  MEAN: reducer((x, axes, keep) => tf.mean(x, axes, keep)),
  SUM: reducer((x, axes, keep) => tf.sum(x, axes, keep)),
  MIRROR_PAD: {
    run(ctx) {
      const x = ctx.input(0);
      const mode = (ctx.op.options as MirrorPadOptions).mode === 'REFLECT' ? 'reflect' : 'symmetric';
      return [tf.mirrorPad(x, paddingsOf(ctx, x.rank), mode)];
    },
  },
  PAD: { run: (ctx) => [tf.pad(ctx.input(0), paddingsOf(ctx, ctx.input(0).rank))] },
  RESIZE_NEAREST_NEIGHBOR: resize(false),
  RESIZE_BILINEAR: resize(true),
  RESHAPE: {
    run(ctx) {
      const shape = ctx.has(1) ? ctx.constInt(1) : (ctx.op.options as ReshapeOptions).newShape;
      return [tf.reshape(ctx.input(0), shape)];
    },
  },
  CONCATENATION: {
    run(ctx) {
      const o = ctx.op.options as ConcatOptions;
      const xs = ctx.op.inputs.map((_, i) => ctx.input(i));
      const axis = o.axis < 0 ? o.axis + xs[0].rank : o.axis;
      return [applyActivation(tf.concat(xs, axis), o.activation, where(ctx))];
    },
  },
  SOFTMAX: { run: (ctx) => [tf.softmax(tf.mul(ctx.input(0), (ctx.op.options as SoftmaxOptions).beta))] },
  AVERAGE_POOL_2D: pool('avg'),
  MAX_POOL_2D: pool('max'),
  QUANTIZE: passThrough,
  DEQUANTIZE: passThrough,
};

/** The operator names this port maps. */
export const SUPPORTED_OPERATORS = Object.keys(OPS).sort();

/** Re-lay a constant tensor (TFLite layout) for tfjs. */
export function layoutWeight(t: tf.Tensor, layout: WeightLayout, depthMultiplier = 1): tf.Tensor {
  switch (layout) {
    case 'as-is': return t;
    case 'conv-hwio': // TFLite [out, kh, kw, in] → tfjs [kh, kw, in, out]
      return tf.transpose(t, [1, 2, 3, 0]);
    case 'depthwise-hwcm': { // TFLite [1, kh, kw, in·mult] (channel = c·mult + m) → tfjs [kh, kw, in, mult]
      const [, kh, kw, cm] = t.shape;
      return tf.reshape(t, [kh, kw, cm / depthMultiplier, depthMultiplier]);
    }
  }
}
