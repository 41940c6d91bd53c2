/**
 * A TFLite graph executed as tfjs ops: constants become tfjs tensors once (dequantised to float32,
 * weights re-laid-out for tfjs, constant-only subgraphs such as fp16 DEQUANTIZE folded), and
 * `execute` runs the operators in file order inside tf.tidy, freeing each intermediate after its
 * last use.
 *
 * Activations: TFLite int8 models carry int8 activations between QUANTIZE and DEQUANTIZE. In the
 * default 'float' mode they stay float32 (QUANTIZE/DEQUANTIZE are identities), which is the float
 * network the int8 file approximates. In 'int8-emulated' mode every int8 activation is rounded to
 * its int8 grid (round(x/scale) clamped to the int8 range, times scale), which follows the official
 * interpreter's int8 arithmetic to within one step per operator (not bit-exact; see README.md).
 */
import * as tf from '@tensorflow/tfjs';
import { constantValues, type ConstValues } from './dequantize';
import { fakeQuantize } from './int8';
import { OPS, layoutWeight, type OpContext, type WeightLayout } from './ops';
import type { ConvOptions } from './opcodes';
import { parseTflite, type ParsedModel, type TensorInfo } from './parse';

export type ActivationMode = 'float' | 'int8-emulated';

export interface GraphTensorSpec {
  name: string;
  /** Tensor index in the TFLite subgraph. */
  index: number;
  /** Shape recorded in the file (inputs of fully convolutional graphs may differ spatially). */
  shape: number[];
  dtype: string;
}

export interface LoadOptions {
  /** How int8 activations are computed (see the module comment). Default 'float'. */
  activations?: ActivationMode;
}

export interface ExecuteOptions {
  activations?: ActivationMode;
  /**
   * Tensor indices to return instead of the graph outputs (intermediate activations, for layer-by-
   * layer verification). Results are keyed by tensor name.
   */
  outputs?: number[];
}

export class TfliteGraph {
  readonly inputs: GraphTensorSpec[];
  readonly outputs: GraphTensorSpec[];
  /** Distinct operators of the graph, sorted. */
  readonly operatorNames: string[];
  readonly activations: ActivationMode;
  private readonly constants = new Map<number, tf.Tensor>();
  private readonly constInts = new Map<number, number[]>();
  private readonly prepared = new Map<string, tf.Tensor>();
  private readonly folded = new Set<number>();
  private readonly lastUse = new Map<number, number>();
  private disposed = false;

  constructor(readonly model: ParsedModel, options: LoadOptions = {}) {
    this.activations = options.activations ?? 'float';
    const spec = (i: number): GraphTensorSpec => {
      const t = model.tensors[i];
      return { name: t.name, index: i, shape: [...t.shape], dtype: t.type };
    };
    this.inputs = model.inputs.map(spec);
    this.outputs = model.outputs.map(spec);
    this.operatorNames = [...new Set(model.operators.map((o) => o.opcode))].sort();
    for (const op of model.operators) {
      if (!OPS[op.opcode]) {
        const name = op.opcode === 'CUSTOM' ? `CUSTOM "${op.customCode}"` : op.opcode;
        throw new Error(`Unsupported TFLite operator ${name} at operator index ${op.index}`);
      }
    }
    try {
      this.loadConstants();
      this.foldConstants();
      this.prepareWeights();
    } catch (e) {
      this.dispose();
      throw e;
    }
    model.operators.forEach((op) => op.inputs.forEach((i) => this.lastUse.set(i, op.index)));
  }

  private isConstant(t: TensorInfo): boolean {
    return t.buffer > 0 && this.model.buffers[t.buffer].byteLength > 0 && !this.model.inputs.includes(t.index);
  }

