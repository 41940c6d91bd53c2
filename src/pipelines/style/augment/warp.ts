/**
 * The one affine path of the geometric augmentations. Every geometric transform is a 3×3 matrix
 * that maps an OUTPUT pixel (x, y, 1) to the INPUT position it samples (tf.image.transform's
 * convention, pixel centres at integer coordinates). Applying A then B samples input(A·B·p), so a
 * run of transforms composes by left-to-right multiplication and is resampled once.
 *
 * Two samplers with the same semantics:
 *  - 'native': tf.image.transform (one kernel). Correct on WebGPU, but tfjs 4.22's cpu kernel
 *    returns from inside its batch loop, so images 1..N-1 of a batch come back as the fill value.
 *  - 'gather': coordinates, bilinear weights and flat indices built with tensor ops and four
 *    tf.gather reads — works on every backend. Fill modes follow TF's (constant: out-of-range
 *    neighbours read fillValue; reflect: [dcba|abcd|dcba]; nearest: clamp), except 'wrap', which
 *    here is a true periodic wrap (TF's wrap folds with period len-1 at the edges).
 */
import * as tf from '@tensorflow/tfjs';
import type { FillMode, Interpolation, WarpImpl } from './types';

/** Row-major 3×3, last row [0, 0, 1]. */
export type Mat3 = readonly number[];

export const IDENTITY: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

export function matMul3(a: Mat3, b: Mat3): Mat3 {
  const out: number[] = new Array(9).fill(0);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      out[r * 3 + c] = a[r * 3] * b[c] + a[r * 3 + 1] * b[3 + c] + a[r * 3 + 2] * b[6 + c];
    }
  }
  return snap(out);
}

/** Round away float noise (cos 90° = 6e-17) so exact cases (flips, quarter turns) stay exact. */
function snap(m: number[]): Mat3 {
  return m.map((v) => (Math.abs(v - Math.round(v)) < 1e-9 ? Math.round(v) : v));
}

export function isIdentity(m: Mat3): boolean {
  return m.every((v, i) => v === IDENTITY[i]);
}

/** Horizontal flip: x_in = W-1-x. */
export function flipMatrix(width: number): Mat3 {
  return [-1, 0, width - 1, 0, 1, 0, 0, 0, 1];
}

/** Rotation about the image centre by `degrees`, counter-clockwise as displayed (y down). */
export function rotationMatrix(degrees: number, width: number, height: number): Mat3 {
  const th = (degrees * Math.PI) / 180;
  const c = Math.cos(th);
  const s = Math.sin(th);
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  // (dx, dy)_in = [[c, -s], [s, c]] · (dx, dy)_out about the centre.
  return snap([c, -s, cx - c * cx + s * cy, s, c, cy - s * cx - c * cy, 0, 0, 1]);
}

/**
 * Crop a window of side scale·(W, H) whose top-left corner is offset·(W, H)·(1-scale), and resize
 * it back to W×H (half-pixel centres, like tf.image.resizeBilinear without align_corners).
 * scale 1 is the identity for any offset.
 */
export function zoomMatrix(scale: number, offsetX: number, offsetY: number, width: number, height: number): Mat3 {
  const left = offsetX * width * (1 - scale);
  const top = offsetY * height * (1 - scale);
  return snap([scale, 0, left + 0.5 * scale - 0.5, 0, scale, top + 0.5 * scale - 0.5, 0, 0, 1]);
}

/** Shear about the centre: x_in = x + tan(shearX)·(y - cy), y_in = y + tan(shearY)·(x - cx). */
export function shearMatrix(shearXDeg: number, shearYDeg: number, width: number, height: number): Mat3 {
  const tx = Math.tan((shearXDeg * Math.PI) / 180);
  const ty = Math.tan((shearYDeg * Math.PI) / 180);
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  return snap([1, tx, -tx * cy, ty, 1, -ty * cx, 0, 0, 1]);
}

export interface WarpOptions {
  fillMode: FillMode;
  fillValue: number;
  interpolation: Interpolation;
  impl: WarpImpl;
}

export const DEFAULT_WARP: WarpOptions = { fillMode: 'constant', fillValue: 0, interpolation: 'bilinear', impl: 'auto' };

/** Which sampler `impl` resolves to on the current backend. */
export function resolveWarpImpl(impl: WarpImpl, fillMode: FillMode): 'gather' | 'native' {
  if (impl !== 'auto') return impl;
  return tf.getBackend() === 'webgpu' && fillMode !== 'wrap' ? 'native' : 'gather';
}

