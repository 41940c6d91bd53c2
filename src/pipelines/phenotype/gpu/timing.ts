/**
 * Timing helpers for the GPU kernels, for benchmarks (no CLI): each builds seeded synthetic data,
 * runs the kernel once to compile pipelines and warm caches, then reports wall-clock milliseconds
 * measured around GPU completion (queue.onSubmittedWorkDone / read-back), so the numbers include
 * submission overhead but not pipeline compilation.
 *
 * On a software adapter (SwiftShader, `ComputeDevice.isSoftware`) the numbers describe the CPU
 * emulation, not a GPU: barriers and workgroup memory are particularly expensive there.
 */
import { Rng } from '../../../core/rng/rng';
import { gpuAssign, gpuKmeans } from './kmeans';
import { gpuKnn } from './knn';
import { createGpuTsne, type GpuTsneOptions } from './tsne';

/** n points in d dimensions drawn around `clusters` Gaussian centres (sd 1, centres ~N(0, 5²)). */
export function syntheticClusters(n: number, d: number, clusters: number, seed: number): Float32Array {
  const r = new Rng(seed);
  const centres = Array.from({ length: clusters }, () => Array.from({ length: d }, () => r.normal(0, 5)));
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) x[i * d + k] = centres[i % clusters][k] + r.normal();
  return x;
}

export interface TsneIterationTiming {
  n: number;
  method: 'exact' | 'field';
  /** Mean wall-clock milliseconds per iteration over `iterations` timed iterations. */
  msPerIteration: number;
  iterations: number;
  /** Milliseconds to build P and the stepper (affinities, uploads, pipelines). */
  setupMs: number;
  /** Field method: FFT grid size of the last iteration. */
  gridM: number | null;
}

export interface TsneTimingOptions extends GpuTsneOptions {
  /** Input dimension of the synthetic data (default 10). */
  d?: number;
  /** Iterations run before timing, e.g. to get past early exaggeration (default 10). */
  warmup?: number;
  /** Timed iterations (default 20). */
  iterations?: number;
  dataSeed?: number;
}

/**
 * Milliseconds per GPU t-SNE iteration at n points (synthetic clustered data, kNN affinities).
 * Pass `init` (e.g. a converged CPU embedding) and `exaggerationIters: 0` to time a mature
 * embedding, whose extent sets the field method's grid size.
 */
export async function timeGpuTsneIteration(device: GPUDevice, n: number, options: TsneTimingOptions = {}): Promise<TsneIterationTiming> {
  const { d = 10, warmup = 10, iterations = 20, dataSeed = 1, ...tsneOpts } = options;
  const x = syntheticClusters(n, d, 10, dataSeed);
  const t0 = performance.now();
  const tsne = await createGpuTsne(device, x, n, d, { affinities: 'knn', ...tsneOpts });
  const setupMs = performance.now() - t0;
  try {
    await tsne.step(Math.max(1, warmup));
    const t1 = performance.now();
    await tsne.step(iterations);
    const ms = (performance.now() - t1) / iterations;
    const grid = await tsne.fieldGrid();
    return { n, method: tsne.options.method, msPerIteration: ms, iterations, setupMs, gridM: grid?.M ?? null };
  } finally {
    tsne.destroy();
  }
}

/** Milliseconds for one gpuKnn call (after a warm-up call on the same data). */
export async function timeGpuKnn(device: GPUDevice, n: number, d: number, k: number, seed = 1): Promise<number> {
  const x = syntheticClusters(n, d, 10, seed);
  await gpuKnn(device, x, Math.min(n, 256), d, Math.min(k, Math.min(n, 256) - 1));
  const t = performance.now();
  await gpuKnn(device, x, n, d, k);
  return performance.now() - t;
}

/** Milliseconds for one gpuAssign call and for a full gpuKmeans run (1 restart) at n × d, k clusters. */
export async function timeGpuKmeans(
  device: GPUDevice,
  n: number,
  d: number,
  k: number,
  options: { seed?: number; update?: 'gpu' | 'cpu'; maxIter?: number } = {},
): Promise<{ assignMs: number; kmeansMs: number; iterations: number }> {
  const x = syntheticClusters(n, d, k, options.seed ?? 1);
  const centroids = Float64Array.from(x.subarray(0, k * d));
  await gpuAssign(device, x, n, d, centroids, k);
  let t = performance.now();
  await gpuAssign(device, x, n, d, centroids, k);
  const assignMs = performance.now() - t;
  t = performance.now();
  const res = await gpuKmeans(device, x, n, d, k, { seed: options.seed ?? 1, nInit: 1, maxIter: options.maxIter ?? 100, update: options.update });
  return { assignMs, kmeansMs: performance.now() - t, iterations: res.iterations };
}
