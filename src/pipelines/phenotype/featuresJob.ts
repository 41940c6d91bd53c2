/**
 * Job 'phenotype-features': CNN features (thesis §5.2) of every image of a dataset, cached in
 * IndexedDB under a key made of what produced them (dataset and its size, backbone, layers,
 * preprocessing, model files), so the same request is answered from the cache. Images are read
 * back from the dataset store, decoded at full resolution (16-bit and multi-channel kept), mapped
 * to RGB with per-channel percentile normalisation, and run through one multi-output model in
 * batches of same-sized images. An image that cannot be decoded or preprocessed is listed with its
 * reason and the others go on.
 */
import type * as tf from '@tensorflow/tfjs';
import { decodeKeepingDepth, decodeWithCanvas, type DecodeFn } from '../../core/data/decode';
import type { DatasetItem } from '../../core/data/types';
import type { JobContext, JobHandler } from '../../core/jobs/protocol';
import { defaultModelCache } from '../../core/models/cache';
import { loadLayersModelFromFiles } from '../../core/models/layers';
import type { ModelSource } from '../../core/models/loader';
import { sha256Hex } from '../../core/models/sha256';
import { getFeatures, getFile, getItems, openWorkbenchDb, putFeatures, type FeatureRecord } from '../../core/storage/db';
import { customBackbone, getBackbone, type Backbone, type BackboneId, type InputNormalisation } from './features/backbones';
import { createFeatureExtractor } from './features/extractor';
import { deepestLayer, loadBackboneModel, topologyLayerNames } from './features/pipeline';
import { preprocessImage, type PreprocessOptions, type RgbImage } from './features/preprocess';

export interface PhenotypeFeaturesParams {
  datasetId: string;
  backbone: BackboneId;
  layers: string[];
  preprocess: PreprocessOptions;
  /** Registry backbones: where their files come from. */
  source: ModelSource;
  /** Custom backbone: the files of a tfjs layers model (model.json + shards) and its input normalisation. */
  custom?: { files: { name: string; blob: Blob }[]; normalisation: InputNormalisation };
  /** Images per forward pass (same-sized runs only; default 8). */
  batchSize?: number;
}

export interface PhenotypeFeaturesResult {
  key: string;
  n: number;
  dim: number;
  failures: number;
  cached: boolean;
  imagesPerSec: number | null;
}

/** Cache key: sha256 of everything that determines the features. */
export async function featureCacheKey(p: PhenotypeFeaturesParams, items: readonly Pick<DatasetItem, 'id' | 'bytes'>[]): Promise<string> {
  const custom = p.custom ? { files: p.custom.files.map((f) => [f.name, f.blob.size]), normalisation: p.custom.normalisation } : null;
  const spec = JSON.stringify({ v: 1, dataset: p.datasetId, items: items.map((i) => [i.id, i.bytes]), backbone: p.backbone, layers: p.layers, preprocess: p.preprocess, custom });
  return `features-${(await sha256Hex(new TextEncoder().encode(spec))).slice(0, 32)}`;
}

async function loadModel(p: PhenotypeFeaturesParams, ctx: JobContext): Promise<{ model: tf.LayersModel; backbone: Backbone }> {
  if (p.backbone === 'custom') {
    if (!p.custom || p.custom.files.length === 0) throw new Error('Custom backbone: pick the folder of a tfjs layers model (model.json and its weight files)');
    const files = new Map<string, ArrayBuffer>();
    for (const f of p.custom.files) files.set(f.name.split('/').pop() ?? f.name, await f.blob.arrayBuffer());
    const json = files.get('model.json');
    if (!json) throw new Error(`Custom backbone: no model.json among ${[...files.keys()].join(', ')}`);
    const outputLayer = deepestLayer(topologyLayerNames(json), p.layers);
    const model = await loadLayersModelFromFiles(files, { outputLayer, inputShape: [null, null, null, 3] });
    return { model, backbone: customBackbone({ layers: p.layers, normalisation: p.custom.normalisation }) };
  }
  const backbone = getBackbone(p.backbone);
  let lastMiB = -1;
  const model = await loadBackboneModel(backbone, p.source, p.layers, {
    cache: defaultModelCache(),
    onProgress: (lp) => {
      const mib = Math.floor(lp.loaded / 2 ** 20);
      if (mib !== lastMiB) {
        lastMiB = mib;
        ctx.progress(0, 1, `Loading ${backbone.label}: ${mib} of ${(lp.total / 2 ** 20).toFixed(0)} MiB (${lp.phase})`);
      }
    },
  });
  return { model, backbone };
}

