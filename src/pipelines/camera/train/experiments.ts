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
 */
import * as tf from '@tensorflow/tfjs';
import type { JobContext } from '../../../core/jobs/protocol';
import { Rng } from '../../../core/rng/rng';
import type { DecodedImage } from '../../../core/data/types';
import { toRgba8 } from '../../../core/data/display';
import { defaultKernelPath, loadMobilenetBackbone, type Classifier, type FrozenBackbone } from '../../style/experiment/classifier';
import { meanStd } from '../../style/experiment/summary';
import { auditBias, type BiasAudit } from '../lab/audit';
import { averageHeatmaps, CropAccumulator, relativeHeatmap, sampleCropPositions } from '../lab/cropHeatmap';
import type { CameraItem } from '../lab/labels';
import { buildTestSet, buildTrainingSet, defaultDisjointMapping, describeSplit, type DisjointMapping, type TestSet, type TrainingSet, type TrainSpec } from '../lab/splits';
import { localMeanThreshold, type ThresholdOptions } from '../lab/threshold';
import { CAMERAS, generateDataset, MANUFACTURER_PRINTERS, type PrinterProfile, type TraitSwitches } from '../sim';
import { adversarialAttack, classifierLogits, type AdversarialResult } from './adversarial';
import { predictLabels, type CameraBar, type Evaluation } from './evaluate';
import { createCameraModel, type CameraModelSpec } from './models';
import { epochShape } from '../../style/experiment/train';
import { inputBatch, trainClassifier, type AugmentMode, type CameraImageSet, type EpochPoint, type InputMode, type TrainConfig, type TrainRunResult } from './train';

// ---------------------------------------------------------------------------------------------
// Thesis numbers

export const THESIS_MODELS = ['ResNet34', 'ResNet101', 'InceptionV3', 'AlexNet', 'VGG16'] as const;
export type ThesisModel = (typeof THESIS_MODELS)[number];

export interface ThesisTable {
  caption: string;
  columns: string[];
  /** Test accuracy per model, one value per column. */
  rows: Record<ThesisModel, number[]>;
}

/** Test accuracies reported in thesis ch. 6 (Jackson et al.), Tables 6.1–6.6. */
export const THESIS_TABLES: Record<'6.1' | '6.2' | '6.3' | '6.4' | '6.5' | '6.6', ThesisTable> = {
  /** Table 6.1: camera classification. */
  '6.1': {
    caption: 'Camera classification',
    columns: ['Cameras'],
    rows: { ResNet34: [0.999], ResNet101: [0.913], InceptionV3: [0.998], AlexNet: [0.945], VGG16: [0.974] },
  },
  /** Table 6.2: manufacturer classification by training set. */
  '6.2': {
    caption: 'Manufacturer classification by training set',
    columns: ['Balanced', 'Partial', 'Disjoint'],
    rows: {
      ResNet34: [0.974, 0.957, 0.505],
      ResNet101: [0.969, 0.921, 0.505],
      InceptionV3: [0.973, 0.94, 0.518],
      AlexNet: [0.929, 0.893, 0.573],
      VGG16: [0.979, 0.945, 0.556],
    },
  },
  /** Table 6.3: trained and tested on binary (local mean thresholded) images. */
  '6.3': {
    caption: 'Binary segmented images',
    columns: ['Manufacturers', 'Cameras'],
    rows: { ResNet34: [0.489, 0.229], ResNet101: [0.53, 0.186], InceptionV3: [0.525, 0.27], AlexNet: [0.499, 0.214], VGG16: [0.616, 0.384] },
  },
  /** Table 6.4: trained with randomised hue, saturation, contrast and brightness. */
  '6.4': {
    caption: 'Colour jitter',
    columns: ['Manufacturers', 'Cameras'],
    rows: { ResNet34: [0.975, 0.992], ResNet101: [0.961, 0.995], InceptionV3: [0.974, 0.998], AlexNet: [0.923, 0.768], VGG16: [0.972, 0.883] },
  },
  /** Table 6.5: camera classification from random 32×32 crops. */
  '6.5': {
    caption: 'Random 32×32 crops (cameras)',
    columns: ['Cameras'],
    rows: { ResNet34: [0.665], ResNet101: [0.681], InceptionV3: [0.948], AlexNet: [0.77], VGG16: [0.872] },
  },
  /** Table 6.6: camera classification on right halves after training on left halves. */
  '6.6': {
    caption: 'Left halves → right halves (cameras)',
    columns: ['Cameras'],
    rows: { ResNet34: [0.992], ResNet101: [0.889], InceptionV3: [0.999], AlexNet: [0.818], VGG16: [0.851] },
  },
};

