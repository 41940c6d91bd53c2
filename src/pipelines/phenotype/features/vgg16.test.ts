/**
 * VGG16 from Keras HDF5 weights: the test writes small weights files in both Keras layouts with
 * h5wasm (seeded random kernels), loads them, and checks the pre-activation maps against the same
 * network composed by hand from tf.conv2d / tf.relu / tf.maxPool.
 */
import * as tf from '@tensorflow/tfjs';
import h5wasm from 'h5wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmOrCpu } from '../../../core/backend/testBackend';
import { Rng } from '../../../core/rng/rng';
import { VGG16, VGG16_CONV_LAYERS, layersOf, normaliseInput } from './backbones';
import { createFeatureExtractor } from './extractor';
import { loadVgg16FromH5, readVgg16Weights, vgg16Plan, VGG16_LAYER_NAMES } from './vgg16';

type Layout = 'keras1' | 'keras2' | 'bare';

interface Conv { name: string; kernel: Float32Array; bias: Float32Array; cin: number; cout: number }

/** Seeded He-normal kernels for the conv layers up to `last`, with output widths from `width`. */
function randomConvs(last: string, width: (name: string) => number, seed: number): Conv[] {
  const rng = new Rng(seed);
  const convs: Conv[] = [];
  let cin = 3;
  for (const { name } of VGG16_CONV_LAYERS) {
    const cout = width(name);
    const std = Math.sqrt(2 / (9 * cin));
    const kernel = Float32Array.from({ length: 9 * cin * cout }, () => rng.normal(0, std));
    const bias = Float32Array.from({ length: cout }, () => rng.normal(0, 0.1));
    convs.push({ name, kernel, bias, cin, cout });
    cin = cout;
    if (name === last) break;
  }
  return convs;
}

let fileNo = 0;

/** An HDF5 weights file laid out as Keras writes it (see vgg16.ts), as an ArrayBuffer. */
async function kerasH5(convs: Conv[], layout: Layout, opts: { skip?: string; dropDataset?: string } = {}): Promise<ArrayBuffer> {
  const { FS } = await h5wasm.ready;
  const path = `/keras-test-${++fileNo}.h5`;
  const f = new h5wasm.File(path, 'w');
  const kept = convs.filter((c) => c.name !== opts.skip);
  if (layout !== 'bare') {
    const names = ['input_1', ...VGG16_LAYER_NAMES.filter((n) => !n.endsWith('_relu') && kept.some((c) => c.name === n || n === c.name.replace(/_conv\d$/, '_pool')))];
    f.create_attribute('layer_names', names);
    f.create_attribute('backend', 'tensorflow');
    f.create_attribute('keras_version', layout === 'keras1' ? '1.2.2' : '2.2.4');
  }
  for (const c of kept) {
    const g = f.create_group(c.name);
    const [kn, bn] = layout === 'keras1' ? [`${c.name}_W_1:0`, `${c.name}_b_1:0`] : [`${c.name}/kernel:0`, `${c.name}/bias:0`];
    if (layout !== 'bare') g.create_attribute('weight_names', [kn, bn]);
    const holder = layout === 'keras1' ? g : g.create_group(c.name);
    const leaf = (n: string) => n.split('/').pop() as string;
    holder.create_dataset({ name: leaf(kn), data: c.kernel, shape: [3, 3, c.cin, c.cout] });
    if (opts.dropDataset !== c.name) holder.create_dataset({ name: leaf(bn), data: c.bias, shape: [c.cout] });
  }
  f.close();
  const bytes = FS.readFile(path);
  FS.unlink(path);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** The requested layers' pre-activation maps by hand: caffe input, conv + bias, ReLU, 2×2 max pools. */
function reference(convs: Conv[], rgb: tf.Tensor4D, layers: string[]): Map<string, tf.Tensor4D> {
  const out = new Map<string, tf.Tensor4D>();
  let x = normaliseInput(rgb, 'caffe');
  for (const name of vgg16Plan(layers).layers) {
    if (name.endsWith('_pool')) x = tf.maxPool(x, 2, 2, 'valid');
    else if (name.endsWith('_relu')) x = tf.relu(x);
    else {
      const c = convs.find((k) => k.name === name) as Conv;
      x = tf.conv2d(x, tf.tensor4d(c.kernel, [3, 3, c.cin, c.cout]), 1, 'same').add(tf.tensor1d(c.bias));
    }
    if (layers.includes(name)) out.set(name, x);
  }
  return out;
}

function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst / scale;
}

function smallWidth(name: string): number {
  return 2 + 2 * Number(name[5]); // block1: 4, block2: 6, … block5: 12
}

const randomImage = (w: number, h: number, seed: number) => {
  const rng = new Rng(seed);
  return { data: Float32Array.from({ length: w * h * 3 }, () => rng.next()), width: w, height: h };
};

beforeAll(async () => {
  await useWasmOrCpu();
});

