import { describe, expect, it } from 'vitest';
import { constantValues, dequantizeValues, halfToFloat } from './dequantize';
import type { TensorInfo } from './parse';

function info(type: string, shape: number[], quant: TensorInfo['quant'] = null): TensorInfo {
  return { index: 7, name: 'w', shape, shapeSignature: [], type, buffer: 1, quant, isVariable: false, sparse: false };
}

describe('dequantisation', () => {
  it('per-channel int8 along quantized_dimension 0 (conv weights [out, kh, kw, in])', () => {
    // shape [2, 1, 1, 3]: channel 0 has scale 0.5, zero point 0; channel 1 scale 0.25, zero point 2.
    const q = new Int8Array([2, -4, 127, -128, 2, 10]);
    const data = new Uint8Array(q.buffer);
    const v = constantValues(info('INT8', [2, 1, 1, 3], { scale: [0.5, 0.25], zeroPoint: [0, 2], quantizedDimension: 0 }), data);
    expect(v.dtype).toBe('float32');
    // (2−0)·0.5, (−4−0)·0.5, (127−0)·0.5 | (−128−2)·0.25, (2−2)·0.25, (10−2)·0.25
    expect(Array.from(v.values)).toEqual([1, -2, 63.5, -32.5, 0, 2]);
  });

  it('per-channel int8 along the last dimension (depthwise weights [1, kh, kw, c])', () => {
    const q = [1, 1, 1, 2, 2, 2]; // shape [1, 2, 1, 3]: element i belongs to channel i % 3
    const out = dequantizeValues(q, [1, 2, 1, 3], { scale: [1, 10, 100], zeroPoint: [0, 0, 0], quantizedDimension: 3 });
    expect(Array.from(out)).toEqual([1, 10, 100, 2, 20, 200]);
  });

  it('per-tensor uint8 with a zero point, and int32 bias with per-channel scales', () => {
    const u = constantValues(info('UINT8', [3], { scale: [0.1], zeroPoint: [128], quantizedDimension: 0 }), new Uint8Array([128, 138, 118]));
    expect(Array.from(u.values).map((x) => +x.toFixed(6))).toEqual([0, 1, -1]);
    const bias = new Int32Array([1000, -300]);
    const b = constantValues(info('INT32', [2], { scale: [0.001, 0.01], zeroPoint: [0, 0], quantizedDimension: 0 }), new Uint8Array(bias.buffer));
    expect(Array.from(b.values).map((x) => +x.toFixed(6))).toEqual([1, -3]);
  });

  it('unquantised integers stay int32 (axes, paddings, sizes)', () => {
    const v = constantValues(info('INT32', [2]), new Uint8Array(new Int32Array([1, 2]).buffer));
    expect(v.dtype).toBe('int32');
    expect(Array.from(v.values)).toEqual([1, 2]);
    const l = constantValues(info('INT64', [2]), new Uint8Array(new BigInt64Array([3n, -1n]).buffer));
    expect(Array.from(l.values)).toEqual([3, -1]);
  });

  it('float16 bit patterns', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x3555)).toBeCloseTo(0.333251953125, 12);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
    const h = new Uint16Array([0x3c00, 0xb800]);
    expect(Array.from(constantValues(info('FLOAT16', [2]), new Uint8Array(h.buffer)).values)).toEqual([1, -0.5]);
  });

  it('rejects a buffer of the wrong size and mismatched per-channel scales', () => {
    expect(() => constantValues(info('FLOAT32', [3]), new Uint8Array(8))).toThrow(/buffer has 8 bytes.*needs 12/);
    expect(() => dequantizeValues([1, 2, 3, 4], [2, 2], { scale: [1, 2, 3], zeroPoint: [0], quantizedDimension: 0 })).toThrow(/3 per-channel scales/);
  });
});
