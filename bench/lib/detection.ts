/**
 * Shared pieces of the detection CLI (scripts/train-detector.ts) and benchmark (bench/detection.ts):
 * backend selection, the heavy-overlap evaluation set, the "drawn cells" count check on larger
 * images, and metric formatting. Everything here measures; nothing holds a result.
 */
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import { Rng } from '../../src/core/rng/rng';
import type { AssignmentKind } from '../../src/pipelines/detection/assignment';
import type { Box } from '../../src/pipelines/detection/boxes';
import { predict, toDetections } from '../../src/pipelines/detection/inference';
import { inferenceNmsIou } from '../../src/pipelines/detection/assignment';
import { hasHeavyOverlap, type DetectionMetrics } from '../../src/pipelines/detection/metrics';
import type { DetectorWeights } from '../../src/pipelines/detection/model';
import type { TrainingPreset } from '../../src/pipelines/detection/presets';
import { crowdedSimcepParams, randomCell, renderCells, type SimcepParams } from '../../src/pipelines/detection/simcep';
import { simcepBatch, type SimcepBatch } from '../../src/pipelines/detection/train';
import { UsageError } from './args';

export const backendChoices = ['cpu', 'tensorflow', 'webgpu'] as const;
export type BackendChoice = (typeof backendChoices)[number];

/**
 * Selects the tfjs backend. 'cpu' always works in Node (training then uses the typed-array
 * gradients of cpuGradients.ts). 'webgpu' runs the browser's WebGPU kernels through Dawn
 * (src/core/backend/nodeWebgpu.ts; needs a Vulkan driver, see docs/gpu-runner.md). 'tensorflow'
 * needs @tensorflow/tfjs-node-gpu (or -node) installed on the machine (not a dependency here).
 */
export async function selectBackend(name: BackendChoice): Promise<string> {
  if (name === 'tensorflow') {
    let loaded = false;
    for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
      try {
        await import(/* @vite-ignore */ pkg);
        loaded = true;
        break;
      } catch {
        // try the next package
      }
    }
    if (!loaded) throw new UsageError("--backend tensorflow needs '@tensorflow/tfjs-node-gpu' or '@tensorflow/tfjs-node' installed (npm i --no-save @tensorflow/tfjs-node-gpu@4.22)");
  } else if (name === 'webgpu' && tf.getBackend() !== 'webgpu') {
    // Node has no navigator.gpu of its own: install Dawn's (the `webgpu` package), which also
    // registers tfjs's webgpu backend. (The GPU-runner bundle has done this before we get here.)
    const { installNodeWebGpu } = await import('../../src/core/backend/nodeWebgpu');
    const gpu = await installNodeWebGpu();
    if ('error' in gpu) throw new UsageError(`--backend webgpu: ${gpu.error}`);
  }
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch {
    ok = false;
  }
  if (!ok || tf.getBackend() !== name) throw new UsageError(`the tfjs backend '${name}' could not be initialised in this runtime`);
  await tf.ready();
  return tf.getBackend();
}

/** Lets the process exit after a WebGPU run (Dawn keeps Node alive while its GPU object lives). */
export async function releaseBackend(): Promise<void> {
  if (tf.getBackend() !== 'webgpu') return;
  const { releaseNodeWebGpu } = await import('../../src/core/backend/nodeWebgpu');
  releaseNodeWebGpu();
}

/** Silences tfjs's "install tfjs-node" banner on the cpu backend (it goes to console.warn). */
export function quietTfjsBanner(): void {
  const warn = console.warn;
  console.warn = (...a: unknown[]) => {
    if (typeof a[0] === 'string' && a[0].includes('tfjs-node')) return;
    warn(...a);
  };
}

/**
 * The heavy-overlap generator for a preset: the preset's own image size, cell count and cell
 * size, with crowdedSimcepParams' crowding (every cell clustered, overlap allowed up to L = 0.6).
 */
export function heavyOverlapParams(preset: TrainingPreset): SimcepParams {
  return {
    ...preset.simcep,
    clusterCount: crowdedSimcepParams.clusterCount,
    clusterProbability: crowdedSimcepParams.clusterProbability,
    maxOverlap: crowdedSimcepParams.maxOverlap,
  };
}

export interface HeavyOverlapSet {
  batch: SimcepBatch;
  /** Images generated to find `batch`'s (the rest had no ground-truth pair above the IoU). */
  generated: number;
}

/**
 * `size` crowded images that each have a ground-truth pair with IoU > `minPairIou` (0.3, the
 * metrics' heavy-overlap definition), drawn from `new Rng(seed).fork('heavy-overlap')`.
 */
