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
import { createFeatureExtractor, type FeatureExtractor } from './features/extractor';
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

/**
 * Cache key: sha256 of everything that determines the features. A custom model counts by the
 * content of its files: a retrained or edited model with the same file names and sizes is a
 * different model.
 */
export async function featureCacheKey(p: PhenotypeFeaturesParams, items: readonly Pick<DatasetItem, 'id' | 'bytes'>[]): Promise<string> {
  const custom = p.custom
    ? { files: await Promise.all(p.custom.files.map(async (f) => [f.name, await sha256Hex(await f.blob.arrayBuffer())])), normalisation: p.custom.normalisation }
    : null;
  const spec = JSON.stringify({ v: 1, dataset: p.datasetId, items: items.map((i) => [i.id, i.bytes]), backbone: p.backbone, layers: p.layers, preprocess: p.preprocess, custom });
  return `features-${(await sha256Hex(new TextEncoder().encode(spec))).slice(0, 32)}`;
}

/**
 * The backbone model truncated after its deepest requested layer: a registry backbone from
 * `p.source` (sha256-checked by the loader), or the custom tfjs layers files. Shared with the CLI.
 */
export async function loadFeatureModel(
  p: Pick<PhenotypeFeaturesParams, 'backbone' | 'layers' | 'source' | 'custom'>,
  ctx: Pick<JobContext, 'progress'>,
): Promise<{ model: tf.LayersModel; backbone: Backbone }> {
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

/** One image to featurise: an id for the caller, its path (for messages) and its bytes on demand. */
export interface FeatureSource {
  id: number;
  path: string;
  read(): Promise<Uint8Array>;
}

export interface FeaturisedImages {
  /** One row per image that could be featurised, in input order. */
  rows: Float32Array[];
  ids: number[];
  failures: FeatureRecord['failures'];
}

/**
 * Decode → preprocess → CNN features for each source, in batches of same-sized images. An image
 * that cannot be read, decoded or preprocessed is listed in `failures` with its reason and the
 * others go on; throws only when no image could be featurised (or on cancel).
 */
export async function featuriseImages(
  sources: readonly FeatureSource[],
  ex: FeatureExtractor,
  opts: { preprocess: PreprocessOptions; batchSize: number; decode: DecodeFn },
  ctx: JobContext,
): Promise<FeaturisedImages> {
  const batchSize = Math.max(1, opts.batchSize);
  const rows: Float32Array[] = [];
  const ids: number[] = [];
  const failures: FeatureRecord['failures'] = [];
  const notes = new Map<string, number>();
  let pending: { source: FeatureSource; rgb: RgbImage }[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const feats = await ex.extractBatch(pending.map((x) => x.rgb), batchSize);
    pending.forEach((x, i) => {
      rows.push(feats[i]);
      ids.push(x.source.id);
    });
    pending = [];
  };
  for (let i = 0; i < sources.length; i++) {
    const source = sources[i];
    try {
      const img = await opts.decode(await source.read(), source.path);
      const rgb = preprocessImage(img, opts.preprocess);
      for (const n of rgb.notes) notes.set(n, (notes.get(n) ?? 0) + 1);
      pending.push({ source, rgb });
    } catch (e) {
      failures.push({ id: source.id, path: source.path, reason: (e as Error).message });
      ctx.log(`${source.path}: ${(e as Error).message}`);
    }
    if (pending.length >= batchSize) await flush();
    ctx.progress(i + 1, sources.length, source.path);
    if ((i + 1) % 16 === 0) ctx.partial({ done: i + 1, failures: failures.length });
    await ctx.checkpoint();
  }
  await flush();
  for (const [n, count] of notes) ctx.log(`${n}${count > 1 ? ` (${count} images)` : ''}`);
  if (rows.length === 0) throw new Error(`No image could be featurised: ${failures.slice(0, 3).map((f) => `${f.path}: ${f.reason}`).join('; ')}`);
  return { rows, ids, failures };
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
  const { model, backbone } = await loadFeatureModel(p, ctx);
  const ex = createFeatureExtractor(model, p.layers, backbone.normalise, { ownsModel: true });
  const sources: FeatureSource[] = items.map((item) => ({
    id: item.id,
    path: item.path,
    read: async () => {
      const blob = await getFile(db, p.datasetId, item.id);
      if (!blob) throw new Error('its bytes are no longer stored (re-ingest the folder)');
      return new Uint8Array(await blob.arrayBuffer());
    },
  }));
  const t0 = performance.now();
  let out: FeaturisedImages;
  try {
    out = await featuriseImages(sources, ex, { preprocess: p.preprocess, batchSize: p.batchSize ?? 8, decode }, ctx);
  } finally {
    ex.dispose();
  }
  const { rows, ids: itemIds, failures } = out;
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
