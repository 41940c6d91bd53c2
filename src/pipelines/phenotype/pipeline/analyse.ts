/**
 * The phenotypic-profiling analysis (thesis §5.3–5.4) from a feature table to everything the
 * explorer shows: clean columns → (optional z-score) → PCA (default 10 components, as the
 * thesis) → t-SNE of the PCA scores (animated through snapshots) → the intra-cluster variance
 * curve over k with the intra-well line (Fig 5.3) → k by Kneedle (cap 70) or fixed → validation
 * metrics (intra-well / compound / chemical-cluster / MoA variance as % of the dataset's, NSC MoA
 * accuracy). The heavy steps go through `AnalysisEngines` (WebGPU kernels or the TypeScript
 * references), so the same code runs in the job worker, the CLI and tests. Every random choice
 * comes from the recorded seeds.
 */
import { Rng, type Seed } from '../../../core/rng/rng';
import { autoK } from '../analysis/kneedle';
import type { KMeansOptions, KMeansResult } from '../analysis/kmeans';
import { matrix, type Matrix } from '../analysis/matrix';
import { pca } from '../analysis/pca';
import { groupVariance, nscMoaAccuracy, type NscResult } from '../analysis/validation';
import type { TsneOptions } from '../tsne/tsne';
import { roleValues, wellKeys, type RoleMap } from './roles';

export interface AnalysisInput {
  /** n × d row-major features. */
  data: Float32Array | Float64Array;
  n: number;
  d: number;
  featureNames?: readonly string[];
  metadata: readonly Record<string, string>[];
  roles: RoleMap;
}

export interface AnalysisOptions {
  /** z-score every feature column before PCA (default false: the thesis runs PCA on raw features). */
  standardise: boolean;
  pcaComponents: number;
  tsne: { perplexity: number; iterations: number; seed: Seed; method: 'auto' | 'exact' | 'approximate' };
  kmeans: { k: 'auto' | number; kMax: number; seed: Seed; nInit: number; maxIter: number };
  /** t-SNE iterations between embedding snapshots sent for the animation. */
  snapshotEvery: number;
}

export const DEFAULT_ANALYSIS_OPTIONS: AnalysisOptions = {
  standardise: false,
  pcaComponents: 10,
  tsne: { perplexity: 30, iterations: 750, seed: 1, method: 'auto' },
  kmeans: { k: 'auto', kMax: 70, seed: 1, nInit: 2, maxIter: 100 },
  snapshotEvery: 25,
};

/** A running t-SNE, CPU or GPU. */
export interface TsneEngine {
  readonly iteration: number;
  /** Method actually used ('exact', 'barnes-hut', 'field', …) and where it runs. */
  readonly description: string;
  step(k: number): Promise<void>;
  embedding(): Promise<Float32Array>;
  kl(): Promise<number>;
  destroy(): void;
}

export interface AnalysisEngines {
  /** 'webgpu (…adapter…)' or 'cpu'. */
  name: string;
  createTsne(x: Float64Array, n: number, d: number, options: Omit<TsneOptions, 'method'> & { method?: 'auto' | 'exact' | 'approximate' }): Promise<TsneEngine>;
  kmeans(x: Matrix, k: number, options: KMeansOptions): Promise<KMeansResult>;
}

export interface Reporter {
  progress(done: number, total: number, message?: string): void;
  partial(data: unknown): void;
  checkpoint(): Promise<void>;
  log(message: string): void;
}

export interface TsneSnapshot {
  stage: 'tsne';
  iteration: number;
  iterations: number;
  embedding: Float32Array;
}

export interface GroupMetric {
  role: string;
  column: string;
  groups: number;
  /** Mean within-group variance as a percentage of the whole dataset's variance. */
  percent: number;
}

export interface AnalysisResult {
  n: number;
  /** Features kept after cleaning, and notes on what was dropped or changed. */
  keptFeatures: number;
  notes: string[];
  options: AnalysisOptions;
  pca: { components: number; explainedRatio: number[]; cumulative: number[] };
  tsne: { embedding: Float32Array; kl: number; perplexity: number; iterations: number; seed: Seed; method: string };
  curve: { ks: number[]; meanVariance: number[]; intraWell: number | null; seed: Seed };
  /** Cluster labels for every evaluated k (row-major per k, same order as curve.ks). */
  labelsByK: Uint8Array[];
  k: number;
  kFromKnee: boolean;
  labels: Int32Array;
  metrics: GroupMetric[];
  nsc: Pick<NscResult, 'accuracy' | 'correct' | 'evaluated'> | null;
  engine: string;
}

