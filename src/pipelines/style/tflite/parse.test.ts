/**
 * The parser against the real Magenta files (skipped, with the reason printed, where the shared
 * model folder is absent). These checks are also what pins the schema field ids: names, shapes,
 * buffer sizes and options union types only line up when every id is right.
 */
import { describe, expect, it } from 'vitest';
import { constantValues } from './dequantize';
import { OptionsType } from './opcodes';
import { parseTflite, type ParsedModel } from './parse';
import { HAVE_MODELS, readModel, SKIP_REASON } from './testFiles';
import { writeTflite } from './writer';

if (!HAVE_MODELS) console.warn(`Skipping parser tests on the real files. ${SKIP_REASON}`);

function opCounts(m: ParsedModel): Record<string, number> {
  const c: Record<string, number> = {};
  for (const o of m.operators) c[o.opcode] = (c[o.opcode] ?? 0) + 1;
  return c;
}

describe.skipIf(!HAVE_MODELS)('parseTflite on the Magenta files', () => {
  it('predict_int8: MobileNetV2 style predictor, fully int8 between QUANTIZE and DEQUANTIZE', () => {
    const m = parseTflite(readModel('predict_int8.tflite'));
    expect(m.subgraphCount).toBe(1);
    expect(m.tensors).toHaveLength(174);
    expect(m.buffers).toHaveLength(175);
    expect(opCounts(m)).toEqual({ QUANTIZE: 1, CONV_2D: 36, DEPTHWISE_CONV_2D: 17, ADD: 10, MEAN: 1, DEQUANTIZE: 1 });
    expect(m.inputs.map((i) => [m.tensors[i].name, m.tensors[i].shape, m.tensors[i].type])).toEqual([['style_image', [1, 256, 256, 3], 'FLOAT32']]);
    expect(m.outputs.map((i) => [m.tensors[i].name, m.tensors[i].shape])).toEqual([['mobilenet_conv/Conv/BiasAdd', [1, 1, 1, 100]]]);
    const first = m.operators[1];
    expect(first.opcode).toBe('CONV_2D');
    expect(first.optionsType).toBe(OptionsType.Conv2DOptions);
    expect(first.options).toEqual({ padding: 'SAME', strideW: 2, strideH: 2, activation: 'RELU6', dilationW: 1, dilationH: 1, depthMultiplier: 1 });
    const w = m.tensors[first.inputs[1]];
    expect([w.name, w.shape, w.type]).toEqual(['MobilenetV2/Conv/weights', [32, 3, 3, 3], 'INT8']);
    expect(w.quant!.scale).toHaveLength(32);
    expect(w.quant!.quantizedDimension).toBe(0);
    const dw = m.operators.find((o) => o.opcode === 'DEPTHWISE_CONV_2D')!;
    expect(dw.optionsType).toBe(OptionsType.DepthwiseConv2DOptions);
    expect(m.tensors[dw.inputs[1]].quant!.quantizedDimension).toBe(3);
    const x = m.tensors[first.inputs[0]];
    expect(x.quant!.scale[0]).toBeCloseTo(1 / 255, 6);
    expect(x.quant!.zeroPoint[0]).toBe(-128);
    expect(m.operators.find((o) => o.opcode === 'MEAN')!.options).toEqual({ keepDims: true });
  });

  it('transfer_int8 and transfer_fp16: the same transformer, 16 convs + 13 conditional instance norms', () => {
    for (const [file, tensors, dequant, quant] of [['transfer_int8.tflite', 430, 55, 43], ['transfer_fp16.tflite', 420, 88, 0]] as const) {
      const m = parseTflite(readModel(file));
      expect(m.tensors).toHaveLength(tensors);
      const c = opCounts(m);
      expect(c).toMatchObject({
        MIRROR_PAD: 16, CONV_2D: 42, MEAN: 26, SQUARED_DIFFERENCE: 13, ADD: 31, RSQRT: 13, MUL: 39, SUB: 13,
        RESIZE_NEAREST_NEIGHBOR: 3, LOGISTIC: 1, DEQUANTIZE: dequant,
      });
      expect(c.QUANTIZE ?? 0).toBe(quant);
      expect(m.inputs.map((i) => [m.tensors[i].name, m.tensors[i].shape])).toEqual([
        ['content_image', [1, 384, 384, 3]], ['mobilenet_conv/Conv/BiasAdd', [1, 1, 1, 100]],
      ]);
      expect(m.outputs.map((i) => [m.tensors[i].name, m.tensors[i].shape])).toEqual([['transformer/expand/conv3/conv/Sigmoid', [1, 384, 384, 3]]]);
      const pads = m.operators.filter((o) => o.opcode === 'MIRROR_PAD');
      expect(pads.every((o) => o.optionsType === OptionsType.MirrorPadOptions && (o.options as { mode: string }).mode === 'REFLECT')).toBe(true);
      const resizes = m.operators.filter((o) => o.opcode === 'RESIZE_NEAREST_NEIGHBOR');
      expect(resizes.map((o) => o.options)).toEqual(Array(3).fill({ alignCorners: false, halfPixelCenters: false }));
      expect(resizes.map((o) => m.tensors[o.inputs[0]].shape[1])).toEqual([96, 192, 384]);
      // Every constant's buffer has exactly the bytes its shape and type need (constantValues checks).
      for (const t of m.tensors) if (t.buffer && m.buffers[t.buffer].length) expect(() => constantValues(t, m.buffers[t.buffer])).not.toThrow();
      const sq = m.operators.find((o) => o.opcode === 'SQUARED_DIFFERENCE')!;
      expect(sq.optionsType).toBe(OptionsType.SquaredDifferenceOptions);
    }
  });

  it('int8 epsilon and fp16 weights dequantise to sensible values', () => {
    const m = parseTflite(readModel('transfer_int8.tflite'));
    const eps = m.tensors.find((t) => t.name.endsWith('residual1/conv1/StyleNorm/batchnorm/add/y'))!;
    expect(eps.type).toBe('INT8');
    expect(constantValues(eps, m.buffers[eps.buffer]).values[0]).toBeCloseTo(1e-5, 8);
    const f = parseTflite(readModel('transfer_fp16.tflite'));
    const w = f.tensors.find((t) => t.name === 'transformer/contract/conv1/weights')!;
    expect([w.type, w.shape]).toEqual(['FLOAT16', [8, 9, 9, 3]]);
    const wi = m.tensors.find((t) => t.name === 'transformer/contract/conv1/weights')!;
    const a = constantValues(w, f.buffers[w.buffer]).values;
    const b = constantValues(wi, m.buffers[wi.buffer]).values;
    // The int8 and fp16 files hold the same weights up to int8 rounding (half a step per channel).
    let maxRel = 0;
    let peak = 0;
    for (let i = 0; i < a.length; i++) { maxRel = Math.max(maxRel, Math.abs(a[i] - b[i])); peak = Math.max(peak, Math.abs(a[i])); }
    expect(maxRel / peak).toBeLessThan(1 / 127);
  });

  it('rejects files that are not TFLite flatbuffers', () => {
    expect(() => parseTflite(new Uint8Array([8, 0, 0, 0, 0x54, 0x46, 0x4c, 0x32, 0, 0, 0, 0]))).toThrow(/identifier is "TFL2"/);
    expect(() => parseTflite(new Uint8Array(4))).toThrow(/shorter than 8 bytes/);
  });
});

