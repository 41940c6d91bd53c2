import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng/rng';
import { createCnn, createHeadClassifier, defaultKernelPath, loadMobilenetBackbone, mobilenetJsonForSize, type KernelPath } from './classifier';
import { conv2dSameMatmulGrad } from './convGrad';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const MOBILENET_DIR = resolve(import.meta.dirname, '../../../../../shared/models/mobilenet_v1_1.0_224');
const HAVE_MOBILENET = existsSync(resolve(MOBILENET_DIR, 'model.json'));

function images(n: number, size: number, seed: number): tf.Tensor4D {
  return tf.randomUniform([n, size, size, 3], 0, 1, 'float32', seed) as tf.Tensor4D;
}

describe('small CNN', () => {
  it.each([
    [[4, 8], 16, 3, 5],
    [[4, 8, 16], 32, 2, 7],
    [[8], 2, 1, 2],
  ] as const)('widths %j on %i² images: logits [N, classes], parameters counted by hand', (widths, size, n, classes) => {
    const before = tf.memory().numTensors;
    const c = createCnn({ widths: [...widths], batchNorm: true }, classes, size, new Rng(1));
    const x = images(n, size, 1);
    const y = c.logits(x, false);
    expect(y.shape).toEqual([n, classes]);
    // Per block: 3·3·cin·w kernel + γ, β (w each); dense cin·classes + classes.
    let cin = 3, expected = 0;
    for (const w of widths) {
      expected += 9 * cin * w + 2 * w;
      cin = w;
    }
    expected += cin * classes + classes;
    expect(c.parameterCount).toBe(expected);
    tf.dispose([x, y]);
    c.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses an image size its pooling cannot halve evenly', () => {
    expect(() => createCnn({ widths: [4, 4, 4], batchNorm: false }, 2, 20, new Rng(1))).toThrow('divisible by 8');
  });

  it('is a function of the seed', async () => {
    const a = createCnn({ widths: [4], batchNorm: false }, 2, 4, new Rng(7));
    const b = createCnn({ widths: [4], batchNorm: false }, 2, 4, new Rng(7));
    const c = createCnn({ widths: [4], batchNorm: false }, 2, 4, new Rng(8));
    expect(Array.from(await a.trainable[0].data())).toEqual(Array.from(await b.trainable[0].data()));
    expect(Array.from(await a.trainable[0].data())).not.toEqual(Array.from(await c.trainable[0].data()));
    [a, b, c].forEach((m) => m.dispose());
  });

  it('batch norm: training mode moves the running mean 10 % towards the batch mean; inference leaves it', async () => {
    const c = createCnn({ widths: [3], batchNorm: true }, 2, 4, new Rng(2), 'native');
    const x = images(2, 4, 3);
    const kernel = c.trainable[0] as tf.Variable;
    // Block 0's pre-norm activations: conv of the input mapped to [-1, 1].
    const batchMean = tf.tidy(() => tf.mean(tf.conv2d(tf.sub(tf.mul(x, 2), 1) as tf.Tensor4D, kernel as tf.Tensor4D, 1, 'same'), [0, 1, 2]));
    const [mean, variance] = c.nonTrainable;
    expect(c.nonTrainable).toHaveLength(2);
    tf.dispose(c.logits(x, false));
    expect(Array.from(await mean.data())).toEqual([0, 0, 0]);
    tf.dispose(c.logits(x, true));
    const expected = Array.from(await batchMean.data()).map((v) => 0.1 * v);
    Array.from(await mean.data()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    expect(Array.from(await variance.data()).every((v) => v > 0.9)).toBe(true); // 0.9·1 + 0.1·batch variance
    tf.dispose([x, batchMean]);
    c.dispose();
  });
});

describe('gradients', () => {
  /** Loss of a tiny CNN as a function of its variables, and its autodiff gradient. */
  function lossAndGrads(path: KernelPath, batchNorm: boolean) {
    const c = createCnn({ widths: [3, 4], batchNorm }, 3, 8, new Rng(5), path);
    const x = images(4, 8, 6);
    const labels = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3));
    const f = () => tf.losses.softmaxCrossEntropy(labels, c.logits(x, false)) as tf.Scalar;
    const { value, grads } = tf.variableGrads(f, c.trainable);
    return { c, x, labels, f, value, grads };
  }

  it('the cpu-grad and matmul-grad paths give the native gradients', async () => {
    const ref = lossAndGrads('native', true);
    for (const path of ['cpu-grad', 'matmul-grad'] as const) {
      const other = lossAndGrads(path, true);
      expect((await other.value.data())[0]).toBeCloseTo((await ref.value.data())[0], 5);
      for (const v of ref.c.trainable.map((t, i) => [t.name, other.c.trainable[i].name] as const)) {
        const a = await ref.grads[v[0]].data(), b = await other.grads[v[1]].data();
        for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i], 4);
      }
      other.c.dispose();
      tf.dispose([other.x, other.labels, other.value, ...Object.values(other.grads)]);
    }
    ref.c.dispose();
    tf.dispose([ref.x, ref.labels, ref.value, ...Object.values(ref.grads)]);
  });

  it('autodiff matches central finite differences (first conv kernel and dense weights)', async () => {
    const { c, x, labels, f, value, grads } = lossAndGrads('cpu-grad', false);
    const rng = new Rng(9);
    for (const v of [c.trainable[0], c.trainable[c.trainable.length - 2]]) {
      const g = await grads[v.name].data();
      const base = Float32Array.from(await v.data());
      for (let probe = 0; probe < 4; probe++) {
        const i = rng.int(0, base.length - 1);
        const h = 1e-2;
        const at = async (delta: number) => {
          const w = base.slice();
          w[i] += delta;
          v.assign(tf.tensor(w, v.shape));
          const l = f();
          const out = (await l.data())[0];
          l.dispose();
          return out;
        };
        const numeric = ((await at(h)) - (await at(-h))) / (2 * h);
        v.assign(tf.tensor(base, v.shape));
        expect(Math.abs(numeric - g[i])).toBeLessThan(2e-3 + 0.05 * Math.abs(g[i]));
      }
    }
    c.dispose();
    tf.dispose([x, labels, value, ...Object.values(grads)]);
  });

  it.each([1, 3, 5])('conv2dSameMatmulGrad (k = %i) matches tf.conv2d and its gradients', (k) => {
    tf.tidy(() => {
      const x = tf.randomNormal([2, 6, 5, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const w = tf.randomNormal([k, k, 3, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
      const probe = tf.randomNormal([2, 6, 5, 4], 0, 1, 'float32', 3);
      const native = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), probe));
      const mine = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv2dSameMatmulGrad(a as tf.Tensor4D, b as tf.Tensor4D), probe));
      const [dxN, dwN] = tf.grads(native)([x, w]);
      const [dxM, dwM] = tf.grads(mine)([x, w]);
      for (const [a, b] of [[dxM, dxN], [dwM, dwN]]) {
        expect(a.shape).toEqual(b.shape);
        const av = a.dataSync(), bv = b.dataSync();
        for (let i = 0; i < av.length; i++) expect(av[i]).toBeCloseTo(bv[i], 4);
      }
    });
  });

  it('picks the typed-array gradients on cpu, matmul on wasm, native elsewhere', () => {
    expect(defaultKernelPath('cpu')).toBe('cpu-grad');
    expect(defaultKernelPath('wasm')).toBe('matmul-grad');
    expect(defaultKernelPath('webgpu')).toBe('native');
  });
});

