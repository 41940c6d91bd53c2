/**
 * `cvwb features`: CNN features (thesis §5.2) of every image under a folder, written as a profile
 * CSV that the Phenotypes panel imports ("import profiles"): `Metadata_File` (path under --in),
 * plate / well / site … read from the file names (the panel's presets, auto-detected), then one
 * column per feature, `<layer>_<channel>` as the panel names them. A JSON summary goes beside it.
 *
 * Same steps as the panel's features job (featuresJob.ts: decode at full resolution, channel →
 * RGB with per-channel percentile normalisation, one multi-output model, batches of same-sized
 * images). Registry backbones come from `--model-dir` or their official URLs, sha256-checked by
 * the model loader either way; a custom tfjs layers model from its folder.
 */
import { openAsBlob } from 'node:fs';
import { join, resolve } from 'node:path';
import { positiveInt, type OptionSpecs, type ParsedArgs } from '../bench/lib/args';
import { decodeKeepingDepth, type DecodeFn } from '../src/core/data/decode';
import { decodeImageNode } from '../src/core/data/nodeDecode';
import { isLikelyImagePath } from '../src/core/data/sniff';
import type { JobContext } from '../src/core/jobs/protocol';
import type { ModelSource } from '../src/core/models/loader';
import { matrix } from '../src/pipelines/phenotype/analysis/matrix';
import { featuriseImages, loadFeatureModel, type FeatureSource, type FeaturisedImages, type PhenotypeFeaturesParams } from '../src/pipelines/phenotype/featuresJob';
import { getBackbone, INPUT_NORMALISATIONS, layersOf, type BackboneId, type InputNormalisation } from '../src/pipelines/phenotype/features/backbones';
import { createFeatureExtractor, type LayerDim } from '../src/pipelines/phenotype/features/extractor';
import { detectPreset, parseFileNames } from '../src/pipelines/phenotype/metadata/filename';
import { profilesToCsv } from '../src/pipelines/phenotype/metadata/profiles';
import { backendChoice, backendOption, selectTfBackend } from './backend';
import {
  besideWithExtension, CliError, isDirectory, listFilesRelative, required, runCliJob, seedOf, toJson, UsageError, writeFileAtomic, type CliIo, type Command,
} from './common';

/** Short names accepted by --backbone, besides the ids. */
const BACKBONE_ALIASES: Record<string, BackboneId> = { mobilenet: 'mobilenet-v1', 'mobilenet-v1': 'mobilenet-v1', 'tiny-darknet': 'tiny-darknet', vgg16: 'vgg16', custom: 'custom' };

const specs: OptionSpecs = {
  in: { type: 'string', help: 'folder of images (searched recursively; PNG, JPEG, TIFF 8/16-bit, any channel count)' },
  out: { type: 'string', help: 'profile CSV to write (a JSON summary is written beside it)' },
  backbone: { type: 'string', choices: Object.keys(BACKBONE_ALIASES), help: 'mobilenet (default), tiny-darknet, vgg16 or custom (a tfjs layers model in --model-dir)' },
  'model-dir': { type: 'string', help: "folder with the model files (the model's own folder or a parent such as ../shared/models); default: the registry's official URLs" },
  layers: { type: 'list', help: "feature layers, comma-separated (default: the backbone's default set; required for custom)" },
  'layer-set': { type: 'string', help: 'a named layer set of the backbone instead of --layers (e.g. bn-5-7-11)' },
  normalisation: { type: 'string', choices: INPUT_NORMALISATIONS, help: 'custom backbone input: unit (default), symmetric or caffe' },
  'batch-size': { type: 'int', help: 'images per forward pass, same-sized runs only (default 8)' },
  'max-side': { type: 'int', help: 'downscale so the longer side is at most this (default: full resolution)' },
  pattern: { type: 'string', help: "file-name metadata: auto (default: the best preset), none, a preset (imagexpress, opera, cellomics, demo, generic) or a regex with named groups" },
  shard: { type: 'string', help: 'K/N: only the K-th of N contiguous parts of the sorted file list (K from 0), for parallel jobs' },
  backend: backendOption,
  seed: { type: 'int', help: 'recorded in the summary (feature extraction itself is deterministic)' },
  help: { type: 'flag', help: 'print this help' },
};

export interface ShardSpec {
  index: number;
  count: number;
}

export function parseShard(value: string | undefined): ShardSpec | null {
  if (value === undefined) return null;
  const m = value.match(/^(\d+)\/(\d+)$/);
  if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) throw new UsageError(`--shard must be K/N with 0 ≤ K < N (e.g. 3/16), got '${value}'`);
  return { index: Number(m[1]), count: Number(m[2]) };
}

