/**
 * Validation metrics for phenotypic profiles (thesis §5.4).
 *
 * Variance of a set of profiles is defined as the mean squared Euclidean distance of its rows to
 * their centroid (population form, 1/m; equal to the sum of the per-feature population
 * variances). Group metrics average that over groups (each group counts once, whatever its size)
 * and express it as a percentage of the variance of the whole dataset — e.g. intra-well,
 * intra-compound and intra-chemical-cluster variance (thesis: 4.0% and 66.5%).
 *
 * The NSC score is the standard BBBC021 mechanism-of-action benchmark: profiles are averaged per
 * treatment (compound + concentration), each treatment is matched to its most cosine-similar
 * treatment of a *different* compound, and accuracy is the fraction whose match has the same MoA.
 */
import type { Matrix } from './matrix';

export type GroupLabel = string | number | null | undefined;

export interface GroupStat {
  label: string | number;
  size: number;
  /** Mean squared distance of the group's rows to the group centroid. */
  variance: number;
}

export interface GroupVarianceResult {
  /** Per-group statistics, in order of first appearance (excluded groups omitted). */
  groups: GroupStat[];
  /** Unweighted mean of `groups[].variance`. */
  meanVariance: number;
  /** Variance of all rows of the dataset (every row, including unlabelled ones). */
  totalVariance: number;
  /** 100 × meanVariance / totalVariance. */
  percent: number;
  /** Groups left out for having fewer than `minGroupSize` rows. */
  excludedGroups: number;
}

export interface GroupVarianceOptions {
  /**
   * Groups with fewer rows are left out of the mean (default 2: a single row has zero variance
   * by definition and would only dilute the mean).
   */
  minGroupSize?: number;
}

/**
 * Mean within-group variance of the rows of `x` grouped by `labels` (one per row; null or
 * undefined rows belong to no group), and that as a percentage of the whole dataset's variance.
 */
export function groupVariance(
  x: Matrix,
  labels: ArrayLike<GroupLabel>,
  options: GroupVarianceOptions = {},
): GroupVarianceResult {
  const { data, n, d } = x;
  if (labels.length !== n) throw new Error(`groupVariance: ${labels.length} labels for ${n} rows`);
  const minGroupSize = options.minGroupSize ?? 2;

  const index = new Map<string | number, number>();
  const keys: (string | number)[] = [];
  const gi = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const l = labels[i];
    if (l === null || l === undefined) continue;
    let g = index.get(l);
    if (g === undefined) {
      g = keys.length;
      index.set(l, g);
      keys.push(l);
    }
    gi[i] = g;
  }
  const G = keys.length;
  const sums = new Float64Array(G * d);
  const counts = new Float64Array(G);
  const all = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) all[j] += data[o + j];
    const g = gi[i];
    if (g < 0) continue;
    counts[g]++;
    const og = g * d;
    for (let j = 0; j < d; j++) sums[og + j] += data[o + j];
  }
  for (let g = 0; g < G; g++) for (let j = 0; j < d; j++) sums[g * d + j] /= counts[g];
  for (let j = 0; j < d; j++) all[j] /= n;

  const ss = new Float64Array(G);
  let totalSs = 0;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    const g = gi[i];
    const og = g * d;
    for (let j = 0; j < d; j++) {
      const v = data[o + j];
      const t = v - all[j];
      totalSs += t * t;
      if (g >= 0) {
        const u = v - sums[og + j];
        ss[g] += u * u;
      }
    }
  }
  const totalVariance = n > 0 ? totalSs / n : 0;

  const groups: GroupStat[] = [];
  let excludedGroups = 0;
  let acc = 0;
  for (let g = 0; g < G; g++) {
    if (counts[g] < minGroupSize) {
      excludedGroups++;
      continue;
    }
    const variance = ss[g] / counts[g];
    groups.push({ label: keys[g], size: counts[g], variance });
    acc += variance;
  }
  const meanVariance = groups.length > 0 ? acc / groups.length : NaN;
  const percent = totalVariance > 0 ? (100 * meanVariance) / totalVariance : NaN;
  return { groups, meanVariance, totalVariance, percent, excludedGroups };
}

