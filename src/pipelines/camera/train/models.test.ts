import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmOrCpu } from '../../../core/backend/testBackend';
import { Rng } from '../../../core/rng/rng';
import { loadMobilenetBackbone, type KernelPath } from '../../style/experiment/classifier';
import { createCameraModel, createResNet, downsampleImages, exportWeights, importWeights, patchConv, stridedOffset, type ResNetSpec } from './models';

beforeAll(async () => {
  await useWasmOrCpu();
});

const SPEC: ResNetSpec = { stem: 8, stemKernel: 3, stemStride: 1, stemDownsample: true, widths: [8, 16], blocks: 1, downsample: 'pool' };

describe('ResNet shapes', () => {
  it.each([
    ['pool', 'matmul-grad'],
    ['strided', 'matmul-grad'],
    ['strided', 'native'],
  ] as const)('logits [N, classes] at two input sizes (%s, %s)', (downsample, path) => {
    const c = createResNet({ ...SPEC, downsample }, 3, new Rng(1), { path: path as KernelPath });
    for (const [h, w] of [[32, 32], [24, 40]]) {
      const y = tf.tidy(() => c.logits(tf.randomUniform([2, h, w, 3], 0, 1, 'float32', 1), false));
      expect(y.shape).toEqual([2, 3]);
      expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
      y.dispose();
    }
    c.dispose();
  });

  it('the downsampled variant gives the same logits for an image and its 2× nearest upsampling', () => {
    const c = createResNet(SPEC, 2, new Rng(3), { resizeTo: 16 });
    const [a, b] = tf.tidy(() => {
      const small = tf.randomUniform([1, 16, 16, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
      const big = tf.image.resizeNearestNeighbor(small, [32, 32]);
      return [c.logits(small, false), c.logits(big, false)];
    });
    // A 2×2 box filter of a nearest-upsampled image is the image itself.
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()).map((v) => expect.closeTo(v, 4)));
    tf.dispose([a, b]);
    c.dispose();
  });

  it('patchConv equals tf.conv2d at stride = kernel, also for sizes that are not multiples', () => {
    const [x, k] = [tf.randomNormal([2, 10, 13, 3], 0, 1, 'float32', 4) as tf.Tensor4D, tf.randomNormal([4, 4, 3, 5], 0, 1, 'float32', 5) as tf.Tensor4D];
    const ours = patchConv(x, k), ref = tf.conv2d(x, k, 4, 'valid');
    expect(ours.shape).toEqual(ref.shape);
    const d = tf.max(tf.abs(tf.sub(ours, ref))).dataSync()[0];
    expect(d).toBeLessThan(1e-4);
    tf.dispose([x, k, ours, ref]);
  });

  it('stride-2 convolution on the forward-op path matches tf.conv2d(…, 2, "same")', () => {
    for (const [h, w, kk] of [[8, 8, 3], [9, 7, 3], [8, 9, 1]]) {
      const first = stridedOffset(h, kk);
      expect(first).toBeGreaterThanOrEqual(0);
      const a = createResNet({ stem: 4, stemKernel: kk, stemStride: 2, stemDownsample: false, widths: [4], blocks: 1, downsample: 'pool' }, 2, new Rng(9), { path: 'matmul-grad' });
      const b = createResNet({ stem: 4, stemKernel: kk, stemStride: 2, stemDownsample: false, widths: [4], blocks: 1, downsample: 'pool' }, 2, new Rng(9), { path: 'native' });
      const x = tf.randomUniform([2, h, w, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
      const [ya, yb] = [a.logits(x, true), b.logits(x, true)];
      expect(tf.max(tf.abs(tf.sub(ya, yb))).dataSync()[0]).toBeLessThan(1e-4);
      tf.dispose([x, ya, yb]);
      a.dispose();
      b.dispose();
    }
  });

  it('downsampleImages box-filters by the integer factor', () => {
    const x = tf.tensor4d([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], [1, 4, 4, 1]);
    const y = downsampleImages(x, 2);
    // 2×2 means: (0+1+4+5)/4 = 2.5, (2+3+6+7)/4 = 4.5, 10.5, 12.5.
    expect(Array.from(y.dataSync())).toEqual([2.5, 4.5, 10.5, 12.5]);
    tf.dispose([x, y]);
  });
});

describe('gradients', () => {
  it('every trainable variable gets a finite, non-zero gradient', () => {
    const c = createResNet({ ...SPEC, downsample: 'strided' }, 2, new Rng(2));
    const x = tf.randomUniform([4, 16, 16, 3], 0, 1, 'float32', 3);
    const y = tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2);
    const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, c.logits(x, true)) as tf.Scalar, c.trainable);
    for (const v of c.trainable) {
      const g = grads[v.name];
      const a = tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0]);
      expect(Number.isFinite(a)).toBe(true);
      expect(a).toBeGreaterThan(0);
    }
    tf.dispose(Object.values(grads));
    tf.dispose([x, y]);
    c.dispose();
  });

  it('the identity shortcut carries gradient to the stem when a residual branch is dead', () => {
    // One stage of one block with an identity shortcut: zeroing the block's second conv removes its
    // residual branch, so the stem's gradient can only arrive through the shortcut.
    const spec: ResNetSpec = { stem: 6, stemKernel: 3, stemStride: 1, stemDownsample: false, widths: [6], blocks: 1, downsample: 'pool' };
    const c = createResNet(spec, 2, new Rng(5));
    const [stemK, , k2] = c.trainable; // kernels first: stem, k1, k2 (no projection)
    expect(k2.shape).toEqual([3, 3, 6, 6]);
    k2.assign(tf.zerosLike(k2));
    const x = tf.randomUniform([4, 12, 12, 3], 0, 1, 'float32', 6);
    const y = tf.oneHot(tf.tensor1d([0, 1, 1, 0], 'int32'), 2);
    const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, c.logits(x, true)) as tf.Scalar, [stemK, c.trainable[1]]);
    expect(tf.tidy(() => tf.max(tf.abs(grads[stemK.name])).dataSync()[0])).toBeGreaterThan(1e-6);
    // The dead branch's first conv gets nothing: its output is multiplied by the zero kernel.
    expect(tf.tidy(() => tf.max(tf.abs(grads[c.trainable[1].name])).dataSync()[0])).toBe(0);
    tf.dispose(Object.values(grads));
    tf.dispose([x, y]);
    c.dispose();
  });
});

