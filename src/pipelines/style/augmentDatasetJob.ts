/**
 * Job 'style-augment-dataset': a folder of images → a zip of style-augmented copies (thesis §4.3)
 * plus `augmentations.json`, which records the seed, the options, the statistics' source, and
 * every copy's StyleRecord (with its z) and traditional-augmentation record, so each output can be
 * replayed exactly (StyleAugmenter.replay + augment's executeRecord). Files that cannot be decoded
 * are listed in the JSON and in the result, not fatal.
 *
 * Image i (in sorted path order) is batch i of the style randomisation and copy k its k-th image,
 * the same indexing as the panel's preview (service/styleCore.ts).
 */
import { encode as encodePng } from 'fast-png';
import type { JobContext, JobHandler } from '../../core/jobs/protocol';
import { stripCommonRoot } from '../../core/data/labels';
import { normalisePath } from '../../core/data/path';
import { isLikelyImagePath } from '../../core/data/sniff';
import { makeZip, uniqueEntryNames } from '../../core/export/zip';
import { defaultModelCache, type ModelCache } from '../../core/models/cache';
import { loadModelFiles, type ModelSource } from '../../core/models/loader';
import { getModel } from '../../core/models/registry';
import type { AugmentRecord } from './augment';
import { StyleAugmenter, validateEmbeddingStats, validateStyleOptions, type StyleRandomOptions, type StyleRecord } from './randomize';
import { StyleNetwork } from './tflite';
import { decodeImageFile, decodeWithCanvas, type DecodeFn } from '../../core/data/decode';
import { decodedToRgb, resizeLongest, rgbToRgba8, type RgbImage } from './service/imageRgb';
import { PREDICTOR_ID, DEFAULT_TRANSFORMER, type TransformerId } from './service/protocol';
import { planStyle, renderCopy, rgbTensor, styleRecordsFor, tensorToRgb, traditionalRecordFor, traditionalSeed, traditionalSpec, type StyleSettings } from './service/styleCore';

export interface StyleAugmentDatasetParams {
  files: { path: string; blob: Blob }[];
  options: StyleRandomOptions;
  /** Augmented copies written per image (≥ 1). */
  copies: number;
  /** Longest side of the written images in pixels; null keeps each image's size. */
  maxSide: number | null;
  traditional: boolean;
  /** "Style from this image": its P(s) replaces the random style of Eq 4.8. */
  styleImage?: { name: string; z: number[] } | null;
  /** EmbeddingStats JSON (validated here). */
  stats: unknown;
  /** Where the Magenta files come from (loaded and sha256-verified in the worker), or their bytes. */
  models: { source: ModelSource; transformerId?: TransformerId } | { predictor: Uint8Array | ArrayBuffer; transformer: Uint8Array | ArrayBuffer; transformerId?: TransformerId };
  /** Also write each (resized) original as `<name>_orig.png`. */
  includeOriginals?: boolean;
  /** Square size of the content for P(c) (default 256, the predictor's training size). */
  predictorSize?: number;
  /** Name of the zip (without .zip). */
  name?: string;
}

export interface StyleAugmentOutput {
  file: string;
  copy: number;
  style: StyleRecord;
  /** This copy's traditional transforms (its entry of the image's record), or null. */
  traditional: AugmentRecord['images'][number] | null;
}

export interface StyleAugmentImageEntry {
  source: string;
  batchIndex: number;
  width: number;
  height: number;
  originalWidth: number;
  originalHeight: number;
  /** P(c) when some copy needed it (α < 1). */
  contentEmbedding: number[] | null;
  original: string | null;
  /** The image's full traditional-augmentation record (replay with executeRecord), or null. */
  traditionalRecord: AugmentRecord | null;
  outputs: StyleAugmentOutput[];
}

export interface StyleAugmentManifest {
  format: 'cv-workbench/style-augmentation';
  version: 1;
  createdAt: string;
  seed: number;
  options: StyleRandomOptions;
  copies: number;
  maxSide: number | null;
  predictorSize: number;
  models: Record<string, { file: string; sha256: string }>;
  styleStats: { file: string; source: string; count: number; predictor: string; createdAt: string; ridge: number };
  styleImage: { name: string; z: number[] } | null;
  traditional: { seed: number; spec: ReturnType<typeof traditionalSpec> } | null;
  images: StyleAugmentImageEntry[];
  problems: { path: string; message: string }[];
  replay: string;
}

export interface StyleAugmentDatasetResult {
  fileName: string;
  images: number;
  outputs: number;
  stylised: number;
  problems: { path: string; message: string }[];
  bytes: number;
}

/** What the job posts as its last partial result: the zip itself (kept out of the persisted job record). */
export interface StyleAugmentZipPartial {
  kind: 'zip';
  zip: Blob;
  fileName: string;
}

const REPLAY_NOTE =
  'Each output is T(c, z) for its style record (c = the source image resized so its longest side is maxSide, ' +
  'z as recorded; not stylised = c unchanged), followed by its traditional transforms (the image\'s ' +
  'traditionalRecord with executeRecord and the recorded spec). StyleAugmenter.replay and augment/executeRecord ' +
  'reproduce the pixels on the same backend.';

