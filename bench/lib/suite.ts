/**
 * Pure parts of the benchmark suite (bench/suite.ts): section names, the time budget, repeated
 * timing after warm-up, result rows and their speed-up ratios, the per-pipeline markdown tables,
 * the goal lines of the performance spec, and the JSON / markdown report. No GPU, no tfjs.
 */
import { UsageError } from './args';
import { budgetedRepeats, chunkIterations, fmt, fmtMs, fmtRatio, markdownTable, median, tsneGoal } from './phenotype';
import { Rng } from '../../src/core/rng/rng';
import { generateCellImage, type SimcepParams } from '../../src/pipelines/detection/simcep';

// ---------------------------------------------------------------------------------------------
// Sections and budget

export const SECTIONS = ['phenotype', 'detection', 'camera', 'style', 'features'] as const;
export type Section = (typeof SECTIONS)[number];

export const SECTION_TITLES: Record<Section, string> = {
  phenotype: 'Phenotypic profiling: kNN, t-SNE, k-means, PCA',
  detection: 'Detection: SIMCEP generation and one training step',
  camera: 'Camera bias: photo simulator',
  style: 'Style augmentation: stylisation',
  features: 'Phenotype features: MobileNet v1',
};

/**
 * Share of the whole budget each section may use (of what is left when it starts, among the
 * sections still to run), sized from measured runs on 2 CPU cores with SwiftShader.
 */
export const SECTION_WEIGHTS: Record<Section, number> = { phenotype: 0.5, detection: 0.14, camera: 0.08, style: 0.18, features: 0.1 };

/** `--only a,b`: the named sections in suite order; all when absent. Unknown names are usage errors. */
export function parseSections(list: readonly string[] | undefined): Section[] {
  if (!list) return [...SECTIONS];
  for (const s of list) if (!(SECTIONS as readonly string[]).includes(s)) throw new UsageError(`--only: unknown section '${s}' (${SECTIONS.join(', ')})`);
  return SECTIONS.filter((s) => list.includes(s));
}

/** A wall-clock budget: the time left, and the share of it one part of the run may take. */
export class Budget {
  private readonly start: number;
  constructor(
    readonly totalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.start = now();
  }

  elapsedMs(): number {
    return this.now() - this.start;
  }

  remainingMs(): number {
    return Math.max(0, this.totalMs - this.elapsedMs());
  }

  /** Whether an estimated cost fits in what is left. */
  fits(estimateMs: number): boolean {
    return Number.isFinite(estimateMs) && estimateMs <= this.remainingMs();
  }

  /**
   * Milliseconds for the section about to run: its weight's share of the remaining time among the
   * weights of the sections still to run (itself included).
   */
  sectionMs(section: Section, pending: readonly Section[]): number {
    const total = pending.reduce((s, p) => s + SECTION_WEIGHTS[p], 0);
    return total > 0 ? (this.remainingMs() * SECTION_WEIGHTS[section]) / total : 0;
  }
}

/**
 * Cost at size n1 of an O(n²) step measured at n0 (t-SNE iterations, all-pairs distances), for
 * deciding whether a larger size fits the budget.
 */
export function projectQuadratic(msAtN0: number, n0: number, n1: number): number {
  return msAtN0 * (n1 / n0) ** 2;
}

export interface Timing {
  warmupMs: number[];
  samples: number[];
  median: number;
}

/**
 * Runs `fn` `warmup` times untimed (stopping early once the warm-up alone has used `budgetMs`),
 * then at least `min` (default 1) and at most `max` timed times until the timed runs add up to
 * `budgetMs`. `fn` may return the milliseconds it measured itself (e.g. per iteration of a chunk);
 * otherwise its wall time is used.
 */
export async function measure(
  fn: () => Promise<number | void> | number | void,
  opts: { warmup: number; max: number; budgetMs: number; min?: number; now?: () => number },
): Promise<Timing> {
  const now = opts.now ?? (() => performance.now());
  const once = async (): Promise<number> => {
    const t = now();
    const own = await fn();
    return typeof own === 'number' ? own : now() - t;
  };
  const warmupMs: number[] = [];
  let warmTotal = 0;
  for (let i = 0; i < opts.warmup && warmTotal < opts.budgetMs; i++) {
    const t = await once();
    warmupMs.push(t);
    warmTotal += t;
  }
  const samples = await budgetedRepeats(once, { min: opts.min ?? 1, max: opts.max, budgetMs: opts.budgetMs });
  return { warmupMs, samples, median: median(samples) };
}

