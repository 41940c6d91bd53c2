/**
 * WebGPU in Node through Dawn (the npm package `webgpu`, which ships a prebuilt `dawn.node`), so
 * the Node pipelines (bench/detection.ts, scripts/train-detector.ts, …) can train on a real GPU
 * with the same tfjs WebGPU kernels the browser uses.
 *
 * Node has no `navigator.gpu`: installNodeWebGpu() creates Dawn's GPU object, installs it as
 * `navigator.gpu` together with the GPU* globals tfjs-backend-webgpu reads (GPUBufferUsage,
 * GPUMapMode, GPUTextureUsage, GPUShaderStage, …), checks that an adapter exists and makes sure a
 * tfjs 'webgpu' backend factory is registered (tfjs-backend-webgpu only registers one at import
 * time, and only if navigator.gpu already existed then). selectNodeBackend() then goes through
 * runtime.ts's initRuntime, so device-loss handling and the adapter summary are the app's own.
 *
 * Dawn picks its Vulkan driver through the Vulkan loader (libvulkan.so.1): on an NVIDIA machine the
 * system ICD (/usr/share/vulkan/icd.d/nvidia_icd.json); for a software check, SwiftShader, e.g.
 * `LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json`.
 * Extra Dawn options (`adapter=…`, `backend=vulkan`, `enable-dawn-features=…`) can be passed in
 * WORKBENCH_DAWN_OPTIONS, separated by spaces.
 *
 * Browser code must not import this module (it imports the Node-only `webgpu` package lazily and
 * reads `process`); in a browser installNodeWebGpu() just reports an error.
 */
import * as tf from '@tensorflow/tfjs';
import { initRuntime, isSoftwareAdapter, registerWebGpuFactory, type AdapterSummary } from './runtime';

export type NodeBackendPreference = 'webgpu' | 'cpu' | 'auto';

export interface NodeBackendSelection {
  backend: 'webgpu' | 'cpu';
  /** Readable adapter description when the backend is WebGPU. */
  adapter: string | null;
  /** Why WebGPU was not used (null when it was, or when 'cpu' was asked for). */
  fallbackReason: string | null;
}

interface DawnModule {
  create(options: string[]): GPU;
  globals: Record<string, unknown>;
}

/** The environment variable selectNodeBackend() reads when no preference is passed. */
export const BACKEND_ENV = 'WORKBENCH_BACKEND';
/** Space-separated extra options for Dawn's create() (e.g. `adapter=NVIDIA backend=vulkan`). */
export const DAWN_OPTIONS_ENV = 'WORKBENCH_DAWN_OPTIONS';

let installedAdapter: string | null = null;
let installedSummary: AdapterSummary | null = null;
let installing: Promise<{ adapter: string } | { error: string }> | null = null;

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string' && typeof window === 'undefined';
}

/** "nvidia / ampere — NVIDIA GeForce RTX 3090 (0x2204)", "google / swiftshader — SwiftShader driver 5.0.0 (…) [fallback adapter]". */
export function describeAdapter(info: Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean } | undefined): string {
  if (!info) return 'unknown adapter';
  const head = [info.vendor, info.architecture].filter((s) => s).join(' / ') || 'unknown vendor';
  const desc = info.description ? ` — ${info.description}` : '';
  const dev = info.device ? ` (${info.device})` : '';
  const fallback = info.isFallbackAdapter ? ' [fallback adapter]' : '';
  return `${head}${desc}${dev}${fallback}`;
}

function dawnOptions(): string[] {
  const raw = typeof process !== 'undefined' ? process.env[DAWN_OPTIONS_ENV] : undefined;
  return raw ? raw.split(/\s+/).filter((s) => s) : [];
}

/** Defines globalThis[name] unless something (a real browser, an earlier call) already did. */
function defineGlobal(name: string, value: unknown): void {
  if (name in globalThis) return;
  Object.defineProperty(globalThis, name, { value, configurable: true, writable: true, enumerable: false });
}

/** Puts `gpu` at navigator.gpu. Node 20 has no global navigator; Node 21+ has one without `gpu`. */
function installNavigatorGpu(gpu: GPU | undefined): void {
  const g = globalThis as { navigator?: object };
  if (g.navigator === undefined) {
    if (gpu) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true, enumerable: false });
    return;
  }
  try {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true, enumerable: true });
  } catch {
    // A non-extensible navigator: shadow it with an object that inherits the rest.
    const nav = Object.create(g.navigator, { gpu: { value: gpu, configurable: true, writable: true, enumerable: true } }) as object;
    Object.defineProperty(globalThis, 'navigator', { value: nav, configurable: true, writable: true, enumerable: false });
  }
}

/** Registers the runtime's tfjs 'webgpu' factory if none is (the package registers one only when imported after navigator.gpu existed). */
async function ensureWebGpuFactory(): Promise<void> {
  if (!tf.findBackendFactory('webgpu')) registerWebGpuFactory();
}

