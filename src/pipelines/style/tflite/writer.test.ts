/** The TFLite writer: the float twin and cut-down copies read back and compute what they should. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { toFloatModel, writeTflite } from './writer';
import { loadTfliteGraph } from './graph';
import { parseTflite } from './parse';
import { HAVE_MODELS, readModel, SKIP_REASON } from './testFiles';

if (!HAVE_MODELS) console.warn(`Skipping TFLite writer tests. ${SKIP_REASON}`);

describe.skipIf(!HAVE_MODELS)('writeTflite / toFloatModel', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('the float twin has float tensors, no (de)quantisation, and computes exactly what float mode computes', async () => {
    const bytes = readModel('predict_int8.tflite');
    const twin = parseTflite(toFloatModel(parseTflite(bytes)));
    expect(new Set(twin.operators.map((o) => o.opcode))).toEqual(new Set(['ADD', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'MEAN']));
    expect(twin.operators).toHaveLength(64);
    const used = new Set(twin.operators.flatMap((o) => [...o.inputs, ...o.outputs]));
    expect([...used].every((i) => ['FLOAT32', 'INT32'].includes(twin.tensors[i].type) && !twin.tensors[i].quant)).toBe(true);
    const x = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 3);
    const a = Object.values(loadTfliteGraph(bytes).execute({ style_image: x }))[0];
    const g = loadTfliteGraph(toFloatModel(parseTflite(bytes)));
    const b = Object.values(g.execute({ style_image: x }))[0];
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
  });

  it('an unchanged int8 copy keeps types, quantisation and weights byte for byte', () => {
    const m = parseTflite(readModel('transfer_int8.tflite'));
    const c = parseTflite(writeTflite(m, { float: false }));
    expect(c.operators.map((o) => [o.opcode, o.inputs, o.outputs, o.options])).toEqual(m.operators.map((o) => [o.opcode, o.inputs, o.outputs, o.options]));
    expect(c.tensors.map((t) => [t.name, t.shape, t.type, t.quant])).toEqual(m.tensors.map((t) => [t.name, t.shape, t.type, t.quant]));
    for (const t of m.tensors) {
      if (t.buffer && m.buffers[t.buffer].length) expect(c.buffers[c.tensors[t.index].buffer]).toEqual(m.buffers[t.buffer]);
    }
  });

  it('a cut-down copy ends at the requested tensor', () => {
    const m = parseTflite(readModel('transfer_fp16.tflite'));
    const target = m.operators[3].outputs[0];
    const c = parseTflite(writeTflite(m, { float: false, outputs: [target] }));
    expect(c.operators.map((o) => o.opcode)).toEqual(['MIRROR_PAD', 'DEQUANTIZE', 'DEQUANTIZE', 'CONV_2D']);
    expect(c.outputs).toEqual([target]);
    expect(c.tensors[target].name).toBe('transformer/contract/conv1/Relu');
  });
});
