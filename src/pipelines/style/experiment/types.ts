/**
 * Domain-shift experiments of thesis §4.4.2 (Table 4.1/4.2, Fig 4.4–4.6): train a classifier on
 * some domains of a `domain/class/…` folder, test on a held-out target domain, under several
 * augmentation arms and seeds. These types are the contract between the experiment job (worker,
 * CLI, benchmark) and the panel.
 */

/** Augmentation arms: none, the seven traditional ones, style, both, and colour jitter only (Table 4.2). */
export type Arm = 'none' | 'trad' | 'style' | 'both' | 'color';

export const ARMS: readonly Arm[] = ['none', 'trad', 'style', 'both', 'color'];

export const ARM_LABELS: Record<Arm, string> = {
  none: 'None',
  trad: 'Traditional (7)',
  style: 'Style',
  both: 'Style + traditional',
  color: 'Colour jitter only',
};

export type ClassifierKind = 'cnn' | 'mobilenet';

export type ExperimentConfigName = 'small' | 'thesis';

/** One swept hyperparameter (Fig 4.4): the augmentation ratio or α. */
export interface Sweep {
  param: 'ratio' | 'alpha';
  values: number[];
}

export interface StyleExperimentParams {
  /** The dropped folder, laid out `domain/class/<file>` (extra leading folders are stripped). */
  files: { path: string; blob: Blob }[];
  trainDomains: string[];
  targetDomain: string;
  arms: Arm[];
  seeds: number[];
  config: ExperimentConfigName;
  classifier: ClassifierKind;
  /** Overrides of the config. */
  epochs?: number;
  imageSize?: number;
  batchSize?: number;
  learningRate?: number;
  /** Probability that a training image is stylised (thesis optimum 0.5, i.e. 2:1). */
  styleRatio?: number;
  /** Fixed α, or [lo, hi] for α ~ U(lo, hi) per image. */
  alpha?: number | [number, number];
  sweep?: Sweep;
  /** Magenta TFLite files (needed by the style and both arms). */
  styleModels?: { predictor: Uint8Array; transformer: Uint8Array };
  /** Embedding statistics (JSON of EmbeddingStats); default: the shipped ones. */
  styleStats?: unknown;
  /** MobileNet v1 files by name (model.json + shards), for classifier 'mobilenet'. */
  mobilenetFiles?: Record<string, ArrayBuffer>;
  /** Fraction of the training images held out per class as a validation split (default 0). */
  validationFraction?: number;
  /** 'pool': stylised variants precomputed once per seed; 'online': every batch (config default). */
  stylisation?: 'pool' | 'online';
  /** Stylised variants per training image in 'pool' mode. */
  poolSize?: number;
  /** Use at most this many images per (training domain, class) (default: all). */
  trainPerClass?: number | null;
}

export interface EpochPoint {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  /** Accuracy on the held-out target domain. */
  targetAccuracy: number;
  /** Accuracy on the validation split of the training domains (when there is one). */
  validationAccuracy?: number;
  /** Seconds since the run started, at the end of this epoch. */
  seconds?: number;
}

export interface RunResult {
  arm: Arm;
  seed: number;
  /** The swept parameter's value for this run, when sweeping. */
  sweepValue?: number;
  epochs: EpochPoint[];
  finalTargetAccuracy: number;
  seconds: number;
}

export interface ArmSummary {
  arm: Arm;
  sweepValue?: number;
  mean: number;
  std: number;
  runs: number;
}

export interface StyleExperimentResult {
  domains: string[];
  classes: string[];
  trainImages: number;
  targetImages: number;
  runs: RunResult[];
  summary: ArmSummary[];
  /** Everything needed to repeat the experiment (config after overrides, seeds, stats source). */
  settings: Record<string, unknown>;
  problems: { path: string; message: string }[];
}