/** Drop columns with non-finite values or zero variance; optionally z-score the rest. */
export function cleanColumns(
  input: Pick<AnalysisInput, 'data' | 'n' | 'd' | 'featureNames'>,
  standardise: boolean,
): { x: Matrix<Float64Array>; kept: number[]; notes: string[] } {
  const { data, n, d } = input;
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  const bad = new Uint8Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = data[i * d + j];
      if (!Number.isFinite(v)) bad[j] = 1;
      else mean[j] += v;
    }
  }
  for (let j = 0; j < d; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) if (!bad[j]) sq[j] += (data[i * d + j] - mean[j]) ** 2;
  const kept: number[] = [];
  const nonFinite: string[] = [];
  const constant: string[] = [];
  const name = (j: number) => input.featureNames?.[j] ?? `feature ${j}`;
  for (let j = 0; j < d; j++) {
    if (bad[j]) nonFinite.push(name(j));
    else if (sq[j] <= 1e-12 * Math.max(1, mean[j] * mean[j]) * n) constant.push(name(j));
    else kept.push(j);
  }
  const notes: string[] = [];
  const list = (xs: string[]) => (xs.length > 8 ? `${xs.slice(0, 8).join(', ')} … (${xs.length} in all)` : xs.join(', '));
  if (nonFinite.length) notes.push(`Dropped ${nonFinite.length} feature column(s) with NaN or infinite values: ${list(nonFinite)}`);
  if (constant.length) notes.push(`Dropped ${constant.length} constant feature column(s): ${list(constant)}`);
  if (kept.length === 0) throw new Error('No usable feature column: every column is constant or has missing values');
  const dk = kept.length;
  const out = new Float64Array(n * dk);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < dk; c++) {
      const j = kept[c];
      const v = data[i * d + j];
      out[i * dk + c] = standardise ? (v - mean[j]) / Math.sqrt(sq[j] / Math.max(1, n - 1)) : v;
    }
  }
  return { x: matrix(out, n, dk), kept, notes };
}

/** The k values of the variance curve: every k to 10, then coarser steps, always ending at kMax. */
export function curveKs(n: number, kMax: number): number[] {
  const top = Math.min(kMax, n - 1);
  const ks: number[] = [];
  for (let k = 2; k <= top; k += k < 10 ? 1 : k < 20 ? 2 : 5) ks.push(k);
  if (ks.length > 0 && ks[ks.length - 1] !== top) ks.push(top);
  return ks;
}

/**
 * Perplexity usable for n points: t-SNE needs more than 3·perplexity neighbours; lower it (with a
 * note) rather than fail, and refuse only when there are too few points for any embedding.
 */
export function usablePerplexity(n: number, perplexity: number): { perplexity: number; note: string | null } {
  if (n < 4) throw new Error(`t-SNE needs at least 4 profiles, got ${n}`);
  if (n - 1 >= 3 * perplexity) return { perplexity, note: null };
  const p = Math.max(1, Math.floor(((n - 1) / 3) * 100) / 100);
  return { perplexity: p, note: `Perplexity lowered from ${perplexity} to ${p}: ${n} profiles are fewer than 3 × perplexity + 1` };
}

