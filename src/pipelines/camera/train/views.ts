/**
 * The experiment's figures beyond accuracy: crop-position accuracy heatmaps (Figs 6.8/6.9) and the
 * adversarial comparison of a Balanced and a Disjoint model on the same image (Fig 6.5).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../core/rng/rng';
import type { Classifier } from '../../style/experiment/classifier';
import { averageHeatmaps, CropAccumulator, relativeHeatmap, sampleCropPositions } from '../lab/cropHeatmap';
import type { CameraItem } from '../lab/labels';
import { localMeanThreshold, type ThresholdOptions } from '../lab/threshold';
import { adversarialAttack, classifierLogits, type AdversarialResult } from './adversarial';
import { predictLabels } from './evaluate';
import { inputBatch, type CameraImageSet } from './train';
import type { CameraExperimentConfig } from './presets';
import type { HeatmapResult, AdversarialView, AdversarialExperiment } from './types';
import type { ExperimentData, ExperimentSplits } from './data';

// ---------------------------------------------------------------------------------------------
// Heatmaps and adversarial view

/** Crop-position accuracy heatmaps of a crop-trained camera classifier on a set (Figs 6.8/6.9). */
export async function cropHeatmaps(c: Classifier, set: CameraImageSet, items: readonly CameraItem[], opts: { cropSize: number; cropsPerImage: number; grid: number; seed: number; batchSize: number; checkpoint?: () => Promise<void>; onImage?: (done: number, total: number) => void }): Promise<HeatmapResult> {
  const n = set.labels.length;
  const grids = [];
  const perImage: HeatmapResult['perImage'] = [];
  const shown = new Set<number>();
  let right = 0, total = 0;
  for (let i = 0; i < n; i++) {
    const crops = sampleCropPositions(set.width, set.height, opts.cropsPerImage, new Rng(opts.seed).fork(i), opts.cropSize);
    const { predicted } = await predictLabels(c, crops.length, (s, m) => {
      const b = inputBatch(set, new Array(m).fill(i), 'crop32', { crops: crops.slice(s, s + m), cropSize: opts.cropSize });
      return tf.tensor4d(b.data, b.shape);
    }, opts.batchSize, opts.checkpoint);
    const acc = new CropAccumulator(set.width, set.height, opts.cropSize);
    crops.forEach((p, k) => acc.add(p.x, p.y, predicted[k] === set.labels[i]));
    right += acc.correctCrops;
    total += acc.crops;
    const grid = acc.grid(opts.grid);
    grids.push(grid);
    const cam = set.cameras![i];
    if (!shown.has(cam)) {
      shown.add(cam);
      perImage.push({ camera: items[i].camera, cls: items[i].cls, item: items[i].id, accuracy: acc.correctCrops / acc.crops, grid: Array.from(grid.accuracy) });
    }
    opts.onImage?.(i + 1, n);
  }
  const avg = averageHeatmaps(grids);
  return { cropSize: opts.cropSize, grid: opts.grid, cropsPerImage: opts.cropsPerImage, cropAccuracy: total ? right / total : NaN, perImage, average: Array.from(avg.mean), relative: Array.from(relativeHeatmap(avg.mean)) };
}

const toRgba = (rgb: Float32Array): Uint8ClampedArray => {
  const out = new Uint8ClampedArray((rgb.length / 3) * 4);
  for (let p = 0, q = 0; p < rgb.length; p += 3, q += 4) {
    out[q] = rgb[p] * 255;
    out[q + 1] = rgb[p + 1] * 255;
    out[q + 2] = rgb[p + 2] * 255;
    out[q + 3] = 255;
  }
  return out;
};