/** One thesis column as {model: value}. */
export function thesisColumn(table: keyof typeof THESIS_TABLES, column: string): Record<ThesisModel, number> {
  const t = THESIS_TABLES[table];
  const c = t.columns.indexOf(column);
  if (c < 0) throw new Error(`Table ${table} has no column '${column}'`);
  return Object.fromEntries(THESIS_MODELS.map((m) => [m, t.rows[m][c]])) as Record<ThesisModel, number>;
}

// ---------------------------------------------------------------------------------------------
// Presets and configurations

export type ExperimentPreset = 'camera' | 'manufacturer' | 'adversarial' | 'binary' | 'colour' | 'crops' | 'halves';
export const PRESETS: readonly ExperimentPreset[] = ['camera', 'manufacturer', 'adversarial', 'binary', 'colour', 'crops', 'halves'];

export const PRESET_LABELS: Record<ExperimentPreset, string> = {
  camera: 'Camera classification (Table 6.1)',
  manufacturer: 'Manufacturer: Balanced / Partial / Disjoint (Table 6.2, Figs 6.3/6.4)',
  adversarial: 'Adversarial perturbations, Balanced vs Disjoint (Fig 6.5)',
  binary: 'Binary masks (Table 6.3)',
  colour: 'Colour jitter and grayscale (Table 6.4)',
  crops: 'Random 32×32 crops and heatmaps (Table 6.5, Figs 6.8/6.9)',
  halves: 'Left halves → right halves (Table 6.6)',
};

export type ConfigName = 'small' | 'thesis';
export type Task = 'camera' | 'manufacturer';
export type TrainingKind = 'balanced' | 'partial' | 'disjoint';
/** 'main': the fully convolutional network on full-resolution input; 'downsampled': the AlexNet/VGG analogue. */
export type ModelRole = 'main' | 'downsampled';

/** Layer the frozen MobileNet v1 backbone is cut at (the last depthwise block, before pooling). */
export const MOBILENET_OUTPUT_LAYER = 'conv_dw_13_relu';

export interface CameraExperimentConfig {
  name: ConfigName;
  /** Side of the simulated photos (and of the centre crops of user images). */
  imageSize: number;
  /**
   * Fraction of the thesis crop the simulated photos show, centred on the code (sim/scene.ts
   * viewScene). 1 in the thesis config; the small config shows a quarter so its 128² photos have
   * the dot size of a 512² photo and the printers' dot-level differences stay resolvable.
   */
  fieldOfView: number;
  /** Simulated photos per class × camera cell for training and for the test set. */
  trainPerCell: number;
  testPerCell: number;
  /** The fully convolutional model and the downsampled comparison. */
  model: CameraModelSpec;
  downsampled: CameraModelSpec;
  /** Input side of the frozen MobileNet when the job asks for it (multiple of 32). */
  mobilenetSize: number;
  train: Pick<TrainConfig, 'epochs' | 'batchSize' | 'learningRate' | 'lrSchedule' | 'beta1' | 'evalBatchSize'>;
  /** Crop rows: crop side, fixed crops per test image, epochs (crops are cheap, so more). */
  crops: { size: number; testCrops: number; epochs: number; heatmapCrops: number; grid: number };
  threshold: ThresholdOptions;
  adversarial: { stepSize: number; maxSteps: number; mode: 'sign' | 'normalised' };
}