/** "cls/a.jpg", copy 2 → "cls/a_aug2.png" (the extension is replaced; folders are kept). */
export function augmentedEntryName(path: string, copy: number | 'orig'): string {
  const p = normalisePath(path);
  const slash = p.lastIndexOf('/');
  const dot = p.lastIndexOf('.');
  const stem = dot > slash + 1 ? p.slice(0, dot) : p;
  return `${stem}_${copy === 'orig' ? 'orig' : `aug${copy}`}.png`;
}

/**
 * Zip entry names for every output: folder structure relative to the dropped root (the root
 * folder itself is dropped when every file shares it, the class folder is kept), sanitised and
 * unique (so two sources that differ only in extension do not overwrite each other).
 */
export function outputNames(paths: readonly string[], copies: number, includeOriginals: boolean): { original: string | null; copies: string[] }[] {
  const rel = stripCommonRoot([...paths], 1);
  const flat: string[] = [];
  for (const p of rel) {
    if (includeOriginals) flat.push(augmentedEntryName(p, 'orig'));
    for (let k = 0; k < copies; k++) flat.push(augmentedEntryName(p, k));
  }
  const unique = uniqueEntryNames(flat);
  let i = 0;
  return rel.map(() => ({ original: includeOriginals ? unique[i++] : null, copies: Array.from({ length: copies }, () => unique[i++]) }));
}

/** 8-bit RGB PNG of an image in [0, 1]. */
export function encodeRgbPng(img: RgbImage): Uint8Array {
  const rgba = rgbToRgba8(img);
  const rgb = new Uint8Array(img.width * img.height * 3);
  for (let p = 0, q = 0; p < rgba.length; p += 4, q += 3) {
    rgb[q] = rgba[p];
    rgb[q + 1] = rgba[p + 1];
    rgb[q + 2] = rgba[p + 2];
  }
  return encodePng({ width: img.width, height: img.height, data: rgb, channels: 3, depth: 8 });
}

export interface AugmentDatasetDeps {
  /** Decoder for non-TIFF files (browser: createImageBitmap; Node: decodeImageNode). */
  decode: DecodeFn;
  /** Where verified model files are cached (default: Cache Storage of the page/worker). */
  cache?: ModelCache;
}

async function loadNetwork(params: StyleAugmentDatasetParams, ctx: JobContext, deps: AugmentDatasetDeps) {
  const transformerId = params.models.transformerId ?? DEFAULT_TRANSFORMER;
  if ('source' in params.models) {
    const source = params.models.source;
    const bytes: Record<string, ArrayBuffer> = {};
    const models: Record<string, { file: string; sha256: string }> = {};
    for (const id of [PREDICTOR_ID, transformerId]) {
      const entry = getModel(id);
      const files = await loadModelFiles(entry, source, {
        cache: deps.cache ?? defaultModelCache(),
        onProgress: (p) => ctx.progress(p.loaded, p.total, `${p.phase === 'download' ? 'downloading' : p.phase} ${p.file}`),
      });
      bytes[id] = files.get(entry.files[0].name)!;
      models[id] = { file: entry.files[0].name, sha256: entry.files[0].sha256 ?? '' };
    }
    return { net: StyleNetwork.load({ predictor: bytes[PREDICTOR_ID], transformer: bytes[transformerId] }), models };
  }
  const models = {
    [PREDICTOR_ID]: { file: getModel(PREDICTOR_ID).files[0].name, sha256: '(bytes given by the caller)' },
    [transformerId]: { file: getModel(transformerId).files[0].name, sha256: '(bytes given by the caller)' },
  };
  return { net: StyleNetwork.load({ predictor: params.models.predictor, transformer: params.models.transformer }), models };
}

function checkParams(p: StyleAugmentDatasetParams): void {
  if (!Number.isInteger(p.copies) || p.copies < 1 || p.copies > 64) throw new Error(`Copies per image must be an integer from 1 to 64, got ${p.copies}`);
  if (p.maxSide !== null && !(Number.isInteger(p.maxSide) && p.maxSide >= 8 && p.maxSide <= 4096)) throw new Error(`Output size must be an integer from 8 to 4096 (or keep the original size), got ${p.maxSide}`);
  if (p.files.length === 0) throw new Error('No files to augment: drop a folder of images first');
}