describe('weights', () => {
  it('a snapshot restores the same logits in a fresh model, and no tensors leak', async () => {
    const before = tf.memory().numTensors;
    const a = createResNet(SPEC, 2, new Rng(10));
    const b = createResNet(SPEC, 2, new Rng(11));
    const x = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 8);
    a.logits(x, true).dispose(); // moves the running moments away from their initial values
    const snap = await exportWeights(a);
    importWeights(b, structuredClone(snap));
    const [ya, yb] = [a.logits(x, false), b.logits(x, false)];
    expect(Array.from(yb.dataSync())).toEqual(Array.from(ya.dataSync()));
    tf.dispose([x, ya, yb]);
    a.dispose();
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a snapshot of another architecture', async () => {
    const a = createResNet(SPEC, 2, new Rng(1));
    const b = createResNet({ ...SPEC, widths: [8] }, 2, new Rng(1));
    const snap = await exportWeights(a);
    expect(() => importWeights(b, snap)).toThrow(/tensors|shape/);
    a.dispose();
    b.dispose();
  });
});

const MOBILENET = resolve(import.meta.dirname, '../../../../../shared/models/mobilenet_v1_1.0_224');

describe.skipIf(!existsSync(resolve(MOBILENET, 'model.json')))('MobileNet head', () => {
  it('takes 32² crops and 64² images through a frozen 64² backbone', async () => {
    const files: Record<string, ArrayBuffer> = {};
    for (const name of readdirSync(MOBILENET)) {
      const b = readFileSync(resolve(MOBILENET, name));
      files[name] = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    }
    const backbone = await loadMobilenetBackbone(files, { outputLayer: 'conv_dw_13_relu', hidden: 0 }, 64);
    const c = createCameraModel({ kind: 'mobilenet', hidden: 0 }, 5, new Rng(1), { backbone });
    expect(c.trainable.length).toBe(2);
    for (const s of [32, 64, 96]) {
      const y = tf.tidy(() => c.logits(c.features!(tf.randomUniform([2, s, s, 3])), false));
      expect(y.shape).toEqual([2, 5]);
      y.dispose();
    }
    c.dispose();
    backbone.dispose();
  });
});
