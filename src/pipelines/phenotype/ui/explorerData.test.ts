import { describe, expect, it } from 'vitest';
import { groupRows, groupSummaryTable, interestingRows, MAX_TRACE_GROUPS, representativeRows, rowsTable, summariseClusters } from './explorerData';
import type { ProfileTable } from './phenotypeStore';

const profile = (metadata: Record<string, string>[]): ProfileTable => ({
  name: 't', kind: 'import', datasetId: null, featureKey: null, n: metadata.length, d: 1, data: new Float32Array(metadata.length),
  itemIds: null, labels: metadata.map((_, i) => `img${i}`), metadata, columns: Object.keys(metadata[0] ?? {}), notes: [], spec: {},
});

describe('explorer data', () => {
  const meta = [
    { compound: 'a', moa: 'x' }, { compound: 'b', moa: 'y' }, { compound: 'a', moa: 'x' },
    { compound: 'c', moa: '' }, { compound: 'b', moa: 'y' },
  ];
  const labels = Int32Array.from([1, 0, 1, 0, 2]);

  it('groups rows by cluster number or metadata value, with missing values as (none)', () => {
    expect(groupRows(profile(meta), labels, 'cluster')).toEqual([
      { name: 'cluster 0', rows: [1, 3] }, { name: 'cluster 1', rows: [0, 2] }, { name: 'cluster 2', rows: [4] },
    ]);
    expect(groupRows(profile(meta), labels, 'moa')).toEqual([
      { name: '(none)', rows: [3] }, { name: 'x', rows: [0, 2] }, { name: 'y', rows: [1, 4] },
    ]);
  });

  it('merges the smallest groups into one trace beyond the trace limit', () => {
    const many = Array.from({ length: 200 }, (_, i) => ({ well: `w${i < 20 ? 0 : i}` }));
    const groups = groupRows(profile(many), null, 'well');
    expect(groups.length).toBe(MAX_TRACE_GROUPS);
    expect(groups.find((g) => g.name === 'w0')!.rows.length).toBe(20);
    const other = groups[groups.length - 1];
    expect(other.name).toMatch(/^other \(112 values\)$/);
    expect(groups.reduce((s, g) => s + g.rows.length, 0)).toBe(200);
  });

  it('summarises clusters by their most frequent values', () => {
    expect(summariseClusters(labels, meta, 'compound')).toEqual([
      { cluster: 0, size: 2, top: [{ value: 'b', count: 1 }, { value: 'c', count: 1 }] },
      { cluster: 1, size: 2, top: [{ value: 'a', count: 2 }] },
      { cluster: 2, size: 1, top: [{ value: 'b', count: 1 }] },
    ]);
  });

  it('picks the members nearest the cluster mean position', () => {
    // cluster 0: points at x = 0, 1, 2, 10 → mean 3.25; nearest: 2, 1, 0, 10
    const emb = Float32Array.from([0, 0, 1, 0, 2, 0, 10, 0, 50, 50]);
    expect(representativeRows(emb, [0, 0, 0, 0, 1], 0, 3)).toEqual([2, 1, 0]);
    expect(representativeRows(emb, [0, 0, 0, 0, 1], 7, 3)).toEqual([]);
  });

  it('counts interesting rows and the reduction factor', () => {
    expect(interestingRows(labels, { 1: 'interesting', 0: 'uninteresting' })).toEqual({ rows: [0, 2], reduction: 2.5 });
    expect(interestingRows(labels, {}).reduction).toBeNull();
  });

  it('builds the image and per-compound export tables', () => {
    const p = profile(meta);
    const emb = Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const t = rowsTable(p, [2, 4], emb, labels, { 1: 'interesting' });
    expect(t.columns).toEqual(['image', 'tsne_x', 'tsne_y', 'cluster', 'mark', 'compound', 'moa']);
    expect(t.rows).toEqual([['img2', 4, 5, 1, 'interesting', 'a', 'x'], ['img4', 8, 9, 2, '', 'b', 'y']]);
    const s = groupSummaryTable(p, 'compound', labels, { 1: 'interesting' });
    expect(s.rows).toEqual([['a', 2, 2, 1, '1:2'], ['b', 2, 0, 0, '0:1 2:1'], ['c', 1, 0, 0, '0:1']]);
  });
});
