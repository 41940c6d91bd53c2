/**
 * Node test helper: a WebGPU device through Dawn (core/backend/nodeWebgpu.ts installs
 * navigator.gpu; vitest.config.ts points the Vulkan loader at SwiftShader on CPU-only machines).
 * Resolves to `{ device: null, reason }` — after printing the reason — when no adapter exists, so
 * test files can `describe.skipIf(!gpu.device)`. Not for browser code.
 */
import * as tf from '@tensorflow/tfjs';
import { installNodeWebGpu, releaseNodeWebGpu } from '../../../core/backend/nodeWebgpu';
import { requestComputeDevice, type ComputeDevice } from './device';

export type TestGpu = (ComputeDevice & { reason: null }) | { device: null; reason: string; adapterDescription: null; isSoftware: false };

let shared: Promise<TestGpu> | null = null;

async function open(): Promise<TestGpu> {
  const installed = await installNodeWebGpu();
  if ('error' in installed) return { device: null, reason: installed.error, adapterDescription: null, isSoftware: false };
  try {
    const cd = await requestComputeDevice();
    return { ...cd, reason: null };
  } catch (e) {
    return { device: null, reason: (e as Error).message, adapterDescription: null, isSoftware: false };
  }
}

/** The process-wide test device (created once). Prints why GPU tests are skipped when there is none. */
export async function getTestDevice(label = 'gpu tests'): Promise<TestGpu> {
  shared ??= open();
  const r = await shared;
  if (!r.device) console.log(`${label}: skipped, no WebGPU device (${r.reason})`);
  return r;
}

/** Destroys the test device and releases Dawn so the worker process can exit. */
export async function releaseTestDevice(): Promise<void> {
  if (!shared) return;
  const r = await shared;
  shared = null;
  r.device?.destroy();
  // installNodeWebGpu registered a tfjs 'webgpu' factory; drop it first, because
  // releaseNodeWebGpu's tf.findBackend('webgpu') would otherwise initialise a backend just to
  // remove it (and log a failure once navigator.gpu is gone).
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  releaseNodeWebGpu();
}
