/**
 * WebGPU compute kernels for phenotypic profiling: exact kNN, t-SNE (exact and grid/FFT
 * repulsion) and k-means. Raw WebGPU (WGSL compute pipelines on a caller-supplied GPUDevice), so
 * the same code runs in a browser window, a Web Worker and Node (Dawn). The plain-TypeScript
 * references they are checked against live in ../tsne and ../analysis.
 *
 * Not exported here: testDevice.ts (Node-only test helper).
 */
export { describeAdapterInfo, isSoftwareAdapterInfo, requestComputeDevice } from './device';
export type { ComputeDevice, ComputeDeviceOptions } from './device';
export { GPU_KNN_MAX_K, gpuKnn, knnChunkRows } from './knn';
export type { GpuKnnOptions, GpuKnnResult } from './knn';
export { createGpuTsne, gpuKnnAffinities, initialEmbedding } from './tsne';
export type { GpuTsne, GpuTsneAffinities, GpuTsneMethod, GpuTsneOptions, ResolvedGpuTsneOptions } from './tsne';
export { gpuAssign, gpuKmeans, gpuKmeansFromCentroids, uploadRows } from './kmeans';
export type { GpuAssignResult, GpuKMeansOptions, GpuRows } from './kmeans';
export { syntheticClusters, timeGpuKmeans, timeGpuKnn, timeGpuTsneIteration } from './timing';
export type { TsneIterationTiming, TsneTimingOptions } from './timing';
