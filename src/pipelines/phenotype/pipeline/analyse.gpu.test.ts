/**
 * The analysis on the WebGPU engines (Dawn in Node; SwiftShader here): same outcome as the CPU
 * references on the three-phenotype fixture — the knee at k = 3, the phenotypes as clusters, NSC 1.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { getTestDevice, releaseTestDevice } from '../gpu/testDevice';
import { knnAccuracy } from '../analysis/agreement';
import { matrix } from '../analysis/matrix';
import { analyseProfiles, DEFAULT_ANALYSIS_OPTIONS } from './analyse';
import { createGpuEngines } from './gpuEngines';
import { detectRoles } from './roles';
import { threePhenotypes } from './testdata';

const gpu = await getTestDevice('analysis on WebGPU');

describe.skipIf(!gpu.device)('analyseProfiles on WebGPU engines', () => {
  afterAll(releaseTestDevice);

  it('finds the three phenotypes, tight wells and perfect NSC', async () => {
    const { data, metadata, d } = threePhenotypes();
    const n = metadata.length;
    const engines = await createGpuEngines();
    expect(engines.name).toMatch(/^webgpu/);
    const quiet = { progress: () => undefined, partial: () => undefined, checkpoint: async () => undefined, log: () => undefined };
    const res = await analyseProfiles(
      { data, n, d, metadata, roles: detectRoles(Object.keys(metadata[0])) },
      { ...DEFAULT_ANALYSIS_OPTIONS, tsne: { ...DEFAULT_ANALYSIS_OPTIONS.tsne, iterations: 500 }, kmeans: { ...DEFAULT_ANALYSIS_OPTIONS.kmeans, kMax: 12 } },
      engines,
      quiet,
    );
    expect(res.engine).toMatch(/webgpu/);
    expect(res.tsne.method).toBe('exact, WebGPU');
    expect(res.k).toBe(3);
    for (let i = 0; i < n; i++) expect(res.labels[i]).toBe(res.labels[Math.floor(i / 32) * 32]);
    expect(res.nsc?.accuracy).toBe(1);
    // Map: every point's nearest embedded neighbour is of the same phenotype (1-NN leave-one-out).
    expect(knnAccuracy(matrix(res.tsne.embedding, n, 2), Array.from({ length: n }, (_, i) => Math.floor(i / 32)), 1)).toBe(1);
  });
});
