/** Test helper (Node only): where the shared Magenta TFLite files are, and whether they exist. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const MODEL_DIR = resolve(process.env.WORKBENCH_MODELS_DIR ?? resolve(import.meta.dirname, '../../../../../shared/models'), 'magenta-arbitrary-style');
export const HAVE_MODELS = existsSync(resolve(MODEL_DIR, 'predict_int8.tflite'));
export const SKIP_REASON = `Magenta TFLite files not found: ${resolve(MODEL_DIR, 'predict_int8.tflite')}`;

export function readModel(name: string): Uint8Array {
  return new Uint8Array(readFileSync(resolve(MODEL_DIR, name)));
}
