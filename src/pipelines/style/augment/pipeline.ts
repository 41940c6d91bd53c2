/**
 * The traditional-augmentation pipeline (thesis §4.4.1) as tfjs tensor ops.
 *
 *   const aug = augmentPipeline(traditionalAugmentSpec(), seed);
 *   const { output, record } = aug.apply(batch, batchIndex);   // output: caller disposes
 *   const again = aug.replay(batch, record);                    // identical to output
 *
 * apply = sampleRecord (pure JS, seeded) + executeRecord (tensor ops), so the output is a function
 * of (batch, record, spec) and the record a function of (spec, seed, batchIndex, shape).
 * Transforms run in spec order over the whole batch with per-image parameters; an image a transform
 * does not fire on is carried through unchanged (a per-image gather select, select.ts). Consecutive
 * geometric transforms with equal resampling options are fused into one affine matrix per image
 * and resampled once (one interpolation instead of several).
 */
import * as tf from '@tensorflow/tfjs';
import { adjustBrightness, adjustContrast, adjustHueSaturation, grayscale } from './color';
import { eraseRects, type EraseFill, type EraseRect } from './erase';
import { randConv, type RandConvParams } from './randconv';
import { sampleRecord, validateSpec } from './sample';
import { selectImages as select } from './select';
import {
  GEOMETRIC_OPS,
  type AppliedTransform,
  type AugmentRecord,
  type AugmentResult,
  type AugmentSpec,
  type ColorStep,
  type GeometryOptions,
  type TransformSpec,
} from './types';
import { DEFAULT_WARP, flipMatrix, IDENTITY, isIdentity, matMul3, rotationMatrix, shearMatrix, warpAffine, zoomMatrix, type Mat3, type WarpOptions } from './warp';

type Entry<Op extends AppliedTransform['op']> = Extract<AppliedTransform, { op: Op }>;

export interface AugmentPipeline {
  readonly spec: AugmentSpec;
  readonly seed: number;
  /** The record apply() would use, without touching tensors. */
  sample(shape: readonly number[], batchIndex: number): AugmentRecord;
  apply(batch: tf.Tensor4D, batchIndex: number): AugmentResult;
  replay(batch: tf.Tensor4D, record: AugmentRecord): tf.Tensor4D;
}

export function augmentPipeline(spec: AugmentSpec, seed: number): AugmentPipeline {
  validateSpec(spec);
  const sample = (shape: readonly number[], batchIndex: number) => sampleRecord(spec, seed, batchIndex, shape);
  return {
    spec,
    seed: seed >>> 0,
    sample,
    apply(batch, batchIndex) {
      const record = sample(batch.shape, batchIndex);
      return { output: executeRecord(batch, record, spec), record };
    },
    replay: (batch, record) => executeRecord(batch, record, spec),
  };
}

/**
 * The thesis's seven traditional augmentations, in the order flip → rotate → zoom/crop → shear
 * (one fused resampling) → colour jitter → grayscale → random erasing. The ranges are ordinary
 * choices (the thesis does not list them); override freely.
 */
export function traditionalAugmentSpec(p = 0.5, geometry: GeometryOptions = { fillMode: 'reflect' }): AugmentSpec {
  return {
    geometry,
    transforms: [
      { op: 'flip', p },
      { op: 'rotate', p, degrees: 15 },
      { op: 'zoom', p, scale: [0.8, 1] },
      { op: 'shear', p, degrees: 10 },
      { op: 'colorJitter', p, brightness: 0.2, contrast: 0.2, saturation: 0.2, hue: 18 },
      { op: 'grayscale', p: Math.min(p, 0.1) },
      { op: 'erase', p },
    ],
  };
}

/** §4.4.3's depth-estimation subset: no rescaling, erasing or rotation. */
export function depthSafeAugmentSpec(p = 0.5): AugmentSpec {
  return { transforms: traditionalAugmentSpec(p).transforms.filter((t) => t.op === 'flip' || t.op === 'colorJitter' || t.op === 'grayscale') };
}

