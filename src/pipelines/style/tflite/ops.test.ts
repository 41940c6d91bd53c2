import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fakeQuantize } from './int8';
import { layoutWeight, OPS, resizeTarget, type OpContext } from './ops';
import type { DecodedOptions } from './opcodes';
import type { OperatorInfo, TensorInfo } from './parse';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function info(index: number, shape: number[]): TensorInfo {
  return { index, name: `t${index}`, shape, shapeSignature: [], type: 'FLOAT32', buffer: 0, quant: null, isVariable: false, sparse: false };
}

/** Run one mapped operator on tensors given in TFLite layout (weights re-laid-out as the graph does). */
function run(opcode: string, options: DecodedOptions, inputs: (tf.Tensor | number[] | null)[], refShapes: number[][] = []): number[][] {
  const op: OperatorInfo = {
    index: 0, opcode, customCode: '', version: 1, optionsType: 0, options,
    inputs: inputs.map((x, i) => (x === null ? -1 : i)), outputs: [inputs.length],
  };
  const spec = OPS[opcode];
  const mult = (options as { depthMultiplier?: number }).depthMultiplier ?? 1;
  const ctx: OpContext = {
    op,
    has: (i) => inputs[i] != null,
    input: (i) => {
      const x = inputs[i];
      if (!(x instanceof tf.Tensor)) throw new Error(`input ${i} is not a tensor`);
      return layoutWeight(x, spec.weightLayout?.(i) ?? 'as-is', mult);
    },
    constInt: (i) => inputs[i] as number[],
    inputInfo: (i) => info(i, refShapes[i] ?? (inputs[i] instanceof tf.Tensor ? (inputs[i] as tf.Tensor).shape : [])),
    outputInfo: () => info(inputs.length, []),
  };
  return spec.run(ctx).map((y) => Array.from(y.dataSync()));
}

const conv = (o: Partial<{ padding: 'SAME' | 'VALID'; stride: number; dilation: number; activation: string; depthMultiplier: number }>) => ({
  padding: o.padding ?? 'VALID', strideW: o.stride ?? 1, strideH: o.stride ?? 1, dilationW: o.dilation ?? 1, dilationH: o.dilation ?? 1,
  activation: o.activation ?? 'NONE', depthMultiplier: o.depthMultiplier ?? 1,
}) as DecodedOptions;

const x3 = () => tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
const diag2 = () => tf.tensor4d([1, 0, 0, 1], [1, 2, 2, 1]); // TFLite [out, kh, kw, in]

