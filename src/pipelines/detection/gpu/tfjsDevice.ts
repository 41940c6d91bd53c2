/**
 * The GPUDevice behind tfjs's WebGPU backend. Kernels that read or write tfjs tensors' buffers
 * (`tensor.dataToGPU()`, `tf.tensor({ buffer }, shape)`) must run on this device.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

/** The active tfjs backend's GPUDevice, or null when the backend is not 'webgpu'. */
export function tfjsWebGpuDevice(): GPUDevice | null {
  if (tf.getBackend() !== 'webgpu') return null;
  return (tf.backend() as unknown as WebGPUBackend).device;
}