/**
 * Milliseconds per iteration of an iterative method (t-SNE): one warm-up iteration (pipelines,
 * JIT), one sizing iteration, then chunks of as many iterations as take about `targetChunkMs`
 * (default 1000; at most `maxChunk`, default 50) until `maxChunks` chunks or `budgetMs` is spent
 * (at least one chunk; the sizing iteration counts as a chunk when chunks are single iterations).
 * Samples are per-iteration times of each chunk.
 */
export async function timeIterations(
  step: (k: number) => Promise<unknown> | unknown,
  opts: { budgetMs: number; maxChunks: number; targetChunkMs?: number; maxChunk?: number; now?: () => number },
): Promise<Timing & { chunk: number }> {
  const now = opts.now ?? (() => performance.now());
  const run = async (k: number) => {
    const t = now();
    await step(k);
    return now() - t;
  };
  const warm = await run(1);
  const est = await run(1);
  const chunk = chunkIterations(est, opts.targetChunkMs ?? 1000, opts.maxChunk ?? 50);
  const samples: number[] = [];
  let spent = 0;
  if (chunk === 1) {
    samples.push(est);
    spent = est;
  }
  while (samples.length < opts.maxChunks && (samples.length === 0 || spent < opts.budgetMs)) {
    const ms = await run(chunk);
    samples.push(ms / chunk);
    spent += ms;
  }
  return { warmupMs: chunk === 1 ? [warm] : [warm, est], samples, median: median(samples), chunk };
}

/** SIMCEP images/s: `images` images from seeded streams (rng.fork(i)) on this thread. */
export function simcepRate(params: SimcepParams, images: number, seed: number): number {
  const rng = new Rng(seed);
  const t0 = performance.now();
  let cells = 0;
  for (let i = 0; i < images; i++) cells += generateCellImage(params, rng.fork(i)).cells.length;
  const s = (performance.now() - t0) / 1000;
  if (cells === 0) throw new Error('the SIMCEP generator produced no cells');
  return images / s;
}

// ---------------------------------------------------------------------------------------------
// Rows and tables

export type Unit = 'ms' | 'ms/iter' | 'ms/step' | 'ms/image' | 'images/s';

/**
 * What a row is within its measurement: the stock baseline ('stock': tfjs's generic ops, the
 * official interpreter, tfjs's wasm backend), the plain-JavaScript library or reference ('js'), or
 * one of the others compared against them ('ours', 'other').
 */
export type Role = 'ours' | 'stock' | 'js' | 'other';

export interface Row {
  /** The measurement, e.g. "kNN 5000 × 30, k = 90"; rows with the same item are compared. */
  item: string;
  impl: string;
  role: Role;
  /** Where it ran, e.g. "WebGPU (Dawn)", "Node, 1 thread", "tfjs wasm". */
  backend: string;
  unit: Unit;
  /** Median of the timed runs; null when not measured (see note). */
  median: number | null;
  warmup: number;
  runs: number;
  samples?: number[];
  note?: string;
}

export interface RowWithRatios extends Row {
  /** Speed-up over the item's stock baseline (> 1: faster); null when not measurable. */
  vsStock: number | null;
  vsJs: number | null;
}

export const higherIsBetter = (unit: Unit): boolean => unit === 'images/s';

/** How many times faster `row` is than `ref` (time ratio ref/row, or rate ratio row/ref). */
export function speedup(row: Pick<Row, 'unit' | 'median'>, ref: Pick<Row, 'unit' | 'median'>): number | null {
  if (row.unit !== ref.unit) throw new Error(`speedup: units differ (${row.unit} vs ${ref.unit})`);
  const a = row.median, b = ref.median;
  if (a === null || b === null || !(a > 0) || !(b > 0) || !Number.isFinite(a) || !Number.isFinite(b)) return null;
  return higherIsBetter(row.unit) ? a / b : b / a;
}