function warpOptions(spec: AugmentSpec, s: TransformSpec): WarpOptions {
  const g = spec.geometry ?? {};
  const own = s as GeometryOptions;
  return {
    fillMode: own.fillMode ?? g.fillMode ?? DEFAULT_WARP.fillMode,
    fillValue: own.fillValue ?? g.fillValue ?? DEFAULT_WARP.fillValue,
    interpolation: own.interpolation ?? g.interpolation ?? DEFAULT_WARP.interpolation,
    impl: spec.warp ?? DEFAULT_WARP.impl,
  };
}

function sameWarp(a: WarpOptions, b: WarpOptions): boolean {
  return a.fillMode === b.fillMode && a.fillValue === b.fillValue && a.interpolation === b.interpolation && a.impl === b.impl;
}

/** The output→input matrix of one applied geometric transform. */
export function transformMatrix(e: AppliedTransform, width: number, height: number): Mat3 {
  switch (e.op) {
    case 'flip':
      return flipMatrix(width);
    case 'rotate':
      return rotationMatrix(e.degrees, width, height);
    case 'zoom':
      return zoomMatrix(e.scale, e.offsetX, e.offsetY, width, height);
    case 'shear':
      return shearMatrix(e.shearX, e.shearY, width, height);
    default:
      throw new Error(`transformMatrix: ${e.op} is not geometric`);
  }
}

function checkRecord(batch: tf.Tensor4D, record: AugmentRecord, spec: AugmentSpec): void {
  if (batch.rank !== 4) throw new Error(`augment: expected a rank-4 [N,H,W,C] batch, got rank ${batch.rank}`);
  if (batch.dtype !== 'float32') throw new Error(`augment: expected float32 images in [0,1], got ${batch.dtype}`);
  if (record.shape.some((v, i) => v !== batch.shape[i]) || record.images.length !== batch.shape[0]) {
    throw new Error(`augment: record is for shape [${record.shape.join(', ')}], batch is [${batch.shape.join(', ')}]`);
  }
  for (const entries of record.images) {
    for (const e of entries) {
      if (spec.transforms[e.t]?.op !== e.op) throw new Error(`augment: record entry ${e.op}@${e.t} does not match the spec`);
    }
  }
}

/** Run a record over a batch. Returns a new tensor (the input is not disposed); no other tensors survive. */
export function executeRecord(batch: tf.Tensor4D, record: AugmentRecord, spec: AugmentSpec): tf.Tensor4D {
  checkRecord(batch, record, spec);
  const [, height, width] = batch.shape;
  const ts = spec.transforms;
  return tf.tidy(() => {
    let x: tf.Tensor4D = batch;
    let t = 0;
    while (t < ts.length) {
      if (GEOMETRIC_OPS.has(ts[t].op)) {
        const opts = warpOptions(spec, ts[t]);
        let end = t + 1;
        while (end < ts.length && GEOMETRIC_OPS.has(ts[end].op) && sameWarp(opts, warpOptions(spec, ts[end]))) end++;
        const lo = t;
        const mats = record.images.map((entries) =>
          entries.filter((e) => e.t >= lo && e.t < end).reduce((m, e) => matMul3(m, transformMatrix(e, width, height)), IDENTITY),
        );
        const moved = mats.map((m) => !isIdentity(m));
        if (moved.some(Boolean)) x = select(moved, warpAffine(x, mats, opts), x);
        t = end;
        continue;
      }
      const entries = record.images.map((list) => list.find((e) => e.t === t) ?? null);
      if (entries.some((e) => e !== null)) x = applyPhotometric(x, entries);
      t++;
    }
    // Never hand back the caller's own tensor: tidy would not dispose it, and the caller owns the result.
    return x === batch ? batch.clone() : x;
  });
}

