/**
 * tfjs glue for the GPU assignment: takes the detector's output tensors on tfjs's WebGPU backend,
 * hands their buffers (`tensor.dataToGPU()`, a copy on the GPU) to the assignment kernel on
 * tfjs's own GPUDevice, and returns `assignBatch`'s `Assignment[]` after one small read-back.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { Assignment, AssignmentOptions } from '../assignment';
import type { CenterBox } from '../boxes';
import { assignBatchGpu, type GpuAssignmentKind } from './assignGpu';
import { tfjsWebGpuDevice } from './tfjsDevice';

/**
 * `assignBatch(kind, …)` for predictions held in tfjs WebGPU tensors (boxes [B, K, 4],
 * confidences [B, K], float32, computed on the GPU). Rejects when the backend is not 'webgpu'.
 */
export async function assignBatchFromTensors(
  kind: GpuAssignmentKind,
  boxes: tf.Tensor3D,
  confidences: tf.Tensor2D,
  groundTruth: readonly (readonly CenterBox[])[],
  options: AssignmentOptions,
): Promise<Assignment[]> {
  const device = tfjsWebGpuDevice();
  const backend = tf.backend() as unknown as WebGPUBackend;
  if (!device) throw new Error(`assignBatchFromTensors: needs the tfjs 'webgpu' backend, the active one is '${tf.getBackend()}'`);
  const [batch, k] = confidences.shape;
  if (boxes.shape[0] !== batch || boxes.shape[1] !== k || boxes.shape[2] !== 4) {
    throw new Error(`assignBatchFromTensors: boxes ${JSON.stringify(boxes.shape)} do not match confidences ${JSON.stringify(confidences.shape)}`);
  }
  if (boxes.dtype !== 'float32' || confidences.dtype !== 'float32') throw new Error('assignBatchFromTensors: predictions must be float32');
  // Tensors whose values still sit on the CPU (small ones tfjs computed there) are uploaded first.
  backend.uploadToGPU(boxes.dataId);
  backend.uploadToGPU(confidences.dataId);
  const b = boxes.dataToGPU();
  const c = confidences.dataToGPU();
  try {
    if (!b.buffer || !c.buffer) throw new Error('assignBatchFromTensors: tfjs returned no GPU buffer');
    return await assignBatchGpu(device, kind, { boxes: b.buffer, confidences: c.buffer, batch, detectors: k }, groundTruth, options);
  } finally {
    b.tensorRef.dispose();
    c.tensorRef.dispose();
  }
}