  private loadConstants(): void {
    for (const t of this.model.tensors) {
      if (!this.isConstant(t)) continue;
      let v: ConstValues;
      try {
        v = constantValues(t, this.model.buffers[t.buffer]);
      } catch (e) {
        throw new Error(`Loading constant: ${(e as Error).message}`);
      }
      if (v.dtype === 'int32' && v.values.length <= 64) this.constInts.set(t.index, Array.from(v.values));
      this.constants.set(t.index, tf.tensor(v.values, t.shape, v.dtype));
    }
  }

  /** Evaluate once, at load, operators whose inputs are all constants and whose outputs are float. */
  private foldConstants(): void {
    for (const op of this.model.operators) {
      const ins = op.inputs.filter((i) => i >= 0);
      const outsFloat = op.outputs.every((i) => ['FLOAT32', 'FLOAT16', 'INT32'].includes(this.model.tensors[i].type) && !this.model.tensors[i].quant);
      if (ins.length === 0 || !outsFloat || !ins.every((i) => this.constants.has(i))) continue;
      const outs = tf.tidy(() => this.runOp(op.index, (i) => this.constants.get(i)!, (k) => this.prepared.get(k)));
      op.outputs.forEach((o, k) => this.constants.set(o, outs[k]));
      this.folded.add(op.index);
    }
  }

  private layoutOf(opIndex: number, inputPos: number): { layout: WeightLayout; mult: number } {
    const op = this.model.operators[opIndex];
    const layout = OPS[op.opcode].weightLayout?.(inputPos) ?? 'as-is';
    const mult = op.opcode === 'DEPTHWISE_CONV_2D' ? Math.max(1, (op.options as ConvOptions).depthMultiplier) : 1;
    return { layout, mult };
  }

  private prepareWeights(): void {
    for (const op of this.model.operators) {
      if (this.folded.has(op.index)) continue;
      op.inputs.forEach((ti, pos) => {
        const c = this.constants.get(ti);
        if (!c) return;
        const { layout, mult } = this.layoutOf(op.index, pos);
        const key = `${ti}:${layout}:${mult}`;
        if (layout !== 'as-is' && !this.prepared.has(key)) {
          if (c.rank !== 4) throw new Error(`Operator ${op.index} (${op.opcode}): weights must be rank 4, got ${JSON.stringify(c.shape)}`);
          this.prepared.set(key, layoutWeight(c, layout, mult));
        }
      });
    }
  }

  /** Run operator `opIndex` given a lookup of its input tensors (by tensor index). */
  private runOp(opIndex: number, value: (ti: number) => tf.Tensor | undefined, prepared: (key: string) => tf.Tensor | undefined): tf.Tensor[] {
    const op = this.model.operators[opIndex];
    const tensors = this.model.tensors;
    const ctx: OpContext = {
      op,
      has: (i) => i < op.inputs.length && op.inputs[i] >= 0,
      input: (i) => {
        const ti = op.inputs[i];
        const { layout, mult } = this.layoutOf(opIndex, i);
        const p = layout === 'as-is' ? undefined : prepared(`${ti}:${layout}:${mult}`);
        const v = p ?? value(ti);
        if (!v) throw new Error(`Operator ${opIndex} (${op.opcode}): input ${i} (tensor ${ti} "${tensors[ti]?.name}") has no value`);
        return p || layout === 'as-is' ? v : layoutWeight(v, layout, mult);
      },
      constInt: (i) => {
        const v = this.constInts.get(op.inputs[i]);
        if (!v) throw new Error(`Operator ${opIndex} (${op.opcode}): input ${i} must be a constant integer tensor`);
        return v;
      },
      inputInfo: (i) => tensors[op.inputs[i]],
      outputInfo: (i) => tensors[op.outputs[i]],
    };
    const outs = OPS[op.opcode].run(ctx);
    if (outs.length !== op.outputs.length) throw new Error(`Operator ${opIndex} (${op.opcode}) gave ${outs.length} outputs, the file has ${op.outputs.length}`);
    return outs;
  }

