/**
 * Named configurations of the domain-shift experiment (thesis §4.4.2) and how job parameters
 * override them.
 *
 * - `small`: learns visibly within minutes on a CPU (Node's tfjs `wasm` backend or a laptop's
 *   browser). 48² images, a four-block CNN of widths 8–64 with batch norm, 6 epochs with a cosine
 *   learning-rate decay (sized so `npm run bench:style`, 5 arms × 2 seeds on PACS, takes about
 *   10 minutes on a 2-core machine). Stylisation
 *   is precomputed as a seeded pool: once per seed, every training image is stylised `poolSize`
 *   times (ratio 1, the configured α); during training each image is replaced, with probability
 *   `styleRatio`, by one of its pooled variants chosen at random. That costs poolSize style
 *   transfers per image per seed instead of ratio × epochs, at the price of fewer distinct styles
 *   per image.
 * - `thesis`: 224² images, frozen ImageNet MobileNet v1 with a trained head (or, for `cnn`, a
 *   wider five-block CNN), Adam as in §4.4 (β1 = 0.5, β2 = 0.999, initial rate 0.001, weight decay
 *   1e-5; the thesis also quotes 1e-4, too slow for a head trained from scratch), ratio 0.5 and
 *   α 0.5 (the thesis's optimum), 30 epochs, and stylisation on the fly for every batch as in the
 *   thesis.
 */
import type { CnnSpec, MobilenetSpec } from './classifier';
import type { ClassifierKind, ExperimentConfigName, StyleExperimentParams } from './types';

export interface ExperimentConfig {
  name: ExperimentConfigName;
  classifier: ClassifierKind;
  imageSize: number;
  cnn: CnnSpec;
  mobilenet: MobilenetSpec;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** 'cosine': the rate decays as ½(1 + cos(π·step/steps)) over the run (steadier final
   * accuracies); 'constant': as in the thesis. */
  lrSchedule: 'constant' | 'cosine';
  /** Adam β1 (the thesis uses 0.5). */
  beta1: number;
  /** L2 penalty on the trainable weights (the thesis's weight decay 1e-5). */
  weightDecay: number;
  /** Probability that a training image is stylised. */
  styleRatio: number;
  /** Fixed α, or [lo, hi] for α ~ U(lo, hi) per stylised image. */
  alpha: number | [number, number];
  /** 'pool': K variants per image precomputed per seed; 'online': stylise every batch. */
  stylisation: 'pool' | 'online';
  /** Stylised variants per training image in 'pool' mode. */
  poolSize: number;
  /** Side of the square P(c) sees (the predictor was trained at 256). */
  predictorSize: number;
  /** Use at most this many images per (training domain, class); null: all. */
  trainPerClass: number | null;
  /** Fraction of the training images held out (per class) as a validation split; 0: none. */
  validationFraction: number;
  /** Images per forward pass when evaluating. */
  evalBatchSize: number;
}

