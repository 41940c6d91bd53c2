/** Parameters, results and partial results of a camera-bias experiment run (experiments.ts). */
import type { BiasAudit } from '../lab/audit';
import type { DisjointMapping } from '../lab/splits';
import type { TraitSwitches } from '../sim';
import type { CameraBar } from './evaluate';
import type { EpochPoint } from './train';
import type { CameraExperimentConfig, ConfigName, ExperimentPreset, RowSpec, ThesisModel, THESIS_TABLES } from './presets';

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
  /** With a checkpoint store (the job): also save every run's model every this many epochs (default: after the last only). */
  checkpointEvery?: number;
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
