/**
 * Pure helpers of the experiments section (thesis §4.4.2): what a dropped `domain/class/…` folder
 * holds, seed and sweep-value parsing, the default-statistics guard, and the aggregation of runs
 * into the curves (Fig 4.5/4.6), the final table (Table 4.1/4.2) and the sweep plot (Fig 4.4).
 */
import { parseDomainLayout } from '../experiment/data';
import { meanStd } from '../experiment/summary';
import type { Arm, ArmSummary, RunResult, Sweep } from '../experiment/types';

export interface DomainInfo {
  name: string;
  images: number;
  /** Class → image count in this domain. */
  classes: Record<string, number>;
}

export interface FolderSummary {
  domains: DomainInfo[];
  /** Union of the classes of all domains, sorted. */
  classes: string[];
  images: number;
  /** Files left out and domains missing classes, as the experiment job reports them. */
  problems: { path: string; message: string }[];
}

/**
 * Domains and classes of a dropped folder, parsed exactly as the experiment job will parse it
 * (`parseDomainLayout`: the prefix shared by all images is stripped, what remains must be
 * `domain/class/<file>`), so the panel never offers a split the job would read differently.
 */
export function scanDomainFolder(files: readonly { path: string; blob: Blob }[]): FolderSummary {
  const layout = parseDomainLayout(files);
  const domains = layout.domains.map((name) => {
    const classes = layout.counts[name] ?? {};
    return { name, images: Object.values(classes).reduce((a, b) => a + b, 0), classes };
  });
  return { domains, classes: layout.classes, images: domains.reduce((a, d) => a + d.images, 0), problems: layout.problems };
}

/** Classes present in every one of `domains` (a class missing somewhere cannot be tested there). */
export function sharedClasses(summary: FolderSummary, domains: readonly string[]): string[] {
  const ds = summary.domains.filter((d) => domains.includes(d.name));
  if (ds.length === 0) return [];
  return summary.classes.filter((c) => ds.every((d) => (d.classes[c] ?? 0) > 0));
}

/** A domain name compared loosely: 'art_painting', 'Art Painting' and 'art-painting' are one domain. */
export function domainKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '');
}

/** True when `target` is the domain the shipped style-embedding statistics were computed from. */
export function isStatsDomain(target: string, statsDomain: string): boolean {
  return target !== '' && domainKey(target) === domainKey(statsDomain);
}

export const STYLE_ARMS: readonly Arm[] = ['style', 'both'];

/**
 * Why the chosen set-up must not run, or null. Testing on the domain the default embedding
 * statistics come from would leak target-domain information into the style arms.
 */
export function statsLeakWarning(arms: readonly Arm[], target: string, statsDomain: string, customStats: boolean): string | null {
  if (customStats || !isStatsDomain(target, statsDomain)) return null;
  const styled = arms.filter((a) => STYLE_ARMS.includes(a));
  if (styled.length === 0) return null;
  return `The shipped style-embedding statistics (μ, Σ of Eq 4.9–4.10) were computed from the "${statsDomain}" domain, so the ${styled.join('/')} arm${styled.length > 1 ? 's' : ''} would see the target domain's styles. Choose another target domain, drop those arms, or load statistics computed elsewhere.`;
}

/** Seeds typed as a list: integers separated by commas or spaces. */
export function parseSeedList(text: string): { seeds: number[] } | { error: string } {
  const parts = text.split(/[\s,;]+/).filter((s) => s !== '');
  if (parts.length === 0) return { error: 'enter at least one seed' };
  const seeds: number[] = [];
  for (const p of parts) {
    if (!/^-?\d+$/.test(p)) return { error: `'${p}' is not an integer seed` };
    const v = Number(p);
    if (!Number.isSafeInteger(v) || v < 0 || v > 0xffffffff) return { error: `seed ${p} is outside 0…4294967295` };
    if (seeds.includes(v)) return { error: `seed ${p} is listed twice` };
    seeds.push(v);
  }
  return { seeds };
}

/** `count` consecutive seeds starting at `base`. */
export function seedsFromCount(count: number, base: number): number[] {
  const n = Math.max(1, Math.floor(count));
  return Array.from({ length: n }, (_, i) => (base + i) >>> 0);
}

