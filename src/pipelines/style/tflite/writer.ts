/**
 * A minimal TFLite writer (verification tooling) for the operators this port maps. `writeTflite`
 * re-serialises a parsed model, optionally cut down to the operators that produce chosen tensors;
 * `toFloatModel` writes the float32 twin of a quantised model: constants dequantised with `dequantize.ts`, activations FLOAT32, QUANTIZE and
 * DEQUANTIZE removed (their outputs aliased to their inputs). The official interpreter can then run
 * the very network our 'float' mode computes, so the two can be compared to float precision.
 * Written with the `flatbuffers` Builder using the same schema field ids as `schema.ts`.
 */
import { Builder } from 'flatbuffers';
import { constantValues } from './dequantize';
import { builtinCode, OptionsType, type ActivationName, type DecodedOptions } from './opcodes';
import type { OperatorInfo, ParsedModel } from './parse';
import { Activation, MirrorPadMode, Padding, TensorType } from './schema';

type B = Builder;

function int32Vector(b: B, xs: number[]): number {
  b.startVector(4, xs.length, 4);
  for (let i = xs.length - 1; i >= 0; i--) b.addInt32(xs[i]);
  return b.endVector();
}

function offsetVector(b: B, xs: number[]): number {
  b.startVector(4, xs.length, 4);
  for (let i = xs.length - 1; i >= 0; i--) b.addOffset(xs[i]);
  return b.endVector();
}

function alignedBytes(b: B, v: Uint8Array): number {
  b.startVector(1, v.length, 16);
  for (let i = v.length - 1; i >= 0; i--) b.addInt8(v[i]);
  return b.endVector();
}

const act = (a: ActivationName) => Activation[a as keyof typeof Activation];

/** Serialise the builtin options of `op` (returns [union type, table offset]). */
function writeOptions(b: B, op: OperatorInfo): [number, number] {
  const o = op.options as DecodedOptions & Record<string, unknown>;
  const table = (type: number, n: number, fill: () => void): [number, number] => {
    b.startObject(n);
    fill();
    return [type, b.endObject()];
  };
  switch (op.opcode) {
    case 'CONV_2D': case 'DEPTHWISE_CONV_2D': {
      const dw = op.opcode === 'DEPTHWISE_CONV_2D';
      return table(dw ? OptionsType.DepthwiseConv2DOptions : OptionsType.Conv2DOptions, 7, () => {
        b.addFieldInt8(0, o.padding === 'SAME' ? Padding.SAME : Padding.VALID, -1);
        b.addFieldInt32(1, o.strideW as number, -1);
        b.addFieldInt32(2, o.strideH as number, -1);
        if (dw) b.addFieldInt32(3, o.depthMultiplier as number, -1);
        b.addFieldInt8(dw ? 4 : 3, act(o.activation as ActivationName), -1);
        b.addFieldInt32(dw ? 5 : 4, o.dilationW as number, -1);
        b.addFieldInt32(dw ? 6 : 5, o.dilationH as number, -1);
      });
    }
    case 'ADD': case 'SUB': case 'MUL': case 'DIV': {
      const type = { ADD: OptionsType.AddOptions, SUB: OptionsType.SubOptions, MUL: OptionsType.MulOptions, DIV: OptionsType.DivOptions }[op.opcode];
      return table(type, 1, () => b.addFieldInt8(0, act(o.activation as ActivationName), -1));
    }
    case 'MEAN': case 'SUM':
      return table(OptionsType.ReducerOptions, 1, () => b.addFieldInt8(0, o.keepDims ? 1 : 0, -1));
    case 'MIRROR_PAD':
      return table(OptionsType.MirrorPadOptions, 1, () => b.addFieldInt8(0, o.mode === 'REFLECT' ? MirrorPadMode.REFLECT : MirrorPadMode.SYMMETRIC, -1));
    case 'RESIZE_NEAREST_NEIGHBOR':
      return table(OptionsType.ResizeNearestNeighborOptions, 2, () => {
        b.addFieldInt8(0, o.alignCorners ? 1 : 0, -1);
        b.addFieldInt8(1, o.halfPixelCenters ? 1 : 0, -1);
      });
    case 'SQUARED_DIFFERENCE':
      return table(OptionsType.SquaredDifferenceOptions, 0, () => undefined);
    case 'RSQRT': case 'LOGISTIC': case 'QUANTIZE': case 'DEQUANTIZE':
      return [OptionsType.NONE, 0];
    default:
      // Any operator that carries no options is written as it is.
      if (op.optionsType === OptionsType.NONE) return [OptionsType.NONE, 0];
      throw new Error(`toFloatModel: operator ${op.opcode} (index ${op.index}) is not handled`);
  }
}

export interface WriteOptions {
  /** Dequantise everything and drop QUANTIZE/DEQUANTIZE (the float twin). Default true. */
  float?: boolean;
  /** Make these tensors the subgraph outputs and drop operators not needed for them. */
  outputs?: number[];
}

function writeQuant(b: B, q: NonNullable<ParsedModel['tensors'][number]['quant']>): number {
  b.startVector(4, q.scale.length, 4);
  for (let i = q.scale.length - 1; i >= 0; i--) b.addFloat32(q.scale[i]);
  const scale = b.endVector();
  b.startVector(8, q.zeroPoint.length, 8);
  for (let i = q.zeroPoint.length - 1; i >= 0; i--) b.addInt64(BigInt(q.zeroPoint[i]));
  const zp = b.endVector();
  b.startObject(7);
  b.addFieldOffset(2, scale, 0);
  b.addFieldOffset(3, zp, 0);
  b.addFieldInt32(6, q.quantizedDimension, -1);
  return b.endObject();
}