export const EXPERIMENT_CONFIGS: Record<ExperimentConfigName, ExperimentConfig> = {
  small: {
    name: 'small',
    classifier: 'cnn',
    imageSize: 48,
    cnn: { widths: [8, 16, 32, 64], batchNorm: true },
    mobilenet: { outputLayer: 'conv_dw_13_relu', hidden: 0 },
    epochs: 6,
    batchSize: 32,
    learningRate: 2e-3,
    lrSchedule: 'cosine',
    beta1: 0.9,
    weightDecay: 0,
    styleRatio: 0.5,
    alpha: 0.5,
    stylisation: 'pool',
    poolSize: 1,
    predictorSize: 128,
    trainPerClass: null,
    validationFraction: 0,
    evalBatchSize: 64,
  },
  thesis: {
    name: 'thesis',
    classifier: 'mobilenet',
    imageSize: 224,
    cnn: { widths: [32, 64, 128, 256, 256], batchNorm: true },
    mobilenet: { outputLayer: 'conv_dw_13_relu', hidden: 0 },
    epochs: 30,
    batchSize: 32,
    learningRate: 1e-3,
    lrSchedule: 'constant',
    beta1: 0.5,
    weightDecay: 1e-5,
    styleRatio: 0.5,
    alpha: 0.5,
    stylisation: 'online',
    poolSize: 0,
    predictorSize: 256,
    trainPerClass: null,
    validationFraction: 0,
    evalBatchSize: 32,
  },
};

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${v}`);
  return v;
}

/** The config after the job's overrides, validated. */
export function resolveConfig(params: Pick<StyleExperimentParams, 'config' | 'classifier' | 'epochs' | 'imageSize' | 'batchSize' | 'learningRate' | 'styleRatio' | 'alpha'> & Partial<Pick<StyleExperimentParams, 'validationFraction' | 'poolSize' | 'stylisation' | 'trainPerClass'>>): ExperimentConfig {
  const base = EXPERIMENT_CONFIGS[params.config];
  if (!base) throw new Error(`Unknown experiment config '${params.config}' (small or thesis)`);
  const c: ExperimentConfig = structuredClone(base);
  if (params.classifier) c.classifier = params.classifier;
  // MobileNet needs multiples of 32: `small` then uses 96² (224² is slow on a CPU).
  if (params.classifier === 'mobilenet' && params.imageSize === undefined && c.imageSize % 32 !== 0) c.imageSize = c.name === 'small' ? 96 : 224;
  if (params.epochs !== undefined) c.epochs = positiveInt('epochs', params.epochs);
  if (params.imageSize !== undefined) c.imageSize = positiveInt('imageSize', params.imageSize);
  if (params.batchSize !== undefined) c.batchSize = positiveInt('batchSize', params.batchSize);
  if (params.learningRate !== undefined) {
    if (!(params.learningRate > 0)) throw new Error(`learningRate must be positive, got ${params.learningRate}`);
    c.learningRate = params.learningRate;
  }
  if (params.styleRatio !== undefined) c.styleRatio = params.styleRatio;
  if (params.alpha !== undefined) c.alpha = Array.isArray(params.alpha) ? [params.alpha[0], params.alpha[1]] : params.alpha;
  if (params.validationFraction !== undefined) c.validationFraction = params.validationFraction;
  if (params.stylisation !== undefined) c.stylisation = params.stylisation;
  if (params.poolSize !== undefined) c.poolSize = params.poolSize;
  if (params.trainPerClass !== undefined) c.trainPerClass = params.trainPerClass;
  if (c.stylisation === 'pool') c.poolSize = positiveInt('poolSize', params.poolSize === undefined && c.poolSize === 0 ? 1 : c.poolSize);
  if (c.trainPerClass !== null) positiveInt('trainPerClass', c.trainPerClass);
  if (!(c.styleRatio >= 0 && c.styleRatio <= 1)) throw new Error(`styleRatio must be in [0, 1], got ${c.styleRatio}`);
  const [lo, hi] = typeof c.alpha === 'number' ? [c.alpha, c.alpha] : c.alpha;
  if (!(lo >= 0 && hi <= 1 && lo <= hi)) throw new Error(`alpha must be in [0, 1] (or a range lo ≤ hi inside it), got ${JSON.stringify(c.alpha)}`);
  if (!(c.validationFraction >= 0 && c.validationFraction < 1)) throw new Error(`validationFraction must be in [0, 1), got ${c.validationFraction}`);
  if (c.classifier === 'cnn' && c.imageSize % 2 ** c.cnn.widths.length !== 0) {
    throw new Error(`The ${c.name} CNN has ${c.cnn.widths.length} pooling blocks: imageSize must be a multiple of ${2 ** c.cnn.widths.length}, got ${c.imageSize}`);
  }
  if (c.classifier === 'mobilenet' && c.imageSize % 32 !== 0) throw new Error(`MobileNet needs an imageSize that is a multiple of 32, got ${c.imageSize}`);
  return c;
}