/** Sweep values (ratio or α): numbers in [0, 1], comma or space separated, kept in the given order. */
export function parseSweepValues(text: string, param: Sweep['param']): { values: number[] } | { error: string } {
  const parts = text.split(/[\s,;]+/).filter((s) => s !== '');
  if (parts.length === 0) return { error: 'enter at least one value' };
  const values: number[] = [];
  for (const p of parts) {
    const v = Number(p);
    if (!Number.isFinite(v)) return { error: `'${p}' is not a number` };
    if (v < 0 || v > 1) return { error: `${param === 'ratio' ? 'augmentation ratio' : 'α'} ${p} is outside [0, 1]` };
    if (values.includes(v)) return { error: `${p} is listed twice` };
    values.push(v);
  }
  return { values };
}

/** One curve of the accuracy plot: an arm (at one sweep value) over epochs, across seeds. */
export interface CurveGroup {
  key: string;
  arm: Arm;
  sweepValue?: number;
  epochs: number[];
  mean: number[];
  std: number[];
  /** Seeds contributing at each epoch (a run still training has fewer epochs). */
  n: number[];
  /** Each seed's own curve, for the "all seeds" view. */
  seeds: { seed: number; epochs: number[]; accuracy: number[] }[];
}

export function groupKey(arm: Arm, sweepValue?: number): string {
  return sweepValue === undefined ? arm : `${arm}@${sweepValue}`;
}

/** Target-accuracy curves per arm (and sweep value), mean ± sample std over seeds at each epoch. */
export function curveGroups(runs: readonly RunResult[], armOrder: readonly Arm[]): CurveGroup[] {
  const groups = new Map<string, { arm: Arm; sweepValue?: number; runs: RunResult[] }>();
  for (const r of runs) {
    const k = groupKey(r.arm, r.sweepValue);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { arm: r.arm, sweepValue: r.sweepValue, runs: [] }));
    g.runs.push(r);
  }
  const out: CurveGroup[] = [];
  for (const [key, g] of groups) {
    const epochSet = [...new Set(g.runs.flatMap((r) => r.epochs.map((e) => e.epoch)))].sort((a, b) => a - b);
    const mean: number[] = [];
    const std: number[] = [];
    const n: number[] = [];
    for (const ep of epochSet) {
      const vals = g.runs.flatMap((r) => r.epochs.filter((e) => e.epoch === ep).map((e) => e.targetAccuracy));
      const s = meanStd(vals);
      mean.push(s.mean);
      std.push(s.std);
      n.push(vals.length);
    }
    out.push({
      key, arm: g.arm, sweepValue: g.sweepValue, epochs: epochSet, mean, std, n,
      seeds: g.runs.map((r) => ({ seed: r.seed, epochs: r.epochs.map((e) => e.epoch), accuracy: r.epochs.map((e) => e.targetAccuracy) })),
    });
  }
  const rank = (a: Arm) => {
    const i = armOrder.indexOf(a);
    return i < 0 ? armOrder.length : i;
  };
  return out.sort((a, b) => rank(a.arm) - rank(b.arm) || (a.sweepValue ?? -Infinity) - (b.sweepValue ?? -Infinity));
}

/** Points of the sweep plot (Fig 4.4): per arm, the swept values with mean ± std final accuracy. */
export function sweepSeries(summary: readonly ArmSummary[], armOrder: readonly Arm[]): { arm: Arm; x: number[]; y: number[]; std: number[]; runs: number[] }[] {
  const byArm = new Map<Arm, ArmSummary[]>();
  for (const s of summary) {
    if (s.sweepValue === undefined) continue;
    const list = byArm.get(s.arm) ?? [];
    list.push(s);
    byArm.set(s.arm, list);
  }
  return [...byArm]
    .sort(([a], [b]) => armOrder.indexOf(a) - armOrder.indexOf(b))
    .map(([arm, list]) => {
      const sorted = [...list].sort((a, b) => (a.sweepValue as number) - (b.sweepValue as number));
      return { arm, x: sorted.map((s) => s.sweepValue as number), y: sorted.map((s) => s.mean), std: sorted.map((s) => s.std), runs: sorted.map((s) => s.runs) };
    });
}

/** "0.712 ± 0.031" (3 decimals, as the thesis tables). */
export function formatMeanStd(mean: number, std: number, runs: number): string {
  if (!Number.isFinite(mean)) return '–';
  return runs > 1 && Number.isFinite(std) ? `${mean.toFixed(3)} ± ${std.toFixed(3)}` : mean.toFixed(3);
}