export const CAMERA_CONFIGS: Record<ConfigName, CameraExperimentConfig> = {
  small: {
    name: 'small',
    imageSize: 128,
    fieldOfView: 0.25,
    trainPerCell: 32,
    testPerCell: 10,
    // 2×2 patch stem (every pixel reaches the network, at a quarter of a full-resolution stem's
    // cost), then 2×2 max pooling. A 4×4 patch stem is faster but learned the manufacturer task
    // clearly worse on simulated 128² photos (0.67 vs 0.81 with 3× printer differences).
    model: { kind: 'resnet', resnet: { stem: 24, stemKernel: 2, stemStride: 2, stemDownsample: true, widths: [32, 64], blocks: 1, downsample: 'pool' } },
    // 128² → 32² (÷4, as 1024² → 224² is ÷4.6 for AlexNet/VGG16).
    downsampled: { kind: 'downsampled', size: 32, resnet: { stem: 32, stemKernel: 3, stemStride: 1, stemDownsample: false, widths: [32, 64], blocks: 1, downsample: 'pool' } },
    mobilenetSize: 128,
    // 16 epochs: at 8 the manufacturer models still underfit (train 88 %, Balanced test 0.83).
    train: { epochs: 16, batchSize: 16, learningRate: 2e-3, lrSchedule: 'cosine', beta1: 0.9, evalBatchSize: 50 },
    crops: { size: 32, testCrops: 4, epochs: 16, heatmapCrops: 48, grid: 16 },
    threshold: { window: 15, c: 8 },
    adversarial: { stepSize: 1 / 255, maxSteps: 100, mode: 'sign' },
  },
  thesis: {
    name: 'thesis',
    imageSize: 1024,
    fieldOfView: 1,
    // 3090 images over 10 cells, 10 % of them in the test set (§6.3).
    trainPerCell: 278,
    testPerCell: 31,
    model: { kind: 'resnet', resnet: { stem: 32, stemKernel: 3, stemStride: 2, stemDownsample: true, widths: [64, 128, 256, 512], blocks: 2, downsample: 'strided' } },
    downsampled: { kind: 'downsampled', size: 224, resnet: { stem: 32, stemKernel: 3, stemStride: 1, stemDownsample: true, widths: [64, 128, 256, 512], blocks: 2, downsample: 'strided' } },
    mobilenetSize: 224,
    train: { epochs: 30, batchSize: 16, learningRate: 1e-4, lrSchedule: 'constant', beta1: 0.9, evalBatchSize: 16 },
    crops: { size: 32, testCrops: 8, epochs: 60, heatmapCrops: 256, grid: 32 },
    threshold: { window: 31, c: 10 },
    adversarial: { stepSize: 1 / 255, maxSteps: 200, mode: 'sign' },
  },
};

/** One trained-and-scored configuration of a preset. */
export interface RowSpec {
  id: string;
  label: string;
  task: Task;
  training: TrainingKind;
  input: InputMode;
  testInput?: InputMode;
  augment: AugmentMode;
  model: ModelRole;
  thesis: { table: keyof typeof THESIS_TABLES; column: string };
}

/** The rows a preset trains (`withDownsampled` adds the downsampled model beside each full-input row). */
export function presetRows(preset: ExperimentPreset, withDownsampled = false): RowSpec[] {
  const rows: RowSpec[] = [];
  const add = (r: Omit<RowSpec, 'id' | 'model'> & { model?: ModelRole }) => {
    const base = { ...r, model: r.model ?? 'main' } as RowSpec;
    base.id = rowId(base);
    rows.push(base);
    if (withDownsampled && base.model === 'main' && base.input !== 'crop32') {
      const d = { ...base, model: 'downsampled' as const, label: `${base.label} (downsampled)` };
      d.id = rowId(d);
      rows.push(d);
    }
  };
  const camera = { task: 'camera' as const, training: 'balanced' as const, input: 'full' as const, augment: 'none' as const };
  const maker = { task: 'manufacturer' as const, input: 'full' as const, augment: 'none' as const };
  switch (preset) {
    case 'camera':
      add({ ...camera, label: 'Cameras', thesis: { table: '6.1', column: 'Cameras' } });
      break;
    case 'manufacturer':
      add({ ...maker, training: 'balanced', label: 'Manufacturers, Balanced', thesis: { table: '6.2', column: 'Balanced' } });
      add({ ...maker, training: 'partial', label: 'Manufacturers, Partial', thesis: { table: '6.2', column: 'Partial' } });
      add({ ...maker, training: 'disjoint', label: 'Manufacturers, Disjoint', thesis: { table: '6.2', column: 'Disjoint' } });
      break;
    case 'adversarial':
      add({ ...maker, training: 'balanced', label: 'Manufacturers, Balanced', thesis: { table: '6.2', column: 'Balanced' } });
      add({ ...maker, training: 'disjoint', label: 'Manufacturers, Disjoint', thesis: { table: '6.2', column: 'Disjoint' } });
      break;
    case 'binary':
      add({ ...maker, training: 'balanced', input: 'binary', label: 'Manufacturers, binary masks', thesis: { table: '6.3', column: 'Manufacturers' } });
      add({ ...camera, input: 'binary', label: 'Cameras, binary masks', thesis: { table: '6.3', column: 'Cameras' } });
      break;
    case 'colour':
      add({ ...maker, training: 'balanced', augment: 'colour-jitter', label: 'Manufacturers, colour jitter', thesis: { table: '6.4', column: 'Manufacturers' } });
      add({ ...camera, augment: 'colour-jitter', label: 'Cameras, colour jitter', thesis: { table: '6.4', column: 'Cameras' } });
      add({ ...camera, augment: 'grayscale', label: 'Cameras, grayscale', thesis: { table: '6.4', column: 'Cameras' } });
      break;
    case 'crops':
      add({ ...camera, input: 'crop32', label: 'Cameras, random 32×32 crops', thesis: { table: '6.5', column: 'Cameras' } });
      break;
    case 'halves':
      add({ ...camera, input: 'left-half', testInput: 'right-half', label: 'Cameras, left → right halves', thesis: { table: '6.6', column: 'Cameras' } });
      break;
    default:
      throw new Error(`Unknown preset '${preset as string}' (${PRESETS.join(', ')})`);
  }
  return rows;
}

