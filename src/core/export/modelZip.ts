/**
 * Models as zip files in the standard tfjs layout: model.json (topology + weightsManifest) and a
 * single weights.bin shard. The same pair, unzipped, loads with `tf.loadLayersModel('…/model.json')`
 * or with Python's tensorflowjs converter. Models built from raw variables (not LayersModels) use
 * the same layout with format 'workbench-weights' and their own JSON config.
 */
import * as tf from '@tensorflow/tfjs';
import { loadLayersModelFromFiles, weightByteLength } from '../models/layers';
import { makeZip, readZip, type MakeZipOptions } from './zip';

export const WEIGHTS_FORMAT = 'workbench-weights';
const GENERATED_BY = `cv-workbench (TensorFlow.js tfjs-layers v${tf.version.tfjs})`;

export interface ExportOptions {
  /** Stored as model.json's userDefinedMetadata (e.g. {pipeline: 'style-transfer'}). */
  metadata?: Record<string, unknown>;
  zip?: MakeZipOptions;
}

function zipModel(modelJson: object, weights: ArrayBuffer, zipOptions: MakeZipOptions | undefined): Uint8Array {
  return makeZip([
    { name: 'model.json', data: JSON.stringify(modelJson) },
    { name: 'weights.bin', data: new Uint8Array(weights) },
  ], zipOptions);
}

/** Exact-size ArrayBuffer of a byte view (zip entries may be views). */
function ownBuffer(u8: Uint8Array): ArrayBuffer {
  return u8.byteOffset === 0 && u8.byteLength === u8.buffer.byteLength && u8.buffer instanceof ArrayBuffer ? u8.buffer : u8.slice().buffer;
}

function entriesOf(bytes: Uint8Array, what: string): Map<string, ArrayBuffer> {
  const entries = readZip(bytes);
  if (!entries['model.json']) throw new Error(`${what}: the zip has no model.json (entries: ${Object.keys(entries).slice(0, 10).join(', ') || 'none'})`);
  return new Map(Object.entries(entries).map(([k, v]) => [k, ownBuffer(v)]));
}

/** Zip a LayersModel: topology and weights (tfjs saves no optimizer state by default). */
export async function exportLayersModelToZip(model: tf.LayersModel, options: ExportOptions = {}): Promise<Uint8Array> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const a = artifacts as tf.io.ModelArtifacts;
  const modelJson = {
    modelTopology: a.modelTopology,
    format: a.format ?? 'layers-model',
    generatedBy: a.generatedBy ?? GENERATED_BY,
    convertedBy: a.convertedBy ?? null,
    weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs ?? [] }],
    ...(a.trainingConfig ? { trainingConfig: a.trainingConfig } : {}),
    ...(a.userDefinedMetadata || options.metadata ? { userDefinedMetadata: { ...a.userDefinedMetadata, ...options.metadata } } : {}),
  };
  return zipModel(modelJson, tf.io.CompositeArrayBuffer.join(a.weightData), options.zip);
}

/**
 * Load a LayersModel from a zip written by exportLayersModelToZip (or any tfjs model.json +
 * shards); a weight whose shape does not match the topology is named.
 */
export async function importLayersModelFromZip(bytes: Uint8Array): Promise<tf.LayersModel> {
  return loadLayersModelFromFiles(entriesOf(bytes, 'Model zip'));
}

export interface CheckedModelZip {
  /** The same model as a fresh zip: model.json and the shards it names, nothing else. */
  zip: Uint8Array;
  modelJson: Record<string, unknown>;
}

/**
 * Check a model zip (tfjs layers model or workbench weights) and re-pack it. Refused: no
 * model.json, model.json that is not a JSON object with a weightsManifest, a shard the manifest
 * names that is missing, or shards that do not hold exactly the bytes their weights need
 * (truncated weights, shapes that do not match the data). The new zip holds model.json and those
 * shards only, under safe entry names: other entries (a README, a script) are dropped, as a model
 * is data and nothing in it is ever evaluated.
 */