/** A row that could not be measured, with the reason. */
export function notMeasured(base: Omit<Row, 'median' | 'warmup' | 'runs'>, reason: string): Row {
  return { ...base, median: null, warmup: 0, runs: 0, note: reason };
}

/** A measured row from a Timing. */
export function timedRow(base: Omit<Row, 'median' | 'warmup' | 'runs' | 'samples'>, t: Timing): Row {
  return { ...base, median: t.median, warmup: t.warmupMs.length, runs: t.samples.length, samples: t.samples };
}

/** Each row with its speed-ups over the stock and plain-JS rows of the same item. */
export function withRatios(rows: readonly Row[]): RowWithRatios[] {
  return rows.map((r) => {
    const ref = (role: Role) => rows.find((x) => x.item === r.item && x.role === role);
    const vs = (role: Role) => {
      const b = ref(role);
      return b && b !== r ? speedup(r, b) : null;
    };
    return { ...r, vsStock: vs('stock'), vsJs: vs('js') };
  });
}

function ratioCell(r: RowWithRatios, rows: readonly RowWithRatios[], role: Role, ratio: number | null): string {
  const ref = rows.find((x) => x.item === r.item && x.role === role);
  if (!ref) return '—';
  if (ref === r) return 'baseline';
  return fmtRatio(ratio);
}

/** "1840 ms/iter", "223.7 images/s", or "n/a". */
export function fmtValue(v: number | null, unit: Unit): string {
  if (v === null || !Number.isFinite(v)) return 'n/a';
  return unit === 'images/s' ? `${fmt(v, v >= 100 ? 0 : 1)} ${unit}` : `${fmtMs(v)} ${unit}`;
}

/**
 * One markdown table for a pipeline: measurement, implementation, backend, median, runs
 * (warm-up + timed), speed-up over the stock baseline and over the plain-JS library of the same
 * measurement ('baseline' on that row itself, '—' when the measurement has none), and a note.
 */
export function sectionTable(rows: readonly Row[]): string {
  const rr = withRatios(rows);
  const body = rr.map((r) => [
    r.item,
    r.impl,
    r.backend,
    fmtValue(r.median, r.unit),
    r.median === null ? '0' : `${r.warmup}+${r.runs}`,
    ratioCell(r, rr, 'stock', r.vsStock),
    ratioCell(r, rr, 'js', r.vsJs),
    r.note ?? '',
  ]);
  return markdownTable(
    ['measurement', 'implementation', 'backend', 'median', 'runs', '× vs stock', '× vs plain JS', 'note'],
    body,
    ['left', 'left', 'left', 'right', 'right', 'right', 'right', 'left'],
  );
}

// ---------------------------------------------------------------------------------------------
// Machine and adapter

export interface MachineInfo {
  cpu: string;
  cores: number;
  platform: string;
  node: string;
  tfjs: string;
}

export interface AdapterInfo {
  description: string | null;
  isSoftware: boolean;
  /** Why there is no adapter. */
  error?: string;
}

/** "software (SwiftShader)", "software (llvmpipe …)", "hardware", or "none (reason)". */
export function adapterKind(a: AdapterInfo): string {
  if (!a.description) return `none (${a.error ?? 'not opened'})`;
  if (!a.isSoftware) return 'hardware';
  return /swiftshader/i.test(a.description) ? 'software (SwiftShader)' : 'software';
}

/** "software (SwiftShader) — google / swiftshader — SwiftShader Device (…)". */
export function adapterLine(a: AdapterInfo): string {
  return a.description ? `${adapterKind(a)} — ${a.description}` : adapterKind(a);
}

export function machineLine(m: MachineInfo): string {
  return `${m.cpu} ×${m.cores} cores, ${m.platform}, Node ${m.node}, tfjs ${m.tfjs}`;
}

/** The caption above a pipeline's table: machine, backends and the WebGPU adapter. */
export function sectionCaption(m: MachineInfo, backends: string, a: AdapterInfo): string {
  return `Machine: ${machineLine(m)}. Backends: ${backends}. WebGPU adapter: ${adapterLine(a)}.`;
}

// ---------------------------------------------------------------------------------------------
// Goals