function rowId(r: Pick<RowSpec, 'task' | 'training' | 'input' | 'testInput' | 'augment' | 'model'>): string {
  return [r.task, r.training, r.input + (r.testInput && r.testInput !== r.input ? `→${r.testInput}` : ''), r.augment, r.model].join('/');
}

// ---------------------------------------------------------------------------------------------
// Parameters and results

/** A user image: decoded RGBA pixels or a file to decode, with its two labels. */
export interface DatasetItemInput {
  path?: string;
  rgba?: Uint8Array | Uint8ClampedArray;
  width?: number;
  height?: number;
  file?: Blob;
  cls: string;
  camera: string;
}

export type ExperimentSource =
  | {
      kind: 'simulator';
      seed?: number;
      traits?: Partial<TraitSwitches>;
      cameras?: string[];
      /** Multiplies every printer difference of Manufacturer 2 from Manufacturer 1 (default 1: the simulator's printers). */
      printerScale?: number;
      /** Overrides the config's field of view (fraction of the thesis crop shown). */
      fieldOfView?: number;
    }
  | { kind: 'dataset'; items: DatasetItemInput[] };

export interface CameraExperimentParams {
  preset: ExperimentPreset;
  config: ConfigName;
  seeds: number[];
  source: ExperimentSource;
  /** Train the downsampled (AlexNet/VGG-like) model beside the main one. */
  withDownsampled?: boolean;
  /** 'mobilenet': the frozen ImageNet MobileNet with a trained head instead of the ResNet. */
  model?: 'resnet' | 'mobilenet';
  mobilenetFiles?: Record<string, ArrayBuffer>;
  /** Seed of the test/training split (default 0). */
  splitSeed?: number;
  /** Disjoint: class → cameras (default lab/splits defaultDisjointMapping). */
  disjointMapping?: DisjointMapping;
  /** Partial: the cameras kept (default: the first class's Disjoint cameras, as in the thesis). */
  partialCameras?: string[];
  /** Overrides of the config. */
  epochs?: number;
  imageSize?: number;
  trainPerCell?: number;
  testPerCell?: number;
  learningRate?: number;
  batchSize?: number;
  cropEpochs?: number;
}

export interface RunSummary {
  seed: number;
  accuracy: number;
  worstGroupAccuracy: number | null;
  /** Crop rows: accuracy of the mean prediction over each test image's crops. */
  pooledAccuracy?: number;
  epochs: EpochPoint[];
  perCamera?: CameraBar[];
  seconds: number;
}

export interface RowResult {
  spec: RowSpec;
  labels: string[];
  trainImages: number;
  testInputs: number;
  runs: RunSummary[];
  mean: number;
  std: number;
  worstGroupMean: number | null;
  /** Per-camera bars summed over seeds (Figs 6.3/6.4). */
  bars?: CameraBar[];
  /** The thesis column of this row: value per thesis model. */
  thesis: Record<ThesisModel, number>;
  /** The thesis number to compare with: ResNet34 for the main model, AlexNet for the downsampled one. */
  thesisReference: { model: ThesisModel; value: number };
}

