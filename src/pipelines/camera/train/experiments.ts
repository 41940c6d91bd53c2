/**
 * The camera-bias experiments of thesis ch. 6 as one-click presets. Each preset trains one or more
 * rows (task × training set × input mode × augmentation × model) once per seed and reports the
 * final test accuracy as mean ± std beside the thesis's numbers (`THESIS_TABLES`):
 *
 *   camera        camera classification, Balanced training set (Table 6.1)
 *   manufacturer  manufacturer classification trained on Balanced / Partial / Disjoint, with
 *                 per-camera stacked bars (Figs 6.3/6.4) and worst-group accuracy (Table 6.2)
 *   adversarial   Balanced and Disjoint manufacturer models, then perturbations flipping the same
 *                 Manufacturer 2 image to Manufacturer 1 for each (Fig 6.5)
 *   binary        manufacturer and camera classification on local-mean-thresholded images (Table 6.3)
 *   colour        manufacturer and camera classification with strong colour jitter, and camera
 *                 classification on grayscale images (Table 6.4, §6.4.5)
 *   crops         camera classification from random 32×32 crops, with per-image and dataset-averaged
 *                 accuracy heatmaps over crop position (Table 6.5, Figs 6.8/6.9)
 *   halves        camera classification trained on left halves, tested on right halves (Table 6.6)
 *
 * Data: the simulator (sim/, generated here from a seed: every manufacturer × camera cell gets
 * trainPerCell + testPerCell photos) or a user dataset of items {rgba | file, cls, camera}. One
 * balanced test set (every class × camera cell equally) and the training sets come from lab/splits
 * with one split seed, shared by all seeds of an experiment, so the spread over seeds is the
 * spread of training alone. User images are centre-cropped (never resampled, which would blur the
 * camera traces) to a common square side.
 *
 * Configurations: `small` learns within minutes on a 2-core CPU (tfjs wasm) from simulated 128²
 * photos; `thesis` is the thesis's setting (1024² photos, ≈3090 images, a ResNet-18-sized network,
 * Adam at 1e-4) for a GPU.
 *
 * This module runs a preset (`runCameraExperiment`); the thesis numbers, presets and configs are in
 * presets.ts, parameter and result types in types.ts, data and splits in data.ts, heatmaps and the
 * adversarial view in views.ts (all re-exported here).
 */
import * as tf from '@tensorflow/tfjs';
import type { JobContext } from '../../../core/jobs/protocol';
import { Rng } from '../../../core/rng/rng';
import type { DecodedImage } from '../../../core/data/types';
import { defaultKernelPath, loadMobilenetBackbone, type Classifier, type FrozenBackbone } from '../../style/experiment/classifier';
import { meanStd } from '../../style/experiment/summary';
import { auditBias } from '../lab/audit';
import { describeSplit } from '../lab/splits';
import { CAMERAS } from '../sim';
import { type CameraBar, type Evaluation } from './evaluate';
import { createCameraModel, type CameraModelSpec, type WeightsSnapshot } from './models';
import { epochShape } from '../../style/experiment/train';
import { trainClassifier, type EpochPoint, type TrainConfig, type TrainRunResult } from './train';
import { THESIS_TABLES, thesisColumn, PRESETS, type TrainingKind, type ModelRole, MOBILENET_OUTPUT_LAYER, type CameraExperimentConfig, type RowSpec, presetRows, resolveCameraConfig } from './presets';
import type { CameraExperimentParams, RunSummary, RowResult, CameraExperimentResult, CameraExperimentPartial } from './types';
import { type ExperimentData, simulatorData, datasetData, experimentSplits, imageSet } from './data';
import { cropHeatmaps, adversarialComparison } from './views';

export * from './presets';
export * from './types';
export * from './data';
export * from './views';

// ---------------------------------------------------------------------------------------------
// The experiment

/** A trained model of one row and seed, handed to `ExperimentDeps.saveCheckpoint`. */
export interface CameraCheckpoint {
  name: string;
  /** Same for every save of one run (a later epoch replaces the earlier one). */
  key: string;
  weights: WeightsSnapshot;
  /** Everything needed to rebuild and use the model: spec, labels, input size and mode, seeds. */
  meta: { preset: string; row: string; label: string; seed: number; epoch: number; epochs: number; model: CameraModelSpec; labels: string[]; imageSize: number; input: string; augment: string; testAccuracy: number | null };
}

export interface ExperimentDeps {
  decode?: (bytes: Uint8Array, path: string) => Promise<DecodedImage>;
  /** Stores a trained model (after the last epoch of every run, and every `checkpointEvery` epochs). */
  saveCheckpoint?: (c: CameraCheckpoint) => Promise<void>;
}