export function heavyOverlapSet(preset: TrainingPreset, seed: number, size: number, minPairIou = 0.3): HeavyOverlapSet {
  const params = heavyOverlapParams(preset);
  const rng = new Rng(seed).fork('heavy-overlap');
  const { width, height } = params;
  const pixels = new Float32Array(size * width * height);
  const boxes: SimcepBatch['boxes'] = [];
  const groundTruth: SimcepBatch['groundTruth'] = [];
  const maxAttempts = 200 * size + 100;
  let generated = 0;
  while (boxes.length < size) {
    if (generated >= maxAttempts) throw new Error(`heavy-overlap set: only ${boxes.length} of ${size} images had a box pair with IoU > ${minPairIou} after ${generated} tries`);
    const one = simcepBatch(params, rng, 1, generated++);
    if (!hasHeavyOverlap(one.boxes[0], minPairIou)) continue;
    pixels.set(one.pixels, boxes.length * width * height);
    boxes.push(one.boxes[0]);
    groundTruth.push(one.groundTruth[0]);
  }
  return { batch: { width, height, pixels, boxes, groundTruth }, generated };
}

export interface DrawnCellsResult {
  size: number;
  /** Per requested cell count: images, images whose positive count was exact, mean |error|. */
  byCount: { cells: number; images: number; exact: number; meanAbsError: number; meanPositives: number }[];
  exactRate: number;
}

/**
 * What the app's drawing panel does: `cells` well separated nuclei (centres at least 4 mean
 * radii apart and 2 radii from the border) of the preset's cell distribution, rendered at
 * size×size under randomly drawn imaging conditions; counts boxes with confidence > 0.5 (after
 * the loss's NMS, if any) against the number of cells.
 */
export async function drawnCellsCheck(
  weights: DetectorWeights,
  preset: TrainingPreset,
  loss: AssignmentKind,
  options: { size?: number; counts?: readonly number[]; imagesPerCount?: number; seed?: number } = {},
): Promise<DrawnCellsResult> {
  const size = options.size ?? 128;
  const counts = options.counts ?? [1, 2, 3, 4, 5];
  const perCount = options.imagesPerCount ?? 20;
  const params: SimcepParams = { ...preset.simcep, width: size, height: size };
  const rng = new Rng(options.seed ?? 7).fork('drawn-cells');
  const radius = preset.simcep.nucleusRadius.mean;
  const byCount: DrawnCellsResult['byCount'] = [];
  let exactAll = 0, imagesAll = 0;
  for (const k of counts) {
    const images: Float32Array[] = [];
    const truth: Box[][] = [];
    for (let n = 0; n < perCount; n++) {
      const r = rng.fork(`${k}-${n}`);
      const centres: [number, number][] = [];
      for (let tries = 0; centres.length < k && tries < 10_000; tries++) {
        const x = r.uniform(2 * radius, size - 2 * radius), y = r.uniform(2 * radius, size - 2 * radius);
        if (centres.every(([cx, cy]) => Math.hypot(cx - x, cy - y) >= 4 * radius)) centres.push([x, y]);
      }
      const cells = centres.map(([x, y]) => randomCell(x, y, params, r));
      const rendered = renderCells(cells, params, r.fork('render'));
      images.push(rendered.image);
      truth.push(rendered.boxes);
    }
    const x = tf.tensor4d(concat(images), [images.length, size, size, 1]);
    const preds = await predict(weights, preset.detector, x);
    x.dispose();
    let exact = 0, absErr = 0, positives = 0;
    preds.forEach((p, i) => {
      const d = toDetections(p, size, size, inferenceNmsIou[loss]);
      const count = d.scores.filter((s) => s > 0.5).length;
      positives += count;
      if (count === truth[i].length) exact++;
      absErr += Math.abs(count - truth[i].length);
    });
    byCount.push({ cells: k, images: perCount, exact, meanAbsError: absErr / perCount, meanPositives: positives / perCount });
    exactAll += exact;
    imagesAll += perCount;
  }
  return { size, byCount, exactRate: exactAll / imagesAll };
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : 'n/a');
export const fixed = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');

/** "TPR 75.3% FPR 19.4% F1 0.773 RMSE 2.28 MAE 1.50 (n images, m GT)". */
export function metricsLine(m: DetectionMetrics): string {
  return `TPR ${pct(m.truePositiveRate)}  FPR ${pct(m.falsePositiveRate)}  F1 ${fixed(m.f1)}  count RMSE ${fixed(m.countRmse, 2)}  MAE ${fixed(m.countMae, 2)}  (${m.images} images, ${m.groundTruth} cells)`;
}

/** The subset of DetectionMetrics stored in checkpoints and JSON (plain numbers). */
export function metricsRecord(m: DetectionMetrics, prefix = ''): Record<string, number> {
  const r: Record<string, number> = {
    images: m.images,
    groundTruth: m.groundTruth,
    truePositiveRate: m.truePositiveRate,
    falsePositiveRate: m.falsePositiveRate,
    precision: m.precision,
    f1: m.f1,
    countRmse: m.countRmse,
    countMae: m.countMae,
  };
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [prefix ? `${prefix}${k[0].toUpperCase()}${k.slice(1)}` : k, v]));
}

export function machineInfo(): { node: string; cpu: string; cores: number; platform: string; tfjs: string } {
  const cpus = os.cpus();
  return { node: process.version, cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, platform: `${os.platform()}-${os.arch()}`, tfjs: tf.version.tfjs };
}

/** Formats seconds as "1 min 23 s" / "45.2 s". */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${Math.round(seconds - 60 * m)} s`;
}