export interface HeatmapResult {
  cropSize: number;
  grid: number;
  cropsPerImage: number;
  /** Crop accuracy over every heatmap crop. */
  cropAccuracy: number;
  /** One test image per camera (Fig 6.8): its RGBA thumbnail source index and grid accuracy. */
  perImage: { camera: string; cls: string; item: number; accuracy: number; grid: number[] }[];
  /** Mean over all test images of their grid accuracy (Fig 6.9), and the same relative to its mean. */
  average: number[];
  relative: number[];
}

export interface AdversarialView {
  model: 'balanced' | 'disjoint';
  flipped: boolean;
  steps: number;
  originalPrediction: string;
  finalPrediction: string;
  probabilitiesBefore: number[];
  probabilitiesAfter: number[];
  maxAbs: number;
  meanAbs: number;
  /** Share of Σ|δ| on the batch-code pixels (dilated threshold mask), and the mask's share of the image. */
  codeShare: number;
  codeArea: number;
  /** RGBA images (width × height × 4). */
  amplified: Uint8ClampedArray;
  overlay: Uint8ClampedArray;
  error?: string;
}

export interface AdversarialExperiment {
  item: number;
  camera: string;
  cls: string;
  target: string;
  width: number;
  height: number;
  image: Uint8ClampedArray;
  views: AdversarialView[];
}

export interface CameraExperimentResult {
  preset: ExperimentPreset;
  config: CameraExperimentConfig;
  seeds: number[];
  classes: string[];
  cameras: string[];
  source: Record<string, unknown>;
  audit: Pick<BiasAudit, 'verdict' | 'cramersV' | 'cramersVCorrected' | 'cheatAccuracy' | 'messages'>;
  split: { seed: number; test: string; trainings: Record<string, { text: string; images: number; notes: string[]; mapping?: string }> };
  rows: RowResult[];
  heatmaps?: HeatmapResult;
  adversarial?: AdversarialExperiment;
  thesisTables: Partial<typeof THESIS_TABLES>;
  settings: Record<string, unknown>;
  problems: { path: string; message: string }[];
  seconds: number;
}

/** Partial result while training: the finished rows plus the run in progress. */
export interface CameraExperimentPartial extends Omit<CameraExperimentResult, 'seconds'> {
  live?: { rowId: string; seed: number; epochs: EpochPoint[] };
}

// ---------------------------------------------------------------------------------------------
// Configuration

function posInt(name: string, v: number): number {
  if (!(Number.isInteger(v) && v >= 1)) throw new Error(`${name} must be a positive integer, got ${v}`);
  return v;
}

/** The config after the parameters' overrides, validated. */
export function resolveCameraConfig(params: Pick<CameraExperimentParams, 'config' | 'epochs' | 'imageSize' | 'trainPerCell' | 'testPerCell' | 'learningRate' | 'batchSize' | 'cropEpochs'>): CameraExperimentConfig {
  const base = CAMERA_CONFIGS[params.config];
  if (!base) throw new Error(`Unknown config '${params.config}' (small or thesis)`);
  const c: CameraExperimentConfig = structuredClone(base);
  if (params.epochs !== undefined) c.train.epochs = posInt('epochs', params.epochs);
  if (params.imageSize !== undefined) c.imageSize = posInt('imageSize', params.imageSize);
  if (params.trainPerCell !== undefined) c.trainPerCell = posInt('trainPerCell', params.trainPerCell);
  if (params.testPerCell !== undefined) c.testPerCell = posInt('testPerCell', params.testPerCell);
  if (params.batchSize !== undefined) c.train.batchSize = posInt('batchSize', params.batchSize);
  if (params.cropEpochs !== undefined) c.crops.epochs = posInt('cropEpochs', params.cropEpochs);
  if (params.learningRate !== undefined) {
    if (!(params.learningRate > 0)) throw new Error(`learningRate must be positive, got ${params.learningRate}`);
    c.train.learningRate = params.learningRate;
  }
  if (c.imageSize < 2 * c.crops.size) throw new Error(`imageSize ${c.imageSize} is too small for ${c.crops.size}² crops and halves`);
  return c;
}

