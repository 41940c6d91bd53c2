/**
 * MobileNet v1 feature-extraction speed per tfjs backend, shared by bench/phenotype.ts (section 3)
 * and bench/suite.ts: the model is loaded from a local folder once per backend, one warm-up batch
 * per image set, then the median of timed batches within a budget. Preprocessing is not timed.
 */
import * as tf from '@tensorflow/tfjs';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectStyleBackend } from './style';
import { budgetedRepeats, fmt, fmtMs, median } from './phenotype';
import { demoImageToDecoded, generateDemoImage } from '../../src/pipelines/phenotype/demo/plate';
import { MOBILENET_V1 } from '../../src/pipelines/phenotype/features/backbones';
import { createFeatureExtractor } from '../../src/pipelines/phenotype/features/extractor';
import { loadBackboneModel } from '../../src/pipelines/phenotype/features/pipeline';
import { preprocessImage, type RgbImage } from '../../src/pipelines/phenotype/features/preprocess';

export const FEATURE_BATCH = 8;

export type FeatureBackend = 'cpu' | 'wasm' | 'webgpu';
export const featureBackends: readonly FeatureBackend[] = ['cpu', 'wasm', 'webgpu'];

/** Every file of a model folder, for loadBackboneModel's { kind: 'localFiles' } source. */
export function localFiles(dir: string): Map<string, Blob> {
  return new Map(readdirSync(dir).map((f) => [f, new Blob([readFileSync(join(dir, f))])]));
}

export interface ImageSet {
  name: string;
  size: string;
  images: RgbImage[];
}

/** `count` preprocessed demo-plate images (96², the synthetic screening plate). */
export function demoImageSet(count: number): ImageSet {
  return { name: 'demo plate', size: '96²', images: Array.from({ length: count }, (_, i) => preprocessImage(demoImageToDecoded(generateDemoImage({}, i)))) };
}

export interface FeatureTiming {
  backend: FeatureBackend;
  error?: string;
  loadMs?: number;
  sets: { name: string; warmupMs: number; batchMs: number[]; imagesPerSecond: number }[];
}

/**
 * Images/s of MobileNet v1 (default layer set) on each backend for each image set: batches of
 * FEATURE_BATCH, one warm-up batch per set, then up to `maxBatches` (default 5; 2 when quick) timed
 * batches within `budgetMs` (default 8 s) — at least two unless quick or the warm-up alone exceeded
 * the budget. A backend that cannot be initialised is reported with its error.
 */
export async function timeFeatureExtraction(
  backends: readonly FeatureBackend[],
  modelDir: string,
  sets: readonly ImageSet[],
  opts: { quick: boolean; budgetMs?: number; log?: (line: string) => void },
): Promise<FeatureTiming[]> {
  const log = opts.log ?? ((s: string) => console.log(s));
  const budgetMs = opts.budgetMs ?? 8000;
  const out: FeatureTiming[] = [];
  for (const backend of backends) {
    const r: FeatureTiming = { backend, sets: [] };
    out.push(r);
    try {
      await selectStyleBackend(backend);
    } catch (e) {
      r.error = e instanceof Error ? e.message : String(e);
      log(`\n[features] ${backend}: not available (${r.error})`);
      continue;
    }
    log(`\n[features] backend ${tf.getBackend()}`);
    const before = tf.memory().numTensors;
    const t0 = performance.now();
    const model = await loadBackboneModel(MOBILENET_V1, { kind: 'localFiles', files: localFiles(modelDir) });
    r.loadMs = performance.now() - t0;
    const ex = createFeatureExtractor(model, MOBILENET_V1.defaultLayers, MOBILENET_V1.normalise);
    const timedBatch = async (images: RgbImage[]) => {
      const t = performance.now();
      await ex.extractBatch(images, FEATURE_BATCH);
      return performance.now() - t;
    };
    try {
      for (const set of sets) {
        const batch = (b: number) => set.images.slice(b * FEATURE_BATCH, (b + 1) * FEATURE_BATCH);
        const warmupMs = await timedBatch(batch(0));
        let b = 1;
        const min = opts.quick || warmupMs > budgetMs ? 1 : 2;
        const times = await budgetedRepeats(() => timedBatch(batch(b++)), { min, max: opts.quick ? 2 : 5, budgetMs });
        const ips = (FEATURE_BATCH * 1000) / median(times);
        r.sets.push({ name: set.name, warmupMs, batchMs: times, imagesPerSecond: ips });
        log(`  ${set.name}: warm-up batch ${fmtMs(warmupMs)} ms, then ${times.map(fmtMs).join(', ')} ms per batch of ${FEATURE_BATCH} → ${fmt(ips, 1)} images/s`);
      }
    } finally {
      ex.dispose();
      model.dispose();
    }
    const leaked = tf.memory().numTensors - before;
    if (leaked !== 0) log(`  warning: ${leaked} tensors left after disposing the model`);
  }
  return out;
}
