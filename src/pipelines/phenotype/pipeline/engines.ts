/**
 * Compute engines for the analysis: the plain-TypeScript references (always available) and the
 * WebGPU kernels (when an adapter exists). The CPU t-SNE is exact up to EXACT_MAX_N points and
 * Barnes–Hut above.
 */
import { kmeans } from '../analysis/kmeans';
import { createTsne } from '../tsne/tsne';
import type { AnalysisEngines, TsneEngine } from './analyse';

export const CPU_EXACT_MAX_N = 1000;

export const cpuEngines: AnalysisEngines = {
  name: 'cpu',
  async createTsne(x, n, d, options) {
    const { method: asked, ...rest } = options;
    const method = asked === 'exact' || (asked !== 'approximate' && n <= CPU_EXACT_MAX_N) ? 'exact' : 'barnes-hut';
    const t = createTsne(x, n, d, { ...rest, method });
    const engine: TsneEngine = {
      get iteration() {
        return t.iteration;
      },
      description: `${method}, CPU`,
      async step(k) {
        t.step(k);
      },
      embedding: async () => t.embedding(),
      kl: async () => t.kl(),
      destroy: () => undefined,
    };
    return engine;
  },
  async kmeans(x, k, options) {
    return kmeans(x, k, options);
  },
};
