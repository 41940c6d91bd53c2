/**
 * End-to-end on the tfjs cpu backend with the real Magenta files: predictor and transformer shapes,
 * ranges, determinism, other input sizes, memory hygiene, intermediate outputs, unsupported operators.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTfliteGraph, TfliteGraph } from './graph';
import { parseTflite } from './parse';
import { StyleNetwork } from './styleNetwork';
import { HAVE_MODELS, readModel, SKIP_REASON } from './testFiles';

if (!HAVE_MODELS) console.warn(`Skipping end-to-end style network tests. ${SKIP_REASON}`);

/** A fixed, deterministic RGB image in [0, 1] on the 8-bit grid. */
function image(h: number, w: number, phase: number): tf.Tensor4D {
  const v = new Float32Array(h * w * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const o = (y * w + x) * 3;
    v[o] = Math.round(255 * (0.5 + 0.5 * Math.sin((x + phase) / 5))) / 255;
    v[o + 1] = Math.round(255 * (y / h)) / 255;
    v[o + 2] = Math.round(255 * (((x * 7 + y * 13 + phase) % 64) / 63)) / 255;
  }
  return tf.tensor4d(v, [1, h, w, 3]);
}

describe.skipIf(!HAVE_MODELS)('StyleNetwork on the cpu backend', () => {
  let net: StyleNetwork;
  let style: tf.Tensor4D;
  let z: tf.Tensor4D;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    net = StyleNetwork.load({ predictor: readModel('predict_int8.tflite'), transformer: readModel('transfer_int8.tflite') });
    style = image(256, 256, 3);
  });

  afterAll(() => {
    net?.dispose();
    tf.dispose([style, z]);
  });

  it('predictStyle gives a finite, deterministic [1,1,1,100] embedding', async () => {
    const before = tf.memory().numTensors;
    const t0 = performance.now();
    z = net.predictStyle(style);
    const a = await z.data();
    console.log(`predictStyle 256×256 on cpu: ${(performance.now() - t0).toFixed(0)} ms`);
    expect(z.shape).toEqual([1, 1, 1, 100]);
    expect(a.every(Number.isFinite)).toBe(true);
    expect(Math.max(...a.map(Math.abs))).toBeGreaterThan(0.1);
    const again = net.predictStyle(style);
    expect(Array.from(await again.data())).toEqual(Array.from(a));
    again.dispose();
    expect(tf.memory().numTensors).toBe(before + 1); // only z is left
  });

  it('transfer gives a deterministic image in [0, 1] of the content size', async () => {
    const content = image(64, 96, 0);
    const y = net.transfer(content, z);
    expect(y.shape).toEqual([1, 64, 96, 3]);
    const v = await y.data();
    expect(v.every((x) => x >= 0 && x <= 1)).toBe(true);
    expect(Math.max(...v) - Math.min(...v)).toBeGreaterThan(0.1); // not a constant image
    const y2 = net.transfer(content, z);
    expect(Array.from(await y2.data())).toEqual(Array.from(v));
    // The int8-emulated activations land on the output's int8 grid (scale 1/256).
    const q = net.transfer(content, z, 'int8-emulated');
    const qv = await q.data();
    expect(qv.every((x) => Math.abs(x * 256 - Math.round(x * 256)) < 1e-4)).toBe(true);
    tf.dispose([content, y, y2, q]);
  });

  it('sizes that are not multiples of 4 are mirror-padded and cropped back; < 8 px is refused', () => {
    const content = image(30, 41, 1);
    const y = net.transfer(content, z);
    expect(y.shape).toEqual([1, 30, 41, 3]);
    expect(() => net.transfer(image(6, 40, 0), z)).toThrow(/at least 8×8/);
    expect(() => net.transfer(content, tf.zeros([10]))).toThrow(/100-value embedding/);
    tf.dispose([content, y]);
  });

  it('the fp16 transformer gives nearly the same image as the int8 one (same weights up to rounding)', async () => {
    const fp16 = loadTfliteGraph(readModel('transfer_fp16.tflite'));
    const content = image(64, 64, 2);
    const a = net.transfer(content, z);
    const b = new StyleNetwork(net.predictor, fp16).transfer(content, z);
    const mae = (await tf.mean(tf.abs(tf.sub(a, b))).data())[0];
    console.log(`int8 vs fp16 transformer (float activations), 64×64: MAE ${mae.toFixed(5)}`);
    expect(mae).toBeLessThan(0.03);
    fp16.dispose();
    tf.dispose([content, a, b]);
  });

  it('intermediate tensors can be requested by index', () => {
    const g = net.predictor;
    const conv1 = g.model.operators[1].outputs[0];
    const out = g.execute({ style_image: style }, { outputs: [conv1] });
    expect(Object.keys(out)).toEqual(['MobilenetV2/Conv/Relu6']);
    expect(out['MobilenetV2/Conv/Relu6'].shape).toEqual([1, 128, 128, 32]);
    tf.dispose(Object.values(out));
  });

  it('an unsupported operator is named with its index at load time; bad inputs are named too', () => {
    const m = parseTflite(readModel('transfer_fp16.tflite'));
    m.operators[7] = { ...m.operators[7], opcode: 'CUMSUM' };
    expect(() => new TfliteGraph(m)).toThrow('Unsupported TFLite operator CUMSUM at operator index 7');
    expect(() => net.predictor.execute({ style: style })).toThrow(/Unknown input "style".*"style_image"/);
    expect(() => net.predictor.execute({ style_image: tf.zeros([1, 8, 8, 4]) })).toThrow(/expected rank 4 with 3 channels/);
  });
});
