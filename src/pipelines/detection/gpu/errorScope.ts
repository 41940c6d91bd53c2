/// <reference types="@webgpu/types/dist" />
/**
 * Runs `encode` (buffer creation, bind groups, encoding, submit) inside WebGPU validation and
 * out-of-memory error scopes, and rejects with the device's message if either caught an error.
 * Without this a mistake in a bind group or an allocation failure only reaches the console
 * (uncapturederror) and the kernel's outputs silently stay zero.
 */
export async function withErrorScopes<T>(device: GPUDevice, what: string, encode: () => T): Promise<T> {
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let result: T | undefined;
  let failure: { error: unknown } | null = null;
  try {
    result = encode();
  } catch (error) {
    failure = { error };
  }
  const validation = await device.popErrorScope();
  const oom = await device.popErrorScope();
  const gpuError = validation ?? oom;
  if (gpuError) throw new Error(`${what}: ${gpuError.message}`);
  if (failure) throw failure.error;
  return result as T;
}
