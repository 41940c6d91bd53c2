import { describe, expect, it } from 'vitest';
import { knnAccuracy } from '../analysis/agreement';
import { matrix } from '../analysis/matrix';
import { analyseProfiles, cleanColumns, curveKs, DEFAULT_ANALYSIS_OPTIONS, usablePerplexity, type Reporter } from './analyse';
import { cpuEngines } from './engines';
import { detectRoles } from './roles';
import { threePhenotypes } from './testdata';

const quiet = (): Reporter & { partials: unknown[]; last: number } => {
  const r = {
    partials: [] as unknown[],
    last: 0,
    progress(done: number) {
      r.last = done;
    },
    partial(d: unknown) {
      r.partials.push(d);
    },
    checkpoint: async () => undefined,
    log: () => undefined,
  };
  return r;
};

describe('cleanColumns', () => {
  it('drops NaN and constant columns with named notes, and z-scores when asked', () => {
    // columns: a (varies), b (constant), c (has NaN), d (varies)
    const data = Float64Array.from([1, 5, 0, 10, 2, 5, NaN, 20, 3, 5, 1, 30]);
    const { x, kept, notes } = cleanColumns({ data, n: 3, d: 4, featureNames: ['a', 'b', 'c', 'd'] }, true);
    expect(kept).toEqual([0, 3]);
    expect(notes.join('\n')).toMatch(/NaN or infinite values: c/);
    expect(notes.join('\n')).toMatch(/constant feature column\(s\): b/);
    // z-scores of [1,2,3] with sample sd 1: [-1, 0, 1]; of [10,20,30] with sd 10: the same.
    expect(Array.from(x.data)).toEqual([-1, -1, 0, 0, 1, 1]);
    expect(() => cleanColumns({ data: Float64Array.from([1, 1]), n: 2, d: 1 }, false)).toThrow(/No usable feature column/);
  });
});

describe('curveKs and usablePerplexity', () => {
  it('lists every k to 10 then coarser steps ending at the cap', () => {
    expect(curveKs(1000, 70)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 18, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70]);
    expect(curveKs(6, 70)).toEqual([2, 3, 4, 5]);
    expect(curveKs(13, 70)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 12]);
  });

  it('lowers the perplexity for few points with a note, and refuses fewer than 4', () => {
    expect(usablePerplexity(91, 30)).toEqual({ perplexity: 30, note: null });
    const low = usablePerplexity(40, 30);
    expect(low.perplexity).toBe(13);
    expect(low.note).toMatch(/lowered from 30 to 13/);
    expect(() => usablePerplexity(3, 30)).toThrow(/at least 4/);
  });
});

describe('analyseProfiles', () => {
  it('recovers three phenotypes: knee at k = 3, tight wells, perfect NSC, separated map', async () => {
    const { data, metadata, d } = threePhenotypes();
    const n = metadata.length;
    const roles = detectRoles(Object.keys(metadata[0]));
    expect(roles).toMatchObject({ plate: 'Metadata_Plate', well: 'Metadata_Well', compound: 'Metadata_Compound', concentration: 'Metadata_Concentration', moa: 'Metadata_MoA' });
    const rep = quiet();
    const res = await analyseProfiles(
      { data, n, d, metadata, roles },
      { ...DEFAULT_ANALYSIS_OPTIONS, tsne: { ...DEFAULT_ANALYSIS_OPTIONS.tsne, iterations: 500 }, kmeans: { ...DEFAULT_ANALYSIS_OPTIONS.kmeans, kMax: 12 } },
      cpuEngines,
      rep,
    );
    expect(res.k).toBe(3);
    expect(res.kFromKnee).toBe(true);
    // k = 3 clusters are the phenotypes.
    for (let i = 0; i < n; i++) expect(res.labels[i]).toBe(res.labels[Math.floor(i / 32) * 32]);
    expect(new Set(res.labels).size).toBe(3);
    const well = res.metrics.find((m) => m.role === 'well')!;
    expect(well.percent).toBeLessThan(2);
    expect(res.curve.intraWell).not.toBeNull();
    expect(res.nsc).toMatchObject({ accuracy: 1, evaluated: 12 });
    // Map: every point's nearest embedded neighbour is of the same phenotype (1-NN leave-one-out).
    expect(knnAccuracy(matrix(res.tsne.embedding, n, 2), Array.from({ length: n }, (_, i) => Math.floor(i / 32)), 1)).toBe(1);
    expect(rep.partials.length).toBe(500 / DEFAULT_ANALYSIS_OPTIONS.snapshotEvery);
    expect(rep.last).toBe(1000);
    expect(res.pca.cumulative[res.pca.components - 1]).toBeGreaterThan(0.9);
  });
});