describe('VGG16 from Keras HDF5 weights', () => {
  for (const layout of ['keras1', 'keras2', 'bare'] as const) {
    it(`${layout} layout: pre-activation maps and features match hand-composed ops`, async () => {
      const convs = randomConvs('block4_conv2', smallWidth, 7);
      const bytes = await kerasH5(convs, layout);
      for (const set of ['conv-5-7-9', 'conv-4-7-9']) {
        const layers = layersOf(VGG16, set);
        const model = await loadVgg16FromH5(bytes, layers, { widths: 'any' });
        // Built only as deep as needed: up to block4_conv2, no ReLU or pool after it.
        expect(model.layers.map((l) => l.name).at(-1)).toBe('block4_conv2');
        expect(model.layers.filter((l) => l.getClassName() === 'Conv2D')).toHaveLength(9);
        expect(model.inputs[0].shape).toEqual([null, null, null, 3]);

        const img = randomImage(21, 18, 3); // odd sizes: 'valid' pools floor 21 → 10 → 5 → 2
        const x = tf.tensor4d(img.data, [1, 18, 21, 3]);
        const ref = reference(convs, x, layers);
        const sub = tf.model({ inputs: model.inputs, outputs: layers.map((l) => model.getLayer(l).output as tf.SymbolicTensor) });
        const got = sub.predict(normaliseInput(x, 'caffe')) as tf.Tensor[];
        layers.forEach((l, i) => {
          expect(got[i].shape, l).toEqual((ref.get(l) as tf.Tensor).shape);
          expect(maxRelErr(got[i].dataSync(), (ref.get(l) as tf.Tensor).dataSync()), l).toBeLessThan(1e-5);
        });
        expect(got[2].shape).toEqual([1, 2, 2, 10]);

        const ex = createFeatureExtractor(model, layers, VGG16.normalise);
        expect(ex.layerDims.map((d) => d.channels)).toEqual(layers.map(smallWidth));
        const feat = ex.extractSync(img);
        const means = tf.concat(layers.map((l) => (ref.get(l) as tf.Tensor4D).mean([1, 2])), 1).dataSync();
        expect(maxRelErr(feat, means)).toBeLessThan(1e-5);
        ex.dispose();
        model.dispose();
      }
    });
  }

  it("VGG16's own widths give the thesis's 1024-d default (conv layers 5, 7, 9) and 896-d literal set", async () => {
    const convs = randomConvs('block4_conv2', (n) => VGG16_CONV_LAYERS.find((l) => l.name === n)?.channels as number, 11);
    const bytes = await kerasH5(convs, 'keras1');
    expect(VGG16.defaultLayers).toEqual(['block3_conv1', 'block3_conv3', 'block4_conv2']);
    const model = await loadVgg16FromH5(bytes, VGG16.defaultLayers);
    const ex = createFeatureExtractor(model, VGG16.defaultLayers, VGG16.normalise);
    expect(ex.dim).toBe(1024);
    const img = randomImage(16, 16, 5);
    const ref = reference(convs, tf.tensor4d(img.data, [1, 16, 16, 3]), VGG16.defaultLayers);
    const means = tf.concat(VGG16.defaultLayers.map((l) => (ref.get(l) as tf.Tensor4D).mean([1, 2])), 1).dataSync();
    const before = tf.memory().numTensors;
    const feat = await ex.extract(img);
    expect(tf.memory().numTensors).toBe(before);
    expect(maxRelErr(feat, means)).toBeLessThan(1e-5);
    expect(createFeatureExtractor(model, layersOf(VGG16, 'conv-4-7-9'), 'caffe').dim).toBe(896);
    ex.dispose();
    model.dispose();
  });

  it('explains missing layers, datasets and wrong shapes', async () => {
    const convs = randomConvs('block2_conv2', smallWidth, 1);
    const small = await kerasH5(convs, 'keras1');
    await expect(readVgg16Weights(small, ['block1_conv1'])).rejects.toThrow(
      'Layer "block1_conv1": kernel "block1_conv1_W_1:0" has shape [3,3,3,4], expected [3,3,3,64] ([3, 3, in, out], TensorFlow ordering)');
    await expect(loadVgg16FromH5(small, ['block3_conv1'], { widths: 'any' })).rejects.toThrow(
      'Layer "block3_conv1" is not in the weights file (layer_names: input_1, block1_conv1, block1_conv2, block1_pool, block2_conv1, block2_conv2, block2_pool)');
    await expect(loadVgg16FromH5(await kerasH5(convs, 'bare'), ['block3_conv1'], { widths: 'any' })).rejects.toThrow(
      'Layer group "block3_conv1" is missing from the weights file (top-level entries: block1_conv1, block1_conv2, block2_conv1, block2_conv2)');
    await expect(loadVgg16FromH5(await kerasH5(convs, 'keras2', { dropDataset: 'block2_conv1' }), ['block2_conv2'], { widths: 'any' })).rejects.toThrow(
      'Layer "block2_conv1": dataset "block2_conv1/block2_conv1/bias:0" listed in weight_names is missing');
    await expect(loadVgg16FromH5(await kerasH5(convs, 'bare', { dropDataset: 'block1_conv2' }), ['block2_conv2'], { widths: 'any' })).rejects.toThrow(
      'Layer "block1_conv2" has no bias dataset (found: block1_conv2/kernel:0 [3,3,4,4])');
    // A layer whose input width does not match the previous layer's output.
    const broken = convs.map((c) => (c.name === 'block2_conv1' ? { ...c, cin: 5, kernel: new Float32Array(9 * 5 * c.cout) } : c));
    await expect(loadVgg16FromH5(await kerasH5(broken, 'keras2'), ['block2_conv1'], { widths: 'any' })).rejects.toThrow(
      'Layer "block2_conv1": kernel "block2_conv1/kernel:0" has shape [3,3,5,6], expected [3,3,4,6]');
    await expect(loadVgg16FromH5(new TextEncoder().encode('not hdf5 at all'), ['block1_conv1'])).rejects.toThrow('Not an HDF5 file');
    expect(() => vgg16Plan(['block6_conv1'])).toThrow('"block6_conv1" is not a VGG16 layer (layers: block1_conv1, block1_conv1_relu, block1_conv2');
    expect(vgg16Plan(['block1_pool']).convs).toEqual(['block1_conv1', 'block1_conv2']);
  });
});
