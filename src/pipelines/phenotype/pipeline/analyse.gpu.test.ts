/**
 * The analysis on the WebGPU engines (Dawn in Node; SwiftShader here): same outcome as the CPU
 * references on the three-phenotype fixture — the knee at k = 3, the phenotypes as clusters, NSC 1.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { getTestDevice, releaseTestDevice } from '../gpu/testDevice';
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
    const e = res.tsne.embedding;
    let same = 0;
    for (let i = 0; i < n; i++) {
      let best = -1, bd = Infinity;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const dd = (e[2 * i] - e[2 * j]) ** 2 + (e[2 * i + 1] - e[2 * j + 1]) ** 2;
        if (dd < bd) { bd = dd; best = j; }
      }
      if (Math.floor(best / 32) === Math.floor(i / 32)) same++;
    }
    expect(same).toBe(n);
  });
});
