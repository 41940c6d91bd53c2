/**
 * Named training configurations (issue: `small` learns within minutes on a CPU; `thesis` is the
 * §3.4 setup for a GPU: 224², 1–15 cells, 17,000 training / 3,000 validation images, Adam).
 */
import type { AssignmentKind } from './assignment';
import { smallDetectorConfig, thesisDetectorConfig, type DetectorConfig } from './model';
import { defaultSimcepParams, smallSimcepParams, type SimcepParams } from './simcep';

export interface TrainingPreset {
  name: 'small' | 'thesis';
  detector: DetectorConfig;
  simcep: SimcepParams;
  /** Images in the (procedural, index-addressed) training set; one epoch is one pass over them. */
  trainImages: number;
  valImages: number;
  batchSize: number;
  epochs: number;
  learningRate: number;
  /** Mean ground-truth box side in pixels, for Eq 3.2's w/h normalisation. */
  meanBoxPx: number;
}

export const PRESETS: Record<TrainingPreset['name'], TrainingPreset> = {
  small: {
    name: 'small',
    detector: smallDetectorConfig,
    simcep: smallSimcepParams,
    trainImages: 2000,
    valImages: 200,
    batchSize: 8,
    epochs: 3,
    learningRate: 1e-3,
    meanBoxPx: 13,
  },
  thesis: {
    name: 'thesis',
    detector: thesisDetectorConfig,
    simcep: defaultSimcepParams,
    trainImages: 17000,
    valImages: 3000,
    batchSize: 16,
    epochs: 30,
    learningRate: 1e-3,
    meanBoxPx: 21,
  },
};

export const LOSS_LABELS: Record<AssignmentKind, string> = {
  responsibility: 'Responsibility R = C/D (thesis)',
  'inverse-distance': 'Ablation R = 1/D',
  'max-iou': 'Max-IoU + NMS 0.7',
  'one-to-one': 'Hungarian one-to-one',
};