describe('MobileNet head', () => {
  it('mobilenetJsonForSize rewrites only the input shape and refuses non-multiples of 32', () => {
    const json = { modelTopology: { model_config: { config: { layers: [{ class_name: 'InputLayer', config: { batch_input_shape: [null, 224, 224, 3], name: 'input_1' } }, { class_name: 'Conv2D', config: { name: 'conv1' } }] } } } };
    const out = JSON.parse(new TextDecoder().decode(mobilenetJsonForSize(new TextEncoder().encode(JSON.stringify(json)).buffer as ArrayBuffer, 96)));
    expect(out.modelTopology.model_config.config.layers[0].config).toEqual({ batch_input_shape: [null, 96, 96, 3], name: 'input_1' });
    expect(out.modelTopology.model_config.config.layers[1]).toEqual(json.modelTopology.model_config.config.layers[1]);
    expect(() => mobilenetJsonForSize(new ArrayBuffer(0), 100)).toThrow('multiple of 32');
  });

  it.skipIf(!HAVE_MOBILENET)(`frozen MobileNet v1 (${MOBILENET_DIR}) + dense head: shapes, only the head trains`, async () => {
    const files: Record<string, ArrayBuffer> = {};
    for (const name of readdirSync(MOBILENET_DIR)) {
      const b = readFileSync(resolve(MOBILENET_DIR, name));
      files[name] = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    }
    const backbone = await loadMobilenetBackbone(files, { outputLayer: 'conv_dw_13_relu', hidden: 0 }, 64);
    expect(backbone.featureSize).toBe(1024);
    const before = tf.memory().numTensors;
    const head = createHeadClassifier(backbone, 0, 7, new Rng(1));
    expect(head.parameterCount).toBe(1024 * 7 + 7);
    const x = images(2, 64, 4);
    const feats = head.features!(x);
    expect(feats.shape).toEqual([2, 1024]);
    const labels = tf.tidy(() => tf.oneHot(tf.tensor1d([3, 5], 'int32'), 7));
    const { grads, value } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, head.logits(feats, true)) as tf.Scalar, head.trainable);
    expect(Object.keys(grads).sort()).toEqual(head.trainable.map((v) => v.name).sort());
    tf.dispose([x, feats, labels, value, ...Object.values(grads)]);
    head.dispose();
    expect(tf.memory().numTensors).toBe(before);
    backbone.dispose();
  });
});
