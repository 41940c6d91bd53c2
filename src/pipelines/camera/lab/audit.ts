/**
 * Camera-bias audit (thesis ch. 6): does the camera that took an image predict its class? A class ×
 * camera contingency table, Pearson's chi-square with its p-value, Cramér's V (plain and with
 * Bergsma's 2013 bias correction) and the accuracy of the cheating rule "camera → the camera's
 * most common class". A warning is raised when V reaches a threshold or when any camera shows only
 * one class, since a model can then score by recognising cameras instead of learning the task
 * (the Disjoint experiment of §6.4). Datasets with one class or one camera cannot show the
 * effect, so the experiments are refused with a reason.
 */
import { compareLabels } from './labels';

export interface ContingencyTable {
  classes: string[];
  cameras: string[];
  /** counts[classIndex][cameraIndex]. */
  counts: number[][];
  classTotals: number[];
  cameraTotals: number[];
  total: number;
}

/** Class × camera counts; classes and cameras in natural sort order unless given. */
export function contingencyTable(
  items: readonly { cls: string; camera: string }[],
  classes?: readonly string[],
  cameras?: readonly string[],
): ContingencyTable {
  const cls = classes ? [...classes] : [...new Set(items.map((i) => i.cls))].sort(compareLabels);
  const cams = cameras ? [...cameras] : [...new Set(items.map((i) => i.camera))].sort(compareLabels);
  const ci = new Map(cls.map((c, i) => [c, i]));
  const ki = new Map(cams.map((k, i) => [k, i]));
  const counts = cls.map(() => cams.map(() => 0));
  for (const it of items) {
    const a = ci.get(it.cls);
    const b = ki.get(it.camera);
    if (a === undefined || b === undefined) throw new Error(`item with class '${it.cls}' and camera '${it.camera}' is outside the table`);
    counts[a][b]++;
  }
  return tableFromCounts(counts, cls, cams);
}

/** Totals for a counts matrix (rows = classes, columns = cameras). */
export function tableFromCounts(counts: number[][], classes?: string[], cameras?: string[]): ContingencyTable {
  const r = counts.length;
  const k = r ? counts[0].length : 0;
  for (const row of counts) if (row.length !== k) throw new Error('contingency table rows differ in length');
  const classTotals = counts.map((row) => row.reduce((s, v) => s + v, 0));
  const cameraTotals = Array.from({ length: k }, (_, j) => counts.reduce((s, row) => s + row[j], 0));
  return {
    classes: classes ?? counts.map((_, i) => `class ${i + 1}`),
    cameras: cameras ?? Array.from({ length: k }, (_, j) => `camera ${j + 1}`),
    counts: counts.map((row) => [...row]),
    classTotals,
    cameraTotals,
    total: classTotals.reduce((s, v) => s + v, 0),
  };
}

// ---------------------------------------------------------------------------------------------
// Chi-square distribution: Q(df/2, x/2), the regularised upper incomplete gamma function.

const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];

/** ln Γ(x) for x > 0 (Lanczos, g = 7; about 15 significant digits). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularised upper incomplete gamma Q(a, x) (series below a + 1, continued fraction above). */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const lnPre = -x + a * Math.log(x) - lnGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return Math.max(0, 1 - sum * Math.exp(lnPre));
  }
  // Modified Lentz evaluation of the continued fraction.
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return Math.exp(lnPre) * h;
}

/** P(X ≥ x) for X ~ χ²(df). */
export function chiSquareSurvival(x: number, df: number): number {
  if (df <= 0) return NaN;
  return gammaQ(df / 2, x / 2);
}

export interface ChiSquareResult {
  statistic: number;
  df: number;
  pValue: number;
  /** Share of cells whose expected count is below 5 (the usual caveat for the χ² approximation). */
  smallExpectedShare: number;
}

/**
 * Pearson's chi-square test of independence. Rows or columns that sum to zero are ignored (they
 * carry no information and would divide by zero).
 */
export function chiSquare(counts: number[][]): ChiSquareResult {
  const t = tableFromCounts(counts);
  const rows = t.classTotals.map((v, i) => (v > 0 ? i : -1)).filter((i) => i >= 0);
  const cols = t.cameraTotals.map((v, j) => (v > 0 ? j : -1)).filter((j) => j >= 0);
  let stat = 0;
  let small = 0;
  for (const i of rows) {
    for (const j of cols) {
      const e = (t.classTotals[i] * t.cameraTotals[j]) / t.total;
      const d = counts[i][j] - e;
      stat += (d * d) / e;
      if (e < 5) small++;
    }
  }
  const df = (rows.length - 1) * (cols.length - 1);
  const cells = rows.length * cols.length;
  return { statistic: stat, df, pValue: df > 0 ? chiSquareSurvival(stat, df) : NaN, smallExpectedShare: cells ? small / cells : 0 };
}

export interface CramersV {
  /** sqrt(χ²/n / min(r−1, k−1)); 0 = independent, 1 = camera determines class (or vice versa). */
  v: number;
  /**
   * Bergsma (2013) bias-corrected V: φ² corrected by (r−1)(k−1)/(n−1) and the table size by
   * (r−1)²/(n−1), (k−1)²/(n−1). Plain V overestimates association in small samples.
   */
  vCorrected: number;
  chi2: number;
  n: number;
}

