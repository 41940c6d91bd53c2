import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { conv2dSameCpuGrad, maxPool2x2CpuGrad } from './cpuGradients';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function expectAllClose(a: tf.Tensor, b: tf.Tensor) {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync(), y = b.dataSync();
  for (let i = 0; i < x.length; i++) expect(x[i]).toBeCloseTo(y[i], 4);
}

describe('typed-array gradients match the native tfjs gradients', () => {
  it.each([
    [5, 1, 1, 4],
    [3, 1, 3, 5],
    [1, 1, 4, 3],
    [2, 2, 3, 4],
  ])('conv k=%i stride=%i, %i→%i channels', (k, stride, cin, cout) => {
    tf.tidy(() => {
      const x = tf.randomNormal([2, 8, 6, cin], 0, 1, 'float32', 1);
      const w = tf.randomNormal([k, k, cin, cout], 0, 1, 'float32', 2);
      const probe = tf.randomNormal([2, 8 / stride, 6 / stride, cout], 0, 1, 'float32', 3);
      const nativeLoss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, 'same'), probe));
      const customLoss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv2dSameCpuGrad(a as tf.Tensor4D, b as tf.Tensor4D, stride), probe));
      expectAllClose(customLoss(x, w), nativeLoss(x, w));
      const [dxN, dwN] = tf.grads(nativeLoss)([x, w]);
      const [dxC, dwC] = tf.grads(customLoss)([x, w]);
      expectAllClose(dxC, dxN);
      expectAllClose(dwC, dwN);
    });
  });

  it('max pool 2×2', () => {
    tf.tidy(() => {
      const x = tf.randomNormal([2, 6, 4, 3], 0, 1, 'float32', 4);
      const probe = tf.randomNormal([2, 3, 2, 3], 0, 1, 'float32', 5);
      const native = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), probe)))(x);
      const custom = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(maxPool2x2CpuGrad(a as tf.Tensor4D), probe)))(x);
      expectAllClose(custom, native);
    });
  });
});
