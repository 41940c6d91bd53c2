import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import {
  curveGroups, formatMeanStd, isStatsDomain, parseSeedList, parseSweepValues, scanDomainFolder, seedsFromCount,
  sharedClasses, statsLeakWarning, sweepSeries,
} from './experimentData';
import { summarise } from '../experiment/summary';
import { formatReference, referenceCells, THESIS_CSV_COLUMNS } from './experimentReference';
import { deleteExperiment, describeSetup, listExperiments, onExperimentsChanged, saveExperiment, setupOf } from './experimentStore';
import { ARMS, type RunResult, type StyleExperimentParams, type StyleExperimentResult } from '../experiment/types';
import { openWorkbenchDb, putResult } from '../../../core/storage/db';

const run = (arm: RunResult['arm'], seed: number, accs: number[], sweepValue?: number): RunResult => ({
  arm, seed, ...(sweepValue !== undefined ? { sweepValue } : {}),
  epochs: accs.map((a, i) => ({ epoch: i + 1, trainLoss: 1, trainAccuracy: 0.5, targetAccuracy: a })),
  finalTargetAccuracy: accs[accs.length - 1], seconds: 1,
});

describe('scanDomainFolder', () => {
  it('counts images per domain and class below the shared root, and reports what does not fit', () => {
    const f = (path: string) => ({ path, blob: new Blob([path]) });
    const s = scanDomainFolder([
      'pacs/photo/dog/a.jpg', 'pacs/photo/dog/b.JPG', 'pacs/photo/cat/c.png',
      'pacs/cartoon/dog/d.png', 'pacs/cartoon/house/e.webp',
      'pacs/cartoon/house/notes.txt', 'pacs/cartoon/house/._x.jpg', 'pacs/photo/extra/deep/f.png',
    ].map(f));
    expect(s.domains).toEqual([
      { name: 'cartoon', images: 2, classes: { dog: 1, house: 1 } },
      { name: 'photo', images: 3, classes: { cat: 1, dog: 2 } },
    ]);
    expect(s.classes).toEqual(['cat', 'dog', 'house']);
    expect(s.images).toBe(5);
    // The text file and the too-deep image are reported (AppleDouble junk is dropped silently), and
    // each domain lacking a class is named.
    const paths = s.problems.map((p) => p.path);
    expect(paths).toContain('pacs/cartoon/house/notes.txt');
    expect(paths).toContain('pacs/photo/extra/deep/f.png');
    expect(paths).not.toContain('pacs/cartoon/house/._x.jpg');
    expect(s.problems.filter((p) => p.path === 'cartoon' || p.path === 'photo').map((p) => p.message)).toEqual([
      "domain 'cartoon' has no images of class cat", "domain 'photo' has no images of class house",
    ]);
    expect(sharedClasses(s, ['cartoon', 'photo'])).toEqual(['dog']);
    expect(sharedClasses(s, ['photo'])).toEqual(['cat', 'dog']);
  });
});

describe('stats guard', () => {
  it('blocks style arms only when the target is the statistics domain (loosely named) and no own statistics are given', () => {
    expect(isStatsDomain('Art Painting', 'art_painting')).toBe(true);
    expect(isStatsDomain('art-painting', 'art_painting')).toBe(true);
    expect(isStatsDomain('photo', 'art_painting')).toBe(false);
    expect(statsLeakWarning(['none', 'style'], 'art_painting', 'art_painting', false)).toMatch(/style arm would/);
    expect(statsLeakWarning(['both', 'style'], 'art_painting', 'art_painting', false)).toMatch(/both\/style arms/);
    expect(statsLeakWarning(['none', 'trad', 'color'], 'art_painting', 'art_painting', false)).toBeNull();
    expect(statsLeakWarning(['style'], 'photo', 'art_painting', false)).toBeNull();
    expect(statsLeakWarning(['style'], 'art_painting', 'art_painting', true)).toBeNull();
  });
});

describe('seed and sweep parsing', () => {
  it('parses lists and rejects bad entries', () => {
    expect(parseSeedList('1, 2 3;4')).toEqual({ seeds: [1, 2, 3, 4] });
    expect(parseSeedList('')).toEqual({ error: 'enter at least one seed' });
    expect(parseSeedList('1,x')).toEqual({ error: "'x' is not an integer seed" });
    expect(parseSeedList('2,2')).toEqual({ error: 'seed 2 is listed twice' });
    expect(parseSeedList('4294967296')).toEqual({ error: 'seed 4294967296 is outside 0…4294967295' });
    expect(seedsFromCount(3, 10)).toEqual([10, 11, 12]);
    expect(seedsFromCount(0, 5)).toEqual([5]);
    expect(parseSweepValues('0.25, 0.5 1', 'alpha')).toEqual({ values: [0.25, 0.5, 1] });
    expect(parseSweepValues('1.5', 'ratio')).toEqual({ error: 'augmentation ratio 1.5 is outside [0, 1]' });
    expect(parseSweepValues('a', 'alpha')).toEqual({ error: "'a' is not a number" });
  });
});

