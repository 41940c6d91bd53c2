/**
 * Reads a TFLite flatbuffer into plain descriptors (tensors, operators, inputs/outputs, raw buffer
 * views). The model is data only: nothing in it is ever evaluated as code.
 */
import { Model, tensorTypeName } from './schema';
import { builtinName, decodeOptions, type DecodedOptions } from './opcodes';

export interface QuantInfo {
  scale: number[];
  zeroPoint: number[];
  /** Axis of `shape` the per-channel scales run along (0 for per-tensor). */
  quantizedDimension: number;
}

export interface TensorInfo {
  index: number;
  name: string;
  shape: number[];
  /** -1 marks a dynamic dimension (empty when the file has no shape_signature). */
  shapeSignature: number[];
  /** Schema name of the element type, e.g. FLOAT32, INT8, FLOAT16, INT32. */
  type: string;
  /** Index into the model's buffers; 0 is the empty sentinel buffer. */
  buffer: number;
  quant: QuantInfo | null;
  isVariable: boolean;
  sparse: boolean;
}

export interface OperatorInfo {
  index: number;
  /** Schema name of the builtin operator (or CUSTOM). */
  opcode: string;
  customCode: string;
  version: number;
  inputs: number[];
  outputs: number[];
  optionsType: number;
  options: DecodedOptions;
}

export interface ParsedModel {
  schemaVersion: number;
  description: string;
  subgraphCount: number;
  tensors: TensorInfo[];
  operators: OperatorInfo[];
  inputs: number[];
  outputs: number[];
  /** Raw bytes of every buffer (views into the file, empty for buffer 0 and activations). */
  buffers: Uint8Array[];
  /** The operator-code table, as schema names, in file order. */
  operatorCodes: string[];
}

/** Parse the main (first) subgraph of a TFLite model. */
export function parseTflite(input: ArrayBuffer | Uint8Array): ParsedModel {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const model = Model.fromBytes(bytes);
  const version = model.version();
  if (version !== 3) throw new Error(`Unsupported TFLite schema version ${version} (expected 3)`);
  const subgraphs = model.subgraphs();
  if (subgraphs.length === 0) throw new Error('TFLite model has no subgraph');
  const codes = model.operatorCodes();
  const operatorCodes = codes.map((c) => builtinName(c.builtinCode()));
  const buffers = model.buffers().map((b) => {
    const off = b.offset();
    if (off > 1) {
      const size = b.size();
      if (off + size > bytes.length) throw new Error(`Buffer at offset ${off} (+${size}) runs past the end of the file`);
      return bytes.subarray(off, off + size);
    }
    return b.data();
  });
  const g = subgraphs[0];
  const tensors: TensorInfo[] = g.tensors().map((t, index) => {
    const q = t.quantization();
    const scale = q ? q.scale() : [];
    const quant: QuantInfo | null = q && scale.length > 0
      ? { scale, zeroPoint: q.zeroPoint(), quantizedDimension: q.quantizedDimension() }
      : null;
    const buffer = t.buffer();
    if (buffer >= buffers.length) throw new Error(`Tensor ${index} refers to buffer ${buffer} of ${buffers.length}`);
    return {
      index, name: t.name(), shape: t.shape(), shapeSignature: t.shapeSignature(), type: tensorTypeName(t.type()),
      buffer, quant, isVariable: t.isVariable(), sparse: t.hasSparsity(),
    };
  });
  const check = (ids: number[], what: string) => {
    for (const i of ids) if (i < -1 || i >= tensors.length) throw new Error(`${what} refers to tensor ${i} of ${tensors.length}`);
    return ids;
  };
  const operators: OperatorInfo[] = g.operators().map((op, index) => {
    const ci = op.opcodeIndex();
    if (ci >= codes.length) throw new Error(`Operator ${index} has opcode_index ${ci} of ${codes.length}`);
    const opcode = operatorCodes[ci];
    const optionsType = op.builtinOptionsType();
    let options: DecodedOptions;
    try {
      options = decodeOptions(opcode, optionsType, op.builtinOptions());
    } catch (e) {
      throw new Error(`Operator ${index} (${opcode}): ${(e as Error).message}`);
    }
    return {
      index, opcode, customCode: codes[ci].customCode(), version: codes[ci].version(),
      inputs: check(op.inputs(), `Operator ${index} (${opcode}) input`),
      outputs: check(op.outputs(), `Operator ${index} (${opcode}) output`),
      optionsType, options,
    };
  });
  return {
    schemaVersion: version, description: model.description(), subgraphCount: subgraphs.length, tensors, operators,
    inputs: check(g.inputs(), 'Subgraph input'), outputs: check(g.outputs(), 'Subgraph output'), buffers, operatorCodes,
  };
}