export function repackModelZip(bytes: Uint8Array, what = 'Model zip'): CheckedModelZip {
  const files = entriesOf(bytes, what);
  const jsonBytes = files.get('model.json') as ArrayBuffer;
  let modelJson: unknown;
  try {
    modelJson = JSON.parse(new TextDecoder().decode(jsonBytes));
  } catch (e) {
    throw new Error(`${what}: model.json is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const manifest = isObj(modelJson) ? modelJson.weightsManifest : undefined;
  if (!isObj(modelJson) || !Array.isArray(manifest) || !manifest.every((g) => isObj(g) && Array.isArray(g.paths) && g.paths.every((p) => typeof p === 'string') &&
    Array.isArray(g.weights) && g.weights.every((w) => isObj(w) && typeof w.name === 'string'))) {
    throw new Error(`${what}: model.json has no valid weightsManifest (groups of {paths, weights})`);
  }
  const entries = [{ name: 'model.json', data: new Uint8Array(jsonBytes) }];
  for (const g of manifest as { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[]) {
    const missing = g.paths.filter((p) => !files.has(p));
    if (missing.length) throw new Error(`${what}: weight shard(s) ${missing.join(', ')} named in model.json are missing (entries: ${[...files.keys()].slice(0, 10).join(', ')})`);
    const have = g.paths.reduce((n, p) => n + (files.get(p) as ArrayBuffer).byteLength, 0);
    const need = g.weights.reduce((n, w) => n + weightByteLength(w), 0);
    if (have !== need) {
      throw new Error(`${what}: shard(s) ${g.paths.join(', ')} hold ${have} bytes but their weights (${g.weights.map((w) => `${w.name} ${JSON.stringify(w.shape)}`).join(', ')}) need ${need}: truncated, or shapes that do not match the data`);
    }
    for (const p of g.paths) if (!entries.some((e) => e.name === p)) entries.push({ name: p, data: new Uint8Array(files.get(p) as ArrayBuffer) });
  }
  return { zip: makeZip(entries), modelJson };
}

/** Zip named tensors (e.g. a model's tf.Variables) with a JSON-serialisable config. */
export async function exportWeightsToZip(weights: tf.NamedTensorMap, config: unknown, options: ExportOptions = {}): Promise<Uint8Array> {
  const { data, specs } = await tf.io.encodeWeights(weights);
  const modelJson = {
    format: WEIGHTS_FORMAT,
    generatedBy: GENERATED_BY,
    config,
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
    ...(options.metadata ? { userDefinedMetadata: options.metadata } : {}),
  };
  return zipModel(modelJson, data, options.zip);
}

export interface WeightsZip<C = unknown> {
  config: C;
  weights: tf.NamedTensorMap;
  metadata?: Record<string, unknown>;
}

/** Read a zip written by exportWeightsToZip; the caller owns (and disposes) the tensors. */
export function importWeightsFromZip<C = unknown>(bytes: Uint8Array): WeightsZip<C> {
  const files = entriesOf(bytes, 'Weights zip');
  const json = JSON.parse(new TextDecoder().decode(files.get('model.json'))) as {
    format?: string; config: C; userDefinedMetadata?: Record<string, unknown>;
    weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  if (json.format !== WEIGHTS_FORMAT) throw new Error(`Weights zip: model.json format is "${json.format}", expected "${WEIGHTS_FORMAT}"`);
  const groups = json.weightsManifest ?? [];
  const parts: Uint8Array[] = [];
  for (const g of groups) for (const p of g.paths) {
    const buf = files.get(p);
    if (!buf) throw new Error(`Weights zip: shard "${p}" is missing`);
    parts.push(new Uint8Array(buf));
  }
  const specs = groups.flatMap((g) => g.weights);
  const need = specs.reduce((s, w) => s + weightByteLength(w), 0);
  const have = parts.reduce((s, p) => s + p.byteLength, 0);
  if (need !== have) throw new Error(`Weights zip: weights.bin holds ${have} bytes but the manifest's weights need ${need}`);
  const data = new Uint8Array(have);
  let o = 0;
  for (const p of parts) { data.set(p, o); o += p.byteLength; }
  return { config: json.config, weights: tf.io.decodeWeights(data.buffer, specs), metadata: json.userDefinedMetadata };
}