/** Cramér's V of a counts matrix; NaN when the table has fewer than two non-empty rows or columns. */
export function cramersV(counts: number[][]): CramersV {
  const t = tableFromCounts(counts);
  const r = t.classTotals.filter((v) => v > 0).length;
  const k = t.cameraTotals.filter((v) => v > 0).length;
  const n = t.total;
  const { statistic: chi2 } = chiSquare(counts);
  if (r < 2 || k < 2) return { v: NaN, vCorrected: NaN, chi2, n };
  const phi2 = chi2 / n;
  const v = Math.min(1, Math.sqrt(phi2 / Math.min(r - 1, k - 1)));
  let vCorrected = NaN;
  if (n > 1) {
    const phi2c = Math.max(0, phi2 - ((r - 1) * (k - 1)) / (n - 1));
    const rc = r - (r - 1) ** 2 / (n - 1);
    const kc = k - (k - 1) ** 2 / (n - 1);
    const denom = Math.min(rc - 1, kc - 1);
    if (denom > 0) vCorrected = Math.min(1, Math.sqrt(phi2c / denom));
  }
  return { v, vCorrected, chi2, n };
}

// ---------------------------------------------------------------------------------------------

export interface AuditOptions {
  /** V at or above which camera is said to predict class. Default 0.3. */
  vThreshold?: number;
  /** Which V the threshold applies to. Default 'corrected' (does not flag small independent samples). */
  statistic?: 'corrected' | 'plain';
}

export interface PureCamera {
  camera: string;
  cls: string;
  count: number;
}

export interface BiasAudit {
  table: ContingencyTable;
  /** 'disabled': one class or one camera; 'warning': camera predicts class; 'ok' otherwise. */
  verdict: 'ok' | 'warning' | 'disabled';
  /** Set when the verdict is 'disabled': "experiment disabled: …". */
  disabledReason?: string;
  chi2: ChiSquareResult;
  cramersV: number;
  cramersVCorrected: number;
  /** Accuracy of answering each camera's most common class (a classifier that only recognises cameras). */
  cheatAccuracy: number;
  /** Accuracy of always answering the most common class overall (the no-information baseline). */
  majorityAccuracy: number;
  /** For each camera, the class it would be mapped to by the cheating rule. */
  cheatRule: Record<string, string>;
  /** Cameras all of whose images have one class (only reported when there are ≥ 2 classes). */
  pureCameras: PureCamera[];
  /** Plain-language findings, most important first. */
  messages: string[];
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const quoteList = (xs: string[]) => xs.map((x) => `'${x}'`).join(', ');

function formatP(p: number): string {
  if (!Number.isFinite(p)) return 'n/a';
  return p < 1e-4 ? p.toExponential(1) : p.toFixed(4);
}

/** Audit a labelled dataset for camera/class correlation. */
export function auditBias(items: readonly { cls: string; camera: string }[], opts: AuditOptions = {}): BiasAudit {
  const threshold = opts.vThreshold ?? 0.3;
  const useCorrected = (opts.statistic ?? 'corrected') === 'corrected';
  const table = contingencyTable(items);
  const { classes, cameras, counts, classTotals, cameraTotals, total } = table;

  const cheatRule: Record<string, string> = {};
  let cheatRight = 0;
  cameras.forEach((cam, j) => {
    let best = 0;
    for (let i = 1; i < classes.length; i++) if (counts[i][j] > counts[best][j]) best = i;
    cheatRule[cam] = classes[best];
    cheatRight += counts[best][j];
  });
  const majorityAccuracy = total ? Math.max(...classTotals) / total : NaN;
  const cheatAccuracy = total ? cheatRight / total : NaN;
  const chi2 = chiSquare(counts);
  const cv = cramersV(counts);
  const base = { table, chi2, cramersV: cv.v, cramersVCorrected: cv.vCorrected, cheatAccuracy, majorityAccuracy, cheatRule };

  const disabled = (reason: string): BiasAudit => {
    const disabledReason = `experiment disabled: ${reason}`;
    return { ...base, verdict: 'disabled', disabledReason, pureCameras: [], messages: [disabledReason] };
  };
  if (total === 0) return disabled('the dataset has no labelled images');
  if (classes.length < 2) return disabled(`only one class (${quoteList(classes)}); camera bias is measured between classes, so at least two are needed`);
  if (cameras.length < 2) return disabled(`only one camera (${quoteList(cameras)}); camera bias needs images from at least two cameras`);

  const pureCameras: PureCamera[] = [];
  cameras.forEach((camera, j) => {
    const present = classes.filter((_, i) => counts[i][j] > 0);
    if (present.length === 1) pureCameras.push({ camera, cls: present[0], count: cameraTotals[j] });
  });
  const v = useCorrected ? cv.vCorrected : cv.v;
  const vName = useCorrected ? 'bias-corrected Cramér\'s V' : 'Cramér\'s V';
  const strong = Number.isFinite(v) && v >= threshold;
  const verdict = strong || pureCameras.length > 0 ? 'warning' : 'ok';

  const messages: string[] = [];
  const vText = `Cramér's V = ${fmt(cv.v)} (bias-corrected ${fmt(cv.vCorrected)})`;
  if (strong) messages.push(`Camera predicts class: ${vText}; ${vName} ≥ ${threshold}.`);
  else messages.push(`No strong camera/class association: ${vText}; ${vName} < ${threshold}.`);
  for (const p of pureCameras) {
    messages.push(`Camera '${p.camera}' has only class '${p.cls}' (${p.count} image${p.count === 1 ? '' : 's'}): a model can label these by recognising the camera.`);
  }
  messages.push(
    `A classifier that only recognises cameras (answering each camera's most common class) would be right on ${pct(cheatAccuracy)} of images; always answering the most common class gives ${pct(majorityAccuracy)}.`,
  );
  messages.push(`χ² = ${chi2.statistic.toFixed(2)}, df = ${chi2.df}, p = ${formatP(chi2.pValue)}.`);
  if (chi2.smallExpectedShare > 0.2) messages.push(`The χ² p-value is approximate: ${pct(chi2.smallExpectedShare)} of cells expect fewer than 5 images.`);
  return { ...base, verdict, pureCameras, messages };
}
