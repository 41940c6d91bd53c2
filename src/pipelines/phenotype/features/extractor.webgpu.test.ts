/**
 * The feature extractor on tfjs's WebGPU backend (Dawn in Node; SwiftShader on CPU-only machines,
 * see vitest.config.ts) agrees with the cpu backend on the real MobileNet and Tiny Darknet, reads
 * back asynchronously and leaks no tensors. Skipped, with the reason printed, without an adapter
 * or the pretrained files.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { releaseNodeWebGpu, selectNodeBackend } from '../../../core/backend/nodeWebgpu';
import { Rng } from '../../../core/rng/rng';
import { MOBILENET_V1, TINY_DARKNET, type Backbone } from './backbones';
import { createFeatureExtractor } from './extractor';
import { loadBackboneModel } from './pipeline';

const modelsDir = resolve(__dirname, '../../../../../shared/models');
const available = existsSync(join(modelsDir, 'mobilenet_v1_1.0_224', 'model.json')) && existsSync(join(modelsDir, 'tiny-darknet', 'model.json'));
if (!available) console.log(`extractor.webgpu.test: skipped, no pretrained models at ${modelsDir}`);

const picked = (dir: string) => new Map(readdirSync(join(modelsDir, dir)).map((f) => [f, new Blob([readFileSync(join(modelsDir, dir, f))])]));

afterAll(async () => {
  releaseNodeWebGpu();
  await tf.setBackend('cpu');
});

describe.skipIf(!available)('feature extraction on WebGPU', () => {
  it('matches the cpu backend for MobileNet v1 and Tiny Darknet (72×60 image)', async (ctx) => {
    const rng = new Rng(21);
    const rgb = { data: Float32Array.from({ length: 72 * 60 * 3 }, () => rng.next()), width: 72, height: 60 };
    const cases: [Backbone, string][] = [[MOBILENET_V1, 'mobilenet_v1_1.0_224'], [TINY_DARKNET, 'tiny-darknet']];
    await tf.setBackend('cpu');
    const cpu: Float32Array[] = [];
    const models: tf.LayersModel[] = [];
    for (const [b, dir] of cases) {
      const model = await loadBackboneModel(b, { kind: 'localFiles', files: picked(dir) });
      models.push(model);
      const ex = createFeatureExtractor(model, b.defaultLayers, b.normalise);
      cpu.push(ex.extractSync(rgb));
      ex.dispose();
    }
    const sel = await selectNodeBackend('webgpu', () => undefined);
    if (sel.backend !== 'webgpu') {
      console.log(`extractor.webgpu.test: skipped, no WebGPU (${sel.fallbackReason})`);
      models.forEach((m) => m.dispose());
      ctx.skip();
      return;
    }
    for (const [i, [b]] of cases.entries()) {
      const ex = createFeatureExtractor(models[i], b.defaultLayers, b.normalise);
      await ex.extract(rgb); // warm-up: weights move to the GPU, shaders compile
      const before = tf.memory().numTensors;
      const gpu = await ex.extract(rgb);
      expect(tf.memory().numTensors).toBe(before);
      expect(gpu.length).toBe(896);
      let worst = 0;
      for (let k = 0; k < gpu.length; k++) worst = Math.max(worst, Math.abs(gpu[k] - cpu[i][k]) / (1e-2 + Math.abs(cpu[i][k])));
      expect(worst, b.id).toBeLessThan(1e-3);
      ex.dispose();
      models[i].dispose();
    }
  });
});
