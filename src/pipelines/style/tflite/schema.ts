/**
 * Minimal read-only accessors for the TensorFlow Lite flatbuffer schema (tensorflow/lite/schema/
 * schema.fbs, version 3), written in the style of `flatc --ts` output on top of the `flatbuffers`
 * runtime. Only the tables and fields the style-transfer graphs need are here; every accessor names
 * its schema field id (vtable slot = 4 + 2·id). Ids were checked against the real Magenta files by
 * `schema.test.ts` (tensor names, shapes, buffer sizes and option union types all line up).
 */
import { ByteBuffer, type Encoding } from 'flatbuffers';

/**
 * A ByteBuffer that refuses reads outside the file. The flatbuffers runtime reads bytes past the
 * end as `undefined`, i.e. 0, so a truncated or corrupt file would otherwise parse into a silently
 * wrong graph. Every typed read goes through readUint8 / readUint16 / readInt32.
 */
class CheckedByteBuffer extends ByteBuffer {
  need(offset: number, size: number): void {
    if (!(Number.isInteger(offset) && offset >= 0 && size >= 0 && offset + size <= this.capacity())) {
      throw new Error(`Malformed TFLite file: ${size} byte(s) at offset ${offset} lie outside the ${this.capacity()}-byte file (truncated or corrupt)`);
    }
  }
  override readUint8(offset: number): number {
    this.need(offset, 1);
    return super.readUint8(offset);
  }
  override readUint16(offset: number): number {
    this.need(offset, 2);
    return super.readUint16(offset);
  }
  override readInt32(offset: number): number {
    this.need(offset, 4);
    return super.readInt32(offset);
  }
  override __string(offset: number, encoding?: Encoding): string | Uint8Array {
    const start = offset + this.readInt32(offset);
    this.need(start + 4, this.readInt32(start));
    return super.__string(offset, encoding);
  }
}

/** Base of every table: a position in a ByteBuffer plus typed field readers. */
class Table {
  constructor(protected readonly bb: CheckedByteBuffer, protected readonly pos: number) {}

  /** Offset of field `id` inside this table, 0 when absent (the default applies). */
  protected field(id: number): number {
    return this.bb.__offset(this.pos, 4 + 2 * id);
  }
  protected int8(id: number, dflt = 0): number {
    const o = this.field(id);
    return o ? this.bb.readInt8(this.pos + o) : dflt;
  }
  protected uint8(id: number, dflt = 0): number {
    const o = this.field(id);
    return o ? this.bb.readUint8(this.pos + o) : dflt;
  }
  protected bool(id: number, dflt = false): boolean {
    const o = this.field(id);
    return o ? this.bb.readInt8(this.pos + o) !== 0 : dflt;
  }
  protected int32(id: number, dflt = 0): number {
    const o = this.field(id);
    return o ? this.bb.readInt32(this.pos + o) : dflt;
  }
  protected uint32(id: number, dflt = 0): number {
    const o = this.field(id);
    return o ? this.bb.readUint32(this.pos + o) : dflt;
  }
  protected uint64(id: number): number {
    const o = this.field(id);
    return o ? Number(this.bb.readUint64(this.pos + o)) : 0;
  }
  protected str(id: number): string {
    const o = this.field(id);
    return o ? (this.bb.__string(this.pos + o) as string) : '';
  }
  protected table<T>(id: number, make: (bb: CheckedByteBuffer, pos: number) => T): T | null {
    const o = this.field(id);
    return o ? make(this.bb, this.bb.__indirect(this.pos + o)) : null;
  }
  protected vecLen(id: number): number {
    const o = this.field(id);
    return o ? this.bb.__vector_len(this.pos + o) : 0;
  }
  /** Start of the element data of vector field `id` (only valid when vecLen(id) > 0). */
  protected vecStart(id: number): number {
    return this.bb.__vector(this.pos + this.field(id));
  }
  /** Length and start of vector field `id`, checked to lie inside the file (a corrupt length is refused, not allocated). */
  private vec(id: number, elementBytes: number): { n: number; s: number } {
    const n = this.vecLen(id);
    if (!n) return { n: 0, s: 0 };
    const s = this.vecStart(id);
    this.bb.need(s, n * elementBytes);
    return { n, s };
  }
  protected int32Vec(id: number): number[] {
    const { n, s } = this.vec(id, 4);
    return Array.from({ length: n }, (_, i) => this.bb.readInt32(s + 4 * i));
  }
  protected float32Vec(id: number): number[] {
    const { n, s } = this.vec(id, 4);
    return Array.from({ length: n }, (_, i) => this.bb.readFloat32(s + 4 * i));
  }
  protected int64Vec(id: number): number[] {
    const { n, s } = this.vec(id, 8);
    return Array.from({ length: n }, (_, i) => Number(this.bb.readInt64(s + 8 * i)));
  }
  protected tableVec<T>(id: number, make: (bb: CheckedByteBuffer, pos: number) => T): T[] {
    const { n, s } = this.vec(id, 4);
    return Array.from({ length: n }, (_, i) => make(this.bb, this.bb.__indirect(s + 4 * i)));
  }
  /** A ubyte vector as a view into the file (no copy). */
  protected bytesVec(id: number): Uint8Array {
    const { n, s } = this.vec(id, 1);
    return n ? this.bb.bytes().subarray(s, s + n) : new Uint8Array(0);
  }
}