async function install(): Promise<{ adapter: string } | { error: string }> {
  const existing = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  let gpu: GPU;
  if (existing) {
    gpu = existing;
  } else {
    let dawn: DawnModule;
    try {
      // The bare specifier stays external in gpu-runner bundles; there it resolves to gpu-runner/node_modules/webgpu.
      dawn = (await import('webgpu')) as unknown as DawnModule;
    } catch (e) {
      return { error: `the 'webgpu' package (Dawn for Node) could not be loaded: ${(e as Error).message}` };
    }
    for (const [name, value] of Object.entries(dawn.globals)) defineGlobal(name, value);
    try {
      gpu = dawn.create(dawnOptions());
    } catch (e) {
      return { error: `Dawn's create() failed: ${(e as Error).message}` };
    }
    installNavigatorGpu(gpu);
  }
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    if (!existing) installNavigatorGpu(undefined);
    return { error: `requestAdapter failed: ${(e as Error).message}` };
  }
  if (!adapter) {
    // Without an adapter navigator.gpu would only mislead tfjs (and keep Dawn alive): take it away again.
    if (!existing) installNavigatorGpu(undefined);
    const icd = process.env.VK_ICD_FILENAMES;
    return {
      error:
        'Dawn found no WebGPU adapter (no usable Vulkan driver: is libvulkan.so.1 on the library path and is there a Vulkan ICD? ' +
        (icd ? `VK_ICD_FILENAMES=${icd}` : 'VK_ICD_FILENAMES is unset, so the system ICDs in /usr/share/vulkan/icd.d are used') +
        ')',
    };
  }
  await ensureWebGpuFactory();
  const info = adapter.info;
  installedSummary = { vendor: info.vendor || 'unknown', architecture: info.architecture || 'unknown', device: info.device || '', description: info.description || '' };
  return { adapter: describeAdapter(info) };
}

/**
 * Node only: makes WebGPU (Dawn) available to tfjs. Installs navigator.gpu and the GPU* globals,
 * checks for an adapter and registers the tfjs 'webgpu' backend factory; does not switch backends.
 * Safe to call more than once (later calls return the first result).
 */
export async function installNodeWebGpu(): Promise<{ adapter: string } | { error: string }> {
  if (!isNode()) return { error: 'installNodeWebGpu() is for Node; in a browser navigator.gpu is native' };
  if (installedAdapter) return { adapter: installedAdapter };
  installing ??= install();
  const r = await installing;
  if ('adapter' in r) installedAdapter = r.adapter;
  else installing = null; // allow a retry (e.g. after fixing the environment in a test)
  return r;
}

function preferenceFromEnv(): NodeBackendPreference {
  const v = typeof process !== 'undefined' ? process.env[BACKEND_ENV] : undefined;
  return v === 'webgpu' || v === 'cpu' || v === 'auto' ? v : 'auto';
}

async function fallBackToCpu(reason: string | null, log: (msg: string) => void): Promise<NodeBackendSelection> {
  if (reason) log(`backend: WebGPU not used (${reason}); falling back to tfjs cpu`);
  const ok = await tf.setBackend('cpu');
  if (!ok) throw new Error("tf.setBackend('cpu') failed");
  await tf.ready();
  return { backend: 'cpu', adapter: null, fallbackReason: reason };
}

/**
 * Picks the tfjs backend for a Node run. 'webgpu' tries Dawn and falls back to 'cpu' with a printed
 * reason; 'auto' does the same but also prefers 'cpu' on a software adapter (SwiftShader, llvmpipe),
 * where every WebGPU dispatch is emulated on the CPU and tfjs's cpu backend is faster; 'cpu' is
 * just cpu. Without an argument the preference comes from WORKBENCH_BACKEND (default 'auto').
 */
export async function selectNodeBackend(
  preferred: NodeBackendPreference = preferenceFromEnv(),
  log: (msg: string) => void = (m) => console.log(m),
): Promise<NodeBackendSelection> {
  if (preferred === 'cpu') return fallBackToCpu(null, log);
  const installed = await installNodeWebGpu();
  if ('error' in installed) return fallBackToCpu(installed.error, log);
  if (preferred === 'auto' && isSoftwareAdapter(installedSummary)) {
    return fallBackToCpu(`'auto' skips the software adapter ${installed.adapter}; ask for webgpu explicitly to use it anyway`, log);
  }
  let state;
  try {
    state = await initRuntime('webgpu');
  } catch (e) {
    return fallBackToCpu(`initRuntime failed: ${(e as Error).message}`, log);
  }
  if (state.backend !== 'webgpu') {
    const why = state.fallbacks.find((f) => f.backend === 'webgpu')?.reason ?? `runtime chose ${state.backend}`;
    return fallBackToCpu(why, log);
  }
  log(`backend: webgpu on ${installed.adapter}`);
  return { backend: 'webgpu', adapter: installed.adapter, fallbackReason: null };
}

/**
 * Drops the WebGPU backend and navigator.gpu so Dawn lets the process exit (dawn.node keeps Node
 * alive while its GPU object is referenced). Call at the very end of a script.
 */
export function releaseNodeWebGpu(): void {
  if (!isNode()) return;
  try {
    // findBackendFactory, not findBackend: the latter would initialise a backend just to remove it.
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  } catch {
    /* already gone */
  }
  if (installedAdapter) installNavigatorGpu(undefined);
  installedAdapter = null;
  installedSummary = null;
  installing = null;
}
