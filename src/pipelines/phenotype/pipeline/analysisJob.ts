/**
 * Job 'phenotype-analysis': PCA → t-SNE → k-means curve → metrics on a feature table, in the job
 * worker. Uses the WebGPU kernels when an adapter exists (or when asked), else the TypeScript
 * references; the engine used is recorded in the result.
 */
import type { JobHandler } from '../../../core/jobs/protocol';
import { analyseProfiles, type AnalysisInput, type AnalysisOptions, type AnalysisResult, type AnalysisEngines } from './analyse';
import { cpuEngines } from './engines';

export type EngineChoice = 'auto' | 'webgpu' | 'cpu';

export interface PhenotypeAnalysisParams {
  input: AnalysisInput;
  options: AnalysisOptions;
  engine: EngineChoice;
}

/**
 * Engines for a choice: 'webgpu' insists on the kernels; 'auto' uses them on a hardware adapter
 * and the CPU references otherwise (no adapter, or a software one such as SwiftShader, where the
 * emulated dispatches are slower than plain TypeScript), logging why.
 */
export async function pickEngines(choice: EngineChoice, log: (m: string) => void): Promise<AnalysisEngines> {
  if (choice === 'cpu') return cpuEngines;
  try {
    const { createGpuEngines } = await import('./gpuEngines');
    return await createGpuEngines({ refuseSoftware: choice === 'auto' });
  } catch (e) {
    const why = (e as Error).message;
    if (choice === 'webgpu') throw new Error(`WebGPU analysis was requested but is not available: ${why}`);
    log(`WebGPU kernels not available (${why}); using the CPU implementations`);
    return cpuEngines;
  }
}

export const phenotypeAnalysisJob: JobHandler<PhenotypeAnalysisParams, AnalysisResult> = async (params, ctx) => {
  const engines = await pickEngines(params.engine, (m) => ctx.log(m));
  ctx.log(`Analysis engine: ${engines.name}`);
  return analyseProfiles(params.input, params.options, engines, ctx);
};