/** The K-th of N contiguous, near-equal parts of `items` (keeps a plate's wells together in sorted order). */
export function shardOf<T>(items: readonly T[], shard: ShardSpec | null): T[] {
  if (!shard) return [...items];
  const start = Math.floor((shard.index * items.length) / shard.count);
  const end = Math.floor(((shard.index + 1) * items.length) / shard.count);
  return items.slice(start, end);
}

/** Plate metadata from the file names: the chosen preset or regex, or the best preset ('auto'). */
export function fileNameMetadata(paths: readonly string[], pattern: string): { rows: Record<string, string>[]; used: string | null; unmatched: string[] } {
  if (pattern === 'none') return { rows: paths.map(() => ({})), used: null, unmatched: [] };
  let chosen = pattern;
  if (pattern === 'auto') {
    const detected = detectPreset(paths);
    if (!detected) return { rows: paths.map(() => ({})), used: null, unmatched: [] };
    chosen = detected.preset.name;
  }
  const parsed = parseFileNames(paths, chosen);
  if (parsed.error) throw new UsageError(`--pattern: ${parsed.error}`);
  return { rows: parsed.rows, used: chosen, unmatched: parsed.unmatched };
}

/** Files of a folder keyed by their path under it, as the model loader's "picked folder" source takes them. */
async function localModelFiles(dir: string): Promise<Map<string, Blob>> {
  const files = new Map<string, Blob>();
  for (const p of listFilesRelative(dir)) files.set(p, await openAsBlob(join(dir, p)));
  return files;
}

/** Feature values as text: 9 significant digits restore every float32 exactly and keep the CSV small. */
function float32Rows(rows: readonly Float32Array[], dim: number): Float64Array {
  const data = new Float64Array(rows.length * dim);
  rows.forEach((r, i) => {
    for (let j = 0; j < dim; j++) data[i * dim + j] = Number(r[j].toPrecision(9));
  });
  return data;
}

const decode: DecodeFn = (bytes, path) => decodeKeepingDepth(bytes, path, decodeImageNode);

