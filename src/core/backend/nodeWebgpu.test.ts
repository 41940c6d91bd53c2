/**
 * WebGPU in Node through Dawn. The GPU part needs a Vulkan driver the test can name: it runs when
 * VK_ICD_FILENAMES points to an existing ICD file, e.g. SwiftShader from Debian's chromium:
 *
 *   LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json \
 *     npx vitest run src/core/backend/nodeWebgpu.test.ts
 *
 * or, on an NVIDIA machine, VK_ICD_FILENAMES=/usr/share/vulkan/icd.d/nvidia_icd.json. Otherwise it
 * is skipped (with the reason printed) and only the fallback to cpu is checked.
 */
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { describeAdapter, installNodeWebGpu, releaseNodeWebGpu, selectNodeBackend } from './nodeWebgpu';
import { PRESETS } from '../../pipelines/detection/presets';
import { trainDetector } from '../../pipelines/detection/trainLoop';
import { disposeDetectorWeights } from '../../pipelines/detection/model';

const icd = process.env.VK_ICD_FILENAMES;
const skipReason = !icd ? 'VK_ICD_FILENAMES is not set' : !existsSync(icd) ? `VK_ICD_FILENAMES=${icd} does not exist` : null;
if (skipReason) console.log(`nodeWebgpu.test: WebGPU (Dawn) checks skipped: ${skipReason}`);

const quiet = () => undefined;

/** Deterministic pseudo-random values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** matMul and conv2d (same padding, stride 1 and 2) on the current backend. */
async function kernelData(): Promise<{ matMul: Float32Array; conv: Float32Array; convStrided: Float32Array }> {
  const t = tf.tidy(() => {
    const a = tf.tensor2d(values(64 * 96, 1), [64, 96]);
    const b = tf.tensor2d(values(96 * 48, 2), [96, 48]);
    const x = tf.tensor4d(values(2 * 20 * 20 * 3, 3), [2, 20, 20, 3]);
    const f = tf.tensor4d(values(3 * 3 * 3 * 8, 4), [3, 3, 3, 8]);
    return [tf.matMul(a, b), tf.conv2d(x, f, 1, 'same'), tf.conv2d(x, f, 2, 'same')];
  });
  const [matMul, conv, convStrided] = (await Promise.all(t.map((x) => x.data()))) as Float32Array[];
  tf.dispose(t);
  return { matMul, conv, convStrided };
}

/** One detector training step (small preset, batch 2, 2 validation images); loss and step time. */
async function oneTrainingStep(): Promise<{ loss: number; backendDuringStep: string; stepMs: number; totalMs: number }> {
  let started = 0;
  let stepMs = NaN;
  let loss = NaN;
  let backendDuringStep = '';
  const t0 = performance.now();
  const result = await trainDetector(
    { preset: PRESETS.small, loss: 'responsibility', seed: 1, maxSteps: 1, valImages: 2, batchSize: 2 },
    {
      checkpoint: async () => {
        started = performance.now();
      },
      onStep: (s) => {
        stepMs = performance.now() - started;
        loss = s.loss;
        backendDuringStep = tf.getBackend();
      },
    },
  );
  const totalMs = performance.now() - t0;
  expect(result.steps).toBe(1);
  disposeDetectorWeights(result.weights);
  return { loss, backendDuringStep, stepMs, totalMs };
}

afterAll(() => {
  // dawn.node keeps the process alive while navigator.gpu is referenced.
  releaseNodeWebGpu();
});

