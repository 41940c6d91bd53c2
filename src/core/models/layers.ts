/**
 * Turns verified tfjs-layers files (model.json + weight shards, as bytes) into a tf.io.IOHandler,
 * so `tf.loadLayersModel` never touches the network. model.json is parsed as JSON data only.
 * Optionally truncates the graph at an intermediate layer (feature extraction), which also drops
 * the shards only pruned layers need: MobileNet's local copy lacks the classifier-side shard.
 * Optionally rewrites the input layer's batch shape, e.g. to [null, null, null, 3] so a fully
 * convolutional (truncated) network accepts images of any size instead of the fixed 224×224.
 */
import * as tf from '@tensorflow/tfjs';

type Json = Record<string, unknown>;
type ManifestGroup = { paths: string[]; weights: tf.io.WeightsManifestEntry[] };

export interface LayersModelJson {
  modelTopology: Json;
  weightsManifest: ManifestGroup[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: tf.io.TrainingConfig;
  userDefinedMetadata?: tf.io.ModelArtifacts['userDefinedMetadata'];
}

export interface LayersFilesOptions {
  /** Name of the model JSON in `files` (default 'model.json'). */
  modelJsonName?: string;
  /** Keep only this layer and its ancestors; it becomes the model's single output. */
  outputLayer?: string;
  /**
   * Replace the input layer's batch shape (same rank; null = free dimension), e.g.
   * [null, null, null, 3] for any batch size and spatial size. Applied after truncation; the model
   * must have exactly one input layer.
   */
  inputShape?: readonly (number | null)[];
}

export class LayersModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LayersModelError';
  }
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Bytes per element as stored in shards (a quantization dtype overrides the logical dtype). */
const STORED_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

export function weightByteLength(w: tf.io.WeightsManifestEntry): number {
  const stored = w.quantization?.dtype ?? w.dtype;
  const per = STORED_BYTES[stored];
  if (per === undefined) throw new LayersModelError(`Weight "${w.name}" has unsupported dtype "${stored}"`);
  if (!Array.isArray(w.shape) || !w.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new LayersModelError(`Weight "${w.name}" has an invalid shape ${JSON.stringify(w.shape)}`);
  }
  return w.shape.reduce((a, b) => a * b, 1) * per;
}

const describe = (w: tf.io.WeightsManifestEntry) => `"${w.name}" ${JSON.stringify(w.shape)} ${w.quantization?.dtype ?? w.dtype}`;

