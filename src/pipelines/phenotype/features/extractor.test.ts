/**
 * Feature extractor on the real MobileNet v1 and Tiny Darknet files in ../shared/models: each
 * layer's block of the feature vector must equal the spatial mean of that layer's output computed
 * by a separately truncated model, on images that are not 224×224.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useWasmOrCpu } from '../../../core/backend/testBackend';
import { loadLayersModelFromFiles } from '../../../core/models/layers';
import { Rng } from '../../../core/rng/rng';
import { MOBILENET_V1, TINY_DARKNET, normaliseInput, type Backbone } from './backbones';
import { createFeatureExtractor } from './extractor';
import { loadBackboneModel } from './pipeline';
import type { RgbImage } from './preprocess';

const modelsDir = resolve(__dirname, '../../../../../shared/models');
const available = existsSync(join(modelsDir, 'mobilenet_v1_1.0_224', 'model.json')) && existsSync(join(modelsDir, 'tiny-darknet', 'model.json'));
if (!available) console.log(`extractor.test: real-model tests skipped, no pretrained models at ${modelsDir}`);

function readFolder(dir: string): Map<string, ArrayBuffer> {
  return new Map(readdirSync(join(modelsDir, dir)).map((f) => {
    const b = readFileSync(join(modelsDir, dir, f));
    return [f, b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)];
  }));
}

function randomRgb(width: number, height: number, seed: number): RgbImage {
  const rng = new Rng(seed);
  // Smooth-ish content (a gradient plus noise), so deeper layers see some structure.
  const data = Float32Array.from({ length: width * height * 3 }, (_, i) => {
    const p = Math.floor(i / 3);
    return Math.min(1, Math.max(0, 0.5 * ((p % width) / width) + 0.3 * (Math.floor(p / width) / height) + 0.4 * rng.next() * ((i % 3) + 1) / 3));
  });
  return { data, width, height };
}

/** Spatial mean per channel of `layer`'s output, from a model truncated there (free input size). */
async function referenceMeans(files: Map<string, ArrayBuffer>, layer: string, backbone: Backbone, rgb: RgbImage): Promise<Float32Array> {
  const m = await loadLayersModelFromFiles(files, { outputLayer: layer, inputShape: [null, null, null, 3] });
  const v = tf.tidy(() => {
    const x = normaliseInput(tf.tensor4d(rgb.data, [1, rgb.height, rgb.width, 3]), backbone.normalisation);
    return (m.predict(x) as tf.Tensor).mean([1, 2]).dataSync() as Float32Array;
  });
  m.dispose();
  return v;
}

function expectClose(actual: Float32Array, expected: Float32Array, what: string) {
  expect(actual.length, what).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (1e-3 + Math.abs(expected[i])));
  expect(worst, what).toBeLessThan(1e-4);
}

beforeAll(async () => {
  await useWasmOrCpu();
});

describe.skipIf(!available)('createFeatureExtractor on real backbones', () => {
  const cases: [Backbone, string, string[], number[]][] = [
    [MOBILENET_V1, 'mobilenet_v1_1.0_224', ['conv_pw_3_bn', 'conv_pw_5_bn', 'conv_pw_11_bn'], [128, 256, 512]],
    [TINY_DARKNET, 'tiny-darknet', ['batch_normalization_6', 'batch_normalization_10', 'batch_normalization_14'], [128, 256, 512]],
  ];
  const loaded: tf.LayersModel[] = [];
  afterAll(() => loaded.forEach((m) => m.dispose()));

  for (const [backbone, dir, layers, channels] of cases) {
    it(`${backbone.id}: 896-d means of the pre-activation layers, equal to separately truncated models, on 68×68 and 100×80`, async () => {
      expect(backbone.defaultLayers).toEqual(layers);
      const files = readFolder(dir);
      const picked = new Map([...files].map(([k, v]) => [k, new Blob([v])]));
      const model = await loadBackboneModel(backbone, { kind: 'localFiles', files: picked });
      loaded.push(model);
      expect(model.inputs[0].shape).toEqual([null, null, null, 3]);
      const ex = createFeatureExtractor(model, layers, backbone.normalise);
      expect(ex.dim).toBe(896);
      expect(ex.layerDims).toEqual(layers.map((name, i) => ({ name, channels: channels[i] })));

      for (const [w, h, seed] of [[68, 68, 1], [100, 80, 2]]) {
        const rgb = randomRgb(w, h, seed);
        const before = tf.memory().numTensors;
        const f = await ex.extract(rgb);
        expect(tf.memory().numTensors).toBe(before);
        expect(f.length).toBe(896);
        expect(Array.from(ex.extractSync(rgb))).toEqual(Array.from(f));
        expect(tf.memory().numTensors).toBe(before);
        let offset = 0;
        for (const [i, layer] of layers.entries()) {
          expectClose(f.subarray(offset, offset + channels[i]), await referenceMeans(files, layer, backbone, rgb), `${layer} at ${w}x${h}`);
          offset += channels[i];
        }
        // Pre-activation maps: some batch-norm channel means are negative (after ReLU6 none could be).
        expect(Math.min(...f)).toBeLessThan(0);
      }
      ex.dispose();
      expect(model.layers.length).toBeGreaterThan(0); // the caller's model is still usable
      expect(() => model.predict(tf.zeros([1, 32, 32, 3]))).not.toThrow();
    });
  }

  it('extractBatch groups same-sized images and matches single extraction', async () => {
    const model = loaded[0] ?? await loadBackboneModel(MOBILENET_V1, { kind: 'localFiles', files: new Map([...readFolder('mobilenet_v1_1.0_224')].map(([k, v]) => [k, new Blob([v])])) });
    const ex = createFeatureExtractor(model, ['conv_pw_3_bn', 'conv_pw_5_bn'], 'symmetric');
    const imgs = [randomRgb(40, 36, 3), randomRgb(40, 36, 4), randomRgb(40, 36, 5), randomRgb(52, 40, 6)];
    const before = tf.memory().numTensors;
    const batch = await ex.extractBatch(imgs, 2);
    expect(tf.memory().numTensors).toBe(before);
    expect(batch).toHaveLength(4);
    for (const [i, img] of imgs.entries()) expectClose(batch[i], await ex.extract(img), `image ${i}`);
    ex.dispose();
  });
});

