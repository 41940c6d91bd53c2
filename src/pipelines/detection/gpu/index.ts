/**
 * WebGPU compute kernels for the detection pipeline: the responsibility assignment (Eq 3.1–3.3)
 * on predictions already on the GPU, and the SIMCEP renderer for whole batches. Raw WebGPU on a
 * caller-supplied GPUDevice (tfjs's own device when the buffers are tfjs tensors'). The CPU
 * references they are tested against are ../losses.ts `assignBatch` and ../simcep.ts.
 */
export { assignBatchGpu, encodeAssignmentGpu, isGpuAssignmentKind, padGroundTruth } from './assignGpu';
export type { GpuAssignmentBuffers, GpuAssignmentKind, GpuPredictions, PaddedGroundTruth } from './assignGpu';
export { assignBatchFromTensors } from './assignTensors';
export {
  generateCellImagesGpu,
  readSimcepImages,
  renderCellsGpu,
  renderScenesGpu,
  simcepBatchGpu,
  simcepGpuThroughput,
} from './simcepGpu';
export type { SimcepGpuBatch, SimcepGpuNoise, SimcepGpuOptions, SimcepScene } from './simcepGpu';
export { tfjsWebGpuDevice } from './tfjsDevice';
