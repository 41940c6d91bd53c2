/**
 * Kernels tfjs's `wasm` backend lacks that training needs, registered in TypeScript on the wasm
 * backend's memory. UnsortedSegmentSum is the gradient of tf.gather (and of tf.unsortedSegmentSum's
 * users), so without it any loss that gathers cannot be differentiated on wasm.
 * Call `registerWasmTrainingKernels()` wherever the wasm backend is loaded (idempotent).
 */
import * as tf from '@tensorflow/tfjs';

interface WasmBackendLike {
  readSync(dataId: unknown): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * out[s, …] = Σ_{i : segmentIds[i] = s} x[i, …] for segmentIds of shape x.shape[0:r]; ids outside
 * [0, numSegments) are dropped (tf.unsortedSegmentSum's contract). Plain arrays, for any backend.
 */
export function unsortedSegmentSumValues(x: ArrayLike<number>, segmentIds: ArrayLike<number>, inner: number, numSegments: number, out: { [i: number]: number; length: number }): void {
  for (let i = 0; i < segmentIds.length; i++) {
    const s = segmentIds[i];
    if (s < 0 || s >= numSegments) continue;
    for (let j = 0; j < inner; j++) out[s * inner + j] += x[i * inner + j];
  }
}

let registered = false;

export function registerWasmTrainingKernels(): void {
  if (registered || tf.getKernel('UnsortedSegmentSum', 'wasm')) {
    registered = true;
    return;
  }
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as WasmBackendLike;
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const numSegments = (attrs as unknown as { numSegments: number }).numSegments;
      const inner = x.shape.slice(segmentIds.shape.length).reduce((p, d) => p * d, 1);
      const out = b.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
      const values = b.typedArrayFromHeap(out);
      values.fill(0);
      unsortedSegmentSumValues(b.readSync(x.dataId), b.readSync(segmentIds.dataId), inner, numSegments, values);
      return out;
    },
  });
  registered = true;
}