export async function extractDatasetFeatures(p: PhenotypeFeaturesParams, ctx: JobContext, decode: DecodeFn): Promise<PhenotypeFeaturesResult> {
  if (p.layers.length === 0) throw new Error('Choose at least one layer to take features from');
  const db = await openWorkbenchDb();
  const items = await getItems(db, p.datasetId);
  if (items.length === 0) throw new Error('The dataset has no images');
  const key = await featureCacheKey(p, items);
  const hit = await getFeatures(db, key);
  if (hit) {
    ctx.log(`Features found in the cache (${hit.n} × ${hit.dim})`);
    ctx.progress(1, 1, 'Cached');
    return { key, n: hit.n, dim: hit.dim, failures: hit.failures.length, cached: true, imagesPerSec: null };
  }
  ctx.progress(0, items.length, 'Loading the backbone');
  const { model, backbone } = await loadModel(p, ctx);
  const ex = createFeatureExtractor(model, p.layers, backbone.normalise, { ownsModel: true });
  const batchSize = Math.max(1, p.batchSize ?? 8);
  const rows: Float32Array[] = [];
  const itemIds: number[] = [];
  const failures: FeatureRecord['failures'] = [];
  const notes = new Map<string, number>();
  const t0 = performance.now();
  try {
    let pending: { item: DatasetItem; rgb: RgbImage }[] = [];
    const flush = async () => {
      if (pending.length === 0) return;
      const feats = await ex.extractBatch(pending.map((x) => x.rgb), batchSize);
      pending.forEach((x, i) => {
        rows.push(feats[i]);
        itemIds.push(x.item.id);
      });
      pending = [];
    };
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      try {
        const blob = await getFile(db, p.datasetId, item.id);
        if (!blob) throw new Error('its bytes are no longer stored (re-ingest the folder)');
        const img = await decode(new Uint8Array(await blob.arrayBuffer()), item.path);
        const rgb = preprocessImage(img, p.preprocess);
        for (const n of rgb.notes) notes.set(n, (notes.get(n) ?? 0) + 1);
        pending.push({ item, rgb });
      } catch (e) {
        failures.push({ id: item.id, path: item.path, reason: (e as Error).message });
        ctx.log(`${item.path}: ${(e as Error).message}`);
      }
      if (pending.length >= batchSize) await flush();
      ctx.progress(i + 1, items.length, item.path);
      if ((i + 1) % 16 === 0) ctx.partial({ done: i + 1, failures: failures.length });
      await ctx.checkpoint();
    }
    await flush();
  } finally {
    ex.dispose();
  }
  for (const [n, count] of notes) ctx.log(`${n}${count > 1 ? ` (${count} images)` : ''}`);
  if (rows.length === 0) throw new Error(`No image could be featurised: ${failures.slice(0, 3).map((f) => `${f.path}: ${f.reason}`).join('; ')}`);
  const dim = ex.dim;
  const data = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => data.set(r, i * dim));
  const sec = (performance.now() - t0) / 1000;
  await putFeatures(db, {
    key, datasetId: p.datasetId, createdAt: Date.now(),
    spec: { backbone: p.backbone, layers: p.layers, preprocess: p.preprocess, custom: p.custom ? p.custom.files.map((f) => f.name) : null, imagesPerSec: rows.length / sec },
    itemIds, layerDims: ex.layerDims, n: rows.length, dim, data, failures,
  });
  return { key, n: rows.length, dim, failures: failures.length, cached: false, imagesPerSec: rows.length / sec };
}

/** Browser decoding: fast-png for PNG (keeps 16-bit), the canvas for other formats, geotiff for TIFF. */
const workerDecode: DecodeFn = (bytes, path) => decodeKeepingDepth(bytes, path, decodeWithCanvas);

export const phenotypeFeaturesJob: JobHandler<PhenotypeFeaturesParams, PhenotypeFeaturesResult> = (params, ctx) => extractDatasetFeatures(params, ctx, workerDecode);