  /**
   * Run the graph. `inputs` is keyed by input tensor name (see `inputs`). Returns float32 tensors
   * keyed by output name; the caller disposes them.
   */
  execute(inputs: Record<string, tf.Tensor>, options: ExecuteOptions = {}): Record<string, tf.Tensor> {
    if (this.disposed) throw new Error('TfliteGraph.execute after dispose()');
    const mode = options.activations ?? this.activations;
    for (const name of Object.keys(inputs)) {
      if (!this.inputs.some((s) => s.name === name)) throw new Error(`Unknown input "${name}"; the graph's inputs are ${this.inputs.map((s) => `"${s.name}"`).join(', ')}`);
    }
    return tf.tidy(() => {
      const values = new Map<number, tf.Tensor>();
      for (const spec of this.inputs) {
        const x = inputs[spec.name];
        if (!x) throw new Error(`Missing input "${spec.name}" (shape ${JSON.stringify(spec.shape)})`);
        if (x.rank !== spec.shape.length || x.shape[x.rank - 1] !== spec.shape[spec.shape.length - 1]) {
          throw new Error(`Input "${spec.name}" has shape ${JSON.stringify(x.shape)}, expected rank ${spec.shape.length} with ${spec.shape[spec.shape.length - 1]} channels (file shape ${JSON.stringify(spec.shape)})`);
        }
        const t = this.model.tensors[spec.index];
        const xf = x.dtype === 'float32' ? x : tf.cast(x, 'float32');
        values.set(spec.index, mode === 'int8-emulated' ? fakeQuantize(xf, t) : xf);
      }
      const wanted = options.outputs ?? this.model.outputs;
      for (const ti of wanted) if (!this.model.tensors[ti]) throw new Error(`No tensor ${ti} in the graph`);
      const keep = new Set<number>([...wanted, ...this.model.inputs]);
      const lookup = (ti: number) => values.get(ti) ?? this.constants.get(ti);
      const external = new Set<tf.Tensor>([...Object.values(inputs), ...this.constants.values(), ...this.prepared.values()]);
      const release = (t: tf.Tensor) => {
        if (!external.has(t) && ![...values.values()].includes(t)) t.dispose();
      };
      const wantedSet = new Set(wanted);
      const lastNeeded = Math.max(-1, ...this.model.operators.filter((o) => o.outputs.some((t) => wantedSet.has(t))).map((o) => o.index));
      for (const op of this.model.operators) {
        if (op.index > lastNeeded) break;
        if (this.folded.has(op.index)) continue;
        const outs = this.runOp(op.index, lookup, (k) => this.prepared.get(k));
        op.outputs.forEach((ti, k) => {
          const y = mode === 'int8-emulated' ? fakeQuantize(outs[k], this.model.tensors[ti]) : outs[k];
          values.set(ti, y);
          if (y !== outs[k]) release(outs[k]);
        });
        for (const ti of op.inputs) {
          if (this.lastUse.get(ti) !== op.index || keep.has(ti) || !values.has(ti)) continue;
          const t = values.get(ti)!;
          values.delete(ti);
          release(t);
        }
      }
      const result: Record<string, tf.Tensor> = {};
      for (const ti of wanted) {
        const y = lookup(ti);
        const name = this.model.tensors[ti].name;
        if (!y) throw new Error(`Output "${name}" was never computed`);
        result[name] = y.dtype === 'float32' ? y : tf.cast(y, 'float32');
      }
      return result;
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.constants.values()) t.dispose();
    for (const t of this.prepared.values()) t.dispose();
    this.constants.clear();
    this.prepared.clear();
  }
}

/** Parse a TFLite flatbuffer and make its tfjs executor (weights uploaded to the current backend). */
export function loadTfliteGraph(bytes: ArrayBuffer | Uint8Array, options: LoadOptions = {}): TfliteGraph {
  return new TfliteGraph(parseTflite(bytes), options);
}
