/**
 * WebGPU engines for the analysis: t-SNE with exact or field (FFT-interpolated) repulsion and
 * k-means with GPU assignment and centroid updates, on one compute device requested for the job.
 * The PCA scores that every k of the variance curve clusters are uploaded once.
 */
import type { FloatArray } from '../analysis/matrix';
import { requestComputeDevice } from '../gpu/device';
import { gpuKmeans, uploadRows, type GpuRows } from '../gpu/kmeans';
import { createGpuTsne } from '../gpu/tsne';
import type { AnalysisEngines, TsneEngine } from './analyse';

/** Thrown by createGpuEngines({ refuseSoftware: true }) on a software adapter. */
export class SoftwareAdapterError extends Error {
  constructor(readonly adapter: string) {
    super(`the WebGPU adapter is a software renderer (${adapter}); the CPU implementations are faster there`);
    this.name = 'SoftwareAdapterError';
  }
}

export async function createGpuEngines(options: { refuseSoftware?: boolean } = {}): Promise<AnalysisEngines> {
  const { device, adapterDescription, isSoftware } = await requestComputeDevice();
  if (isSoftware && options.refuseSoftware) {
    device.destroy();
    throw new SoftwareAdapterError(adapterDescription);
  }
  let uploaded: { data: FloatArray; rows: GpuRows } | null = null;
  return {
    name: `webgpu (${adapterDescription}${isSoftware ? ', software' : ''})`,
    async createTsne(x, n, d, options) {
      const { method: asked, ...rest } = options;
      const t = await createGpuTsne(device, x, n, d, { ...rest, method: asked === 'approximate' ? 'field' : asked ?? 'auto' });
      const engine: TsneEngine = {
        get iteration() {
          return t.iteration;
        },
        description: `${t.options.method}, WebGPU`,
        async step(k) {
          await t.step(k);
        },
        embedding: () => t.embedding(),
        kl: () => t.kl(),
        destroy: () => t.destroy(),
      };
      return engine;
    },
    async kmeans(x, k, options) {
      if (!uploaded || uploaded.data !== x.data) {
        uploaded?.rows.destroy();
        uploaded = { data: x.data, rows: uploadRows(device, x.data, x.n, x.d) };
      }
      return gpuKmeans(device, x.data, x.n, x.d, k, { ...options, rows: uploaded.rows });
    },
  };
}
