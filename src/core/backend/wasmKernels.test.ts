import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { useWasmOrCpu } from './testBackend';

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('wasm training kernels', () => {
  it('UnsortedSegmentSum on wasm equals tfjs’s cpu kernel, and makes tf.gather differentiable there', async (ctx) => {
    if ((await useWasmOrCpu()) !== 'wasm') {
      console.log('wasmKernels.test: skipped, the tfjs wasm backend did not load');
      ctx.skip();
      return;
    }
    const x = Array.from({ length: 7 * 3 }, (_, i) => (i * 37) % 11 - 5);
    const ids = [4, 0, 4, -1, 2, 9, 0]; // -1 and 9 fall outside the 5 segments
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const r = tf.unsortedSegmentSum(tf.tensor2d(x, [7, 3]), tf.tensor1d(ids, 'int32'), 5);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d([2, 0, 2], 'int32')), tf.tensor2d([[1, 2], [3, 4], [5, 6]]))))(tf.tensor2d([[0, 0], [0, 0], [0, 0]]));
      return { sum: Array.from(await r.data()), shape: r.shape, grad: Array.from(await g.data()) };
    };
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    expect(wasm).toEqual(cpu);
    // Row 2 is gathered twice: its gradient is the sum of both uses' weights.
    expect(wasm.grad).toEqual([3, 4, 0, 0, 6, 8]);
  });
});