async function run(args: ParsedArgs, io: CliIo): Promise<number> {
  const inDir = required(args, 'in', 'folder');
  const out = required(args, 'out', 'features.csv');
  if (/\.json$/i.test(out)) throw new UsageError(`--out names the CSV (the .json summary is written beside it), got '${out}'`);
  if (!isDirectory(inDir)) throw new UsageError(`--in: no such folder '${inDir}'`);
  const backboneId = BACKBONE_ALIASES[args.string('backbone') ?? 'mobilenet'];
  const modelDir = args.string('model-dir');
  if (modelDir !== undefined && !isDirectory(modelDir)) throw new UsageError(`--model-dir: no such folder '${modelDir}'`);
  if (args.has('layers') && args.has('layer-set')) throw new UsageError('give either --layers or --layer-set, not both');
  let layers: string[];
  if (backboneId === 'custom') {
    if (!modelDir) throw new UsageError('--backbone custom needs --model-dir <folder with model.json and its weight files>');
    if (args.has('layer-set')) throw new UsageError('--layer-set names a registry backbone\'s set; a custom backbone takes --layers');
    layers = args.list('layers') ?? [];
    if (layers.length === 0) throw new UsageError('--backbone custom needs --layers <layer names, comma-separated>');
  } else {
    if (args.has('normalisation')) throw new UsageError(`--normalisation is for a custom backbone; ${backboneId} has its own`);
    const backbone = getBackbone(backboneId);
    try {
      layers = args.list('layers') ?? layersOf(backbone, args.string('layer-set'));
    } catch (e) {
      throw new UsageError(`--layer-set: ${(e as Error).message}`);
    }
  }
  const batchSize = positiveInt(args, 'batch-size', 8);
  const maxSide = args.has('max-side') ? positiveInt(args, 'max-side', 0, 8) : undefined;
  const shard = parseShard(args.string('shard'));
  const seed = seedOf(args);
  const backend = backendChoice(args.string('backend'));

  const all = listFilesRelative(inDir).filter((p) => isLikelyImagePath(p));
  if (all.length === 0) throw new CliError(`no image files (PNG, JPEG, TIFF, …) under '${inDir}'`);
  const paths = shardOf(all, shard);
  if (paths.length === 0) throw new CliError(`shard ${shard?.index}/${shard?.count} of ${all.length} images is empty; use fewer shards`);
  const meta = fileNameMetadata(paths, args.string('pattern') ?? 'auto');
  if (meta.used) io.err(`features: file-name metadata from the '${meta.used}' pattern (${paths.length - meta.unmatched.length} of ${paths.length} names matched)`);
  const used = await selectTfBackend(backend, io);

  const custom: PhenotypeFeaturesParams['custom'] = backboneId === 'custom'
    ? { files: [...(await localModelFiles(modelDir as string))].map(([name, blob]) => ({ name, blob })), normalisation: (args.string('normalisation') ?? 'unit') as InputNormalisation }
    : undefined;
  const source: ModelSource = modelDir && backboneId !== 'custom' ? { kind: 'localFiles', files: await localModelFiles(modelDir) } : { kind: 'official' };
  const preprocess = maxSide ? { maxSide } : {};
  const sources: FeatureSource[] = paths.map((p, id) => ({ id, path: p, read: async () => new Uint8Array(await (await openAsBlob(join(inDir, p))).arrayBuffer()) }));
  const from = modelDir ? `model files from ${modelDir}` : 'model files from the official URLs';
  io.err(`features: ${paths.length} images${shard ? ` (shard ${shard.index}/${shard.count} of ${all.length})` : ''}, backbone ${backboneId}, layers ${layers.join(', ')}, ${from}${backboneId === 'custom' ? '' : ' (sha256-checked)'}`);

  let layerDims: LayerDim[] = [];
  let dim = 0;
  const t0 = performance.now();
  const result = await runCliJob<null, FeaturisedImages>(io, 'features', 'images', async (_p, ctx: JobContext) => {
    const { model, backbone } = await loadFeatureModel({ backbone: backboneId, layers, source, custom }, ctx);
    const ex = createFeatureExtractor(model, layers, backbone.normalise, { ownsModel: true });
    layerDims = ex.layerDims;
    dim = ex.dim;
    try {
      return await featuriseImages(sources, ex, { preprocess, batchSize, decode }, ctx);
    } finally {
      ex.dispose();
    }
  }, null, seed);
  const seconds = (performance.now() - t0) / 1000;

  const featureNames = layerDims.flatMap((l) => Array.from({ length: l.channels }, (_, c) => `${l.name}_${c}`));
  const metadata = result.ids.map((id) => ({ File: paths[id], ...meta.rows[id] }));
  const csv = profilesToCsv({ features: matrix(float32Rows(result.rows, dim), result.rows.length, dim), featureNames, metadata });
  const outPath = resolve(out);
  writeFileAtomic(outPath, csv);
  if (result.failures.length > 0) io.err(`features: ${result.failures.length} of ${paths.length} images could not be featurised (listed above); the others are in the CSV`);
  if (result.rows.length < 2) io.err('features: fewer than 2 rows: the Phenotypes panel needs at least 2 profiles to import');
  const summary = {
    command: 'features',
    input: resolve(inDir),
    out: outPath,
    rows: result.rows.length,
    features: dim,
    images: paths.length,
    ...(shard ? { shard: { ...shard, of: all.length } } : {}),
    failures: result.failures.map((f) => ({ path: f.path, reason: f.reason })),
    backbone: backboneId,
    layers: layerDims,
    preprocess,
    modelSource: backboneId === 'custom' ? `custom: ${resolve(modelDir as string)}` : modelDir ? resolve(modelDir) : 'official URLs',
    fileNamePattern: meta.used,
    backend: used.backend,
    adapter: used.adapter,
    seed,
    seconds,
    imagesPerSec: result.rows.length / seconds,
  };
  writeFileAtomic(besideWithExtension(outPath, '.json'), toJson(summary));
  io.out(toJson(summary));
  return 0;
}

export const featuresCommand: Command = {
  name: 'features',
  synopsis: 'features --in FOLDER --out features.csv [--backbone mobilenet|tiny-darknet|vgg16|custom --model-dir DIR] [options]',
  specs,
  details: [
    'Columns: Metadata_File, the file-name fields (Metadata_plate, Metadata_well, …), then <layer>_<channel>.',
    'Images that cannot be read are listed on stderr and in the summary; the others are written.',
    '',
    'Examples:',
    '  cvwb features --in plate1/ --out plate1.csv --model-dir ../shared/models',
    '  cvwb features --in plate1/ --out shard3.csv --shard 3/16 --backbone tiny-darknet --model-dir models/',
    '  cvwb features --in crops/ --out f.csv --backbone custom --model-dir my-model/ --layers conv1,conv2',
  ],
  run,
};