describe('createFeatureExtractor on a toy model', () => {
  /** in → conv (2 filters: identity on R, R + G; bias 0 / 1) → relu → gap → dense: hand-checkable means. */
  function toy(shape: [null, number | null, number | null, 3]): tf.LayersModel {
    const input = tf.input({ batchShape: shape, name: 'img' });
    const conv = tf.layers.conv2d({ filters: 2, kernelSize: 1, name: 'conv' });
    const c = conv.apply(input) as tf.SymbolicTensor;
    const r = tf.layers.reLU({ name: 'relu' }).apply(c) as tf.SymbolicTensor;
    const g = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(r) as tf.SymbolicTensor;
    const d = tf.layers.dense({ units: 1, name: 'head' }).apply(g) as tf.SymbolicTensor;
    const m = tf.model({ inputs: input, outputs: d });
    conv.setWeights([tf.tensor4d([1, 1, 0, 1, 0, 0], [1, 1, 3, 2]), tf.tensor1d([0, 1])]);
    return m;
  }

  it('computes per-channel spatial means in layer order, after the input normalisation', () => {
    const model = toy([null, null, null, 3]);
    // 2×1 image: pixel 0 = (0.25, 0.5, 0), pixel 1 = (0.75, 0, 1). 'symmetric' → (−0.5, 0, −1), (0.5, −1, 1).
    const rgb: RgbImage = { data: Float32Array.from([0.25, 0.5, 0, 0.75, 0, 1]), width: 2, height: 1 };
    const ex = createFeatureExtractor(model, ['relu', 'conv'], 'symmetric');
    expect(ex.layerDims).toEqual([{ name: 'relu', channels: 2 }, { name: 'conv', channels: 2 }]);
    // conv: ch0 = R → −0.5, 0.5 (mean 0); ch1 = R + G + 1 → 0.5, 0.5 (mean 0.5). relu: ch0 0, 0.5 → 0.25.
    expect(Array.from(ex.extractSync(rgb))).toEqual([0.25, 0.5, 0, 0.5]);
    // A custom normaliser function is applied as given (here: identity) → conv ch0 = R: mean 0.5;
    // ch1 = R + G + 1: 1.75 at both pixels.
    const ex2 = createFeatureExtractor(model, ['conv'], (x) => x.clone());
    expect(Array.from(ex2.extractSync(rgb))).toEqual([0.5, 1.75]);
    model.dispose();
  });

  it('names the available 4-D layers when a layer is missing or not 4-D, and explains a fixed input size', () => {
    const model = toy([null, null, null, 3]);
    expect(() => createFeatureExtractor(model, ['nope'], 'unit')).toThrow('Layer "nope" is not in the model. Layers with 4-D outputs: img, conv, relu');
    expect(() => createFeatureExtractor(model, ['conv', 'gap'], 'unit')).toThrow('Layer "gap" has output shape [null,2], not [batch, height, width, channels]. Layers with 4-D outputs: img, conv, relu');
    expect(() => createFeatureExtractor(model, [], 'unit')).toThrow('No feature layers given');
    const ex = createFeatureExtractor(model, ['conv'], 'unit');
    expect(() => ex.extractSync({ data: new Float32Array(5), width: 2, height: 1 })).toThrow('RGB image of 2x1 needs 6 values, got 5');
    ex.dispose();
    expect(() => ex.extractSync({ data: new Float32Array(6), width: 2, height: 1 })).toThrow('has been disposed');
    model.dispose();

    const fixed = toy([null, 4, 4, 3]);
    const exf = createFeatureExtractor(fixed, ['conv'], 'unit');
    expect(exf.extractSync({ data: new Float32Array(48), width: 4, height: 4 })).toHaveLength(2);
    expect(() => exf.extractSync({ data: new Float32Array(6), width: 2, height: 1 }))
      .toThrow('The model input is fixed to 4x4 but the image is 2x1; load the model with inputShape [null, null, null, 3] to use any size');
    exf.dispose();
    fixed.dispose();
  });

  it('disposes the model only when it owns it', () => {
    const a = toy([null, null, null, 3]);
    const before = tf.memory().numTensors;
    createFeatureExtractor(a, ['conv'], 'unit').dispose();
    expect(tf.memory().numTensors).toBe(before);
    createFeatureExtractor(a, ['conv'], 'unit', { ownsModel: true }).dispose();
    expect(tf.memory().numTensors).toBeLessThan(before); // conv and dense weights released
  });
});