export function parseLayersModelJson(bytes: ArrayBuffer | string): LayersModelJson {
  let json: unknown;
  try {
    json = JSON.parse(typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes));
  } catch (e) {
    throw new LayersModelError(`model.json is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isObj(json) || !isObj(json.modelTopology)) throw new LayersModelError('model.json has no modelTopology object: not a tfjs layers model');
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest) || !manifest.every((g) => isObj(g) && Array.isArray(g.paths) && g.paths.every((p) => typeof p === 'string') &&
    Array.isArray(g.weights) && g.weights.every((w) => isObj(w) && typeof w.name === 'string'))) {
    throw new LayersModelError('model.json has no valid weightsManifest (groups of {paths, weights})');
  }
  return json as unknown as LayersModelJson;
}

/** The Keras model config inside a topology ({model_config: …} or the config itself). */
function modelConfig(topology: Json): Json {
  const cfg = isObj(topology.model_config) ? topology.model_config : topology;
  if (typeof cfg.class_name !== 'string') throw new LayersModelError('modelTopology has no class_name');
  return cfg;
}

function layerList(cfg: Json): Json[] {
  const c = cfg.config;
  const layers = Array.isArray(c) ? c : isObj(c) ? c.layers : undefined; // old Sequential configs are bare arrays
  if (!Array.isArray(layers) || !layers.every(isObj)) throw new LayersModelError('modelTopology has no layer list');
  return layers;
}

const layerName = (l: Json): string => (typeof l.name === 'string' ? l.name : isObj(l.config) && typeof l.config.name === 'string' ? l.config.name : '');

/** Names of layers feeding a functional layer (Keras 2 inbound_nodes: [[[name, node, tensor, kwargs], …], …]). */
function inboundNames(l: Json): string[] {
  const nodes = l.inbound_nodes;
  if (!Array.isArray(nodes)) return [];
  return nodes.flatMap((node) => (Array.isArray(node) ? node : [])).flatMap((t) => (Array.isArray(t) && typeof t[0] === 'string' ? [t[0]] : []));
}

/**
 * Copy of `topology` keeping only `outputLayer` and what it depends on; returns the kept layer
 * names. Supports Keras functional ('Model'/'Functional') and 'Sequential' configs.
 */
export function truncateTopology(topology: Json, outputLayer: string): { topology: Json; kept: Set<string> } {
  const copy = structuredClone(topology);
  const cfg = modelConfig(copy);
  const layers = layerList(cfg);
  const names = layers.map(layerName);
  if (!names.includes(outputLayer)) throw new LayersModelError(`Layer "${outputLayer}" is not in the model (layers: ${names.slice(0, 8).join(', ')}, …)`);

  if (cfg.class_name === 'Sequential') {
    const kept = layers.slice(0, names.indexOf(outputLayer) + 1);
    if (Array.isArray(cfg.config)) cfg.config = kept;
    else (cfg.config as Json).layers = kept;
    return { topology: copy, kept: new Set(kept.map(layerName)) };
  }
  const byName = new Map(layers.map((l) => [layerName(l), l]));
  const kept = new Set<string>();
  const stack = [outputLayer];
  while (stack.length) {
    const n = stack.pop() as string;
    if (kept.has(n)) continue;
    const l = byName.get(n);
    if (!l) throw new LayersModelError(`Layer "${n}" is referenced but not defined in the topology`);
    kept.add(n);
    stack.push(...inboundNames(l));
  }
  const c = cfg.config as Json;
  c.layers = layers.filter((l) => kept.has(layerName(l)));
  if (Array.isArray(c.input_layers)) c.input_layers = c.input_layers.filter((t) => Array.isArray(t) && kept.has(t[0] as string));
  c.output_layers = [[outputLayer, 0, 0]];
  return { topology: copy, kept };
}

/**
 * Copy of `topology` whose single input layer has batch shape `shape` (Keras 2 `batch_input_shape`,
 * Keras 3 `batch_shape`, or a Sequential model's first layer). The rank must stay the same.
 */
export function setInputShape(topology: Json, shape: readonly (number | null)[]): Json {
  if (!shape.every((d) => d === null || (Number.isInteger(d) && d > 0))) {
    throw new LayersModelError(`inputShape ${JSON.stringify(shape)}: each dimension must be a positive integer or null`);
  }
  const copy = structuredClone(topology);
  const cfg = modelConfig(copy);
  const layers = layerList(cfg);
  const hasShape = (l: Json) => isObj(l.config) && (Array.isArray(l.config.batch_input_shape) || Array.isArray(l.config.batch_shape));
  const inputs = cfg.class_name === 'Sequential'
    ? layers.slice(0, 1).filter(hasShape)
    : layers.filter((l) => l.class_name === 'InputLayer');
  if (inputs.length !== 1) {
    throw new LayersModelError(`inputShape needs exactly one input layer with a batch shape; the model has ${inputs.length} (${inputs.map(layerName).join(', ') || 'none'})`);
  }
  const c = inputs[0].config as Json;
  const key = Array.isArray(c.batch_input_shape) ? 'batch_input_shape' : 'batch_shape';
  const old = c[key] as unknown[];
  if (old.length !== shape.length) {
    throw new LayersModelError(`inputShape ${JSON.stringify(shape)} has rank ${shape.length} but input layer "${layerName(inputs[0])}" has batch shape ${JSON.stringify(old)}`);
  }
  c[key] = [...shape];
  return copy;
}

interface Plan {
  topology: Json;
  /** Weights still needed, in manifest order, with the group they live in. */
  weights: { spec: tf.io.WeightsManifestEntry; group: number; offset: number }[];
  /** Manifest group indices that hold at least one needed weight. */
  groups: number[];
}

/** Weight "conv1/kernel" belongs to layer "conv1"; weights of unknown layers are always kept. */
function planLayers(json: LayersModelJson, outputLayer: string | undefined, inputShape?: readonly (number | null)[]): Plan {
  let topology = json.modelTopology;
  let dropped = new Set<string>();
  if (outputLayer !== undefined) {
    const t = truncateTopology(topology, outputLayer);
    topology = t.topology;
    dropped = new Set(layerList(modelConfig(json.modelTopology)).map(layerName).filter((n) => !t.kept.has(n)));
  }
  if (inputShape !== undefined) topology = setInputShape(topology, inputShape);
  const weights: Plan['weights'] = [];
  const groups: number[] = [];
  json.weightsManifest.forEach((g, gi) => {
    let offset = 0;
    let used = false;
    for (const spec of g.weights) {
      if (!dropped.has(spec.name.split('/')[0])) { weights.push({ spec, group: gi, offset }); used = true; }
      offset += weightByteLength(spec);
    }
    if (used) groups.push(gi);
  });
  return { topology, weights, groups };
}

/** Files (model.json + shards) needed to load the model, optionally truncated at `outputLayer`. */
export function requiredLayersFiles(modelJson: ArrayBuffer | string, outputLayer?: string, modelJsonName = 'model.json'): string[] {
  const json = parseLayersModelJson(modelJson);
  const plan = planLayers(json, outputLayer);
  return [modelJsonName, ...plan.groups.flatMap((g) => json.weightsManifest[g].paths)];
}

/**
 * Model artifacts from in-memory files, with every needed shard present and sized exactly as its
 * manifest group's weights require (a mismatch names the weights involved).
 */
export function layersArtifactsFromFiles(files: Map<string, ArrayBuffer>, options: LayersFilesOptions = {}): tf.io.ModelArtifacts {
  const jsonName = options.modelJsonName ?? 'model.json';
  const jsonBytes = files.get(jsonName);
  if (!jsonBytes) throw new LayersModelError(`"${jsonName}" is missing from the model files`);
  const json = parseLayersModelJson(jsonBytes);
  const plan = planLayers(json, options.outputLayer, options.inputShape);

  const groupBytes = new Map<number, Uint8Array>();
  for (const gi of plan.groups) {
    const g = json.weightsManifest[gi];
    const missing = g.paths.filter((p) => !files.has(p));
    if (missing.length) {
      throw new LayersModelError(`Weight shard(s) ${missing.join(', ')} missing; they hold ${g.weights.map(describe).join(', ')}`);
    }
    const parts = g.paths.map((p) => new Uint8Array(files.get(p) as ArrayBuffer));
    const have = parts.reduce((s, p) => s + p.byteLength, 0);
    const need = g.weights.reduce((s, w) => s + weightByteLength(w), 0);
    if (have !== need) {
      let end = 0;
      const overflow = g.weights.find((w) => (end += weightByteLength(w)) > have);
      throw new LayersModelError(overflow
        ? `Weight ${describe(overflow)} needs bytes up to ${end} but shard(s) ${g.paths.join(', ')} hold only ${have}: its shape does not match the shard data`
        : `Shard(s) ${g.paths.join(', ')} hold ${have} bytes but weights ${g.weights.map(describe).join(', ')} need ${need}: shapes do not match the shard data`);
    }
    const all = new Uint8Array(have);
    let o = 0;
    for (const p of parts) { all.set(p, o); o += p.byteLength; }
    groupBytes.set(gi, all);
  }

  // Repack only the needed weights, contiguously, in manifest order.
  const total = plan.weights.reduce((s, w) => s + weightByteLength(w.spec), 0);
  const weightData = new Uint8Array(total);
  let o = 0;
  for (const w of plan.weights) {
    const n = weightByteLength(w.spec);
    weightData.set((groupBytes.get(w.group) as Uint8Array).subarray(w.offset, w.offset + n), o);
    o += n;
  }
  return {
    modelTopology: plan.topology,
    weightSpecs: plan.weights.map((w) => w.spec),
    weightData: weightData.buffer,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? undefined,
    trainingConfig: json.trainingConfig,
    userDefinedMetadata: json.userDefinedMetadata,
  };
}

/** IOHandler for `tf.loadLayersModel(handler)`; validation runs here, eagerly. */
export function layersIOHandlerFromFiles(files: Map<string, ArrayBuffer>, options: LayersFilesOptions = {}): tf.io.IOHandler {
  const artifacts = layersArtifactsFromFiles(files, options);
  return { load: async () => artifacts };
}

/**
 * Build the model, then check each variable's shape against its manifest entry before assigning
 * (tfjs's own check says only "Shape mismatch: [a] vs. [b]").
 */
export async function loadLayersModelFromFiles(files: Map<string, ArrayBuffer>, options: LayersFilesOptions = {}): Promise<tf.LayersModel> {
  const artifacts = layersArtifactsFromFiles(files, options);
  const model = await tf.models.modelFromJSON({ modelTopology: artifacts.modelTopology } as Parameters<typeof tf.models.modelFromJSON>[0]);
  try {
    const specs = new Map((artifacts.weightSpecs ?? []).map((s) => [s.name, s]));
    for (const v of model.weights) {
      const spec = specs.get(v.originalName);
      if (!spec) throw new LayersModelError(`Weight "${v.originalName}" ${JSON.stringify(v.shape)} of the model is not in the weights manifest`);
      if (!tf.util.arraysEqual(spec.shape, v.shape as number[])) {
        throw new LayersModelError(`Weight "${v.originalName}": the model expects shape ${JSON.stringify(v.shape)}, the manifest has ${JSON.stringify(spec.shape)}`);
      }
    }
    const tensors = tf.io.decodeWeights(artifacts.weightData as ArrayBuffer, artifacts.weightSpecs ?? []);
    try {
      model.loadWeights(tensors, true);
    } finally {
      tf.dispose(Object.values(tensors));
    }
    return model;
  } catch (e) {
    model.dispose();
    throw e;
  }
}
