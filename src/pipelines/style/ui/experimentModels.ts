/**
 * Model files an experiment needs, fetched on the main thread (sha256-verified and cached by the
 * model loader) and handed to the job as bytes: the Magenta predictor + transformer for the style
 * arms, and the MobileNet v1 files (model.json plus only the shards the truncated backbone needs)
 * for the `mobilenet` classifier.
 */
import { loadModelFiles, type LoadProgress, type ModelSource } from '../../../core/models/loader';
import { defaultModelCache } from '../../../core/models/cache';
import { requiredLayersFiles } from '../../../core/models/layers';
import { getModel } from '../../../core/models/registry';
import type { StyleExperimentParams } from '../experiment/types';

export const STYLE_PREDICTOR_ID = 'magenta-style-predict-int8';
export const STYLE_TRANSFORMER_IDS = { fp16: 'magenta-style-transfer-fp16', int8: 'magenta-style-transfer-int8' } as const;
export const MOBILENET_ID = 'mobilenet-v1-1.0-224';

export interface ModelRequest {
  style: boolean;
  transformer: keyof typeof STYLE_TRANSFORMER_IDS;
  /** Layer the MobileNet backbone is cut at, or null when the classifier is not MobileNet. */
  mobilenetLayer: string | null;
}

export type ModelsForJob = Pick<StyleExperimentParams, 'styleModels' | 'mobilenetFiles'>;

export async function fetchExperimentModels(req: ModelRequest, source: ModelSource, onProgress?: (p: LoadProgress) => void, signal?: AbortSignal): Promise<ModelsForJob> {
  const cache = defaultModelCache();
  const opts = { cache, onProgress, signal };
  const out: ModelsForJob = {};
  if (req.style) {
    const p = await loadModelFiles(getModel(STYLE_PREDICTOR_ID), source, opts);
    const t = await loadModelFiles(getModel(STYLE_TRANSFORMER_IDS[req.transformer]), source, opts);
    out.styleModels = { predictor: new Uint8Array([...p.values()][0]), transformer: new Uint8Array([...t.values()][0]) };
  }
  if (req.mobilenetLayer) {
    const entry = getModel(MOBILENET_ID);
    const json = await loadModelFiles(entry, source, { ...opts, only: ['model.json'] });
    const only = requiredLayersFiles(json.get('model.json') as ArrayBuffer, req.mobilenetLayer);
    const files = await loadModelFiles(entry, source, { ...opts, only });
    out.mobilenetFiles = Object.fromEntries(files);
  }
  return out;
}
