/**
 * Glue for the feature step of phenotypic profiling: load a backbone from the model registry
 * (truncated after its deepest feature layer, input freed to any size), and turn a list of
 * decoded microscopy images into an n × dim feature matrix (preprocess → CNN → spatial means).
 */
import type * as tf from '@tensorflow/tfjs';
import type { DecodedImage } from '../../../core/data/types';
import { loadLayersModelFromFiles, parseLayersModelJson, requiredLayersFiles } from '../../../core/models/layers';
import { loadModelFiles, type LoadOptions, type ModelSource } from '../../../core/models/loader';
import { getModel, type Registry } from '../../../core/models/registry';
import { matrix, type Matrix } from '../analysis/matrix';
import type { Backbone } from './backbones';
import { createFeatureExtractor, type LayerDim } from './extractor';
import { preprocessImage, type PreprocessOptions } from './preprocess';
import { loadVgg16FromH5 } from './vgg16';

/** Layer names of a tfjs layers model.json, in topology order. */
export function topologyLayerNames(modelJson: ArrayBuffer | string): string[] {
  const topo = parseLayersModelJson(modelJson).modelTopology as { model_config?: { config?: unknown }; config?: unknown };
  const cfg = topo.model_config?.config ?? topo.config;
  const layers = Array.isArray(cfg) ? cfg : (cfg as { layers?: unknown } | undefined)?.layers;
  if (!Array.isArray(layers)) throw new Error('model.json has no layer list');
  return layers.map((l: { name?: string; config?: { name?: string } }) => l.name ?? l.config?.name ?? '');
}

/** The layer of `layers` that comes last in the topology (the truncation point). */
export function deepestLayer(order: readonly string[], layers: readonly string[]): string {
  let best = -1;
  for (const l of layers) {
    const i = order.indexOf(l);
    if (i < 0) throw new Error(`Layer "${l}" is not in the model (layers: ${order.join(', ')})`);
    best = Math.max(best, i);
  }
  if (best < 0) throw new Error('No feature layers given');
  return order[best];
}

export interface LoadBackboneOptions extends Omit<LoadOptions, 'only'> {
  registry?: Registry;
}

/**
 * A registry backbone as a tf.LayersModel computing `layers` (default: its default set) on images
 * of any size: tfjs layers models are truncated at the deepest requested layer with a free input
 * shape; VGG16 is built from its HDF5 weights up to that layer.
 */
export async function loadBackboneModel(backbone: Backbone, source: ModelSource, layers: readonly string[] = backbone.defaultLayers, opts: LoadBackboneOptions = {}): Promise<tf.LayersModel> {
  if (backbone.modelId === null) throw new Error(`Backbone "${backbone.label}" has no registry model: load the model yourself and pass it to createFeatureExtractor`);
  const { registry, ...load } = opts;
  const entry = getModel(backbone.modelId, registry);
  if (entry.format === 'keras-h5') {
    const name = entry.files[0].name;
    const files = await loadModelFiles(entry, source, { ...load, only: [name] });
    return loadVgg16FromH5(files.get(name) as ArrayBuffer, layers);
  }
  if (entry.format !== 'tfjs-layers') throw new Error(`Model ${entry.id} is ${entry.format}; feature backbones need tfjs-layers or keras-h5`);
  const json = (await loadModelFiles(entry, source, { ...load, only: ['model.json'] })).get('model.json') as ArrayBuffer;
  const outputLayer = deepestLayer(topologyLayerNames(json), layers);
  const files = await loadModelFiles(entry, source, { ...load, only: requiredLayersFiles(json, outputLayer) });
  return loadLayersModelFromFiles(files, { outputLayer, inputShape: [null, null, null, 3] });
}

export interface FeatureSpec {
  backbone: Backbone;
  /** A model computing the layers (see loadBackboneModel); the caller disposes it. */
  model: tf.LayersModel;
  /** Default: backbone.defaultLayers. */
  layers?: readonly string[];
  preprocess?: PreprocessOptions;
}

export interface ExtractOptions {
  /** Called after each image with (done, total). */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface FeatureResult {
  /** One row per image. */
  features: Matrix<Float32Array>;
  layerDims: LayerDim[];
  /** Preprocessing notes per image (alpha ignored, constant channels, downscaling). */
  notes: string[][];
}

/** Features of each image, in order (one image at a time: full-resolution images differ in size). */
export async function extractFeatures(images: readonly DecodedImage[], spec: FeatureSpec, opts: ExtractOptions = {}): Promise<FeatureResult> {
  const ex = createFeatureExtractor(spec.model, spec.layers ?? spec.backbone.defaultLayers, spec.backbone.normalise);
  try {
    const data = new Float32Array(images.length * ex.dim);
    const notes: string[][] = [];
    for (let i = 0; i < images.length; i++) {
      opts.signal?.throwIfAborted();
      const rgb = preprocessImage(images[i], spec.preprocess);
      notes.push(rgb.notes);
      data.set(await ex.extract(rgb), i * ex.dim);
      opts.onProgress?.(i + 1, images.length);
    }
    return { features: matrix(data, images.length, ex.dim), layerDims: ex.layerDims, notes };
  } finally {
    ex.dispose();
  }
}