/** Resample each image i at mats[i]·(x, y, 1). Returns a new [N,H,W,C] tensor. */
export function warpAffine(images: tf.Tensor4D, mats: readonly Mat3[], options: Partial<WarpOptions> = {}): tf.Tensor4D {
  const opts = { ...DEFAULT_WARP, ...options };
  const [n] = images.shape;
  if (mats.length !== n) throw new Error(`warpAffine: ${mats.length} matrices for a batch of ${n}`);
  for (const m of mats) {
    if (m.length !== 9 || m[6] !== 0 || m[7] !== 0 || m[8] !== 1) throw new Error('warpAffine: matrices must be affine 3×3');
  }
  if (resolveWarpImpl(opts.impl, opts.fillMode) === 'native') {
    return tf.tidy(() => {
      const t = tf.tensor2d(mats.flatMap((m) => [m[0], m[1], m[2], m[3], m[4], m[5], 0, 0]), [n, 8]);
      return tf.image.transform(images, t, opts.interpolation, opts.fillMode, opts.fillValue);
    });
  }
  return warpGather(images, mats, opts);
}

function col(values: number[], n: number): tf.Tensor3D {
  return tf.tensor3d(values, [n, 1, 1]);
}

/** Map a source coordinate per fill mode (tensor version of TF's map_coordinate). */
function mapCoord(c: tf.Tensor, len: number, mode: FillMode): tf.Tensor {
  switch (mode) {
    case 'constant':
      return c;
    case 'nearest':
      return tf.clipByValue(c, 0, len - 1);
    case 'wrap':
      return tf.mod(c, len);
    case 'reflect': {
      // Half-sample symmetric, period 2·len: [dcba|abcd|dcba].
      const t = tf.mod(tf.add(c, 0.5), 2 * len);
      return tf.clipByValue(tf.where(tf.less(t, len), tf.sub(t, 0.5), tf.sub(2 * len - 0.5, t)), 0, len - 1);
    }
  }
}

/** Integer neighbour index along one axis, plus its in-range mask (constant mode). */
function neighbour(i: tf.Tensor, len: number, mode: FillMode): { idx: tf.Tensor; valid: tf.Tensor | null } {
  if (mode === 'wrap') return { idx: tf.mod(i, len), valid: null };
  const idx = tf.clipByValue(i, 0, len - 1);
  if (mode !== 'constant') return { idx, valid: null };
  return { idx, valid: tf.logicalAnd(tf.greaterEqual(i, 0), tf.less(i, len)) };
}

function warpGather(images: tf.Tensor4D, mats: readonly Mat3[], opts: WarpOptions): tf.Tensor4D {
  const [n, h, w, c] = images.shape;
  return tf.tidy(() => {
    const xs = tf.range(0, w, 1, 'float32').reshape([1, 1, w]);
    const ys = tf.range(0, h, 1, 'float32').reshape([1, h, 1]);
    const m = (k: number) => col(mats.map((mat) => mat[k]), n);
    // Same association as the kernel: (a0·x + a1·y) + a2.
    const inX = mapCoord(tf.add(tf.add(tf.mul(m(0), xs), tf.mul(m(1), ys)), m(2)), w, opts.fillMode);
    const inY = mapCoord(tf.add(tf.add(tf.mul(m(3), xs), tf.mul(m(4), ys)), m(5)), h, opts.fillMode);
    const flat = images.reshape([n * h * w, c]);
    const base = tf.range(0, n * h * w, h * w, 'int32').reshape([n, 1, 1]);
    const read = (yi: tf.Tensor, xi: tf.Tensor): tf.Tensor4D => {
      const ny = neighbour(yi, h, opts.fillMode);
      const nx = neighbour(xi, w, opts.fillMode);
      const rowStart = tf.mul(tf.cast(ny.idx, 'int32'), tf.scalar(w, 'int32'));
      const index = tf.add(tf.add(base, rowStart), tf.cast(nx.idx, 'int32'));
      const v = tf.gather(flat, index.reshape([-1])).reshape([n, h, w, c]) as tf.Tensor4D;
      if (!ny.valid || !nx.valid) return v;
      // v·valid + fill·(1-valid): exact either way for finite values, and no broadcast select.
      const valid = tf.cast(tf.logicalAnd(ny.valid, nx.valid), 'float32').reshape([n, h, w, 1]);
      return tf.add(tf.mul(v, valid), tf.mul(tf.sub(1, valid), opts.fillValue)) as tf.Tensor4D;
    };
    if (opts.interpolation === 'nearest') return read(tf.round(inY), tf.round(inX));
    const x0 = tf.floor(inX);
    const y0 = tf.floor(inY);
    const x1 = tf.add(x0, 1);
    const y1 = tf.add(y0, 1);
    const expand = (t: tf.Tensor) => t.reshape([n, h, w, 1]);
    const wx1 = expand(tf.sub(inX, x0)); // weight of the right neighbour
    const wx0 = expand(tf.sub(x1, inX));
    const wy1 = expand(tf.sub(inY, y0));
    const wy0 = expand(tf.sub(y1, inY));
    const top = tf.add(tf.mul(wx0, read(y0, x0)), tf.mul(wx1, read(y0, x1)));
    const bottom = tf.add(tf.mul(wx0, read(y1, x0)), tf.mul(wx1, read(y1, x1)));
    return tf.add(tf.mul(wy0, top), tf.mul(wy1, bottom)) as tf.Tensor4D;
  });
}