export interface Goal {
  id: 'tsne' | 'kmeans' | 'simcep';
  /** The goal as the performance spec states it. */
  text: string;
  met: boolean;
  /** The measured ratio the goal is judged on (speed-up, or images/s ÷ 200). */
  ratio: number | null;
  detail: string;
}

export const TSNE_GOAL = { n: 5000, speedup: 20 } as const;
export const KMEANS_GOAL = { n: 40_000, d: 10, speedup: 5 } as const;
export const SIMCEP_GOAL = { size: 224, imagesPerSecond: 200 } as const;

/**
 * WebGPU t-SNE ≥ 20× tsne-js per iteration at N = 5000 with equal or lower KL. Only MET when the
 * speed-up is reached at that N and both KLs were measured and ours is not higher (1 % tolerance,
 * as bench:phenotype); a missing KL is NOT MET with "KL not measured".
 */
export function tsneGoalResult(input: { n: number | null; speedup: number | null; ourKl: number | null; tsneJsKl: number | null; why?: string }): Goal {
  const text = `WebGPU t-SNE ≥ ${TSNE_GOAL.speedup}× tsne-js (exact JS) per iteration at N = ${TSNE_GOAL.n}, with equal or lower KL`;
  if (input.n !== TSNE_GOAL.n) {
    return { id: 'tsne', text, met: false, ratio: input.speedup, detail: `not measured at N = ${TSNE_GOAL.n}${input.why ? ` (${input.why})` : ''}${input.speedup !== null && input.n !== null ? `; ${fmtRatio(input.speedup)} at N = ${input.n}` : ''}; KL not measured` };
  }
  const g = tsneGoal({ speedup: input.speedup, ourKl: input.ourKl, tsneJsKl: input.tsneJsKl, minSpeedup: TSNE_GOAL.speedup });
  const klMissing = input.ourKl === null || input.tsneJsKl === null;
  const detail = klMissing ? `${g.reason.replace(/, but the KL comparison was not measured$/, '')}; KL not measured${input.why ? ` (${input.why})` : ''}` : g.reason;
  return { id: 'tsne', text, met: g.status === 'met', ratio: input.speedup, detail };
}

/** k-means ≥ 5× ml-kmeans on 40k×10 (our GPU k-means, total time of one run). */
export function kmeansGoalResult(input: { n: number; d: number; speedup: number | null; why?: string }): Goal {
  const text = `GPU k-means ≥ ${KMEANS_GOAL.speedup}× ml-kmeans on ${KMEANS_GOAL.n}×${KMEANS_GOAL.d}`;
  const atGoal = input.n === KMEANS_GOAL.n && input.d === KMEANS_GOAL.d;
  if (input.speedup === null) return { id: 'kmeans', text, met: false, ratio: null, detail: `not measured${input.why ? ` (${input.why})` : ''}` };
  if (!atGoal) return { id: 'kmeans', text, met: false, ratio: input.speedup, detail: `measured at ${input.n}×${input.d}, not the goal's size` };
  const met = input.speedup >= KMEANS_GOAL.speedup;
  return { id: 'kmeans', text, met, ratio: input.speedup, detail: `${fmtRatio(input.speedup)} ${met ? '≥' : '<'} ${KMEANS_GOAL.speedup}×${input.why ? ` (${input.why})` : ''}` };
}

/** SIMCEP ≥ 200 images/s at 224² (the best measured generator). */
export function simcepGoalResult(input: { imagesPerSecond: number | null; source: string; size: number }): Goal {
  const text = `SIMCEP generation ≥ ${SIMCEP_GOAL.imagesPerSecond} images/s at ${SIMCEP_GOAL.size}²`;
  const ips = input.imagesPerSecond;
  if (ips === null || !Number.isFinite(ips)) return { id: 'simcep', text, met: false, ratio: null, detail: 'not measured' };
  const ratio = ips / SIMCEP_GOAL.imagesPerSecond;
  if (input.size !== SIMCEP_GOAL.size) return { id: 'simcep', text, met: false, ratio, detail: `measured at ${input.size}², not ${SIMCEP_GOAL.size}²` };
  const met = ratio >= 1;
  return { id: 'simcep', text, met, ratio, detail: `${fmt(ips, 1)} images/s ${met ? '≥' : '<'} ${SIMCEP_GOAL.imagesPerSecond} (${input.source})` };
}