/** One non-geometric transform; `entries` are all of the same op (or null where it did not fire). */
function applyPhotometric(x: tf.Tensor4D, entries: (AppliedTransform | null)[]): tf.Tensor4D {
  const op = entries.find((e) => e !== null)!.op;
  const fired = entries.map((e) => e !== null);
  switch (op) {
    case 'grayscale':
      return select(fired, grayscale(x), x);
    case 'erase': {
      const es = entries as (Entry<'erase'> | null)[];
      const rects: (EraseRect | null)[] = es.map((e) => (e ? { x: e.x, y: e.y, w: e.w, h: e.h } : null));
      const fills: (EraseFill | null)[] = es.map((e) =>
        !e ? null : e.fill === 'noise' ? { kind: 'noise', seed: e.noiseSeed } : { kind: 'constant', value: e.value },
      );
      return eraseRects(x, rects, fills);
    }
    case 'randConv': {
      const es = entries as (Entry<'randConv'> | null)[];
      const params: (RandConvParams | null)[] = es.map((e) =>
        e ? { kernelSize: e.kernelSize, sigma: e.sigma, alpha: e.alpha, weightSeed: e.weightSeed, clamp: e.clamp } : null,
      );
      return randConv(x, params);
    }
    case 'colorJitter':
      return applyColorJitter(x, entries as (Entry<'colorJitter'> | null)[]);
    default:
      throw new Error(`augment: ${op} is not a photometric transform`);
  }
}

interface ColorPass {
  kind: 'brightness' | 'contrast' | 'hsv';
  saturation: boolean;
  hue: boolean;
}

/** An image's step order as passes: adjacent saturation and hue share one HSV round trip (they act
 * on separate HSV planes, so they commute). */
function colorPasses(order: readonly ColorStep[]): ColorPass[] {
  const passes: ColorPass[] = [];
  for (const step of order) {
    const last = passes[passes.length - 1];
    if (step === 'saturation' || step === 'hue') {
      if (last?.kind === 'hsv' && !last[step]) last[step] = true;
      else passes.push({ kind: 'hsv', saturation: step === 'saturation', hue: step === 'hue' });
    } else {
      passes.push({ kind: step, saturation: false, hue: false });
    }
  }
  return passes;
}

/**
 * Colour jitter: at each position j of the per-image pass list, every pass kind that some image
 * has at position j runs over the batch (neutral parameters elsewhere) and is kept for those images.
 * With the fixed order (brightness, contrast, saturation + hue) that is three batched passes.
 */
function applyColorJitter(x: tf.Tensor4D, es: (Entry<'colorJitter'> | null)[]): tf.Tensor4D {
  const passes = es.map((e) => (e ? colorPasses(e.order) : []));
  const steps = Math.max(...passes.map((p) => p.length));
  for (let j = 0; j < steps; j++) {
    for (const kind of ['brightness', 'contrast', 'hsv'] as const) {
      const at = passes.map((p) => p[j]?.kind === kind);
      if (!at.some(Boolean)) continue;
      const pick = (f: (e: Entry<'colorJitter'>, pass: ColorPass) => number, neutral: number) =>
        es.map((e, i) => (at[i] && e ? f(e, passes[i][j]) : neutral));
      let y: tf.Tensor4D;
      if (kind === 'brightness') {
        y = x;
        for (const mode of ['additive', 'multiplicative'] as const) {
          const m = es.map((e, i) => at[i] && e!.brightnessMode === mode);
          if (m.some(Boolean)) y = select(m, adjustBrightness(y, pick((e) => e.brightness, mode === 'additive' ? 0 : 1), mode), y);
        }
      } else if (kind === 'contrast') {
        y = adjustContrast(x, pick((e) => e.contrast, 1));
      } else {
        y = adjustHueSaturation(x, pick((e, p) => (p.hue ? e.hue : 0), 0), pick((e, p) => (p.saturation ? e.saturation : 1), 1));
      }
      x = select(at, y, x);
    }
  }
  return x;
}
