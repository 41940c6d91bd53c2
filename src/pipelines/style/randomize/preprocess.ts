/**
 * Style-image preprocessing for the predictor P, as in the TFLite style-transfer example: resize
 * so the shorter side is `size` (bilinear, half-pixel centres, no antialiasing, like TF2's
 * tf.image.resize), then crop the central size×size square.
 */
import * as tf from '@tensorflow/tfjs';
import { toRgba8 } from '../../../core/data/display';
import type { DecodedImage } from '../../../core/data/types';

export interface ShorterSideCrop {
  /** Size after the shorter-side resize. */
  resizedWidth: number;
  resizedHeight: number;
  /** Top-left corner of the central crop in the resized image. */
  left: number;
  top: number;
}

/** Geometry of "shorter side → size, then centre crop size×size" for a width×height image. */
export function shorterSideCrop(width: number, height: number, size: number): ShorterSideCrop {
  if (!(width >= 1 && height >= 1 && size >= 1)) throw new Error(`shorterSideCrop: bad sizes ${width}×${height} → ${size}`);
  const scale = size / Math.min(width, height);
  const resizedWidth = Math.max(size, Math.round(width * scale));
  const resizedHeight = Math.max(size, Math.round(height * scale));
  return { resizedWidth, resizedHeight, left: Math.floor((resizedWidth - size) / 2), top: Math.floor((resizedHeight - size) / 2) };
}

/** An [1,H,W,3] float32 image in [0,1] → [1,size,size,3] by shorter-side resize and centre crop. */
export function resizeShorterSideCentreCrop(image: tf.Tensor4D, size: number): tf.Tensor4D {
  const [n, h, w] = image.shape;
  if (n !== 1) throw new Error(`resizeShorterSideCentreCrop expects one image [1,H,W,C], got ${JSON.stringify(image.shape)}`);
  const g = shorterSideCrop(w, h, size);
  return tf.tidy(() => {
    const resized = g.resizedWidth === w && g.resizedHeight === h ? image : tf.image.resizeBilinear(image, [g.resizedHeight, g.resizedWidth], false, true);
    const out = tf.slice(resized, [0, g.top, g.left, 0], [1, size, size, image.shape[3]]);
    return out === image ? image.clone() : out;
  });
}

/** A decoded image (any channel layout toRgba8 maps to RGB; alpha ignored) → [1,H,W,3] in [0,1]. */
export function decodedToTensor(img: DecodedImage): tf.Tensor4D {
  const rgba = toRgba8(img);
  const rgb = new Float32Array(img.width * img.height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    rgb[j] = rgba[i] / 255;
    rgb[j + 1] = rgba[i + 1] / 255;
    rgb[j + 2] = rgba[i + 2] / 255;
  }
  return tf.tensor4d(rgb, [1, img.height, img.width, 3]);
}

/** The predictor's input for a style image: decoded → shorter side `size`, centre crop, [1,size,size,3]. */
export function styleImageTensor(img: DecodedImage, size = 256): tf.Tensor4D {
  const full = decodedToTensor(img);
  try {
    return resizeShorterSideCentreCrop(full, size);
  } finally {
    full.dispose();
  }
}
