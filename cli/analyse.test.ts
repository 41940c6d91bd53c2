import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng/rng';
import { adjustedRandIndex, knnAccuracy } from '../src/pipelines/phenotype/analysis/agreement';
import { matrix } from '../src/pipelines/phenotype/analysis/matrix';
import { parseProfiles } from '../src/pipelines/phenotype/metadata/profiles';
import { cvwb, scratch } from './testIo';

const tmp = scratch('analyse');
afterAll(tmp.cleanup);
const input = join(tmp.dir, 'profiles.csv');
const groups: string[] = [];

/** 60 profiles in 12-D: three well separated blobs (compounds A, B, C; two wells each). */
beforeAll(() => {
  const rng = new Rng(9);
  const centres = [0, 1, 2].map(() => Array.from({ length: 12 }, () => rng.normal(0, 10)));
  const lines = [['Metadata_Well', 'Metadata_Compound', ...Array.from({ length: 12 }, (_, j) => `f${j}`)].join(',')];
  for (let i = 0; i < 60; i++) {
    const g = i % 3;
    groups.push('ABC'[g]);
    lines.push([`${'ABC'[g]}0${1 + (i % 2)}`, 'ABC'[g], ...centres[g].map((c) => (c + rng.normal(0, 1)).toFixed(5))].join(','));
  }
  writeFileSync(input, lines.join('\n'));
});

const columns = (file: string) => parseProfiles(readFileSync(file, 'utf8'));

describe('cvwb analyse', () => {
  it('PCA → t-SNE → k-means: finds the three groups, writes a table the panel imports and a summary with the seed', async () => {
    const out = join(tmp.dir, 'result.csv');
    const r = await cvwb('analyse', '--in', input, '--out', out, '--tsne', '--kmeans', 'auto', '--seed', '3', '--backend', 'cpu');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/backend: cpu/);
    expect(r.stderr).toMatch(/analyse: 100\.0%, done in/);
    const p = columns(out);
    expect(p.features.n).toBe(60);
    expect(p.featureNames).toEqual(['tSNE_1', 'tSNE_2', ...Array.from({ length: 10 }, (_, j) => `PC${j + 1}`)]);
    expect(p.metadata[0]).toMatchObject({ Well: 'A01', Compound: 'A', SourceLine: '2' });
    const clusters = p.metadata.map((m) => m.KMeansCluster);
    expect(adjustedRandIndex(clusters, groups)).toBe(1);
    // The t-SNE map keeps the groups apart: every point's nearest neighbour is of its own group.
    const map = matrix(Float64Array.from({ length: 120 }, (_, k) => p.features.data[Math.floor(k / 2) * 12 + (k % 2)]), 60, 2);
    expect(knnAccuracy(map, groups, 1)).toBe(1);

    const summary = JSON.parse(readFileSync(join(tmp.dir, 'result.json'), 'utf8'));
    expect(summary).toMatchObject({ rows: 60, seed: 3, kmeans: { k: 3, kFromKnee: true }, tsne: { iterations: 750, seed: 3 }, roles: { well: 'Well', compound: 'Compound' } });
    expect(summary.kmeans.clusterSizes.map((c: { size: number }) => c.size)).toEqual([20, 20, 20]);
    expect(summary.metrics.find((m: { role: string }) => m.role === 'compound').percent).toBeLessThan(5);
    expect(r.json()).toEqual(summary);

    // The seed decides the map: the same seed reproduces it, another one changes it.
    const again = join(tmp.dir, 'again.csv');
    expect((await cvwb('analyse', '--in', input, '--out', again, '--tsne', '--seed', '3', '--backend', 'cpu')).code).toBe(0);
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(out, 'utf8'));
    const other = join(tmp.dir, 'other.csv');
    expect((await cvwb('analyse', '--in', input, '--out', other, '--tsne', '--seed', '4', '--backend', 'cpu')).code).toBe(0);
    expect(columns(other).features.data[0]).not.toBe(p.features.data[0]);
  });

  it('without --tsne runs PCA and k-means only, with a fixed k', async () => {
    const out = join(tmp.dir, 'pca.csv');
    const r = await cvwb('analyse', '--in', input, '--out', out, '--kmeans', '3', '--pca', '4', '--backend', 'cpu', '--summary', join(tmp.dir, 'pca-summary.json'));
    expect(r.code, r.stderr).toBe(0);
    const p = columns(out);
    expect(p.featureNames).toEqual(['PC1', 'PC2', 'PC3', 'PC4']);
    expect(adjustedRandIndex(p.metadata.map((m) => m.KMeansCluster), groups)).toBe(1);
    const summary = JSON.parse(readFileSync(join(tmp.dir, 'pca-summary.json'), 'utf8'));
    expect(summary.tsne).toBeNull();
    expect(summary.kmeans).toMatchObject({ k: 3, kFromKnee: false });
    expect(summary.notes.join(' ')).not.toMatch(/[Pp]erplexity/);
    // PC1 carries the most variance.
    const variance = (j: number) => p.features.data.filter((_, k) => k % 4 === j).reduce((s, v) => s + v * v, 0);
    expect(variance(0)).toBeGreaterThan(variance(3));
  });

  it('reports unusable input (exit 1) and contradictory options (exit 2)', async () => {
    const one = join(tmp.dir, 'one.csv');
    writeFileSync(one, 'Metadata_Well,f0\nA01,1\n');
    const r = await cvwb('analyse', '--in', one, '--out', join(tmp.dir, 'x.csv'), '--backend', 'cpu');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/one\.csv: A profile table needs at least 2 rows/);
    expect((await cvwb('analyse', '--in', input, '--out', 'x.csv', '--kmeans', '1')).code).toBe(2);
    const tsneOnly = await cvwb('analyse', '--in', input, '--out', 'x.csv', '--perplexity', '5');
    expect(tsneOnly.code).toBe(2);
    expect(tsneOnly.stderr).toMatch(/add --tsne/);
  });
});
