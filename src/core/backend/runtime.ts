/**
 * Compute runtime: WebGPU first, then WebGL, then CPU, with the reason for every fallback kept so
 * the UI can say why it is not on the GPU. Used identically on the main thread and in job workers.
 *
 * We register our own 'webgpu' factory (instead of the package's default) so that we own the
 * GPUDevice: its `lost` promise is watched, the adapter info is recorded, and after a loss the
 * backend is removed and re-created on a fresh device.
 */
import * as tf from '@tensorflow/tfjs';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { registerWasmTrainingKernels } from './wasmKernels';

export type BackendName = 'webgpu' | 'webgl' | 'cpu' | 'wasm';
export const BACKEND_ORDER: BackendName[] = ['webgpu', 'webgl', 'cpu'];

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

export interface RuntimeState {
  backend: BackendName | null;
  requested: BackendName | 'auto';
  adapter: AdapterSummary | null;
  /** Why each preferred backend was skipped, in order. Empty when the first choice worked. */
  fallbacks: { backend: BackendName; reason: string }[];
  deviceLost: { reason: string; message: string; at: number } | null;
  reinitCount: number;
}

type Listener = (s: RuntimeState) => void;

const state: RuntimeState = {
  backend: null,
  requested: 'auto',
  adapter: null,
  fallbacks: [],
  deviceLost: null,
  reinitCount: 0,
};
const listeners = new Set<Listener>();
let currentDevice: GPUDevice | null = null;

function emit(): void {
  const snapshot = { ...state, fallbacks: [...state.fallbacks] };
  for (const l of listeners) l(snapshot);
}

export function onRuntimeChange(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function runtimeState(): RuntimeState {
  return { ...state, fallbacks: [...state.fallbacks] };
}

/** The GPUDevice in use by the tfjs webgpu backend, or null. (Exposed for fault-injection tests.) */
export function currentGpuDevice(): GPUDevice | null {
  return currentDevice;
}

async function probeWebGpu(): Promise<{ adapter: GPUAdapter } | { reason: string }> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return { reason: 'navigator.gpu is missing (this browser or context has no WebGPU; a secure origin such as http://localhost is required)' };
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { reason: `requestAdapter failed: ${(e as Error).message}` };
  }
  if (!adapter) return { reason: 'navigator.gpu.requestAdapter() returned no adapter (GPU blocklisted or disabled)' };
  return { adapter };
}

function summariseAdapter(info: GPUAdapterInfo | undefined): AdapterSummary {
  return {
    vendor: info?.vendor || 'unknown',
    architecture: info?.architecture || 'unknown',
    device: info?.device || '',
    description: info?.description || '',
  };
}

/** Register (or replace) tfjs's 'webgpu' factory with ours, which owns the device and watches for loss. */
export function registerWebGpuFactory(): void {
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', async () => {
    const probe = await probeWebGpu();
    if ('reason' in probe) throw new Error(probe.reason);
    const adapter = probe.adapter;
    const limits = adapter.limits;
    const requiredFeatures: GPUFeatureName[] = [];
    if (adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
    const device = await adapter.requestDevice({
      requiredFeatures,
      requiredLimits: {
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
        maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
      },
    });
    const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
    state.adapter = summariseAdapter(info);
    currentDevice = device;
    device.lost.then((lost) => {
      if (currentDevice !== device) return; // an old device we already replaced
      currentDevice = null;
      state.deviceLost = { reason: lost.reason, message: lost.message || 'GPU device lost', at: Date.now() };
      emit();
      if (lost.reason !== 'destroyed' || autoReinitOnDestroy) void reinitialise();
    });
    return new WebGPUBackend(device, info);
  }, 3);
}

let autoReinitOnDestroy = true;
/** Tests that inject `device.destroy()` can choose whether the runtime recovers by itself. */
export function setAutoReinitOnDestroy(v: boolean): void {
  autoReinitOnDestroy = v;
}

async function trySet(name: BackendName): Promise<string | null> {
  try {
    if (name === 'webgpu') {
      const probe = await probeWebGpu();
      if ('reason' in probe) return probe.reason;
    }
    if (name === 'webgl' && typeof OffscreenCanvas === 'undefined' && typeof document === 'undefined') {
      return 'no canvas available for WebGL in this context';
    }
    const ok = await tf.setBackend(name);
    if (!ok) return `tf.setBackend('${name}') failed to initialise`;
    await tf.ready();
    return null;
  } catch (e) {
    return (e as Error).message || String(e);
  }
}

/**
 * Select a backend. `requested` 'auto' walks WebGPU → WebGL → CPU; a named backend is tried first
 * and, if it cannot start, the runtime still falls back (recording why) so the app keeps working.
 */
export async function initRuntime(requested: BackendName | 'auto' = 'auto'): Promise<RuntimeState> {
  registerWebGpuFactory();
  state.requested = requested;
  state.fallbacks = [];
  if (requested !== 'webgpu') state.adapter = null;
  const order: BackendName[] = requested === 'auto' ? BACKEND_ORDER : [requested, ...BACKEND_ORDER.filter((b) => b !== requested)];
  for (const name of order) {
    if (name === 'wasm') {
      await import('@tensorflow/tfjs-backend-wasm');
      registerWasmTrainingKernels();
    }
    const failure = await trySet(name);
    if (failure === null) {
      state.backend = name;
      if (name !== 'webgpu') state.adapter = null;
      emit();
      return runtimeState();
    }
    state.fallbacks.push({ backend: name, reason: failure });
  }
  state.backend = null;
  emit();
  throw new Error(`No compute backend could start: ${state.fallbacks.map((f) => `${f.backend}: ${f.reason}`).join('; ')}`);
}

/** Re-create the WebGPU backend on a new device after a loss (tensors on the old device are gone). */
export async function reinitialise(): Promise<RuntimeState> {
  state.reinitCount += 1;
  try {
    if (tf.getBackend() === 'webgpu' || tf.engine().registry['webgpu']) tf.removeBackend('webgpu');
  } catch {
    /* backend already gone */
  }
  const s = await initRuntime(state.requested);
  return s;
}

/**
 * True for software WebGPU adapters (SwiftShader, llvmpipe/lavapipe): there every dispatch is
 * emulated on the CPU, and tfjs's plain CPU backend trains small models faster.
 */
export function isSoftwareAdapter(a: AdapterSummary | null): boolean {
  if (!a) return false;
  return /swiftshader|llvmpipe|lavapipe|software|microsoft basic render/i.test(`${a.vendor} ${a.architecture} ${a.description} ${a.device}`);
}

/** Parse `?backend=` from a URL query; unknown values mean 'auto'. */
export function backendFromQuery(search: string): BackendName | 'auto' {
  const v = new URLSearchParams(search).get('backend');
  return v === 'webgpu' || v === 'webgl' || v === 'cpu' || v === 'wasm' ? v : 'auto';
}
