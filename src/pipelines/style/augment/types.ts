/**
 * Types for the traditional-augmentation baseline of thesis chapter 4 (§4.4.1: "horizontal
 * flipping, small rotations, zooming (which doubles as random cropping), random erasing, shearing,
 * conversion to grayscale and random perturbations of hue, saturation, brightness and contrast"),
 * plus RandConv (Xu et al. 2021) as a comparison baseline.
 *
 * A pipeline spec lists transforms in application order, each with a probability `p` and parameter
 * ranges. Applying it samples, per image, which transforms fire and with which parameters; that
 * sample is the `AugmentRecord`, and executing a record is a pure function of (batch, record, spec).
 *
 * Conventions: batches are [N,H,W,C] float32 in [0,1]; pixel centres sit at integer coordinates
 * (x = column, y = row, y down); angles are in degrees, positive = counter-clockwise as displayed.
 */

/** How samples that fall outside the source image are filled (tf.image.transform's modes). */
export type FillMode = 'constant' | 'reflect' | 'nearest' | 'wrap';
export type Interpolation = 'bilinear' | 'nearest';

/** Resampling options of the geometric transforms; consecutive geometric transforms with equal
 * options are fused into one affine matrix per image and resampled once. */
export interface GeometryOptions {
  fillMode?: FillMode;
  /** Value for fillMode 'constant' (default 0). */
  fillValue?: number;
  interpolation?: Interpolation;
}

/** A closed range [lo, hi] sampled uniformly. */
export type Range = readonly [number, number];

export interface FlipSpec extends GeometryOptions {
  op: 'flip';
  p: number;
}

export interface RotateSpec extends GeometryOptions {
  op: 'rotate';
  p: number;
  /** Angle range in degrees; a number d means [-d, d]. */
  degrees: number | Range;
}

export interface ZoomSpec extends GeometryOptions {
  op: 'zoom';
  p: number;
  /** Side fraction of the crop window, e.g. [0.8, 1] keeps 64–100 % of the area; > 1 zooms out. */
  scale: Range;
}

export interface ShearSpec extends GeometryOptions {
  op: 'shear';
  p: number;
  /** Shear angle range in degrees; a number d means [-d, d]. */
  degrees: number | Range;
  /** Which axes are sheared (independent angles for 'both'). Default 'x'. */
  axes?: 'x' | 'y' | 'both';
}

export interface EraseSpec {
  op: 'erase';
  p: number;
  /** Erased area as a fraction of the image area, [s_l, s_h] (Zhong et al.: [0.02, 0.4]). */
  area?: Range;
  /** Aspect ratio h/w of the rectangle, [r_1, r_2] (Zhong et al.: [0.3, 1/0.3]). */
  aspect?: Range;
  /** 'noise': i.i.d. uniform [0,1) values; a number: that constant. Default 'noise'. */
  fill?: 'noise' | number;
  /** Rejection-sampling attempts before giving up on an image (Zhong et al.: 100). */
  maxAttempts?: number;
}

export interface GrayscaleSpec {
  op: 'grayscale';
  p: number;
}

export interface ColorJitterSpec {
  op: 'colorJitter';
  p: number;
  /** Additive: offset range (number d = [-d, d]); multiplicative: factor range (d = [1-d, 1+d]). */
  brightness?: number | Range;
  brightnessMode?: 'additive' | 'multiplicative';
  /** Contrast factor around the per-image mean; d = [max(0, 1-d), 1+d]. */
  contrast?: number | Range;
  /** Saturation factor in HSV; d = [max(0, 1-d), 1+d]. */
  saturation?: number | Range;
  /** Hue rotation in degrees; d = [-d, d]. */
  hue?: number | Range;
  /** Apply the four adjustments in a random (recorded) order instead of b, c, s, h. */
  randomOrder?: boolean;
}

export interface RandConvSpec {
  op: 'randConv';
  p: number;
  /** Kernel sizes to pick from (Xu et al.: {1, 3, 5, 7}). */
  kernelSizes?: readonly number[];
  /** Weight std; default 1/sqrt(k²·C) (He-normal, as in Xu et al.). */
  sigma?: number;
  /** Mix the convolved image with the input by α ~ U(range): out = α·x + (1-α)·conv(x).
   * false (default) means α = 0. true means [0, 1]. */
  mix?: boolean | Range;
  /** Clamp the result to [0,1] (default true; RandConv outputs are otherwise unbounded). */
  clamp?: boolean;
}

export type TransformSpec =
  | FlipSpec
  | RotateSpec
  | ZoomSpec
  | ShearSpec
  | EraseSpec
  | GrayscaleSpec
  | ColorJitterSpec
  | RandConvSpec;

export type TransformOp = TransformSpec['op'];

/** 'auto': tf.image.transform on WebGPU (checked there), the gather-based sampler elsewhere (tfjs's
 * cpu Transform kernel only fills the first image of a batch) and for fillMode 'wrap'. */
export type WarpImpl = 'auto' | 'gather' | 'native';

export interface AugmentSpec {
  transforms: readonly TransformSpec[];
  /** Defaults for the geometric transforms' resampling options. */
  geometry?: GeometryOptions;
  warp?: WarpImpl;
}

/** The parameters one transform was applied with, to one image. `t` is its index in the spec. */
export type AppliedTransform =
  | { t: number; op: 'flip' }
  | { t: number; op: 'rotate'; degrees: number }
  /** Crop window side = scale·(W, H); its top-left is offset·(W, H)·(1 - scale). */
  | { t: number; op: 'zoom'; scale: number; offsetX: number; offsetY: number }
  | { t: number; op: 'shear'; shearX: number; shearY: number }
  /** Rectangle rows [y, y+h), columns [x, x+w). */
  | { t: number; op: 'erase'; x: number; y: number; w: number; h: number; area: number; fill: 'noise'; noiseSeed: number }
  | { t: number; op: 'erase'; x: number; y: number; w: number; h: number; area: number; fill: 'constant'; value: number }
  | { t: number; op: 'grayscale' }
  | {
      t: number;
      op: 'colorJitter';
      /** Offset (additive) or factor (multiplicative). */
      brightness: number;
      brightnessMode: 'additive' | 'multiplicative';
      contrast: number;
      saturation: number;
      /** Degrees. */
      hue: number;
      order: ColorStep[];
    }
  | { t: number; op: 'randConv'; kernelSize: number; sigma: number; alpha: number; weightSeed: number; clamp: boolean };

export type ColorStep = 'brightness' | 'contrast' | 'saturation' | 'hue';

export interface AugmentRecord {
  seed: number;
  batchIndex: number;
  shape: [number, number, number, number];
  /** Per image, the transforms applied, in application order. */
  images: AppliedTransform[][];
}

export interface AugmentResult {
  /** [N,H,W,C] float32; the caller owns (and disposes) it. */
  output: import('@tensorflow/tfjs').Tensor4D;
  record: AugmentRecord;
}

export const GEOMETRIC_OPS: ReadonlySet<TransformOp> = new Set(['flip', 'rotate', 'zoom', 'shear']);
