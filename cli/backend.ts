/**
 * Compute backend of a `cvwb` run, `--backend auto|webgpu|wasm|cpu`:
 *  - webgpu: WebGPU through Dawn (npm `webgpu`, src/core/backend/nodeWebgpu.ts) on whatever adapter
 *    the Vulkan loader offers, a software one (SwiftShader) included; fails when there is none.
 *  - auto: WebGPU on a hardware adapter; otherwise tfjs's WebAssembly backend, else its CPU backend.
 *    A software adapter is skipped as the app's runtime skips it: every dispatch is then emulated on
 *    the CPU, slower than wasm (ask for webgpu explicitly to use it anyway).
 *  - wasm, cpu: those tfjs backends.
 * The same choice picks the analysis engines (WebGPU kernels or the TypeScript references).
 * Dawn's Vulkan driver is set up before the process starts (see vulkan.ts).
 */
import { UsageError } from '../bench/lib/args';
import type { AnalysisEngines } from '../src/pipelines/phenotype/pipeline/analyse';
import { CliError, type CliIo } from './common';
import { registerWasmTrainingKernels } from '../src/core/backend/wasmKernels';

export const BACKEND_CHOICES = ['auto', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export const backendOption = {
  type: 'string',
  choices: BACKEND_CHOICES,
  help: 'auto (WebGPU on a GPU, else wasm, else cpu; default), webgpu, wasm or cpu',
} as const;

export interface BackendInUse {
  backend: 'webgpu' | 'wasm' | 'cpu';
  /** Adapter description when the backend is WebGPU. */
  adapter: string | null;
  /** Why WebGPU was not used (auto only). */
  fallbackReason: string | null;
}

let dawnUsed = false;

/** tfjs, loaded on first use (the analysis and SIMCEP commands do not need it). */
const tfjs = () => import('@tensorflow/tfjs');

async function tryWasm(): Promise<string | null> {
  const tf = await tfjs();
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    registerWasmTrainingKernels();
    if (!(await tf.setBackend('wasm'))) return "tf.setBackend('wasm') failed";
    await tf.ready();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

async function setCpuBackend(): Promise<void> {
  const tf = await tfjs();
  if (!(await tf.setBackend('cpu'))) throw new CliError('the tfjs cpu backend could not start');
  await tf.ready();
}

let bannerQuiet = false;

/** Silences tfjs's "install tfjs-node for speed" banner, once per process. */
async function quietTfjsBannerOnce(): Promise<void> {
  if (bannerQuiet) return;
  bannerQuiet = true;
  (await import('../bench/lib/detection')).quietTfjsBanner();
}

/**
 * Sets the tfjs backend for `choice` and prints which one is used (one `backend: …` line on
 * stderr). `noWasm`: the work needs kernels tfjs's wasm backend lacks, so auto goes from WebGPU
 * straight to cpu, and wasm is refused with that reason (no command needs it at present).
 */
export async function selectTfBackend(choice: BackendChoice, io: CliIo, noWasm?: string): Promise<BackendInUse> {
  await quietTfjsBannerOnce();
  if (choice === 'wasm' && noWasm) throw new UsageError(`--backend wasm: ${noWasm}; use --backend cpu or webgpu`);
  if (choice === 'cpu') {
    await setCpuBackend();
    io.err('backend: cpu (tfjs)');
    return { backend: 'cpu', adapter: null, fallbackReason: null };
  }
  if (choice === 'wasm') {
    const failure = await tryWasm();
    if (failure) throw new CliError(`--backend wasm: the tfjs WebAssembly backend could not start: ${failure}`);
    io.err('backend: wasm (tfjs WebAssembly)');
    return { backend: 'wasm', adapter: null, fallbackReason: null };
  }
  const { selectNodeBackend } = await import('../src/core/backend/nodeWebgpu');
  dawnUsed = true;
  const sel = await selectNodeBackend(choice, () => undefined);
  if (sel.backend === 'webgpu') {
    io.err(`backend: webgpu on ${sel.adapter}`);
    return { backend: 'webgpu', adapter: sel.adapter, fallbackReason: null };
  }
  if (choice === 'webgpu') throw new CliError(`--backend webgpu: ${sel.fallbackReason ?? 'WebGPU could not start'}`);
  const why = sel.fallbackReason ?? 'WebGPU could not start';
  if (noWasm) {
    await setCpuBackend();
    io.err(`backend: cpu (tfjs; WebGPU not used: ${why}; wasm not used: ${noWasm})`);
    return { backend: 'cpu', adapter: null, fallbackReason: why };
  }
  const wasmFailure = await tryWasm();
  if (wasmFailure === null) {
    io.err(`backend: wasm (tfjs WebAssembly; WebGPU not used: ${why})`);
    return { backend: 'wasm', adapter: null, fallbackReason: why };
  }
  await setCpuBackend();
  io.err(`backend: cpu (tfjs; WebGPU not used: ${why}; wasm not used: ${wasmFailure})`);
  return { backend: 'cpu', adapter: null, fallbackReason: why };
}

/** Analysis engines for `choice`: WebGPU kernels (webgpu; auto on a hardware adapter) or the CPU references. */
export async function selectAnalysisEngines(choice: BackendChoice, io: CliIo): Promise<AnalysisEngines> {
  const { pickEngines } = await import('../src/pipelines/phenotype/pipeline/analysisJob');
  if (choice === 'wasm' || choice === 'cpu') {
    io.err(`backend: cpu (analysis in TypeScript; --backend ${choice})`);
    return pickEngines('cpu', () => undefined);
  }
  dawnUsed = true;
  let why: string | null = null;
  let engines: AnalysisEngines;
  try {
    engines = await pickEngines(choice, (m) => {
      why = m;
    });
  } catch (e) {
    throw new CliError(`--backend webgpu: ${(e as Error).message}`);
  }
  io.err(engines.name === 'cpu' ? `backend: cpu (analysis in TypeScript; ${why ?? 'WebGPU not used'})` : `backend: ${engines.name}`);
  return engines;
}

/** Lets the process exit after Dawn was loaded (its GPU object keeps Node alive). */
export async function releaseBackend(): Promise<void> {
  if (!dawnUsed) return;
  dawnUsed = false;
  const { releaseNodeWebGpu } = await import('../src/core/backend/nodeWebgpu');
  releaseNodeWebGpu();
}

/** The `--backend` value. */
export function backendChoice(value: string | undefined): BackendChoice {
  const v = value ?? 'auto';
  if (!(BACKEND_CHOICES as readonly string[]).includes(v)) throw new UsageError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}, got '${v}'`);
  return v as BackendChoice;
}
