import { describe, expect, it } from 'vitest';
import { fromRows } from './matrix';
import { groupVariance, groupVarianceReport, nscMoaAccuracy } from './validation';

describe('groupVariance', () => {
  // Two wells of two 2-D profiles each.
  //   well A: (0,0), (2,0)   centroid (1,0)  variance (1 + 1)/2 = 1
  //   well B: (10,0), (10,4) centroid (10,2) variance (4 + 4)/2 = 4
  //   all: centroid (5.5, 1), squared distances 31.25, 13.25, 21.25, 29.25 → variance 95/4 = 23.75
  const x = fromRows([[0, 0], [10, 0], [2, 0], [10, 4]]);
  const wells = ['A', 'B', 'A', 'B'];

  it('is the mean over groups of the mean squared distance to the group centroid, as % of the total (hand-computed)', () => {
    const r = groupVariance(x, wells);
    expect(r.groups).toEqual([
      { label: 'A', size: 2, variance: 1 },
      { label: 'B', size: 2, variance: 4 },
    ]);
    expect(r.meanVariance).toBe(2.5);
    expect(r.totalVariance).toBe(23.75);
    expect(r.percent).toBeCloseTo((100 * 2.5) / 23.75, 12); // 10.526…%
  });

  it('weights groups equally, skips singletons by default and ignores unlabelled rows in the groups only', () => {
    // Add well C = {(4,1)} (a singleton) and an unlabelled row (5.5, 1) at the old centroid.
    const y = fromRows([[0, 0], [10, 0], [2, 0], [10, 4], [4, 1], [5.5, 1]]);
    const r = groupVariance(y, ['A', 'B', 'A', 'B', 'C', null]);
    expect(r.excludedGroups).toBe(1);
    expect(r.meanVariance).toBe(2.5);
    // Total over all six rows: centroid (31.5/6, 1) = (5.25, 1);
    // squared distances 28.5625, 23.5625, 11.5625, 31.5625, 1.5625, 0.0625 → sum 96.875.
    expect(r.totalVariance).toBeCloseTo(96.875 / 6, 12);
    const all = groupVariance(y, ['A', 'B', 'A', 'B', 'C', null], { minGroupSize: 1 });
    expect(all.meanVariance).toBeCloseTo(5 / 3, 12);
  });

  it('reports several groupings at once; numeric labels work and one group of everything is 100%', () => {
    const rep = groupVarianceReport(x, { well: wells, plate: [1, 1, 1, 1], row: new Int32Array([0, 0, 1, 1]) });
    expect(rep.well.percent).toBeCloseTo((100 * 2.5) / 23.75, 12);
    expect(rep.plate.percent).toBeCloseTo(100, 12);
    // Rows {(0,0),(10,0)}: variance 25; {(2,0),(10,4)}: centroid (6,2), variance (16+4+16+4)/2 = 20.
    expect(rep.row.meanVariance).toBeCloseTo(22.5, 12);
  });
});

describe('nscMoaAccuracy', () => {
  // Treatment mean profiles (2-D) and their angles:
  //   A@1 (m1): rows (1,0), (1,0.2) → (1, 0.1)   5.71°
  //   A@2 (m2): (1, 0.12)                        6.84°
  //   B@1 (m2): (1, 0.25)                       14.04°
  //   C@1 (m1): rows (10,0.4), (10,0.6) → (10, 0.5)  2.86°
  // A@1's nearest treatment overall is A@2 (m2, wrong); its nearest other-compound treatment is
  // C@1 (m1, right; Euclidean distance would pick B@1 instead). NSC neighbours:
  //   A@1 → C@1 ✓, A@2 → C@1 ✗, B@1 → A@2 ✓, C@1 → A@1 ✓ → accuracy 3/4.
  const x = fromRows([
    [1, 0], [10, 0.4], [1, 0.12], [1, 0.25], [1, 0.2], [10, 0.6], [1, 0.11], [3, 0.3],
  ]);
  const compound = ['A', 'C', 'A', 'B', 'A', 'C', 'DMSO', 'D'];
  const concentration = [1, 1, 2, 1, 1, 1, 0, 1];
  const moa = ['m1', 'm1', 'm2', 'm2', 'm1', 'm1', 'DMSO', null];

  it('matches each treatment mean to its most cosine-similar treatment of another compound (hand-computed 3/4)', () => {
    const r = nscMoaAccuracy(x, { compound, concentration, moa });
    expect(r.treatments.map((t) => `${t.compound}@${t.concentration}`)).toEqual(['A@1', 'C@1', 'A@2', 'B@1']);
    expect(r.treatments.map((t) => t.size)).toEqual([2, 2, 1, 1]);
    expect(r.treatments.map((t) => t.neighbour)).toEqual([1, 0, 1, 2]);
    expect(r.treatments.map((t) => t.correct)).toEqual([true, true, false, true]);
    expect(r.accuracy).toBe(0.75);
    expect(r.correct).toBe(3);
    expect(r.evaluated).toBe(4);
    // cos(5.71° − 2.86°) for A@1 ↔ C@1.
    expect(r.treatments[0].similarity).toBeCloseTo(Math.cos(Math.atan(0.1) - Math.atan(0.05)), 12);
  });

  it('includes the control when asked: DMSO (1, 0.11) then becomes the NSC neighbour of A@1 and A@2', () => {
    const r = nscMoaAccuracy(x, { compound, concentration, moa }, { excludeCompounds: [] });
    const names = r.treatments.map((t) => t.compound);
    expect(names).toContain('DMSO');
    const a1 = r.treatments[names.indexOf('A')];
    expect(r.treatments[a1.neighbour].compound).toBe('DMSO');
    expect(a1.correct).toBe(false);
  });

  it('skips treatments without an other-compound candidate and rejects conflicting MoAs', () => {
    const one = nscMoaAccuracy(fromRows([[1, 0], [0, 1]]), { compound: ['A', 'A'], concentration: [1, 2], moa: ['m', 'm'] });
    expect(one.evaluated).toBe(0);
    expect(one.accuracy).toBeNaN();
    expect(() =>
      nscMoaAccuracy(fromRows([[1, 0], [0, 1]]), { compound: ['A', 'A'], concentration: [1, 1], moa: ['m', 'n'] }),
    ).toThrow(/MoAs/);
  });
});
