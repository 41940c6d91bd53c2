/**
 * One call from a registry entry to a ready tf.LayersModel: fetch model.json, work out which
 * shards the (optionally truncated) graph needs, fetch and verify only those, then build.
 */
import type * as tf from '@tensorflow/tfjs';
import { loadLayersModelFromFiles, requiredLayersFiles } from './layers';
import { loadModelFiles, type LoadOptions, type ModelSource } from './loader';
import type { ModelEntry } from './registry';

export interface PretrainedOptions extends Omit<LoadOptions, 'only'> {
  /** Truncate at this layer (see entry.featureLayers) to use a classifier as a feature extractor. */
  outputLayer?: string;
}

export async function loadPretrainedLayersModel(entry: ModelEntry, source: ModelSource, options: PretrainedOptions = {}): Promise<tf.LayersModel> {
  if (entry.format !== 'tfjs-layers') throw new Error(`Model ${entry.id} is ${entry.format}, not a tfjs layers model`);
  const { outputLayer, ...load } = options;
  const json = await loadModelFiles(entry, source, { ...load, only: ['model.json'] });
  const only = requiredLayersFiles(json.get('model.json') as ArrayBuffer, outputLayer);
  const files = await loadModelFiles(entry, source, { ...load, only });
  return loadLayersModelFromFiles(files, { outputLayer });
}
