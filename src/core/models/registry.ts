/**
 * Typed view of models/registry.json: the pretrained models the workbench can fetch, where from,
 * and the hashes every file is checked against. `validateRegistry` turns untrusted JSON (the
 * bundled file, or one a user supplies) into a `Registry`, listing every problem at once.
 */
import registryJson from '../../../models/registry.json';

export type ModelFormat = 'tflite' | 'tfjs-layers' | 'keras-h5';
export type ModelTask = 'classification' | 'feature-extraction' | 'style-prediction' | 'style-transfer';

export const MODEL_FORMATS: readonly ModelFormat[] = ['tflite', 'tfjs-layers', 'keras-h5'];
export const MODEL_TASKS: readonly ModelTask[] = ['classification', 'feature-extraction', 'style-prediction', 'style-transfer'];

export interface ModelFileSpec {
  /** File name inside the model's folder (also the key of the loader's result). */
  name: string;
  /** Other names the file is published under, matched when the user picks a folder. */
  aliases?: string[];
  bytes: number;
  /** Lower-case hex; null when unknown (then `note` says why). */
  sha256: string | null;
  /** Official MD5, used only where no SHA-256 is known (see md5.ts). */
  md5?: string;
  note?: string;
  /** Official public URLs, tried in order. May be empty when only local copies exist. */
  urls: string[];
}

export interface TensorSpec {
  name?: string;
  /** null marks a free (batch) dimension. */
  shape: (number | null)[];
  dtype?: string;
  layout?: string;
  /** Value range expected after normalisation. */
  range?: [number, number];
  /** How raw pixels become the model's input, in words. */
  normalisation?: string;
}

export interface ModelEntry {
  id: string;
  name: string;
  task: ModelTask;
  format: ModelFormat;
  licence: string;
  homepage?: string;
  description: string;
  note?: string;
  /** Folder of the files, relative to a local models base URL or a picked folder. */
  localPath: string;
  inputs: TensorSpec[];
  outputs?: TensorSpec[];
  /** Layer names worth truncating at to use a classifier as a feature extractor. */
  featureLayers?: string[];
  files: ModelFileSpec[];
}

export interface Registry {
  version: 1;
  models: ModelEntry[];
}

