/**
 * Camera-bias experiment presets (thesis ch. 6): the thesis's numbers (Tables 6.1–6.6), the preset
 * list, the `small` / `thesis` configurations and the rows each preset trains.
 */
import type { ThresholdOptions } from '../lab/threshold';
import type { CameraModelSpec } from './models';
import type { AugmentMode, InputMode, TrainConfig } from './train';
import type { CameraExperimentParams } from './types';

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