/** `groupVariance` for several groupings at once, e.g. `{ well, compound, chemicalCluster }`. */
export function groupVarianceReport<K extends string>(
  x: Matrix,
  groupings: Record<K, ArrayLike<GroupLabel>>,
  options: GroupVarianceOptions = {},
): Record<K, GroupVarianceResult> {
  const out = {} as Record<K, GroupVarianceResult>;
  for (const key of Object.keys(groupings) as K[]) out[key] = groupVariance(x, groupings[key], options);
  return out;
}

export interface TreatmentMeta {
  /** Compound of each row. */
  compound: ArrayLike<string>;
  /** Concentration of each row (compared as strings). */
  concentration: ArrayLike<string | number>;
  /** Mechanism of action of each row; rows with none (null, undefined or '') are left out. */
  moa: ArrayLike<string | null | undefined>;
}

export interface NscOptions {
  /** Compounds left out entirely, compared case-insensitively (default ['DMSO'], the control). */
  excludeCompounds?: readonly string[];
}

export interface NscTreatment {
  compound: string;
  concentration: string;
  moa: string;
  /** Rows averaged into the treatment profile. */
  size: number;
  /** Index (into `treatments`) of the most similar treatment of another compound; -1 if none. */
  neighbour: number;
  similarity: number;
  correct: boolean;
}

export interface NscResult {
  /** Fraction of evaluated treatments whose NSC neighbour has the same MoA (NaN if none). */
  accuracy: number;
  correct: number;
  /** Treatments with at least one other-compound candidate. */
  evaluated: number;
  treatments: NscTreatment[];
}

/**
 * Not-same-compound 1-nearest-neighbour MoA accuracy on treatment-level mean profiles with
 * cosine similarity. Ties go to the treatment seen first. A zero profile has similarity 0.
 */
export function nscMoaAccuracy(x: Matrix, meta: TreatmentMeta, options: NscOptions = {}): NscResult {
  const { data, n, d } = x;
  if (meta.compound.length !== n || meta.concentration.length !== n || meta.moa.length !== n) {
    throw new Error('nscMoaAccuracy: metadata arrays must have one entry per row');
  }
  const excluded = new Set((options.excludeCompounds ?? ['DMSO']).map((c) => c.toLowerCase()));

  const index = new Map<string, number>();
  const treatments: NscTreatment[] = [];
  const sums: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const moa = meta.moa[i];
    const compound = meta.compound[i];
    if (moa === null || moa === undefined || moa === '' || excluded.has(compound.toLowerCase())) continue;
    const concentration = String(meta.concentration[i]);
    const key = JSON.stringify([compound, concentration]);
    let t = index.get(key);
    if (t === undefined) {
      t = treatments.length;
      index.set(key, t);
      treatments.push({ compound, concentration, moa, size: 0, neighbour: -1, similarity: NaN, correct: false });
      sums.push(new Float64Array(d));
    } else if (treatments[t].moa !== moa) {
      throw new Error(`nscMoaAccuracy: treatment ${compound} @ ${concentration} has MoAs ${treatments[t].moa} and ${moa}`);
    }
    treatments[t].size++;
    const s = sums[t];
    const o = i * d;
    for (let j = 0; j < d; j++) s[j] += data[o + j];
  }
  // Unit-normalise the mean profiles (the mean's scale does not affect cosine similarity).
  const units = sums.map((s) => {
    let q = 0;
    for (let j = 0; j < d; j++) q += s[j] * s[j];
    const inv = q > 0 ? 1 / Math.sqrt(q) : 0;
    return s.map((v) => v * inv);
  });

  let correct = 0;
  let evaluated = 0;
  for (let a = 0; a < treatments.length; a++) {
    let best = -1;
    let bestSim = -Infinity;
    for (let b = 0; b < treatments.length; b++) {
      if (treatments[b].compound === treatments[a].compound) continue;
      let sim = 0;
      const ua = units[a], ub = units[b];
      for (let j = 0; j < d; j++) sim += ua[j] * ub[j];
      if (sim > bestSim) {
        bestSim = sim;
        best = b;
      }
    }
    const t = treatments[a];
    if (best < 0) continue;
    t.neighbour = best;
    t.similarity = bestSim;
    t.correct = treatments[best].moa === t.moa;
    evaluated++;
    if (t.correct) correct++;
  }
  return { accuracy: evaluated > 0 ? correct / evaluated : NaN, correct, evaluated, treatments };
}
