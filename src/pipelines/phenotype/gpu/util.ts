/// <reference types="@webgpu/types/dist" />
/**
 * Small WebGPU helpers shared by the phenotype compute kernels (kNN, t-SNE, k-means): buffer
 * creation and read-back, a per-device cache of compute pipelines, and limit checks.
 *
 * The numeric GPUBufferUsage / GPUMapMode flags are spelled out here instead of read from the
 * globals, so the kernels also work with a Dawn device in Node whose GPU* globals were never
 * installed. Pipelines are created with createComputePipelineAsync so that a WGSL compilation
 * error surfaces as a rejected promise with Dawn's / the browser's message.
 */

export const USAGE = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
  INDIRECT: 0x0100,
} as const;

const MAP_MODE_READ = 0x0001;

/** Storage buffer (also copy source/destination) of `size` bytes, at least 16. */
export function storageBuffer(device: GPUDevice, size: number, label: string, extraUsage = 0): GPUBuffer {
  return device.createBuffer({
    label,
    size: Math.max(16, align4(size)),
    usage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST | extraUsage,
  });
}

/** Storage buffer initialised with `data` (copied; padded to a multiple of 4 bytes). */
export function storageBufferFrom(device: GPUDevice, data: ArrayBufferView, label: string, extraUsage = 0): GPUBuffer {
  const buf = storageBuffer(device, data.byteLength, label, extraUsage);
  writeBuffer(device, buf, 0, data);
  return buf;
}

/** Uniform buffer initialised with `data` (a 16-byte multiple is enforced by padding). */
export function uniformBuffer(device: GPUDevice, data: ArrayBuffer, label: string): GPUBuffer {
  const size = Math.max(16, Math.ceil(data.byteLength / 16) * 16);
  const buf = device.createBuffer({ label, size, usage: USAGE.UNIFORM | USAGE.COPY_DST });
  device.queue.writeBuffer(buf, 0, data, 0, data.byteLength);
  return buf;
}

/** queue.writeBuffer of a typed array (any byte length; padded to 4 bytes via a copy if needed). */
export function writeBuffer(device: GPUDevice, buf: GPUBuffer, offset: number, data: ArrayBufferView): void {
  if (data.byteLength === 0) return;
  if (data.byteLength % 4 === 0) {
    device.queue.writeBuffer(buf, offset, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
  } else {
    const padded = new Uint8Array(align4(data.byteLength));
    padded.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    device.queue.writeBuffer(buf, offset, padded.buffer, 0, padded.byteLength);
  }
}

/** Copies `size` bytes of `src` from `offset` to the CPU (one staging buffer, one submit). */
export async function readBuffer(device: GPUDevice, src: GPUBuffer, size: number, offset = 0): Promise<ArrayBuffer> {
  const bytes = align4(size);
  const staging = device.createBuffer({ label: 'readback', size: Math.max(16, bytes), usage: USAGE.MAP_READ | USAGE.COPY_DST });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(src, offset, staging, 0, bytes);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(MAP_MODE_READ, 0, bytes);
  const out = staging.getMappedRange(0, bytes).slice(0, size);
  staging.unmap();
  staging.destroy();
  return out;
}

/** Reads several (buffer, bytes) ranges with one submit and one wait. */
export async function readBuffers(device: GPUDevice, ranges: ReadonlyArray<{ buffer: GPUBuffer; size: number }>): Promise<ArrayBuffer[]> {
  const offsets: number[] = [];
  let total = 0;
  for (const r of ranges) {
    offsets.push(total);
    total += Math.ceil(r.size / 8) * 8;
  }
  const staging = device.createBuffer({ label: 'readback', size: Math.max(16, total), usage: USAGE.MAP_READ | USAGE.COPY_DST });
  const enc = device.createCommandEncoder();
  ranges.forEach((r, t) => enc.copyBufferToBuffer(r.buffer, 0, staging, offsets[t], align4(r.size)));
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(MAP_MODE_READ, 0, Math.max(16, total));
  const mapped = staging.getMappedRange(0, Math.max(16, total));
  const out = ranges.map((r, t) => mapped.slice(offsets[t], offsets[t] + r.size));
  staging.unmap();
  staging.destroy();
  return out;
}

export function align4(bytes: number): number {
  return Math.ceil(bytes / 4) * 4;
}

const pipelineCache = new WeakMap<GPUDevice, Map<string, Promise<GPUComputePipeline>>>();

/**
 * Compute pipeline for `code` (entry point `main`, layout 'auto'), cached per device and source.
 * Pipelines with layout 'auto' only expose the bindings their shader uses, so every shader here
 * declares exactly the bindings it reads or writes.
 */
export function computePipeline(device: GPUDevice, code: string, label: string): Promise<GPUComputePipeline> {
  let cache = pipelineCache.get(device);
  if (!cache) {
    cache = new Map();
    pipelineCache.set(device, cache);
  }
  const key = `${label}\n${code}`;
  let p = cache.get(key);
  if (!p) {
    const module = device.createShaderModule({ label, code });
    p = device.createComputePipelineAsync({ label, layout: 'auto', compute: { module, entryPoint: 'main' } });
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return p;
}

/** Bind group 0 for `pipeline` with buffers at bindings 0, 1, 2, … in order. */
export function bindBuffers(device: GPUDevice, pipeline: GPUComputePipeline, buffers: ReadonlyArray<GPUBuffer>, label?: string): GPUBindGroup {
  return device.createBindGroup({
    label,
    layout: pipeline.getBindGroupLayout(0),
    entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
}

/** One dispatch in its own compute pass (WebGPU makes storage writes visible between dispatches anyway). */
export function dispatch(pass: GPUComputePassEncoder, pipeline: GPUComputePipeline, group: GPUBindGroup, x: number, y = 1, z = 1): void {
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, group);
  pass.dispatchWorkgroups(x, y, z);
}

/** Throws a descriptive error when a buffer of `bytes` cannot be bound on `device`. */
export function checkBindingSize(device: GPUDevice, bytes: number, what: string): void {
  const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  if (bytes > limit) {
    throw new Error(
      `${what} needs a ${(bytes / 2 ** 20).toFixed(1)} MiB storage buffer but this device binds at most ` +
        `${(limit / 2 ** 20).toFixed(1)} MiB (request higher limits with requestComputeDevice(), or reduce the data)`,
    );
  }
}

/** The first `count` values of `a` (default all) as a Float32Array (no copy when `a` already is one of that length). */
export function toF32(a: ArrayLike<number>, count = a.length): Float32Array {
  if (a instanceof Float32Array) return a.length === count ? a : a.subarray(0, count);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = a[i];
  return out;
}