const TYPE_CODES: Record<string, number> = TensorType;

/** The float32 twin of `m` as TFLite flatbuffer bytes (main subgraph only). */
export function toFloatModel(m: ParsedModel): Uint8Array {
  return writeTflite(m, { float: true });
}

/**
 * Serialise `m` (main subgraph) as TFLite flatbuffer bytes: as is (float: false), or as its float
 * twin; optionally cut down to the operators that produce `outputs`.
 */
export function writeTflite(m: ParsedModel, options: WriteOptions = {}): Uint8Array {
  const float = options.float ?? true;
  const alias = new Map<number, number>();
  const resolve = (t: number): number => (alias.has(t) ? resolve(alias.get(t)!) : t);
  if (float) for (const op of m.operators) if (op.opcode === 'QUANTIZE' || op.opcode === 'DEQUANTIZE') alias.set(op.outputs[0], op.inputs[0]);
  const wanted = (options.outputs ?? m.outputs).map(resolve);
  let ops = m.operators.filter((op) => !float || (op.opcode !== 'QUANTIZE' && op.opcode !== 'DEQUANTIZE'));
  const last = Math.max(...ops.filter((op) => op.outputs.some((t) => wanted.includes(t))).map((op) => op.index));
  ops = ops.filter((op) => op.index <= last);
  const isConst = (t: number) => m.tensors[t].buffer > 0 && m.buffers[m.tensors[t].buffer].byteLength > 0 && !m.inputs.includes(t);

  const b = new Builder(1 << 20);
  b.startObject(3);
  const buffers: number[] = [b.endObject()]; // buffer 0: the empty sentinel
  const tensors = m.tensors.map((t) => {
    let type = TYPE_CODES[t.type];
    let bytes: Uint8Array | null = null;
    if (float) type = t.type === 'INT32' && !t.quant ? TensorType.INT32 : TensorType.FLOAT32;
    if (isConst(t.index)) {
      if (float) {
        const v = constantValues(t, m.buffers[t.buffer]);
        type = v.dtype === 'int32' ? TensorType.INT32 : TensorType.FLOAT32;
        bytes = new Uint8Array(v.values.buffer, v.values.byteOffset, v.values.byteLength);
      } else {
        bytes = m.buffers[t.buffer];
      }
    }
    let buffer = 0;
    if (bytes) {
      const data = alignedBytes(b, bytes);
      b.startObject(3);
      b.addFieldOffset(0, data, 0);
      buffers.push(b.endObject());
      buffer = buffers.length - 1;
    }
    const quant = !float && t.quant ? writeQuant(b, t.quant) : 0;
    const name = b.createString(t.name);
    const shape = int32Vector(b, t.shape);
    b.startObject(8);
    b.addFieldOffset(0, shape, 0);
    b.addFieldInt8(1, type, -1);
    b.addFieldInt32(2, buffer, -1);
    b.addFieldOffset(3, name, 0);
    if (quant) b.addFieldOffset(4, quant, 0);
    return b.endObject();
  });
  const operators = ops.map((op) => {
    const inputs = int32Vector(b, op.inputs.map((i) => (i < 0 ? i : resolve(i))));
    const outputs = int32Vector(b, op.outputs);
    const [optType, opts] = writeOptions(b, op);
    b.startObject(7);
    b.addFieldInt32(0, m.operatorCodes.indexOf(op.opcode), -1);
    b.addFieldOffset(1, inputs, 0);
    b.addFieldOffset(2, outputs, 0);
    if (opts) {
      b.addFieldInt8(3, optType, -1);
      b.addFieldOffset(4, opts, 0);
    }
    return b.endObject();
  });
  const codes = m.operatorCodes.map((name) => {
    const code = name === 'CUSTOM' ? 32 : builtinCode(name);
    b.startObject(4);
    b.addFieldInt8(0, Math.min(code, 127), -1);
    b.addFieldInt32(2, m.operators.find((o) => o.opcode === name)?.version ?? 1, -1);
    b.addFieldInt32(3, code, -1);
    return b.endObject();
  });
  const tensorsVec = offsetVector(b, tensors);
  const inputsVec = int32Vector(b, m.inputs);
  const outputsVec = int32Vector(b, wanted);
  const opsVec = offsetVector(b, operators);
  const sgName = b.createString('main');
  b.startObject(5);
  b.addFieldOffset(0, tensorsVec, 0);
  b.addFieldOffset(1, inputsVec, 0);
  b.addFieldOffset(2, outputsVec, 0);
  b.addFieldOffset(3, opsVec, 0);
  b.addFieldOffset(4, sgName, 0);
  const subgraph = b.endObject();
  const codesVec = offsetVector(b, codes);
  const subgraphsVec = offsetVector(b, [subgraph]);
  const buffersVec = offsetVector(b, buffers);
  const desc = b.createString(float ? `float32 twin of: ${m.description}` : m.description);
  b.startObject(5);
  b.addFieldInt32(0, 3, -1);
  b.addFieldOffset(1, codesVec, 0);
  b.addFieldOffset(2, subgraphsVec, 0);
  b.addFieldOffset(3, desc, 0);
  b.addFieldOffset(4, buffersVec, 0);
  b.finish(b.endObject(), 'TFL3');
  return b.asUint8Array().slice(); // a tight copy: the builder's backing store is larger
}