describe('aggregation', () => {
  it('formats mean ± std as the thesis tables (3 decimals), the std only when there are several runs', () => {
    expect(formatMeanStd(0.7, 0.2, 3)).toBe('0.700 ± 0.200');
    expect(formatMeanStd(0.7, 0, 1)).toBe('0.700');
  });

  it('groups curves per arm in arm order, mean ± sample std of seeds per epoch (a run still training counts where it has data)', () => {
    const runs = [run('trad', 2, [0.2, 0.6]), run('none', 1, [0.1, 0.3]), run('none', 2, [0.3, 0.5]), run('trad', 1, [0.4])];
    const g = curveGroups(runs, ARMS);
    expect(g.map((x) => x.key)).toEqual(['none', 'trad']);
    expect(g[0].epochs).toEqual([1, 2]);
    expect(g[0].mean[0]).toBeCloseTo(0.2, 12);
    expect(g[0].mean[1]).toBeCloseTo(0.4, 12);
    expect(g[0].std[0]).toBeCloseTo(Math.SQRT2 * 0.1, 12); // two values 0.1 apart from the mean
    expect(g[1].n).toEqual([2, 1]);
    expect(g[1].mean[0]).toBeCloseTo(0.3, 12);
    expect(g[1].mean[1]).toBeCloseTo(0.6, 12);
    expect(g[1].seeds.map((s) => s.seed)).toEqual([2, 1]);
  });

  it('orders sweep points by value per arm, leaving unswept arms out', () => {
    const runs = [run('style', 1, [0.5], 0.5), run('style', 2, [0.7], 0.5), run('style', 1, [0.2], 0.25), run('none', 1, [0.4])];
    const s = summarise(runs, ARMS);
    expect(s.map((x) => [x.arm, x.sweepValue, x.runs])).toEqual([['none', undefined, 1], ['style', 0.25, 1], ['style', 0.5, 2]]);
    expect(s[2].mean).toBeCloseTo(0.6, 12);
    const series = sweepSeries(s, ARMS);
    expect(series).toHaveLength(1);
    expect(series[0].x).toEqual([0.25, 0.5]);
    expect(series[0].y[0]).toBeCloseTo(0.2, 12);
    expect(series[0].runs).toEqual([1, 2]);
  });
});

describe('thesis reference', () => {
  it('gives Table 4.1/4.2 InceptionV3 numbers per arm', () => {
    expect(formatReference('both')).toEqual(['AD → W 0.884 · AW → D 0.952 · DW → A 0.286 (Table 4.1)']);
    expect(formatReference('color')).toEqual(['AD → W 0.726 · AW → D 0.850 · DW → A 0.185 (Table 4.2)']);
    expect(THESIS_CSV_COLUMNS.map((c) => c.column)).toEqual(['thesis_4.1_AD_W', 'thesis_4.1_AW_D', 'thesis_4.1_DW_A', 'thesis_4.2_AD_W', 'thesis_4.2_AW_D', 'thesis_4.2_DW_A']);
    expect(referenceCells('none')).toEqual([0.695, 0.789, 0.183, 0.684, 0.721, 0.152]);
    expect(referenceCells('trad')).toEqual([0.733, 0.89, 0.16, null, null, null]);
  });
});

describe('saved experiments', () => {
  it('stores the set-up without files or model bytes and lists it back, newest first', async () => {
    const db = await openWorkbenchDb('style-experiments-test');
    const params: StyleExperimentParams = {
      files: [{ path: 'a/x/1.png', blob: new Blob(['1']) }, { path: 'b/x/2.png', blob: new Blob(['2']) }],
      trainDomains: ['a'], targetDomain: 'b', arms: ['none', 'style'], seeds: [1, 2], config: 'small', classifier: 'cnn',
      epochs: 2, styleModels: { predictor: new Uint8Array(4), transformer: new Uint8Array(4) },
    };
    const setup = setupOf(params, 'pacs');
    expect(setup).toEqual({ trainDomains: ['a'], targetDomain: 'b', arms: ['none', 'style'], seeds: [1, 2], config: 'small', classifier: 'cnn', epochs: 2, folder: 'pacs', fileCount: 2, customStats: false });
    expect(describeSetup(setup)).toBe('a → b · none, style · 2 seeds · small/cnn');
    const result: StyleExperimentResult = {
      domains: ['a', 'b'], classes: ['x'], trainImages: 1, targetImages: 1, runs: [run('none', 1, [0.5])],
      summary: [{ arm: 'none', mean: 0.5, std: 0, runs: 1 }], settings: {}, problems: [],
    };
    let changes = 0;
    const off = onExperimentsChanged(() => changes++);
    await saveExperiment({ id: 'e1', createdAt: 1, seed: 7, setup, result }, db);
    await saveExperiment({ id: 'e2', createdAt: 2, seed: 8, setup, result, backend: 'webgpu' }, db);
    await putResult(db, { id: 'other', pipeline: 'detection', kind: 'x', createdAt: 3, seed: 0, params: {}, data: {} });
    const list = await listExperiments(db);
    expect(list.map((e) => [e.id, e.seed, e.backend])).toEqual([['e2', 8, 'webgpu'], ['e1', 7, undefined]]);
    expect(list[1].result.summary[0].mean).toBe(0.5);
    await deleteExperiment('e2', db);
    expect((await listExperiments(db)).map((e) => e.id)).toEqual(['e1']);
    expect(changes).toBe(3); // two saves and a delete
    off();
  });
});