export class RegistryError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid model registry:\n  - ${problems.join('\n  - ')}`);
    this.name = 'RegistryError';
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const HEX64 = /^[0-9a-f]{64}$/;
const HEX32 = /^[0-9a-f]{32}$/;
// File names and folder segments end up in URLs and cache keys: keep them to plain path segments.
const SAFE_NAME = /^[A-Za-z0-9._-]+$/;

function checkTensor(t: unknown, at: string, out: string[]): void {
  if (!isObj(t)) { out.push(`${at}: must be an object`); return; }
  if (!Array.isArray(t.shape) || !t.shape.every((d) => d === null || (Number.isInteger(d) && (d as number) > 0))) {
    out.push(`${at}.shape: must be an array of positive integers or null`);
  }
  if (t.range !== undefined && !(Array.isArray(t.range) && t.range.length === 2 && t.range.every((x) => typeof x === 'number') && t.range[0] < t.range[1])) {
    out.push(`${at}.range: must be [min, max] with min < max`);
  }
}

function checkFile(f: unknown, at: string, out: string[]): void {
  if (!isObj(f)) { out.push(`${at}: must be an object`); return; }
  if (!isStr(f.name) || !SAFE_NAME.test(f.name) || f.name === '.' || f.name === '..') out.push(`${at}.name: must be a plain file name ([A-Za-z0-9._-])`);
  if (f.aliases !== undefined && !(Array.isArray(f.aliases) && f.aliases.every((a) => isStr(a) && SAFE_NAME.test(a)))) out.push(`${at}.aliases: must be plain file names`);
  if (!Number.isSafeInteger(f.bytes) || (f.bytes as number) <= 0) out.push(`${at}.bytes: must be a positive integer`);
  if (f.sha256 === null) {
    if (!isStr(f.note)) out.push(`${at}.note: required when sha256 is null (say why the hash is unknown)`);
  } else if (typeof f.sha256 !== 'string' || !HEX64.test(f.sha256)) {
    out.push(`${at}.sha256: must be 64 lower-case hex digits or null`);
  }
  if (f.md5 !== undefined && (typeof f.md5 !== 'string' || !HEX32.test(f.md5))) out.push(`${at}.md5: must be 32 lower-case hex digits`);
  if (!Array.isArray(f.urls) || !f.urls.every((u) => typeof u === 'string' && /^https:\/\/[^\s]+$/.test(u))) {
    out.push(`${at}.urls: must be an array of https URLs`);
  }
}

function checkEntry(m: unknown, at: string, out: string[]): void {
  if (!isObj(m)) { out.push(`${at}: must be an object`); return; }
  for (const k of ['id', 'name', 'licence', 'description', 'localPath'] as const) if (!isStr(m[k])) out.push(`${at}.${k}: must be a non-empty string`);
  if (isStr(m.id) && !SAFE_NAME.test(m.id)) out.push(`${at}.id: must match [A-Za-z0-9._-]+`);
  if (!MODEL_FORMATS.includes(m.format as ModelFormat)) out.push(`${at}.format: must be one of ${MODEL_FORMATS.join(', ')}`);
  if (!MODEL_TASKS.includes(m.task as ModelTask)) out.push(`${at}.task: must be one of ${MODEL_TASKS.join(', ')}`);
  if (isStr(m.localPath) && !m.localPath.split('/').every((s) => SAFE_NAME.test(s) && s !== '.' && s !== '..')) {
    out.push(`${at}.localPath: must be a relative path of plain segments (no '..', no leading '/')`);
  }
  if (!Array.isArray(m.inputs) || m.inputs.length === 0) out.push(`${at}.inputs: must be a non-empty array`);
  else m.inputs.forEach((t, i) => checkTensor(t, `${at}.inputs[${i}]`, out));
  if (m.outputs !== undefined) {
    if (!Array.isArray(m.outputs)) out.push(`${at}.outputs: must be an array`);
    else m.outputs.forEach((t, i) => checkTensor(t, `${at}.outputs[${i}]`, out));
  }
  if (m.featureLayers !== undefined && !(Array.isArray(m.featureLayers) && m.featureLayers.every(isStr))) out.push(`${at}.featureLayers: must be an array of layer names`);
  if (!Array.isArray(m.files) || m.files.length === 0) { out.push(`${at}.files: must be a non-empty array`); return; }
  m.files.forEach((f, i) => checkFile(f, `${at}.files[${i}]`, out));
  const names = m.files.flatMap((f) => (isObj(f) ? [f.name, ...(Array.isArray(f.aliases) ? f.aliases : [])] : []));
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) out.push(`${at}.files: duplicate file name or alias "${String(dup)}"`);
  if (m.format === 'tfjs-layers' && !m.files.some((f) => isObj(f) && f.name === 'model.json')) out.push(`${at}.files: a tfjs-layers model needs a model.json`);
}

/** Check untrusted registry JSON; throws a RegistryError listing every problem found. */
export function validateRegistry(json: unknown): Registry {
  const out: string[] = [];
  if (!isObj(json)) throw new RegistryError(['registry: must be a JSON object']);
  if (json.version !== 1) out.push(`version: expected 1, got ${JSON.stringify(json.version)}`);
  if (!Array.isArray(json.models)) {
    out.push('models: must be an array');
  } else {
    json.models.forEach((m, i) => checkEntry(m, `models[${i}]${isObj(m) && isStr(m.id) ? ` (${m.id})` : ''}`, out));
    const ids = json.models.map((m) => (isObj(m) ? m.id : undefined));
    const dup = ids.find((id, i) => id !== undefined && ids.indexOf(id) !== i);
    if (dup !== undefined) out.push(`models: duplicate id "${String(dup)}"`);
  }
  if (out.length) throw new RegistryError(out);
  return json as unknown as Registry;
}

let bundled: Registry | undefined;

/** The registry shipped with the app (models/registry.json), validated once. */
export function getRegistry(): Registry {
  bundled ??= validateRegistry(registryJson);
  return bundled;
}

/** Look a model up by id in `registry` (default: the bundled one). */
export function getModel(id: string, registry: Registry = getRegistry()): ModelEntry {
  const entry = registry.models.find((m) => m.id === id);
  if (!entry) throw new Error(`Unknown model "${id}". Known models: ${registry.models.map((m) => m.id).join(', ')}`);
  return entry;
}
