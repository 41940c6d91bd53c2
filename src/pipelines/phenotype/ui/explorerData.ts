/**
 * Pure helpers behind the phenotype explorer: grouping points into plot traces by cluster or a
 * metadata column, cluster summaries and representative samples, and the CSV exports (selected
 * images, images of interesting clusters, per-compound summary). Kept free of React and plotly so
 * they can be tested.
 */
import type { ClusterMark, ProfileTable } from './phenotypeStore';

export interface TraceGroup {
  name: string;
  rows: number[];
}

/** Most groups drawn as separate, legend-labelled traces; the rest are merged into 'other'. */
export const MAX_TRACE_GROUPS = 70;

/**
 * Rows grouped by the colour key: cluster labels ('cluster') or a metadata column. Groups are
 * ordered by cluster number or by name; beyond MAX_TRACE_GROUPS the smallest merge into 'other'.
 */
export function groupRows(profile: Pick<ProfileTable, 'n' | 'metadata'>, labels: ArrayLike<number> | null, colourBy: string): TraceGroup[] {
  const map = new Map<string, number[]>();
  for (let i = 0; i < profile.n; i++) {
    const key = colourBy === 'cluster' ? (labels ? `cluster ${labels[i]}` : 'all') : profile.metadata[i]?.[colourBy] || '(none)';
    let g = map.get(key);
    if (!g) map.set(key, (g = []));
    g.push(i);
  }
  let groups = [...map.entries()].map(([name, rows]) => ({ name, rows }));
  const num = (s: string) => Number(s.replace(/^cluster /, ''));
  groups.sort((a, b) => (colourBy === 'cluster' ? num(a.name) - num(b.name) : a.name.localeCompare(b.name, undefined, { numeric: true })));
  if (groups.length > MAX_TRACE_GROUPS) {
    const bySize = [...groups].sort((a, b) => b.rows.length - a.rows.length);
    const keep = new Set(bySize.slice(0, MAX_TRACE_GROUPS - 1).map((g) => g.name));
    const other = groups.filter((g) => !keep.has(g.name)).flatMap((g) => g.rows);
    groups = [...groups.filter((g) => keep.has(g.name)), { name: `other (${map.size - keep.size} values)`, rows: other.sort((a, b) => a - b) }];
  }
  return groups;
}

export interface ClusterSummary {
  cluster: number;
  size: number;
  /** Most frequent values of the summary column (e.g. compound or MoA), with counts. */
  top: { value: string; count: number }[];
}

export function summariseClusters(labels: ArrayLike<number>, metadata: readonly Record<string, string>[], column: string | undefined, topN = 3): ClusterSummary[] {
  const byCluster = new Map<number, { size: number; counts: Map<string, number> }>();
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    let s = byCluster.get(c);
    if (!s) byCluster.set(c, (s = { size: 0, counts: new Map() }));
    s.size++;
    if (column) {
      const v = metadata[i]?.[column] || '(none)';
      s.counts.set(v, (s.counts.get(v) ?? 0) + 1);
    }
  }
  return [...byCluster.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([cluster, s]) => ({
      cluster,
      size: s.size,
      top: [...s.counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, topN).map(([value, count]) => ({ value, count })),
    }));
}

/** The `count` members of `cluster` closest to the cluster's mean map position (representative samples). */
export function representativeRows(embedding: ArrayLike<number>, labels: ArrayLike<number>, cluster: number, count: number): number[] {
  let sx = 0, sy = 0, m = 0;
  const members: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== cluster) continue;
    members.push(i);
    sx += embedding[2 * i];
    sy += embedding[2 * i + 1];
    m++;
  }
  if (m === 0) return [];
  const cx = sx / m, cy = sy / m;
  const d = (i: number) => (embedding[2 * i] - cx) ** 2 + (embedding[2 * i + 1] - cy) ** 2;
  return members.sort((a, b) => d(a) - d(b) || a - b).slice(0, count);
}

/** Rows of the clusters marked interesting, and the reduction factor n / kept (thesis: 47-fold). */
export function interestingRows(labels: ArrayLike<number>, marks: Record<number, ClusterMark>): { rows: number[]; reduction: number | null } {
  const rows: number[] = [];
  for (let i = 0; i < labels.length; i++) if (marks[labels[i]] === 'interesting') rows.push(i);
  return { rows, reduction: rows.length > 0 ? labels.length / rows.length : null };
}

/** Image-level export: name, map position, cluster, mark, then every metadata column. */
export function rowsTable(profile: ProfileTable, rows: readonly number[], embedding: ArrayLike<number>, labels: ArrayLike<number>, marks: Record<number, ClusterMark>) {
  const columns = ['image', 'tsne_x', 'tsne_y', 'cluster', 'mark', ...profile.columns];
  return {
    columns,
    rows: rows.map((i) => [
      profile.labels[i], embedding[2 * i], embedding[2 * i + 1], labels[i], marks[labels[i]] ?? '',
      ...profile.columns.map((c) => profile.metadata[i]?.[c] ?? ''),
    ]),
  };
}

/**
 * Per-value summary of a grouping column (compound, well, …): images, images in interesting
 * clusters, that fraction, and the clusters the value's images fall in — what a chemist filters on.
 */
export function groupSummaryTable(profile: ProfileTable, column: string, labels: ArrayLike<number>, marks: Record<number, ClusterMark>) {
  const byValue = new Map<string, { n: number; interesting: number; clusters: Map<number, number> }>();
  for (let i = 0; i < profile.n; i++) {
    const v = profile.metadata[i]?.[column] || '(none)';
    let s = byValue.get(v);
    if (!s) byValue.set(v, (s = { n: 0, interesting: 0, clusters: new Map() }));
    s.n++;
    if (marks[labels[i]] === 'interesting') s.interesting++;
    s.clusters.set(labels[i], (s.clusters.get(labels[i]) ?? 0) + 1);
  }
  const rows = [...byValue.entries()]
    .sort((a, b) => b[1].interesting / b[1].n - a[1].interesting / a[1].n || a[0].localeCompare(b[0], undefined, { numeric: true }))
    .map(([v, s]) => [
      v, s.n, s.interesting, Number((s.interesting / s.n).toFixed(4)),
      [...s.clusters.entries()].sort((a, b) => b[1] - a[1]).map(([c, k]) => `${c}:${k}`).join(' '),
    ]);
  return { columns: [column, 'images', 'in_interesting_clusters', 'fraction_interesting', 'clusters (cluster:images)'], rows };
}
