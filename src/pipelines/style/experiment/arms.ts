/**
 * Which augmentations run under which arm (thesis §4.4.2 and Table 4.2):
 *
 *   none   the batch as it is
 *   trad   the seven traditional augmentations, augmentPipeline(traditionalAugmentSpec(), seed)
 *   color  colour jitter only: the colorJitter transform of the traditional spec, unchanged
 *          (same probability and hue/saturation/brightness/contrast ranges)
 *   style  style augmentation (a StyleSource: pooled or on-the-fly stylisation)
 *   both   style, then the traditional augmentations on its output
 *
 * Each batch is augmented with the run's step index as the batch index, so every random choice
 * is a function of (seed, step) and a batch can be replayed.
 */
import * as tf from '@tensorflow/tfjs';
import { augmentPipeline, traditionalAugmentSpec, type AugmentPipeline, type AugmentSpec } from '../augment';
import type { Arm } from './types';

/** The colour-jitter-only spec: the traditional spec's colorJitter entry with its parameters. */
export function colorJitterSpec(): AugmentSpec {
  const trad = traditionalAugmentSpec();
  const transforms = trad.transforms.filter((t) => t.op === 'colorJitter');
  if (transforms.length !== 1) throw new Error('the traditional spec has no single colorJitter transform');
  return { ...trad, transforms };
}

export const usesStyle = (arm: Arm): boolean => arm === 'style' || arm === 'both';

/** Stylises the chosen images of a training batch. */
export interface StyleSource {
  readonly mode: 'pool' | 'online';
  /**
   * `x` holds training images `indices` (un-augmented); returns a new tensor (caller disposes)
   * and which images were stylised.
   */
  apply(x: tf.Tensor4D, indices: readonly number[], step: number): Promise<{ output: tf.Tensor4D; stylised: boolean[] }>;
}

export interface ArmAugmenters {
  trad: AugmentPipeline;
  color: AugmentPipeline;
  style: StyleSource | null;
}

/** Augmenters for one run: traditional and colour pipelines from their own seeds. */
export function armAugmenters(tradSeed: number, colorSeed: number, style: StyleSource | null): ArmAugmenters {
  return { trad: augmentPipeline(traditionalAugmentSpec(), tradSeed), color: augmentPipeline(colorJitterSpec(), colorSeed), style };
}

export interface AugmentedBatch {
  /** New tensor (never `x` itself); the caller disposes it. */
  output: tf.Tensor4D;
  /** Images that went through style transfer. */
  stylised: number;
  /** Augmentation stages that ran, in order. */
  stages: ('style' | 'trad' | 'color')[];
}

/** Augment one training batch under an arm. `x` is not disposed. */
export async function augmentForArm(arm: Arm, x: tf.Tensor4D, indices: readonly number[], step: number, aug: ArmAugmenters): Promise<AugmentedBatch> {
  switch (arm) {
    case 'none':
      return { output: x.clone(), stylised: 0, stages: [] };
    case 'trad':
      return { output: aug.trad.apply(x, step).output, stylised: 0, stages: ['trad'] };
    case 'color':
      return { output: aug.color.apply(x, step).output, stylised: 0, stages: ['color'] };
    case 'style':
    case 'both': {
      if (!aug.style) throw new Error(`The ${arm} arm needs the style network`);
      const s = await aug.style.apply(x, indices, step);
      const stylised = s.stylised.filter(Boolean).length;
      if (arm === 'style') return { output: s.output, stylised, stages: ['style'] };
      const t = aug.trad.apply(s.output, step).output;
      s.output.dispose();
      return { output: t, stylised, stages: ['style', 'trad'] };
    }
    default:
      throw new Error(`Unknown arm '${arm as string}'`);
  }
}