/** table Model { version:uint; operator_codes:[OperatorCode]; subgraphs:[SubGraph]; description:string; buffers:[Buffer]; … } */
export class Model extends Table {
  static fromBytes(bytes: Uint8Array): Model {
    const bb = new CheckedByteBuffer(bytes);
    if (bytes.length < 8) throw new Error('Not a TFLite model: file is shorter than 8 bytes');
    if (!bb.__has_identifier('TFL3')) {
      const id = String.fromCharCode(...bytes.subarray(4, 8));
      throw new Error(`Not a TFLite model: file identifier is "${id}", expected "TFL3"`);
    }
    return new Model(bb, bb.readInt32(bb.position()) + bb.position());
  }
  version(): number { return this.uint32(0); }
  operatorCodes(): OperatorCode[] { return this.tableVec(1, (b, p) => new OperatorCode(b, p)); }
  subgraphs(): SubGraph[] { return this.tableVec(2, (b, p) => new SubGraph(b, p)); }
  description(): string { return this.str(3); }
  buffers(): BufferTable[] { return this.tableVec(4, (b, p) => new BufferTable(b, p)); }
}

/** table OperatorCode { deprecated_builtin_code:byte; custom_code:string; version:int = 1; builtin_code:BuiltinOperator; } */
export class OperatorCode extends Table {
  deprecatedBuiltinCode(): number { return this.int8(0); }
  customCode(): string { return this.str(1); }
  version(): number { return this.int32(2, 1); }
  builtinCodeField(): number { return this.int32(3); }
  /** The effective builtin code: max(deprecated, builtin) as the TFLite runtime does. */
  builtinCode(): number { return Math.max(this.deprecatedBuiltinCode(), this.builtinCodeField()); }
}

/** table SubGraph { tensors:[Tensor]; inputs:[int]; outputs:[int]; operators:[Operator]; name:string; } */
export class SubGraph extends Table {
  tensors(): Tensor[] { return this.tableVec(0, (b, p) => new Tensor(b, p)); }
  inputs(): number[] { return this.int32Vec(1); }
  outputs(): number[] { return this.int32Vec(2); }
  operators(): Operator[] { return this.tableVec(3, (b, p) => new Operator(b, p)); }
  name(): string { return this.str(4); }
}

/** table Tensor { shape:[int]; type:TensorType; buffer:uint; name:string; quantization:QuantizationParameters; is_variable:bool; sparsity; shape_signature:[int]; … } */
export class Tensor extends Table {
  shape(): number[] { return this.int32Vec(0); }
  type(): number { return this.int8(1); }
  buffer(): number { return this.uint32(2); }
  name(): string { return this.str(3); }
  quantization(): QuantizationParameters | null { return this.table(4, (b, p) => new QuantizationParameters(b, p)); }
  isVariable(): boolean { return this.bool(5); }
  hasSparsity(): boolean { return this.field(6) !== 0; }
  shapeSignature(): number[] { return this.int32Vec(7); }
}

/** table QuantizationParameters { min:[float]; max:[float]; scale:[float]; zero_point:[long]; details (union, ids 4/5); quantized_dimension:int; } */
export class QuantizationParameters extends Table {
  min(): number[] { return this.float32Vec(0); }
  max(): number[] { return this.float32Vec(1); }
  scale(): number[] { return this.float32Vec(2); }
  zeroPoint(): number[] { return this.int64Vec(3); }
  quantizedDimension(): number { return this.int32(6); }
}

/** table Buffer { data:[ubyte] (force_align: 16); offset:ulong; size:ulong; } */
export class BufferTable extends Table {
  data(): Uint8Array { return this.bytesVec(0); }
  /** For models over 2 GB the data lives after the flatbuffer at this file offset. */
  offset(): number { return this.uint64(1); }
  size(): number { return this.uint64(2); }
}

/** table Operator { opcode_index:uint; inputs:[int]; outputs:[int]; builtin_options_type:ubyte (3); builtin_options (4); custom_options:[ubyte]; … } */
export class Operator extends Table {
  opcodeIndex(): number { return this.uint32(0); }
  inputs(): number[] { return this.int32Vec(1); }
  outputs(): number[] { return this.int32Vec(2); }
  builtinOptionsType(): number { return this.uint8(3); }
  /** The options table (union value, field 4), read through `view`. */
  builtinOptions(): OptionsTable | null { return this.table(4, (b, p) => new OptionsTable(b, p)); }
  hasCustomOptions(): boolean { return this.vecLen(5) > 0; }
}

/**
 * Any builtin options table. The union holds a table whose type is given by the operator's
 * builtin_options_type; fields are read by id through these typed getters by `options.ts`.
 */
export class OptionsTable extends Table {
  getInt8(id: number, dflt = 0): number { return this.int8(id, dflt); }
  getBool(id: number, dflt = false): boolean { return this.bool(id, dflt); }
  getInt32(id: number, dflt = 0): number { return this.int32(id, dflt); }
  getFloat32(id: number, dflt = 0): number {
    const o = this.field(id);
    return o ? this.bb.readFloat32(this.pos + o) : dflt;
  }
  getInt32Vec(id: number): number[] { return this.int32Vec(id); }
}

/** enum TensorType : byte */
export const TensorType = {
  FLOAT32: 0, FLOAT16: 1, INT32: 2, UINT8: 3, INT64: 4, STRING: 5, BOOL: 6, INT16: 7, COMPLEX64: 8,
  INT8: 9, FLOAT64: 10, COMPLEX128: 11, UINT64: 12, RESOURCE: 13, VARIANT: 14, UINT32: 15, UINT16: 16, INT4: 17,
} as const;

export function tensorTypeName(t: number): string {
  return Object.entries(TensorType).find(([, v]) => v === t)?.[0] ?? `TensorType(${t})`;
}

/** enum ActivationFunctionType : byte */
export const Activation = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3, TANH: 4, SIGN_BIT: 5 } as const;
/** enum Padding : byte */
export const Padding = { SAME: 0, VALID: 1 } as const;
/** enum MirrorPadMode : byte */
export const MirrorPadMode = { REFLECT: 0, SYMMETRIC: 1 } as const;
