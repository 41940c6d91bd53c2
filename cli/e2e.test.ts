/**
 * The CLI end to end, as a user chains it: 50 SIMCEP images → features of that folder → PCA,
 * t-SNE and k-means on the CSV; each output is read back with the app's own import code (the
 * detection panel's folder loader, the Phenotypes panel's profile importer). The first step runs
 * through the `bin/cvwb.mjs` launcher as a child process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeImageNode } from '../src/core/data/nodeDecode';
import { loadAnnotatedFolder } from '../src/pipelines/detection/realImages';
import { parseProfiles } from '../src/pipelines/phenotype/metadata/profiles';
import { folderFiles } from './common';
import { cvwb, scratch, writeTinyBackbone } from './testIo';

const tmp = scratch('e2e');
afterAll(tmp.cleanup);
const sharedModels = join(process.cwd(), '..', 'shared', 'models');
const hasMobileNet = existsSync(join(sharedModels, 'mobilenet_v1_1.0_224', 'model.json'));

describe('cvwb end to end', () => {
  it('simcep → features → analyse --tsne; every output loads in the app’s import code', async () => {
    const images = join(tmp.dir, 'simcep');
    const sim = spawnSync(process.execPath, ['bin/cvwb.mjs', 'simcep', '--count', '50', '--size', '224', '--seed', '7', '--out', images], { encoding: 'utf8' });
    expect(sim.status, sim.stderr).toBe(0);
    expect(JSON.parse(sim.stdout)).toMatchObject({ images: 50, seed: 7 });
    expect(sim.stderr).toMatch(/simcep: 50\/50 \(100\.0%\)/);
    const folder = await loadAnnotatedFolder(await folderFiles(images, 'simcep'), decodeImageNode);
    expect(folder.problems).toEqual([]);
    expect(folder.samples).toHaveLength(50);
    expect(folder.samples.every((s) => s.width === 224 && s.boxes !== null && s.boxes.length === s.count)).toBe(true);

    // Features: MobileNet v1 from ../shared/models when it is there, else a tiny tfjs model written here.
    const model = join(tmp.dir, 'tiny-model');
    await writeTinyBackbone(model);
    const backbone = hasMobileNet ? ['--model-dir', sharedModels, '--backend', 'wasm'] : ['--backbone', 'custom', '--model-dir', model, '--layers', 'conv_a,conv_b', '--backend', 'cpu'];
    if (!hasMobileNet) console.info('cli e2e: ../shared/models/mobilenet_v1_1.0_224 is absent; features from a tiny tfjs model instead');
    const featuresCsv = join(tmp.dir, 'features.csv');
    const f = await cvwb('features', '--in', images, '--out', featuresCsv, ...backbone);
    expect(f.code, f.stderr).toBe(0);
    const profiles = parseProfiles(readFileSync(featuresCsv, 'utf8'));
    expect(profiles.features.n).toBe(50);
    expect(profiles.metadata[7].File).toBe('images/simcep_00007.png');
    expect(f.json()).toMatchObject({ rows: 50, features: hasMobileNet ? 896 : 7, failures: [] });

    const resultCsv = join(tmp.dir, 'result.csv');
    const a = await cvwb('analyse', '--in', featuresCsv, '--out', resultCsv, '--tsne', '--kmeans', 'auto', '--pca', hasMobileNet ? '10' : '5', '--seed', '2', '--backend', 'auto');
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toMatch(/^backend: /m);
    const result = parseProfiles(readFileSync(resultCsv, 'utf8'));
    expect(result.features.n).toBe(50);
    expect(result.featureNames.slice(0, 3)).toEqual(['tSNE_1', 'tSNE_2', 'PC1']);
    expect(result.metadata.map((m) => m.File)).toEqual(profiles.metadata.map((m) => m.File));
    const summary = a.json<{ kmeans: { k: number; clusterSizes: { size: number }[] }; seed: number; tsne: { kl: number } }>();
    expect(new Set(result.metadata.map((m) => m.KMeansCluster)).size).toBe(summary.kmeans.k);
    expect(summary.kmeans.clusterSizes.reduce((s, c) => s + c.size, 0)).toBe(50);
    expect(summary.seed).toBe(2);
    expect(summary.tsne.kl).toBeGreaterThan(0);
  });
});