// ---------------------------------------------------------------------------------------------
// Data

export interface ExperimentData {
  width: number;
  height: number;
  /** RGBA per item; items[i].id === i. */
  images: (Uint8Array | Uint8ClampedArray)[];
  items: CameraItem[];
  source: Record<string, unknown>;
  problems: { path: string; message: string }[];
}

/**
 * The two printers with Manufacturer 2's deviation from Manufacturer 1 multiplied by `k` in every
 * numeric trait (k = 1: the simulator's own printers; k = 0: identical printers).
 */
export function scaledPrinters(k: number): PrinterProfile[] {
  if (!(k >= 0 && Number.isFinite(k))) throw new Error(`printerScale must be a non-negative number, got ${k}`);
  const [m1, m2] = MANUFACTURER_PRINTERS;
  const out: Record<string, unknown> = { ...m2 };
  for (const [key, v] of Object.entries(m2)) if (typeof v === 'number') out[key] = (m1[key as keyof PrinterProfile] as number) + k * (v - (m1[key as keyof PrinterProfile] as number));
  return [m1, out as unknown as PrinterProfile];
}

/** Simulated photos: every manufacturer × camera cell, `perCell` each, round-robin. */
export async function simulatorData(opts: { seed: number; size: number; perCell: number; traits?: Partial<TraitSwitches>; cameras?: string[]; printerScale?: number; fieldOfView?: number }, hooks: { checkpoint?: () => Promise<void>; onProgress?: (done: number, total: number) => void } = {}): Promise<ExperimentData> {
  const cameras = opts.cameras ?? CAMERAS.map((c) => c.id);
  const images: Uint8ClampedArray[] = [];
  const items: CameraItem[] = [];
  const total = 2 * cameras.length * opts.perCell;
  const scale = opts.printerScale ?? 1;
  const manufacturers = scale === 1 ? undefined : scaledPrinters(scale);
  const fieldOfView = opts.fieldOfView ?? 1;
  for (const s of generateDataset({ perCell: opts.perCell, size: opts.size, seed: opts.seed, traits: opts.traits, cameras, manufacturers, fieldOfView })) {
    if (images.length % 8 === 0) await hooks.checkpoint?.();
    items.push({ id: images.length, path: s.path, cls: s.meta.manufacturer, camera: s.meta.camera });
    images.push(s.rgba);
    hooks.onProgress?.(images.length, total);
  }
  return {
    width: opts.size,
    height: opts.size,
    images,
    items,
    source: { kind: 'simulator', seed: opts.seed, size: opts.size, perCell: opts.perCell, cameras, traits: opts.traits ?? 'all on', printerScale: scale, fieldOfView },
    problems: [],
  };
}

/** Centre square of side `size` of an RGBA image (top-left rounded down to even, keeping the CFA phase). */
export function centreCrop(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, size: number): Uint8ClampedArray {
  const x0 = Math.floor((width - size) / 4) * 2, y0 = Math.floor((height - size) / 4) * 2;
  const out = new Uint8ClampedArray(size * size * 4);
  for (let y = 0; y < size; y++) out.set(rgba.subarray(((y0 + y) * width + x0) * 4, ((y0 + y) * width + x0 + size) * 4), y * size * 4);
  return out;
}

