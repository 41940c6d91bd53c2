/**
 * Turns the raw bytes of a constant TFLite tensor into numbers: float32 as is, float16 widened,
 * quantised integers (int8/uint8/int16/int32 with scale and zero point, per tensor or per channel
 * along `quantized_dimension`) dequantised to float32, and unquantised integers (shapes, axes,
 * paddings) as int32.
 */
import type { QuantInfo, TensorInfo } from './parse';

export interface ConstValues {
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
}

/** IEEE 754 binary16 → number (handles subnormals, infinities and NaN). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const ELEMENT_BYTES: Record<string, number> = {
  FLOAT32: 4, FLOAT16: 2, INT32: 4, UINT8: 1, INT8: 1, INT16: 2, INT64: 8, BOOL: 1, UINT32: 4, FLOAT64: 8,
};

function product(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Read `count` integers of the given TFLite type from little-endian bytes. */
function readIntegers(type: string, data: Uint8Array, count: number): Float64Array {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    switch (type) {
      case 'INT8': out[i] = dv.getInt8(i); break;
      case 'UINT8': case 'BOOL': out[i] = dv.getUint8(i); break;
      case 'INT16': out[i] = dv.getInt16(2 * i, true); break;
      case 'INT32': out[i] = dv.getInt32(4 * i, true); break;
      case 'UINT32': out[i] = dv.getUint32(4 * i, true); break;
      case 'INT64': out[i] = Number(dv.getBigInt64(8 * i, true)); break;
      default: throw new Error(`readIntegers: ${type} is not an integer type`);
    }
  }
  return out;
}

/**
 * Dequantise `q` (integers laid out row-major in `shape`) with per-channel or per-tensor params:
 * real = (q − zero_point[c]) · scale[c], c = index along quantized_dimension.
 */
export function dequantizeValues(q: ArrayLike<number>, shape: number[], quant: QuantInfo): Float32Array {
  const { scale, zeroPoint } = quant;
  const n = q.length;
  const out = new Float32Array(n);
  if (scale.length === 1) {
    const s = scale[0];
    const zp = zeroPoint[0] ?? 0;
    for (let i = 0; i < n; i++) out[i] = (q[i] - zp) * s;
    return out;
  }
  const axis = quant.quantizedDimension;
  if (axis < 0 || axis >= shape.length) throw new Error(`quantized_dimension ${axis} is outside a rank-${shape.length} tensor`);
  const channels = shape[axis];
  if (channels !== scale.length) {
    throw new Error(`${scale.length} per-channel scales for dimension ${axis} of size ${channels}`);
  }
  if (zeroPoint.length !== 0 && zeroPoint.length !== 1 && zeroPoint.length !== channels) {
    throw new Error(`${zeroPoint.length} zero points for ${channels} channels`);
  }
  const inner = product(shape.slice(axis + 1));
  for (let i = 0; i < n; i++) {
    const c = Math.floor(i / inner) % channels;
    const zp = zeroPoint.length === channels ? zeroPoint[c] : (zeroPoint[0] ?? 0);
    out[i] = (q[i] - zp) * scale[c];
  }
  return out;
}

/** The values of constant tensor `t` whose buffer holds `data`. */
export function constantValues(t: TensorInfo, data: Uint8Array): ConstValues {
  const count = product(t.shape);
  const bytes = ELEMENT_BYTES[t.type];
  if (bytes === undefined) throw new Error(`Tensor ${t.index} "${t.name}": constant of type ${t.type} is not supported`);
  if (t.sparse) throw new Error(`Tensor ${t.index} "${t.name}": sparse constant tensors are not supported`);
  if (data.byteLength !== count * bytes) {
    throw new Error(`Tensor ${t.index} "${t.name}": buffer has ${data.byteLength} bytes, shape ${JSON.stringify(t.shape)} of ${t.type} needs ${count * bytes}`);
  }
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (t.type === 'FLOAT32' || t.type === 'FLOAT64') {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = t.type === 'FLOAT32' ? dv.getFloat32(4 * i, true) : dv.getFloat64(8 * i, true);
    return { dtype: 'float32', values: out };
  }
  if (t.type === 'FLOAT16') {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = halfToFloat(dv.getUint16(2 * i, true));
    return { dtype: 'float32', values: out };
  }
  const ints = readIntegers(t.type, data, count);
  if (t.quant) return { dtype: 'float32', values: dequantizeValues(ints, t.shape, t.quant) };
  return { dtype: 'int32', values: Int32Array.from(ints) };
}
