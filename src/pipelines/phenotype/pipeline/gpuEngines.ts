/** WebGPU engines for the analysis (filled in once the kernels exist). */
import type { AnalysisEngines } from './analyse';

export async function createGpuEngines(): Promise<AnalysisEngines> {
  throw new Error('no WebGPU kernels yet');
}