/** "Goal: <text>: MET (measured 23.1×; …)". */
export function goalLine(g: Goal): string {
  return `Goal: ${g.text}: ${g.met ? 'MET' : 'NOT MET'} (measured ${fmtRatio(g.ratio)}${g.detail ? `; ${g.detail}` : ''})`;
}

// ---------------------------------------------------------------------------------------------
// Report

export interface SectionResult {
  section: Section;
  /** Why the whole section did not run. */
  skipped?: string;
  backends: string;
  rows: Row[];
  notes: string[];
  seconds: number;
}

export interface SuiteReport {
  date: Date;
  command: string;
  machine: MachineInfo;
  adapter: AdapterInfo;
  loadAverage: { start: number[]; end: number[] };
  settings: Record<string, unknown>;
  sections: SectionResult[];
  goals: Goal[];
  /** Informational lines printed after the goals (not goals). */
  info: string[];
  totalSeconds: number;
}

/** "2026-11-26 09:30 UTC". */
export function utcStamp(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The markdown report: heading, machine and adapter, one table per pipeline, the goal lines. */
export function suiteMarkdown(r: SuiteReport): string {
  const out: string[] = [];
  out.push(`## Benchmark suite — ${utcStamp(r.date)}`, '');
  out.push(
    `Command: \`${r.command}\`. Machine: ${machineLine(r.machine)}; load average ${r.loadAverage.start.map((v) => v.toFixed(2)).join(' ')} at the start. ` +
      `WebGPU adapter (Dawn): ${adapterLine(r.adapter)}.` +
      (r.adapter.isSoftware ? ' On a software adapter every WebGPU number measures CPU emulation, not a GPU.' : ''),
    '',
    'Ratios are speed-ups measured side by side in this run (the baseline\'s time ÷ this time, or this rate ÷ the baseline\'s rate; above 1× is faster): ' +
      '"stock" = the same work with stock library ops or the official implementation, "plain JS" = a plain-JavaScript library or reference. ' +
      'Medians of timed runs after warm-up; "runs" = warm-up + timed.',
    '',
  );
  for (const s of r.sections) {
    out.push(`### ${SECTION_TITLES[s.section]}`, '');
    if (s.skipped) {
      out.push(`Skipped: ${s.skipped}.`, '');
      continue;
    }
    out.push(sectionCaption(r.machine, s.backends, r.adapter), '');
    out.push(s.rows.length ? sectionTable(s.rows) : 'No measurements.', '');
    for (const n of s.notes) out.push(`- ${n}`);
    if (s.notes.length) out.push('');
  }
  out.push('### Goals of the performance spec', '');
  for (const g of r.goals) out.push(`- ${goalLine(g)}`);
  for (const i of r.info) out.push(`- ${i}`);
  out.push('', `Total wall time ${fmt(r.totalSeconds, 0)} s; load average at the end ${r.loadAverage.end.map((v) => v.toFixed(2)).join(' ')}. Raw numbers: \`bench/out/suite.json\`.`);
  return out.join('\n');
}

/** The JSON record: every number, the machine, the adapter and the date; non-finite numbers become null. */
export function suiteJson(r: SuiteReport): Record<string, unknown> {
  const sections = Object.fromEntries(
    r.sections.map((s) => [s.section, { skipped: s.skipped ?? null, backends: s.backends, seconds: s.seconds, notes: s.notes, rows: withRatios(s.rows) }]),
  );
  const obj = {
    benchmark: 'suite',
    date: r.date.toISOString(),
    command: r.command,
    machine: r.machine,
    adapter: { description: r.adapter.description, isSoftware: r.adapter.isSoftware, kind: adapterKind(r.adapter), error: r.adapter.error ?? null },
    loadAverage: r.loadAverage,
    settings: r.settings,
    sections,
    goals: r.goals,
    info: r.info,
    totalSeconds: r.totalSeconds,
  };
  return JSON.parse(JSON.stringify(obj, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))) as Record<string, unknown>;
}
