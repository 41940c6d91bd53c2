/**
 * For Node tests and benchmarks: the tfjs WebAssembly backend when it loads (much faster than
 * 'cpu' for convolutions), else 'cpu'. Returns the backend in use.
 */
import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from './wasmKernels';

export async function useWasmOrCpu(): Promise<string> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    registerWasmTrainingKernels();
    if (!(await tf.setBackend('wasm'))) await tf.setBackend('cpu');
  } catch {
    await tf.setBackend('cpu');
  }
  await tf.ready();
  return tf.getBackend();
}