/** User items → one image size (centre crops of side min(size, smallest side)); unusable items become problems. */
export async function datasetData(inputs: readonly DatasetItemInput[], size: number, deps: { decode?: (bytes: Uint8Array, path: string) => Promise<DecodedImage>; checkpoint?: () => Promise<void>; onProgress?: (done: number, total: number) => void } = {}): Promise<ExperimentData> {
  const problems: { path: string; message: string }[] = [];
  const decoded: { rgba: Uint8Array | Uint8ClampedArray; width: number; height: number; input: DatasetItemInput; path: string }[] = [];
  for (let i = 0; i < inputs.length; i++) {
    await deps.checkpoint?.();
    const it = inputs[i];
    const path = it.path ?? `item ${i}`;
    try {
      if (typeof it.cls !== 'string' || !it.cls || typeof it.camera !== 'string' || !it.camera) throw new Error('needs a class and a camera label');
      if (it.rgba) {
        if (!it.width || !it.height || it.rgba.length !== it.width * it.height * 4) throw new Error(`RGBA pixels need width × height × 4 samples`);
        decoded.push({ rgba: it.rgba, width: it.width, height: it.height, input: it, path });
      } else if (it.file) {
        if (!deps.decode) throw new Error('no image decoder available');
        const img = await deps.decode(new Uint8Array(await it.file.arrayBuffer()), path);
        decoded.push({ rgba: toRgba8(img), width: img.width, height: img.height, input: it, path });
      } else throw new Error('has neither pixels nor a file');
    } catch (e) {
      problems.push({ path, message: e instanceof Error ? e.message : String(e) });
    }
    deps.onProgress?.(i + 1, inputs.length);
  }
  if (decoded.length === 0) throw new Error(`None of the ${inputs.length} dataset items could be used${problems.length ? `: ${problems[0].path}: ${problems[0].message}` : ''}`);
  const side = Math.min(size, ...decoded.map((d) => Math.min(d.width, d.height)));
  if (side < 64) throw new Error(`The smallest image is ${side} px on a side; the experiments need at least 64`);
  if (side < size) problems.push({ path: '', message: `images are centre-cropped to ${side}² (the smallest image), not ${size}²` });
  const images = decoded.map((d) => (d.width === side && d.height === side ? d.rgba : centreCrop(d.rgba, d.width, d.height, side)));
  const items = decoded.map((d, id) => ({ id, path: d.path, cls: d.input.cls, camera: d.input.camera }));
  return { width: side, height: side, images, items, source: { kind: 'dataset', items: inputs.length, used: items.length, side }, problems };
}

// ---------------------------------------------------------------------------------------------
// Splits and sets

export interface ExperimentSplits {
  test: TestSet;
  trainings: Record<TrainingKind, TrainingSet | null>;
  classes: string[];
  cameras: string[];
}

/** The balanced test set and the training sets the rows need. */
export function experimentSplits(data: ExperimentData, rows: readonly RowSpec[], opts: { seed: number; testPerCell?: number; trainPerCell?: number; disjointMapping?: DisjointMapping; partialCameras?: string[] }): ExperimentSplits {
  const test = buildTestSet(data.items, opts.testPerCell !== undefined ? { seed: opts.seed, perCell: opts.testPerCell } : { seed: opts.seed, fraction: 0.1 });
  const { classes, cameras } = test;
  const perCell = opts.trainPerCell;
  const trainings: Record<TrainingKind, TrainingSet | null> = { balanced: null, partial: null, disjoint: null };
  const needed = new Set(rows.map((r) => r.training));
  const spec = (kind: TrainingKind): TrainSpec => {
    if (kind === 'balanced') return { kind, perCell };
    if (kind === 'disjoint') return { kind, perCell, ...(opts.disjointMapping ? { mapping: opts.disjointMapping } : {}) };
    const mapping = opts.disjointMapping ?? defaultDisjointMapping(classes, cameras);
    return { kind, perCell, cameras: opts.partialCameras ?? mapping[classes[0]] };
  };
  for (const kind of ['balanced', 'partial', 'disjoint'] as const) {
    if (needed.has(kind)) trainings[kind] = buildTrainingSet(data.items, test, spec(kind), opts.seed);
  }
  return { test, trainings, classes, cameras };
}

/** A CameraImageSet of items for a task (labels: camera or class index). */
export function imageSet(data: ExperimentData, items: readonly CameraItem[], task: Task, classes: readonly string[], cameras: readonly string[]): CameraImageSet {
  const ci = new Map(classes.map((c, i) => [c, i]));
  const ki = new Map(cameras.map((c, i) => [c, i]));
  const cls = Int32Array.from(items, (it) => ci.get(it.cls)!);
  const cam = Int32Array.from(items, (it) => ki.get(it.camera)!);
  return { width: data.width, height: data.height, images: items.map((it) => data.images[it.id]), labels: task === 'camera' ? cam : cls, cameras: cam, classes: cls };
}

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

// ---------------------------------------------------------------------------------------------
// The experiment

export interface ExperimentDeps {
  decode?: (bytes: Uint8Array, path: string) => Promise<DecodedImage>;
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
          { seed, config: trainConfig, keepClassifier: keep, createClassifier: (rng) => createCameraModel(modelSpec(row.model), labels.length, rng, { path, backbone: bb, imageSize: data.width }) },
          {
            checkpoint,
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
