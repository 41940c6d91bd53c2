/**
 * The `wasm` training path: the same losses and gradients as tfjs's own kernels on the `cpu`
 * backend (the reference), through the kernel path that avoids the ops wasm cannot differentiate
 * (Conv2DBackpropFilter; UnsortedSegmentSum comes from core/backend/wasmKernels.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { useWasmOrCpu } from '../../core/backend/testBackend';
import { Rng } from '../../core/rng/rng';
import { distanceScaleForPixels } from './assignment';
import { detectionLoss } from './losses';
import { blockConv, createDetectorWeights, detectorForward, disposeDetectorWeights, smallDetectorConfig, type DetectorWeights, type KernelPath } from './model';
import { smallSimcepParams } from './simcep';
import { batchImages, simcepBatch, trainStep } from './train';

const scale = distanceScaleForPixels(12, 64, 64);

async function lossAndGrads(backend: string, path: KernelPath): Promise<{ loss: number; grads: Record<string, Float32Array> }> {
  await tf.setBackend(backend);
  const rng = new Rng(17);
  const batch = simcepBatch(smallSimcepParams, rng.fork('data'), 2);
  const images = batchImages(batch);
  const weights: DetectorWeights = createDetectorWeights(smallDetectorConfig, rng.fork('weights'));
  const names = Object.keys(weights).sort();
  const { value, grads } = tf.variableGrads(() => {
    const out = detectorForward(weights, images, smallDetectorConfig, path);
    return detectionLoss('responsibility', out.boxes, out.confidences, batch.groundTruth, { scale }).loss;
  }, names.map((n) => weights[n]));
  const loss = (await value.data())[0];
  const out: Record<string, Float32Array> = {};
  for (const n of names) out[n] = (await grads[weights[n].name].data()) as Float32Array;
  tf.dispose([value, images, ...Object.values(grads)]);
  disposeDetectorWeights(weights);
  return { loss, grads: out };
}

let wasm = false;
afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('detector training on the wasm backend', () => {
  it('blockConv equals tf.conv2d with a 2×2 stride-2 kernel', async () => {
    await tf.setBackend('cpu');
    const rng = new Rng(3);
    const x = tf.tensor4d(Float32Array.from({ length: 2 * 6 * 8 * 3 }, () => rng.normal()), [2, 6, 8, 3]);
    const k = tf.tensor4d(Float32Array.from({ length: 2 * 2 * 3 * 5 }, () => rng.normal()), [2, 2, 3, 5]);
    const a = await blockConv(x, k).data(), b = await tf.conv2d(x, k, 2, 'same').data();
    expect(a.length).toBe(2 * 3 * 4 * 5);
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 4);
    expect(() => blockConv(tf.zeros([1, 5, 4, 3]) as tf.Tensor4D, k)).toThrow(/dividing/);
    tf.dispose([x, k]);
  });

  it('gives the loss and every weight gradient of tfjs’s own kernels on cpu', async (ctx) => {
    wasm = (await useWasmOrCpu()) === 'wasm';
    if (!wasm) {
      console.log('wasmTraining.test: skipped, the tfjs wasm backend did not load');
      ctx.skip();
      return;
    }
    const ref = await lossAndGrads('cpu', 'native');
    const got = await lossAndGrads('wasm', 'wasm-grad');
    expect(got.loss).toBeCloseTo(ref.loss, 4);
    for (const [name, g] of Object.entries(ref.grads)) {
      const h = got.grads[name];
      let maxAbs = 0, maxDiff = 0;
      for (let i = 0; i < g.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(g[i]));
        maxDiff = Math.max(maxDiff, Math.abs(g[i] - h[i]));
      }
      expect(maxDiff, name).toBeLessThanOrEqual(1e-3 * Math.max(maxAbs, 1e-3));
    }
  });

  it('trains: 20 Adam steps on wasm cut the loss and leave no tensors behind', async (ctx) => {
    if (!wasm || !(await tf.setBackend('wasm'))) {
      ctx.skip();
      return;
    }
    const rng = new Rng(11);
    const batch = simcepBatch(smallSimcepParams, rng.fork('data'), 4);
    const images = batchImages(batch);
    const weights = createDetectorWeights(smallDetectorConfig, rng.fork('weights'));
    const optimizer = tf.train.adam(1e-3);
    const losses: number[] = [];
    let tensors = -1;
    for (let step = 1; step <= 20; step++) {
      losses.push((await trainStep(weights, smallDetectorConfig, optimizer, images, batch.groundTruth, { kind: 'responsibility', scale })).loss);
      if (step === 5) tensors = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(losses[19]).toBeLessThan(0.8 * losses[0]);
    tf.dispose(images);
    disposeDetectorWeights(weights);
    optimizer.dispose();
  });
});