describe('nodeWebgpu', () => {
  it('describes adapters readably', () => {
    expect(describeAdapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100 PCIe', device: '0x2331' })).toBe('nvidia / hopper — NVIDIA H100 PCIe (0x2331)');
    expect(describeAdapter({ vendor: 'google', architecture: 'swiftshader', description: '', device: '', isFallbackAdapter: true })).toBe('google / swiftshader [fallback adapter]');
    expect(describeAdapter(undefined)).toBe('unknown adapter');
  });

  it("selectNodeBackend('cpu') selects tfjs cpu without touching Dawn", async () => {
    const s = await selectNodeBackend('cpu', quiet);
    expect(s).toEqual({ backend: 'cpu', adapter: null, fallbackReason: null });
    expect(tf.getBackend()).toBe('cpu');
  });

  it.skipIf(!skipReason)('without a named Vulkan driver, webgpu either starts or falls back to cpu with a reason', async () => {
    const s = await selectNodeBackend('webgpu', quiet);
    if (s.backend === 'cpu') expect(s.fallbackReason).toBeTruthy();
    else expect(s.adapter).toBeTruthy();
    expect(tf.getBackend()).toBe(s.backend);
    await tf.setBackend('cpu');
  });
});

describe.skipIf(!!skipReason)('nodeWebgpu on a Vulkan driver (VK_ICD_FILENAMES)', () => {
  let cpuReference: Awaited<ReturnType<typeof kernelData>>;
  let cpuStep: Awaited<ReturnType<typeof oneTrainingStep>>;

  it('computes the references on tfjs cpu', async () => {
    await selectNodeBackend('cpu', quiet);
    cpuReference = await kernelData();
    cpuStep = await oneTrainingStep();
    expect(cpuStep.backendDuringStep).toBe('cpu');
    expect(Number.isFinite(cpuStep.loss)).toBe(true);
  });

  it('installs navigator.gpu from Dawn and reports the adapter', async () => {
    const r = await installNodeWebGpu();
    if ('error' in r) throw new Error(r.error);
    console.log(`nodeWebgpu.test: adapter ${r.adapter}`);
    expect(r.adapter).not.toBe('unknown adapter');
    expect(typeof navigator.gpu?.requestAdapter).toBe('function');
    expect(typeof GPUBufferUsage.STORAGE).toBe('number');
    expect(typeof GPUMapMode.READ).toBe('number');
    expect(tf.findBackendFactory('webgpu')).toBeTruthy();
  });

  it("selectNodeBackend('webgpu') switches tfjs to webgpu", async () => {
    const s = await selectNodeBackend('webgpu', quiet);
    expect(s.fallbackReason).toBeNull();
    expect(s.backend).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
  });

  it('matMul and conv2d on webgpu match the cpu backend within 1e-4', async () => {
    expect(tf.getBackend()).toBe('webgpu');
    const gpu = await kernelData();
    expect(maxAbsDiff(gpu.matMul, cpuReference.matMul)).toBeLessThan(1e-4);
    expect(maxAbsDiff(gpu.conv, cpuReference.conv)).toBeLessThan(1e-4);
    expect(maxAbsDiff(gpu.convStrided, cpuReference.convStrided)).toBeLessThan(1e-4);
  });

  it('runs one detector training step on webgpu with a finite loss', async () => {
    const gpuStep = await oneTrainingStep();
    expect(gpuStep.backendDuringStep).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(Number.isFinite(gpuStep.loss)).toBe(true);
    // Step 1's loss is the forward pass of the same initial weights on the same batch.
    expect(Math.abs(gpuStep.loss - cpuStep.loss)).toBeLessThan(1e-3 * Math.max(1, Math.abs(cpuStep.loss)));
    console.log(
      `nodeWebgpu.test: small preset, batch 2, first step (incl. shader compiles on webgpu): ` +
        `webgpu ${gpuStep.stepMs.toFixed(0)} ms (whole run with 2-image validation ${gpuStep.totalMs.toFixed(0)} ms, loss ${gpuStep.loss.toFixed(5)}); ` +
        `cpu ${cpuStep.stepMs.toFixed(0)} ms (whole run ${cpuStep.totalMs.toFixed(0)} ms, loss ${cpuStep.loss.toFixed(5)})`,
    );
  });
});
