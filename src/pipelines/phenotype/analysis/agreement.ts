/**
 * Agreement scores used to check clusterings and embeddings against known labels: the adjusted
 * Rand index (Hubert & Arabie 1985) between two partitions, and leave-one-out k-nearest-neighbour
 * accuracy (majority vote of the k nearest other rows, Euclidean; ties to the smallest label
 * among the tied, then the nearest) — the usual "does the map keep the classes together" score.
 */
import type { Matrix } from './matrix';

const choose2 = (x: number) => (x * (x - 1)) / 2;

/** Adjusted Rand index of two labelings of the same items (1 = identical partitions, ≈0 = chance). */
export function adjustedRandIndex(a: ArrayLike<number | string>, b: ArrayLike<number | string>): number {
  const n = a.length;
  if (b.length !== n) throw new Error(`adjustedRandIndex: ${n} vs ${b.length} labels`);
  const table = new Map<string, number>();
  const rows = new Map<number | string, number>();
  const cols = new Map<number | string, number>();
  for (let i = 0; i < n; i++) {
    const key = JSON.stringify([a[i], b[i]]);
    table.set(key, (table.get(key) ?? 0) + 1);
    rows.set(a[i], (rows.get(a[i]) ?? 0) + 1);
    cols.set(b[i], (cols.get(b[i]) ?? 0) + 1);
  }
  let index = 0;
  for (const v of table.values()) index += choose2(v);
  let sa = 0, sb = 0;
  for (const v of rows.values()) sa += choose2(v);
  for (const v of cols.values()) sb += choose2(v);
  const expected = (sa * sb) / choose2(n);
  const max = (sa + sb) / 2;
  return max === expected ? 1 : (index - expected) / (max - expected);
}

/** Leave-one-out k-NN classification accuracy of `labels` in the space of `x`'s rows. */
export function knnAccuracy(x: Matrix, labels: ArrayLike<number | string>, k: number): number {
  const { data, n, d } = x;
  if (labels.length !== n) throw new Error(`knnAccuracy: ${labels.length} labels for ${n} rows`);
  if (k < 1 || k >= n) throw new Error(`knnAccuracy: k must be in [1, ${n - 1}], got ${k}`);
  const dist = new Float64Array(n);
  const order = new Int32Array(n);
  let correct = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) {
        const u = data[i * d + t] - data[j * d + t];
        s += u * u;
      }
      dist[j] = j === i ? Infinity : s;
      order[j] = j;
    }
    const nearest = Array.from(order).sort((p, q) => dist[p] - dist[q] || p - q).slice(0, k);
    const votes = new Map<number | string, { count: number; first: number }>();
    nearest.forEach((j, rank) => {
      const v = votes.get(labels[j]);
      if (v) v.count++;
      else votes.set(labels[j], { count: 1, first: rank });
    });
    let best: number | string | null = null;
    let bestVote = { count: -1, first: Infinity };
    for (const [label, v] of votes) {
      if (v.count > bestVote.count || (v.count === bestVote.count && v.first < bestVote.first)) {
        best = label;
        bestVote = v;
      }
    }
    if (best === labels[i]) correct++;
  }
  return correct / n;
}