describe('parseTflite on damaged files', () => {
  /** A one-operator model (LOGISTIC on a [1, 4, 4, 3] input) written by the port's own writer. */
  function tinyModel(): Uint8Array {
    const tensor = (index: number, name: string) => ({
      index, name, shape: [1, 4, 4, 3], shapeSignature: [], type: 'FLOAT32', buffer: 0, quant: null, isVariable: false, sparse: false,
    });
    const m: ParsedModel = {
      schemaVersion: 3, description: 'tiny', subgraphCount: 1, tensors: [tensor(0, 'image'), tensor(1, 'result')],
      operators: [{ index: 0, opcode: 'LOGISTIC', customCode: '', version: 1, inputs: [0], outputs: [1], optionsType: 0, options: {} }],
      inputs: [0], outputs: [1], buffers: [new Uint8Array(0)], operatorCodes: ['LOGISTIC'],
    };
    return writeTflite(m, { float: false });
  }

  it('reads the intact file', () => {
    const m = parseTflite(tinyModel());
    expect(m.operators.map((o) => o.opcode)).toEqual(['LOGISTIC']);
    expect(m.tensors.map((t) => [t.name, t.shape])).toEqual([['image', [1, 4, 4, 3]], ['result', [1, 4, 4, 3]]]);
  });

  it('refuses a truncated file instead of reading past its end as zeros', () => {
    const bytes = tinyModel();
    for (const keep of [bytes.length - 4, Math.floor(bytes.length / 2), 16]) {
      expect(() => parseTflite(bytes.subarray(0, keep)), `first ${keep} bytes`).toThrow(new RegExp(`^Malformed TFLite file: .* outside the ${keep}-byte file \\(truncated or corrupt\\)$`));
    }
  });

  it('refuses a corrupt offset or vector length', () => {
    const bytes = tinyModel();
    const root = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
    const bad = bytes.slice();
    new DataView(bad.buffer).setUint32(0, root + 100_000, true); // root table offset far past the end
    expect(() => parseTflite(bad)).toThrow(/^Malformed TFLite file: .* outside the \d+-byte file/);
    // Every 4-byte word set to a huge value in turn: each result is either refused with the
    // malformed-file message or still a structurally valid parse, never a silent zero-read.
    let refused = 0;
    for (let at = 8; at + 4 <= bytes.length; at += 4) {
      const c = bytes.slice();
      new DataView(c.buffer).setInt32(at, 0x3fffffff, true);
      try {
        parseTflite(c);
      } catch (e) {
        expect((e as Error).message).toMatch(/^(Malformed TFLite file|Unsupported TFLite schema version|Operator 0 |Tensor \d|Subgraph|TFLite model has no subgraph|Buffer at offset)/);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(10);
  });
});
