import * as tf from '@tensorflow/tfjs';
import h5wasm from 'h5wasm';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmOrCpu } from '../../../core/backend/testBackend';
import type { DecodedImage } from '../../../core/data/types';
import { getRegistry, validateRegistry } from '../../../core/models/registry';
import { Rng } from '../../../core/rng/rng';
import { TINY_DARKNET, VGG16, normaliseInput } from './backbones';
import { createFeatureExtractor } from './extractor';
import { deepestLayer, extractFeatures, loadBackboneModel, topologyLayerNames } from './pipeline';
import { preprocessImage } from './preprocess';

const modelsDir = resolve(__dirname, '../../../../../shared/models');
const available = existsSync(join(modelsDir, 'tiny-darknet', 'model.json'));
if (!available) console.log(`pipeline.test: Tiny Darknet tests skipped, no pretrained models at ${modelsDir}`);

beforeAll(async () => {
  await useWasmOrCpu();
});

function decoded(width: number, height: number, channels: number, data: DecodedImage['data'], bitDepth: number, extra: Partial<DecodedImage> = {}): DecodedImage {
  return { width, height, channels, data, bitDepth, sampleFormat: 'uint', pages: 1, page: 0, ...extra };
}

describe('topology helpers', () => {
  it('finds the deepest requested layer in topology order', () => {
    const json = JSON.stringify({
      modelTopology: { model_config: { class_name: 'Model', config: { layers: [{ name: 'in' }, { name: 'a' }, { name: 'b' }, { name: 'c' }] } } },
      weightsManifest: [],
    });
    const order = topologyLayerNames(json);
    expect(order).toEqual(['in', 'a', 'b', 'c']);
    expect(deepestLayer(order, ['b', 'a'])).toBe('b');
    expect(() => deepestLayer(order, ['a', 'z'])).toThrow('Layer "z" is not in the model (layers: in, a, b, c)');
  });
});

describe.skipIf(!available)('extractFeatures with Tiny Darknet', () => {
  it('preprocesses each microscopy image at full resolution and stacks the features', async () => {
    const picked = new Map(readdirSync(join(modelsDir, 'tiny-darknet')).map((f) => [f, new Blob([readFileSync(join(modelsDir, 'tiny-darknet', f))])]));
    const model = await loadBackboneModel(TINY_DARKNET, { kind: 'localFiles', files: picked });
    // Truncated after batch_normalization_14: conv2d_15/16 and the pooling head are not loaded.
    expect(model.layers.at(-1)?.name).toBe('batch_normalization_14');

    const rng = new Rng(3);
    const twoChannel16 = decoded(60, 50, 2, Uint16Array.from({ length: 6000 }, () => 1000 + rng.int(0, 3000)), 16, { hasAlpha: false });
    const rgb8 = decoded(90, 40, 3, Uint8Array.from({ length: 90 * 40 * 3 }, () => rng.int(0, 255)), 8);
    const images = [twoChannel16, rgb8];
    const progress: number[] = [];
    const before = tf.memory().numTensors;
    const res = await extractFeatures(images, { backbone: TINY_DARKNET, model, preprocess: { maxSide: 64 } }, { onProgress: (d) => progress.push(d) });
    expect(tf.memory().numTensors).toBe(before);
    expect([res.features.n, res.features.d]).toEqual([2, 896]);
    expect(progress).toEqual([1, 2]);
    expect(res.notes).toEqual([[], ['downscaled from 90x40 to 64x28']]);

    const ex = createFeatureExtractor(model, TINY_DARKNET.defaultLayers, 'unit');
    for (const [i, img] of images.entries()) {
      const want = await ex.extract(preprocessImage(img, { maxSide: 64 }));
      expect(Array.from(res.features.data.subarray(i * 896, (i + 1) * 896))).toEqual(Array.from(want));
    }
    ex.dispose();

    const abort = new AbortController();
    abort.abort(new Error('stopped'));
    await expect(extractFeatures(images, { backbone: TINY_DARKNET, model }, { signal: abort.signal })).rejects.toThrow('stopped');
    model.dispose();
  });
});

describe('loadBackboneModel for VGG16', () => {
  it('verifies and reads the HDF5 weights file named in the registry', async () => {
    // A weights file with VGG16's block1 (3→64→64), registered under a test hash.
    const rng = new Rng(9);
    const { FS } = await h5wasm.ready;
    const f = new h5wasm.File('/pipeline-test.h5', 'w');
    f.create_attribute('layer_names', ['input_1', 'block1_conv1', 'block1_conv2']);
    const weights: Record<string, [Float32Array, Float32Array, number]> = {};
    for (const [name, cin] of [['block1_conv1', 3], ['block1_conv2', 64]] as const) {
      const k = Float32Array.from({ length: 9 * cin * 64 }, () => rng.normal(0, 0.1));
      const b = Float32Array.from({ length: 64 }, () => rng.normal(0, 0.1));
      weights[name] = [k, b, cin];
      const g = f.create_group(name);
      g.create_attribute('weight_names', [`${name}_W_1:0`, `${name}_b_1:0`]);
      g.create_dataset({ name: `${name}_W_1:0`, data: k, shape: [3, 3, cin, 64] });
      g.create_dataset({ name: `${name}_b_1:0`, data: b, shape: [64] });
    }
    f.close();
    const bytes = new Uint8Array(FS.readFile('/pipeline-test.h5'));
    FS.unlink('/pipeline-test.h5');

    const registry = validateRegistry(structuredClone(getRegistry()));
    const entry = registry.models.find((m) => m.id === 'vgg16-notop-keras');
    if (!entry) throw new Error('vgg16-notop-keras is not in the registry');
    const file = entry.files[0];
    Object.assign(file, { bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') });
    const picked = new Map([[file.name, new Blob([bytes])]]);
    const model = await loadBackboneModel(VGG16, { kind: 'localFiles', files: picked }, ['block1_conv2'], { registry });

    const x = tf.tensor4d(Float32Array.from({ length: 7 * 5 * 3 }, () => rng.next()), [1, 7, 5, 3]);
    const got = (model.predict(normaliseInput(x, 'caffe')) as tf.Tensor).dataSync();
    const conv = (t: tf.Tensor4D, name: string) => tf.conv2d(t, tf.tensor4d(weights[name][0], [3, 3, weights[name][2], 64]), 1, 'same').add(tf.tensor1d(weights[name][1])) as tf.Tensor4D;
    const want = conv(tf.relu(conv(normaliseInput(x, 'caffe'), 'block1_conv1')), 'block1_conv2').dataSync();
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    expect(worst).toBeLessThan(1e-3); // values are O(10–100) after caffe scaling
    expect(got.length).toBe(7 * 5 * 64);
    model.dispose();

    // A file that is not the registered one is refused before it is parsed.
    const other = new Map([[file.name, new Blob([bytes.slice(0, -1), new Uint8Array([bytes[bytes.length - 1] ^ 1])])]]);
    await expect(loadBackboneModel(VGG16, { kind: 'localFiles', files: other }, ['block1_conv2'], { registry })).rejects.toMatchObject({ code: 'integrity', fileName: file.name });
  });
});