export async function augmentDataset(params: StyleAugmentDatasetParams, ctx: JobContext, deps: AugmentDatasetDeps): Promise<StyleAugmentDatasetResult> {
  checkParams(params);
  const stats = validateEmbeddingStats(params.stats);
  const settings: StyleSettings = { options: params.options, styleEmbedding: params.styleImage?.z ?? null, traditional: params.traditional };
  const includeOriginals = params.includeOriginals ?? false;
  // Sorted paths: the batch index of an image does not depend on the order files were dropped in.
  const problems: { path: string; message: string }[] = [];
  const files = [...params.files]
    .map((f) => ({ ...f, path: normalisePath(f.path) }))
    .filter((f) => {
      if (isLikelyImagePath(f.path)) return true;
      problems.push({ path: f.path, message: 'skipped: not an image file name' });
      return false;
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (files.length === 0) throw new Error(`None of the ${params.files.length} files has an image extension (PNG, JPEG, TIFF, …)`);
  const names = outputNames(files.map((f) => f.path), params.copies, includeOriginals);

  // Check the options before loading anything (the augmenter validates them and the statistics).
  validateStyleOptions(params.options);
  ctx.progress(0, 1, 'loading the style networks');
  const { net, models } = await loadNetwork(params, ctx, deps);
  let augmenter: StyleAugmenter;
  try {
    augmenter = new StyleAugmenter(net, stats, params.options, { predictorSize: params.predictorSize ?? 256 });
  } catch (e) {
    net.dispose();
    throw e;
  }
  const entries: { name: string; data: Uint8Array | string }[] = [];
  const images: StyleAugmentImageEntry[] = [];
  let stylised = 0;
  const total = files.length * params.copies;
  try {
    for (let i = 0; i < files.length; i++) {
      await ctx.checkpoint();
      const f = files[i];
      let rgb: RgbImage;
      let originalWidth = 0, originalHeight = 0;
      try {
        const bytes = new Uint8Array(await f.blob.arrayBuffer());
        const full = decodedToRgb(await decodeImageFile(bytes, f.path, deps.decode));
        originalWidth = full.width;
        originalHeight = full.height;
        rgb = params.maxSide === null ? full : resizeLongest(full, params.maxSide);
        if (rgb.width < 8 || rgb.height < 8) throw new Error(`${rgb.width}×${rgb.height} is smaller than the style transformer's 8×8 minimum`);
      } catch (e) {
        problems.push({ path: f.path, message: (e as Error).message || String(e) });
        continue;
      }
      const image = rgbTensor(rgb);
      try {
        const plan = planStyle(stats, settings, i, params.copies);
        const pc = plan.needsContent ? (await augmenter.contentEmbeddings(image))[0] : undefined;
        const records = styleRecordsFor(stats, settings, i, params.copies, pc);
        const trad = traditionalRecordFor(settings, i, params.copies, rgb.height, rgb.width);
        const entry: StyleAugmentImageEntry = {
          source: f.path, batchIndex: i, width: rgb.width, height: rgb.height, originalWidth, originalHeight,
          contentEmbedding: pc ? Array.from(pc) : null, original: names[i].original, traditionalRecord: trad, outputs: [],
        };
        if (names[i].original) entries.push({ name: names[i].original!, data: encodeRgbPng(rgb) });
        for (let k = 0; k < params.copies; k++) {
          const out = renderCopy(augmenter, image, records[k], trad, k);
          let res: RgbImage;
          try {
            res = await tensorToRgb(out);
          } finally {
            out.dispose();
          }
          const file = names[i].copies[k];
          entries.push({ name: file, data: encodeRgbPng(res) });
          entry.outputs.push({ file, copy: k, style: records[k], traditional: trad ? trad.images[k] : null });
          if (records[k].stylised) stylised++;
          ctx.progress(i * params.copies + k + 1, total, f.path);
          await ctx.checkpoint();
        }
        images.push(entry);
      } finally {
        image.dispose();
      }
    }
  } finally {
    net.dispose();
  }
  if (images.length === 0) throw new Error(`No image could be decoded: ${problems.slice(0, 5).map((p) => `${p.path}: ${p.message}`).join('; ')}`);

  const manifest: StyleAugmentManifest = {
    format: 'cv-workbench/style-augmentation',
    version: 1,
    createdAt: new Date().toISOString(),
    seed: params.options.seed,
    options: params.options,
    copies: params.copies,
    maxSide: params.maxSide,
    predictorSize: augmenter.predictorSize,
    models,
    styleStats: { file: 'style-stats.json', source: stats.source, count: stats.count, predictor: stats.predictor, createdAt: stats.createdAt, ridge: stats.ridge },
    styleImage: params.styleImage ?? null,
    traditional: params.traditional ? { seed: traditionalSeed(params.options.seed), spec: traditionalSpec() } : null,
    images,
    problems,
    replay: REPLAY_NOTE,
  };
  entries.push({ name: 'augmentations.json', data: JSON.stringify(manifest, null, 1) });
  entries.push({ name: 'style-stats.json', data: JSON.stringify(stats) });
  const zip = makeZip(entries, { level: 6 });
  const fileName = `${(params.name ?? 'style-augmented').replace(/[^\w.-]+/g, '_')}.zip`;
  const partial: StyleAugmentZipPartial = { kind: 'zip', zip: new Blob([zip as Uint8Array<ArrayBuffer>], { type: 'application/zip' }), fileName };
  ctx.partial(partial);
  return { fileName, images: images.length, outputs: images.length * params.copies, stylised, problems, bytes: zip.length };
}

/** The job handler (job worker: browser decoding, Cache Storage for the verified model files). */
export const styleAugmentDatasetJob: JobHandler<StyleAugmentDatasetParams, StyleAugmentDatasetResult> = (params, ctx) =>
  augmentDataset(params, ctx, { decode: decodeWithCanvas });