/** Share of Σ|δ| that falls on the batch code (threshold mask dilated by `radius`), and the mask's area share. */
export function codeShare(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, perturbation: Float32Array, threshold: ThresholdOptions, radius: number): { share: number; area: number } {
  const mask = localMeanThreshold({ width, height, data: rgba }, threshold);
  const dil = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!mask[y * width + x]) continue;
      for (let dy = -radius; dy <= radius; dy++) {
        for (let dx = -radius; dx <= radius; dx++) {
          const yy = y + dy, xx = x + dx;
          if (yy >= 0 && yy < height && xx >= 0 && xx < width) dil[yy * width + xx] = 1;
        }
      }
    }
  }
  let on = 0, all = 0, area = 0;
  for (let p = 0; p < dil.length; p++) {
    const a = Math.abs(perturbation[3 * p]) + Math.abs(perturbation[3 * p + 1]) + Math.abs(perturbation[3 * p + 2]);
    all += a;
    if (dil[p]) {
      on += a;
      area++;
    }
  }
  return { share: all > 0 ? on / all : NaN, area: area / dil.length };
}

/**
 * Fig 6.5: pick a Manufacturer 2 test image (from a camera the Disjoint set gives to Manufacturer 2,
 * classified correctly by both models when possible) and flip it to Manufacturer 1 under each model.
 */
export async function adversarialComparison(
  models: { balanced: Classifier; disjoint: Classifier },
  data: ExperimentData,
  splits: ExperimentSplits,
  predictions: { balanced: Int32Array; disjoint: Int32Array },
  config: CameraExperimentConfig,
  checkpoint?: () => Promise<void>,
): Promise<AdversarialExperiment> {
  const { classes } = splits;
  const [source, target] = [1, 0];
  const test = splits.test.items;
  const mappedCams = new Set(splits.trainings.disjoint?.mapping?.[classes[source]] ?? []);
  const candidates = test.map((it, k) => ({ it, k })).filter(({ it }) => it.cls === classes[source]);
  if (!candidates.length) throw new Error(`No test image of class '${classes[source]}' to perturb`);
  const score = ({ it, k }: (typeof candidates)[number]) => (mappedCams.has(it.camera) ? 2 : 0) + (predictions.balanced[k] === source && predictions.disjoint[k] === source ? 4 : 0) + (predictions.disjoint[k] === source ? 1 : 0);
  const chosen = candidates.reduce((b, c) => (score(c) > score(b) ? c : b)).it;
  const rgba = data.images[chosen.id];
  const { width, height } = data;
  const one: CameraImageSet = { width, height, images: [rgba], labels: Int32Array.of(source) };
  const x = inputBatch(one, [0], 'full').data;
  const radius = Math.max(1, Math.round(width / 256));
  const views: AdversarialView[] = [];
  for (const name of ['balanced', 'disjoint'] as const) {
    const blank = { model: name, flipped: false, steps: 0, originalPrediction: '', finalPrediction: '', probabilitiesBefore: [], probabilitiesAfter: [], maxAbs: 0, meanAbs: 0, codeShare: NaN, codeArea: NaN, amplified: new Uint8ClampedArray(0), overlay: new Uint8ClampedArray(0) };
    try {
      const r: AdversarialResult = await adversarialAttack(classifierLogits(models[name]), x, height, width, { target, ...config.adversarial, checkpoint });
      const cs = codeShare(rgba, width, height, r.perturbation, config.threshold, radius);
      views.push({
        model: name,
        flipped: r.flipped,
        steps: r.steps,
        originalPrediction: classes[r.originalPrediction],
        finalPrediction: classes[r.finalPrediction],
        probabilitiesBefore: r.probabilitiesBefore,
        probabilitiesAfter: r.probabilitiesAfter,
        maxAbs: r.maxAbs,
        meanAbs: r.meanAbs,
        codeShare: cs.share,
        codeArea: cs.area,
        amplified: toRgba(r.amplified),
        overlay: toRgba(r.overlay),
      });
    } catch (e) {
      if (e instanceof Error && e.name === 'JobCancelled') throw e;
      views.push({ ...blank, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return { item: chosen.id, camera: chosen.camera, cls: chosen.cls, target: classes[target], width, height, image: Uint8ClampedArray.from(rgba), views };
}