function validateParams(p: CameraExperimentParams): void {
  if (!PRESETS.includes(p.preset)) throw new Error(`Unknown preset '${p.preset}' (${PRESETS.join(', ')})`);
  if (!Array.isArray(p.seeds) || p.seeds.length === 0) throw new Error('Give at least one seed');
  for (const s of p.seeds) if (!Number.isInteger(s) || s < 0) throw new Error(`Seeds must be non-negative integers, got ${s}`);
  if (new Set(p.seeds).size !== p.seeds.length) throw new Error(`A seed is listed twice: ${p.seeds.join(', ')}`);
  if (!p.source || (p.source.kind !== 'simulator' && p.source.kind !== 'dataset')) throw new Error("The source must be the simulator or a dataset");
  if (p.model === 'mobilenet' && !p.mobilenetFiles) throw new Error('The MobileNet model needs the MobileNet v1 files (model.json and shards)');
}

/** Epoch × step units of a row's runs (progress accounting). */
function rowSteps(row: RowSpec, trainImages: number, config: CameraExperimentConfig, seeds: number): number {
  const epochs = row.input === 'crop32' ? config.crops.epochs : config.train.epochs;
  return seeds * epochs * epochShape(trainImages, config.train.batchSize).steps;
}

/** Run a preset (the job, the benchmark and the tests call this). */
export async function runCameraExperiment(params: CameraExperimentParams, ctx: JobContext, deps: ExperimentDeps = {}): Promise<CameraExperimentResult> {
  const t0 = performance.now();
  validateParams(params);
  const config = resolveCameraConfig(params);
  const backend = tf.getBackend();
  if (params.preset === 'adversarial' && params.model === 'mobilenet' && !tf.getKernel('DepthwiseConv2dNativeBackpropInput', backend)) {
    throw new Error(`The adversarial view needs image gradients through MobileNet's depthwise convolutions, which the '${backend}' backend does not provide; choose the WebGPU or CPU backend, or the ResNet model`);
  }
  const rows = presetRows(params.preset, !!params.withDownsampled);
  const checkpoint = () => ctx.checkpoint();

  // Data.
  let data: ExperimentData;
  let loadUnits: number;
  if (params.source.kind === 'simulator') {
    const cams = params.source.cameras ?? CAMERAS.map((c) => c.id);
    loadUnits = 2 * cams.length * (config.trainPerCell + config.testPerCell);
    data = await simulatorData(
      { seed: params.source.seed ?? 0, size: config.imageSize, perCell: config.trainPerCell + config.testPerCell, traits: params.source.traits, cameras: cams, printerScale: params.source.printerScale, fieldOfView: params.source.fieldOfView ?? config.fieldOfView },
      { checkpoint, onProgress: (d, n) => ctx.progress(d, n, `Simulating photos ${d}/${n}`) },
    );
  } else {
    loadUnits = params.source.items.length;
    data = await datasetData(params.source.items, config.imageSize, { decode: deps.decode, checkpoint, onProgress: (d, n) => ctx.progress(d, n, `Decoding images ${d}/${n}`) });
  }
  const audit = auditBias(data.items);
  if (audit.verdict === 'disabled') throw new Error(audit.disabledReason ?? 'experiment disabled');

  const splitSeed = params.splitSeed ?? 0;
  const isSim = params.source.kind === 'simulator';
  const splits = experimentSplits(data, rows, {
    seed: splitSeed,
    testPerCell: isSim ? config.testPerCell : params.testPerCell,
    trainPerCell: isSim ? config.trainPerCell : params.trainPerCell,
    disjointMapping: params.disjointMapping,
    partialCameras: params.partialCameras,
  });
  const { classes, cameras, test } = splits;

  // Progress: loading, then training steps, then heatmap images and attack steps.
  const trainCount = (kind: TrainingKind) => splits.trainings[kind]?.items.length ?? 0;
  const heatUnits = params.preset === 'crops' ? test.items.length : 0;
  const attackUnits = params.preset === 'adversarial' ? 2 * config.adversarial.maxSteps : 0;
  const total = loadUnits + rows.reduce((s, r) => s + rowSteps(r, trainCount(r.training), config, params.seeds.length), 0) + heatUnits + attackUnits;
  let done = loadUnits;
  const progress = (d: number, message: string) => ctx.progress(Math.min(total, d), total, message);

  const trainingsOut: CameraExperimentResult['split']['trainings'] = {};
  for (const [kind, t] of Object.entries(splits.trainings)) {
    if (t) trainingsOut[kind] = { text: describeSplit(t.items, classes, cameras).text, images: t.items.length, notes: t.notes, ...(t.mappingText ? { mapping: t.mappingText } : {}) };
  }
  const tables = [...new Set(rows.map((r) => r.thesis.table))];
  const result: CameraExperimentResult = {
    preset: params.preset,
    config,
    seeds: [...params.seeds],
    classes,
    cameras,
    source: data.source,
    audit: { verdict: audit.verdict, cramersV: audit.cramersV, cramersVCorrected: audit.cramersVCorrected, cheatAccuracy: audit.cheatAccuracy, messages: audit.messages },
    split: { seed: splitSeed, test: describeSplit(test.items, classes, cameras).text, trainings: trainingsOut },
    rows: [],
    thesisTables: Object.fromEntries(tables.map((t) => [t, THESIS_TABLES[t]])),
    settings: {},
    problems: data.problems,
    seconds: 0,
  };
  const path = defaultKernelPath(backend);
  result.settings = { backend, kernelPath: path, jobSeed: ctx.seed, splitSeed, model: params.model ?? 'resnet', withDownsampled: !!params.withDownsampled, rows: rows.map((r) => r.id) };

  let backbone: FrozenBackbone | null = null;
  const kept: Partial<Record<string, Classifier>> = {};
  try {
    if (params.model === 'mobilenet') {
      progress(done, 'Loading MobileNet v1');
      backbone = await loadMobilenetBackbone(params.mobilenetFiles!, { outputLayer: MOBILENET_OUTPUT_LAYER, hidden: 0 }, config.mobilenetSize);
    }
    const bb = backbone;
    const modelSpec = (role: ModelRole): CameraModelSpec => (role === 'downsampled' ? config.downsampled : bb ? { kind: 'mobilenet', hidden: 0 } : config.model);
    const keepFirst = (row: RowSpec) => (params.preset === 'adversarial' || params.preset === 'crops') && row.model === 'main';
    const predictionsOf: Record<string, Int32Array> = {};

    for (const row of rows) {
      const training = splits.trainings[row.training]!;
      const labels = row.task === 'camera' ? cameras : classes;
      const trainSet = imageSet(data, training.items, row.task, classes, cameras);
      const testSet = imageSet(data, test.items, row.task, classes, cameras);
      const crop = row.input === 'crop32';
      const trainConfig: TrainConfig = {
        ...config.train,
        epochs: crop ? config.crops.epochs : config.train.epochs,
        input: row.input,
        testInput: row.testInput,
        augment: row.augment,
        cropSize: config.crops.size,
        testCrops: config.crops.testCrops,
        testCropSeed: splitSeed,
        threshold: config.threshold,
      };
      const out: RowResult = {
        spec: row,
        labels,
        trainImages: training.items.length,
        testInputs: crop ? test.items.length * config.crops.testCrops : test.items.length,
        runs: [],
        mean: NaN,
        std: NaN,
        worstGroupMean: null,
        thesis: thesisColumn(row.thesis.table, row.thesis.column),
        thesisReference: { model: row.model === 'downsampled' ? 'AlexNet' : 'ResNet34', value: thesisColumn(row.thesis.table, row.thesis.column)[row.model === 'downsampled' ? 'AlexNet' : 'ResNet34'] },
      };
      for (const [si, seed] of params.seeds.entries()) {
        const base = done;
        const keep = keepFirst(row) && si === 0;
        const live: EpochPoint[] = [];
        const { result: run, classifier } = await trainClassifier(
          { train: trainSet, test: testSet, labelNames: labels, cameraNames: cameras, classNames: classes },
          {
            seed, config: trainConfig, keepClassifier: keep, createClassifier: (rng) => createCameraModel(modelSpec(row.model), labels.length, rng, { path, backbone: bb, imageSize: data.width }),
            checkpointEvery: deps.saveCheckpoint ? (params.checkpointEvery ?? trainConfig.epochs) : undefined,
          },
          {
            checkpoint,
            onCheckpoint: deps.saveCheckpoint
              ? (weights, epoch) => deps.saveCheckpoint!({
                  name: `${row.label}, seed ${seed}, epoch ${epoch}/${trainConfig.epochs}`,
                  key: `${row.id}-seed${seed}`,
                  weights,
                  meta: {
                    preset: params.preset, row: row.id, label: row.label, seed, epoch, epochs: trainConfig.epochs, model: modelSpec(row.model), labels,
                    imageSize: data.width, input: row.input, augment: row.augment, testAccuracy: live.length ? live[live.length - 1].testAccuracy : null,
                  },
                })
              : undefined,
            onStep: (s, totalSteps, epoch) => progress(base + s, `${row.label}, seed ${seed}: epoch ${epoch + 1}/${trainConfig.epochs}, step ${s}/${totalSteps}`),
            onEpoch: (point) => {
              ctx.log(`${row.label}, seed ${seed}: epoch ${point.epoch}/${trainConfig.epochs} loss ${point.trainLoss.toFixed(3)}, train ${(100 * point.trainAccuracy).toFixed(1)} %, test ${(100 * point.testAccuracy).toFixed(1)} %`);
              live.push(point);
              ctx.partial({ ...result, rows: [...result.rows, out], live: { rowId: row.id, seed, epochs: [...live] } } satisfies CameraExperimentPartial);
            },
          },
        );
        if (classifier) {
          kept[row.training] = classifier;
          predictionsOf[row.training] = run.testPredicted;
        }
        done = base + rowSteps(row, training.items.length, config, 1);
        out.runs.push(runSummary(run));
        Object.assign(out, summariseRow(out));
        ctx.partial({ ...result, rows: [...result.rows, out] } satisfies CameraExperimentPartial);
      }
      result.rows.push(out);
    }

    if (params.preset === 'crops' && kept.balanced) {
      const cropRow = rows.find((r) => r.input === 'crop32')!;
      const set = imageSet(data, test.items, cropRow.task, classes, cameras);
      const base = done;
      result.heatmaps = await cropHeatmaps(kept.balanced, set, test.items, {
        cropSize: config.crops.size,
        cropsPerImage: config.crops.heatmapCrops,
        grid: config.crops.grid,
        seed: new Rng(splitSeed).fork('heatmap').seed,
        batchSize: Math.max(config.train.evalBatchSize, 64),
        checkpoint,
        onImage: (d, n) => progress(base + d, `Crop heatmaps ${d}/${n}`),
      });
      done += heatUnits;
    }
    if (params.preset === 'adversarial' && kept.balanced && kept.disjoint) {
      progress(done, 'Adversarial perturbations');
      result.adversarial = await adversarialComparison({ balanced: kept.balanced, disjoint: kept.disjoint }, data, splits, { balanced: predictionsOf.balanced, disjoint: predictionsOf.disjoint }, config, checkpoint);
      done += attackUnits;
    }
  } finally {
    for (const c of Object.values(kept)) c?.dispose();
    backbone?.dispose();
  }
  result.seconds = (performance.now() - t0) / 1000;
  progress(total, 'Done');
  return result;
}

