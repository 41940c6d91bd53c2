/**
 * Node helpers of the style-augmentation benchmark (bench/style.ts): reading a folder as the
 * job's `files`, the Magenta and MobileNet files from the shared models folder, backend
 * selection including tfjs's `wasm` backend, and seed/argument parsing.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { selectBackend } from './detection';
import { UsageError } from './args';
import { registerWasmTrainingKernels } from '../../src/core/backend/wasmKernels';

export const styleBackendChoices = ['wasm', 'cpu', 'tensorflow', 'webgpu'] as const;
export type StyleBackendChoice = (typeof styleBackendChoices)[number];

/**
 * 'wasm': tfjs-backend-wasm (XNNPACK convolutions, one thread in Node): about 10× faster than
 * 'cpu' for the style transfer network and the small CNN. The others as in bench/lib/detection.ts.
 */
export async function selectStyleBackend(name: StyleBackendChoice): Promise<string> {
  if (name !== 'wasm') return selectBackend(name);
  await import('@tensorflow/tfjs-backend-wasm');
  registerWasmTrainingKernels();
  let ok = false;
  try {
    ok = await tf.setBackend('wasm');
  } catch {
    ok = false;
  }
  if (!ok || tf.getBackend() !== 'wasm') throw new UsageError("the tfjs backend 'wasm' could not be initialised in this runtime");
  await tf.ready();
  return tf.getBackend();
}

/** Every file below `dir` as {path relative to dir's parent (so the folder name is the common root), blob}. */
export function readFolderFiles(dir: string): { path: string; blob: Blob }[] {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new UsageError(`--data: '${dir}' is not a folder`);
  const out: { path: string; blob: Blob }[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push({ path: relative(resolve(root, '..'), p).split('\\').join('/'), blob: new Blob([readFileSync(p)]) });
    }
  };
  walk(root);
  return out;
}

export function readStyleModels(modelsDir: string, transformer: 'int8' | 'fp16'): { predictor: Uint8Array; transformer: Uint8Array } {
  const dir = resolve(modelsDir, 'magenta-arbitrary-style');
  const need = ['predict_int8.tflite', `transfer_${transformer}.tflite`];
  for (const f of need) if (!existsSync(resolve(dir, f))) throw new UsageError(`Magenta style files not found: ${resolve(dir, f)} (set --models)`);
  return { predictor: new Uint8Array(readFileSync(resolve(dir, need[0]))), transformer: new Uint8Array(readFileSync(resolve(dir, need[1]))) };
}

export function readMobilenetFiles(modelsDir: string): Record<string, ArrayBuffer> {
  const dir = resolve(modelsDir, 'mobilenet_v1_1.0_224');
  if (!existsSync(resolve(dir, 'model.json'))) throw new UsageError(`MobileNet files not found: ${resolve(dir, 'model.json')} (set --models)`);
  const files: Record<string, ArrayBuffer> = {};
  for (const name of readdirSync(dir)) {
    const b = readFileSync(resolve(dir, name));
    files[name] = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }
  return files;
}

/**
 * Seeds from the command line: `--seeds N` means the N seeds 1…N; `--seed-list a,b,c` names them.
 */
export function parseSeeds(count: number | undefined, list: string[] | undefined, fallback: number): number[] {
  if (count !== undefined && list !== undefined) throw new UsageError('give either --seeds N or --seed-list a,b,…, not both');
  if (list) {
    const seeds = list.map((s) => {
      if (!/^\d+$/.test(s)) throw new UsageError(`--seed-list must be non-negative integers, got '${s}'`);
      return Number(s);
    });
    if (new Set(seeds).size !== seeds.length) throw new UsageError('--seed-list has a repeated seed');
    return seeds;
  }
  const n = count ?? fallback;
  if (!(n >= 1)) throw new UsageError(`--seeds must be at least 1, got ${n}`);
  return Array.from({ length: n }, (_, i) => i + 1);
}

/** "mean ± std" in percent. */
export function pctPm(mean: number, std: number): string {
  return `${(100 * mean).toFixed(1)} ± ${(100 * std).toFixed(1)} %`;
}