export async function analyseProfiles(input: AnalysisInput, options: AnalysisOptions, engines: AnalysisEngines, report: Reporter): Promise<AnalysisResult> {
  const { n } = input;
  if (input.metadata.length !== n) throw new Error(`${input.metadata.length} metadata rows for ${n} profiles`);
  const notes: string[] = [];
  const T = 1000; // progress units: 50 cleaning + PCA, 600 t-SNE, 300 k-means curve, 50 metrics
  report.progress(0, T, 'Cleaning features');
  const { x, notes: cleanNotes } = cleanColumns(input, options.standardise);
  notes.push(...cleanNotes);
  for (const m of cleanNotes) report.log(m);
  await report.checkpoint();

  const model = pca(x, { nComponents: options.pcaComponents });
  const scores = model.transform(x);
  const c = model.nComponents;
  if (c < options.pcaComponents) notes.push(`PCA kept ${c} components (at most min(n, features) = ${Math.min(n, x.d)})`);
  report.progress(50, T, `PCA: ${c} components explain ${(100 * model.cumulativeVarianceRatio[c - 1]).toFixed(1)}% of the variance`);
  await report.checkpoint();

  // t-SNE of the PCA scores.
  const pp = usablePerplexity(n, options.tsne.perplexity);
  if (pp.note) {
    notes.push(pp.note);
    report.log(pp.note);
  }
  const tsne = await engines.createTsne(scores.data, n, c, {
    perplexity: pp.perplexity, seed: options.tsne.seed, method: options.tsne.method, init: 'pca',
  });
  let embedding: Float32Array;
  let kl: number;
  const method = tsne.description;
  try {
    const iters = options.tsne.iterations;
    const every = Math.max(1, options.snapshotEvery);
    while (tsne.iteration < iters) {
      await tsne.step(Math.min(every, iters - tsne.iteration));
      const snap: TsneSnapshot = { stage: 'tsne', iteration: tsne.iteration, iterations: iters, embedding: await tsne.embedding() };
      report.partial(snap);
      report.progress(50 + Math.round((600 * tsne.iteration) / iters), T, `t-SNE iteration ${tsne.iteration}/${iters} (${tsne.description})`);
      await report.checkpoint();
    }
    embedding = await tsne.embedding();
    kl = await tsne.kl();
  } finally {
    tsne.destroy();
  }

  // Intra-cluster variance curve over k, in the PCA space the clusters are found in.
  const ks = curveKs(n, options.kmeans.kMax);
  if (ks.length === 0) throw new Error(`k-means needs at least 3 profiles, got ${n}`);
  const root = new Rng(options.kmeans.seed);
  const meanVariance: number[] = [];
  const labelsByK: Uint8Array[] = [];
  for (let i = 0; i < ks.length; i++) {
    const k = ks[i];
    const res = await engines.kmeans(scores, k, { seed: root.fork(`k${k}`).seed, nInit: options.kmeans.nInit, maxIter: options.kmeans.maxIter });
    meanVariance.push(groupVariance(scores, res.labels, { minGroupSize: 1 }).meanVariance);
    labelsByK.push(Uint8Array.from(res.labels));
    report.progress(650 + Math.round((300 * (i + 1)) / ks.length), T, `k-means curve: k = ${k}`);
    await report.checkpoint();
  }
  const wells = wellKeys(input.metadata, input.roles);
  const intraWell = wells ? groupVariance(scores, wells).meanVariance : null;

  let k: number;
  let kFromKnee = false;
  if (options.kmeans.k === 'auto') {
    const chosen = autoK(ks, meanVariance, { cap: options.kmeans.kMax });
    k = chosen.k;
    kFromKnee = chosen.fromKnee;
    if (!chosen.fromKnee) notes.push(`No knee in the variance curve up to k = ${k}; using k = ${k}`);
  } else {
    k = Math.max(2, Math.min(options.kmeans.k, n - 1));
  }
  let labels: Int32Array;
  const at = ks.indexOf(k);
  if (at >= 0) labels = Int32Array.from(labelsByK[at]);
  else {
    const res = await engines.kmeans(scores, k, { seed: root.fork(`k${k}`).seed, nInit: options.kmeans.nInit, maxIter: options.kmeans.maxIter });
    labels = res.labels;
  }

  // Validation metrics in the cleaned feature space.
  const metrics: GroupMetric[] = [];
  const addMetric = (role: string, column: string, values: (string | null)[] | undefined) => {
    if (!values) return;
    const gv = groupVariance(x, values);
    if (gv.groups.length > 0) metrics.push({ role, column, groups: gv.groups.length, percent: gv.percent });
  };
  addMetric('well', input.roles.well ?? '', wells);
  addMetric('compound', input.roles.compound ?? '', roleValues(input.metadata, input.roles, 'compound'));
  addMetric('chemical cluster', input.roles.chemicalCluster ?? '', roleValues(input.metadata, input.roles, 'chemicalCluster'));
  addMetric('MoA', input.roles.moa ?? '', roleValues(input.metadata, input.roles, 'moa'));
  addMetric('k-means cluster', `k = ${k}`, Array.from(labels, String));
  let nsc: AnalysisResult['nsc'] = null;
  const compound = roleValues(input.metadata, input.roles, 'compound');
  const moa = roleValues(input.metadata, input.roles, 'moa');
  if (compound && moa) {
    const conc = roleValues(input.metadata, input.roles, 'concentration') ?? compound.map(() => '');
    const r = nscMoaAccuracy(x, { compound: compound.map((v) => v ?? ''), concentration: conc.map((v) => v ?? ''), moa });
    if (r.evaluated > 0) nsc = { accuracy: r.accuracy, correct: r.correct, evaluated: r.evaluated };
    else notes.push('NSC MoA accuracy needs treatments of at least two compounds with an MoA');
  }
  report.progress(T, T, 'Done');
  return {
    n,
    keptFeatures: x.d,
    notes,
    options,
    pca: { components: c, explainedRatio: Array.from(model.explainedVarianceRatio), cumulative: Array.from(model.cumulativeVarianceRatio) },
    tsne: { embedding, kl, perplexity: pp.perplexity, iterations: options.tsne.iterations, seed: options.tsne.seed, method },
    curve: { ks, meanVariance, intraWell, seed: root.seed },
    labelsByK,
    k,
    kFromKnee,
    labels,
    metrics,
    nsc,
    engine: engines.name,
  };
}