describe('TFLite operators as tfjs ops', () => {
  it('MIRROR_PAD: REFLECT excludes the edge, SYMMETRIC repeats it', () => {
    const x = tf.tensor1d([1, 2, 3]);
    expect(run('MIRROR_PAD', { mode: 'REFLECT' }, [x, [2, 2]])[0]).toEqual([3, 2, 1, 2, 3, 2, 1]);
    expect(run('MIRROR_PAD', { mode: 'SYMMETRIC' }, [x, [2, 2]])[0]).toEqual([2, 1, 1, 2, 3, 3, 2]);
  });

  it('MEAN over spatial axes with and without keep_dims (negative axes too)', () => {
    const x = tf.tensor4d([1, 2, 3, 4, 10, 20, 30, 40], [1, 2, 2, 2]);
    const keep = OPS.MEAN.run({ op: { opcode: 'MEAN', options: { keepDims: true } } as OperatorInfo, input: () => x, has: () => true, constInt: () => [1, 2], inputInfo: () => info(0, []), outputInfo: () => info(1, []) });
    expect(keep[0].shape).toEqual([1, 1, 1, 2]);
    expect(Array.from(keep[0].dataSync())).toEqual([11, 16.5]); // (1+3+10+30)/4, (2+4+20+40)/4
    const flat = OPS.MEAN.run({ op: { opcode: 'MEAN', options: { keepDims: false } } as OperatorInfo, input: () => x, has: () => true, constInt: () => [-3, -2], inputInfo: () => info(0, []), outputInfo: () => info(1, []) });
    expect(flat[0].shape).toEqual([1, 2]);
    expect(Array.from(flat[0].dataSync())).toEqual([11, 16.5]);
  });

  it('RESIZE_NEAREST_NEIGHBOR: legacy, half_pixel_centers and align_corners indexing', () => {
    const down = tf.tensor4d([0, 1, 2, 3], [1, 1, 4, 1]);
    // out → in: floor(x·2) | floor((x+0.5)·2) | round(x·3)
    expect(run('RESIZE_NEAREST_NEIGHBOR', { alignCorners: false, halfPixelCenters: false }, [down, [1, 2]])[0]).toEqual([0, 2]);
    expect(run('RESIZE_NEAREST_NEIGHBOR', { alignCorners: false, halfPixelCenters: true }, [down, [1, 2]])[0]).toEqual([1, 3]);
    expect(run('RESIZE_NEAREST_NEIGHBOR', { alignCorners: true, halfPixelCenters: false }, [down, [1, 2]])[0]).toEqual([0, 3]);
    const up = tf.tensor4d([10, 20], [1, 1, 2, 1]);
    // scale 2/3: floor(x·2/3) = 0,0,1 | floor((x+0.5)·2/3) = 0,1,1
    expect(run('RESIZE_NEAREST_NEIGHBOR', { alignCorners: false, halfPixelCenters: false }, [up, [1, 3]])[0]).toEqual([10, 10, 20]);
    expect(run('RESIZE_NEAREST_NEIGHBOR', { alignCorners: false, halfPixelCenters: true }, [up, [1, 3]])[0]).toEqual([10, 20, 20]);
  });

  it('RESIZE keeps the file size at the recorded shape and its scale factor at other sizes', () => {
    // The file records a [1,192,192,16] input and a constant size [384, 384].
    const ctx = { constInt: () => [384, 384], inputInfo: () => info(0, [1, 192, 192, 16]) } as unknown as OpContext;
    expect(resizeTarget(ctx, tf.zeros([1, 192, 192, 16]) as tf.Tensor4D)).toEqual([384, 384]);
    expect(resizeTarget(ctx, tf.zeros([1, 10, 12, 16]) as tf.Tensor4D)).toEqual([20, 24]);
  });

  it('CONV_2D: VALID with bias and fused RELU / RELU6, OHWI weights', () => {
    // out[i,j] = x[i,j] + x[i+1,j+1] + bias → [6, 8, 12, 14] + bias
    expect(run('CONV_2D', conv({}), [x3(), diag2(), tf.tensor1d([0])])[0]).toEqual([6, 8, 12, 14]);
    expect(run('CONV_2D', conv({ activation: 'RELU' }), [x3(), diag2(), tf.tensor1d([-10])])[0]).toEqual([0, 0, 2, 4]);
    expect(run('CONV_2D', conv({ activation: 'RELU6' }), [x3(), diag2(), tf.tensor1d([-7])])[0]).toEqual([0, 1, 5, 6]);
    expect(run('CONV_2D', conv({ activation: 'RELU_N1_TO_1' }), [x3(), diag2(), tf.tensor1d([-7])])[0]).toEqual([-1, 1, 1, 1]);
    // Two outputs × two inputs: the [out, 1, 1, in] weights must be transposed to tfjs [1, 1, in, out].
    const w = tf.tensor4d([1, 10, 100, 1000], [2, 1, 1, 2]);
    expect(run('CONV_2D', conv({}), [tf.tensor4d([2, 3], [1, 1, 1, 2]), w, null])[0]).toEqual([32, 3200]);
  });

  it('CONV_2D: SAME padding with stride 2 pads after (TF convention), and dilation', () => {
    // out size ceil(3/2) = 2, one zero row/column after: [x00+x11, x02, x20, x22]
    expect(run('CONV_2D', conv({ padding: 'SAME', stride: 2 }), [x3(), diag2(), null])[0]).toEqual([6, 3, 7, 9]);
    // dilation 2 turns the 2×2 diagonal into taps (0,0) and (2,2): x00 + x22
    expect(run('CONV_2D', conv({ dilation: 2 }), [x3(), diag2(), null])[0]).toEqual([10]);
    expect(() => run('CONV_2D', conv({ dilation: 2, stride: 2 }), [x3(), diag2(), null])).toThrow(/strides .* dilations/);
  });

  it('DEPTHWISE_CONV_2D with depth multiplier 2: output channel = c·2 + m', () => {
    const w = tf.tensor4d([1, 10, 100, 1000], [1, 1, 1, 4]);
    const opts = conv({ depthMultiplier: 2 });
    expect(run('DEPTHWISE_CONV_2D', opts, [tf.tensor4d([2, 3], [1, 1, 1, 2]), w, tf.tensor1d([0, 0, 0, 1])])[0]).toEqual([2, 20, 300, 3001]);
  });

  it('elementwise operators and fused activations', () => {
    const a = tf.tensor1d([1, -5]);
    const b = tf.tensor1d([1, 1]);
    expect(run('ADD', { activation: 'RELU' }, [a, b])[0]).toEqual([2, 0]);
    expect(run('SUB', { activation: 'NONE' }, [a, b])[0]).toEqual([0, -6]);
    expect(run('MUL', { activation: 'NONE' }, [a, tf.scalar(3)])[0]).toEqual([3, -15]);
    expect(run('SQUARED_DIFFERENCE', {}, [tf.tensor1d([1, 4]), tf.scalar(3)])[0]).toEqual([4, 1]);
    expect(run('RSQRT', {}, [tf.tensor1d([4, 0.25])])[0]).toEqual([0.5, 2]);
    expect(run('LOGISTIC', {}, [tf.tensor1d([0])])[0]).toEqual([0.5]);
    expect(run('QUANTIZE', {}, [tf.tensor1d([0.3])])[0][0]).toBeCloseTo(0.3, 6);
    expect(() => run('ADD', { activation: 'SIGN_BIT' }, [a, b])).toThrow(/SIGN_BIT is not supported/);
  });

  it('the other mapped operators (not used by the Magenta files)', () => {
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    expect(run('PAD', {}, [tf.tensor1d([5]), [1, 2]])[0]).toEqual([0, 5, 0, 0]);
    expect(run('RESHAPE', { newShape: [] }, [x, [2, -1]])[0]).toEqual([1, 2, 3, 4]);
    expect(run('CONCATENATION', { axis: -1, activation: 'RELU' }, [tf.tensor2d([[1], [-2]]), tf.tensor2d([[3], [4]])])[0]).toEqual([1, 3, 0, 4]);
    const sm = run('SOFTMAX', { beta: 2 }, [tf.tensor1d([0, Math.log(2) / 2])])[0]; // e^0 : e^log2 = 1 : 2
    expect(sm[0]).toBeCloseTo(1 / 3, 6);
    const pool = { padding: 'VALID', strideW: 2, strideH: 2, filterW: 2, filterH: 2, activation: 'NONE' } as DecodedOptions;
    expect(run('AVERAGE_POOL_2D', pool, [x])[0]).toEqual([2.5]);
    expect(run('MAX_POOL_2D', pool, [x])[0]).toEqual([4]);
    expect(run('RESIZE_BILINEAR', { alignCorners: true, halfPixelCenters: false }, [tf.tensor4d([0, 4], [1, 1, 2, 1]), [1, 3]])[0]).toEqual([0, 2, 4]);
    expect(run('DIV', { activation: 'NONE' }, [tf.tensor1d([1, 9]), tf.tensor1d([2, 3])])[0]).toEqual([0.5, 3]);
    expect(run('MAXIMUM', {}, [tf.tensor1d([1, 9]), tf.scalar(3)])[0]).toEqual([3, 9]);
  });

  it('fakeQuantize rounds onto the int8 grid and clamps to its range', () => {
    const t: TensorInfo = { ...info(0, [4]), type: 'INT8', quant: { scale: [0.5], zeroPoint: [-128], quantizedDimension: 0 } };
    // round(x/0.5) clamped to [−128+128, 127+128] = [0, 255], times 0.5
    expect(Array.from(fakeQuantize(tf.tensor1d([-1, 0.26, 200, 0.74]), t).dataSync())).toEqual([0, 0.5, 127.5, 0.5]);
    expect(fakeQuantize(tf.tensor1d([1]), info(0, [1])).dataSync()[0]).toBe(1); // float tensors untouched
  });
});