function runSummary(run: TrainRunResult): RunSummary {
  const e: Evaluation = run.evaluation;
  return {
    seed: run.seed,
    accuracy: e.accuracy,
    worstGroupAccuracy: e.worstGroup ? e.worstGroup.accuracy : null,
    ...(run.pooledAccuracy !== undefined ? { pooledAccuracy: run.pooledAccuracy } : {}),
    epochs: run.epochs,
    ...(e.perCamera ? { perCamera: e.perCamera } : {}),
    seconds: run.seconds,
  };
}

/** Mean ± std over the row's runs, worst-group mean, and per-camera bars summed over seeds. */
export function summariseRow(row: RowResult): RowResult {
  const { mean, std } = meanStd(row.runs.map((r) => r.accuracy));
  const worst = row.runs.map((r) => r.worstGroupAccuracy).filter((v): v is number => v !== null);
  const withBars = row.runs.filter((r) => r.perCamera);
  let bars: CameraBar[] | undefined;
  if (withBars.length) {
    bars = withBars[0].perCamera!.map((b) => ({ ...b, n: 0, correct: 0, accuracy: NaN, predicted: b.predicted.map(() => 0), correctByLabel: b.correctByLabel.map(() => 0), wrongByLabel: b.wrongByLabel.map(() => 0) }));
    for (const r of withBars) {
      r.perCamera!.forEach((b, j) => {
        const t = bars![j];
        t.n += b.n;
        t.correct += b.correct;
        b.predicted.forEach((v, k) => (t.predicted[k] += v));
        b.correctByLabel.forEach((v, k) => (t.correctByLabel[k] += v));
        b.wrongByLabel.forEach((v, k) => (t.wrongByLabel[k] += v));
      });
    }
    for (const t of bars) t.accuracy = t.n ? t.correct / t.n : NaN;
  }
  return { ...row, mean, std, worstGroupMean: worst.length ? meanStd(worst).mean : null, ...(bars ? { bars } : {}) };
}
