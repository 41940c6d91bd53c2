/// <reference types="@webgpu/types/dist" />
/**
 * A GPUDevice for the phenotype compute kernels, the same way in a browser window, a Web Worker
 * (both through navigator.gpu) and Node (Dawn from the npm `webgpu` package, installed as
 * navigator.gpu by core/backend/nodeWebgpu.ts on first use).
 *
 * The kernels bind large storage buffers (the n×d feature matrix for kNN / k-means, a Q×n tile of
 * distances) and use up to 16 KiB of workgroup memory, so the device is requested with the
 * adapter's maxima for the limits that matter here instead of WebGPU's defaults (128 MiB
 * bindings). `isSoftware` flags SwiftShader / llvmpipe / WARP-like adapters, where every dispatch
 * is emulated on the CPU and timings say nothing about a real GPU.
 */

export interface ComputeDevice {
  device: GPUDevice;
  adapter: GPUAdapter;
  /** "vendor / architecture — description (device)", plus " [fallback adapter]" when flagged. */
  adapterDescription: string;
  /** True for software rasterisers (SwiftShader, llvmpipe, lavapipe, WARP, fallback adapters). */
  isSoftware: boolean;
}

export interface ComputeDeviceOptions {
  powerPreference?: GPUPowerPreference;
  /** Use this GPU object instead of navigator.gpu (e.g. a Dawn instance created by the caller). */
  gpu?: GPU;
  /** Extra limits to request; each is capped at the adapter's maximum. */
  requiredLimits?: Record<string, number>;
}

/** Limits raised to the adapter's maximum by default. */
const RAISED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string' && typeof window === 'undefined';
}

async function findGpu(): Promise<GPU> {
  const existing = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (existing) return existing;
  if (isNode()) {
    // Kept out of browser bundles: the specifier is not a literal, so bundlers leave it alone.
    const spec = '../../../core/backend/nodeWebgpu';
    const mod = (await import(/* @vite-ignore */ spec)) as typeof import('../../../core/backend/nodeWebgpu');
    const r = await mod.installNodeWebGpu();
    if ('error' in r) throw new Error(`WebGPU is not available in Node: ${r.error}`);
    const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
    if (gpu) return gpu;
  }
  throw new Error('WebGPU is not available here (navigator.gpu is missing)');
}

/** Human-readable adapter name from GPUAdapterInfo. */
export function describeAdapterInfo(info: Partial<GPUAdapterInfo> | undefined, fallback = false): string {
  const head = [info?.vendor, info?.architecture].filter((s) => s).join(' / ') || 'unknown vendor';
  const desc = info?.description ? ` — ${info.description}` : '';
  const dev = info?.device ? ` (${info.device})` : '';
  return `${head}${desc}${dev}${fallback ? ' [fallback adapter]' : ''}`;
}

/** Heuristic: adapters that run compute shaders on the CPU. */
export function isSoftwareAdapterInfo(info: Partial<GPUAdapterInfo> | undefined, fallback = false): boolean {
  if (fallback) return true;
  const s = `${info?.vendor ?? ''} ${info?.architecture ?? ''} ${info?.description ?? ''} ${info?.device ?? ''}`;
  return /swiftshader|llvmpipe|lavapipe|software|microsoft basic render|warp/i.test(s);
}

/**
 * Requests an adapter and a device with raised storage/workgroup limits. Rejects with a readable
 * reason when WebGPU or an adapter is missing.
 */
export async function requestComputeDevice(options: ComputeDeviceOptions = {}): Promise<ComputeDevice> {
  const gpu = options.gpu ?? (await findGpu());
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  if (!adapter) throw new Error('navigator.gpu.requestAdapter() returned no adapter');
  const requiredLimits: Record<string, number> = {};
  const lim = adapter.limits as unknown as Record<string, number>;
  for (const name of RAISED_LIMITS) {
    if (typeof lim[name] === 'number') requiredLimits[name] = lim[name];
  }
  for (const [name, v] of Object.entries(options.requiredLimits ?? {})) {
    if (typeof lim[name] === 'number') requiredLimits[name] = Math.min(v, lim[name]);
  }
  const device = await adapter.requestDevice({ label: 'phenotype-compute', requiredLimits });
  const info = adapter.info as GPUAdapterInfo | undefined;
  const fallback = Boolean((info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter ??
    (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter);
  return {
    device,
    adapter,
    adapterDescription: describeAdapterInfo(info, fallback),
    isSoftware: isSoftwareAdapterInfo(info, fallback),
  };
}
