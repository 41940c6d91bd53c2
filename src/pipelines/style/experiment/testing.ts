/**
 * Test helpers: small synthetic domain-shift sets (discs vs squares from core/data/synthetic.ts,
 * each domain painted differently) and a stand-in for the Magenta style network whose output
 * depends on the embedding, so style wiring can be tested without the model files.
 */
import * as tf from '@tensorflow/tfjs';
import type { DecodedImage } from '../../../core/data/types';
import { Rng } from '../../../core/rng/rng';
import { renderShape } from '../../../core/data/synthetic';
import type { StyleNetwork } from '../tflite/styleNetwork';
import type { ImageSet } from './data';

export const SHAPE_CLASSES = ['disc', 'square'] as const;

/** How a domain repaints an RGB pixel (values 0–255). */
export const DOMAIN_PAINT: Record<string, (r: number, g: number, b: number) => [number, number, number]> = {
  plain: (r, g, b) => [r, g, b],
  inverted: (r, g, b) => [255 - r, 255 - g, 255 - b],
  swapped: (r, g, b) => [b, r, g],
};

/** 8-bit RGB of one synthetic shape image painted by a domain. */
export function shapePixels(shape: (typeof SHAPE_CLASSES)[number], size: number, rng: Rng, paint: string): Uint8Array {
  const rgba = renderShape(shape, size, rng);
  const f = DOMAIN_PAINT[paint];
  const out = new Uint8Array(size * size * 3);
  for (let p = 0; p < size * size; p++) {
    const [r, g, b] = f(rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2]);
    out[3 * p] = r;
    out[3 * p + 1] = g;
    out[3 * p + 2] = b;
  }
  return out;
}

/** n images alternating disc/square, labels 0/1, painted by `paint`. */
export function shapeSet(n: number, size: number, seed: number, paint = 'plain'): ImageSet {
  const rng = new Rng(seed);
  const pixels: Uint8Array[] = [];
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    pixels.push(shapePixels(SHAPE_CLASSES[i % 2], size, rng.fork(i), paint));
  }
  return { size, pixels, labels, paths: pixels.map((_, i) => `${paint}/${SHAPE_CLASSES[i % 2]}/${i}.png`), domains: pixels.map(() => paint) };
}

export function concatSets(a: ImageSet, b: ImageSet): ImageSet {
  return {
    size: a.size,
    pixels: [...a.pixels, ...b.pixels],
    labels: Int32Array.from([...a.labels, ...b.labels]),
    paths: [...a.paths, ...b.paths],
    domains: [...a.domains, ...b.domains],
  };
}

/** A raw-RGB "file" and its decoder: the first two bytes are width and height. */
export function rawImageBlob(pixels: Uint8Array, size: number): Blob {
  const bytes = new Uint8Array(2 + pixels.length);
  bytes[0] = size;
  bytes[1] = size;
  bytes.set(pixels, 2);
  return new Blob([bytes]);
}

export async function decodeRaw(bytes: Uint8Array, path: string): Promise<DecodedImage> {
  const [w, h] = bytes;
  if (bytes.length !== 2 + w * h * 3) throw new Error(`${path}: not a raw test image`);
  return { width: w, height: h, channels: 3, bitDepth: 8, sampleFormat: 'uint', data: bytes.subarray(2), pages: 1, page: 0 };
}

/**
 * Stand-in style network: P(c) = the image's mean colour repeated over 100 values; T(c, z) blends
 * the content with a flat colour given by z (sigmoid of z[0..2]): out = 0.3·c + 0.7·colour(z).
 */
export function fakeStyleNetwork(): StyleNetwork & { transfers: number; predictions: number } {
  const fake = {
    transfers: 0,
    predictions: 0,
    predictStyle(img: tf.Tensor4D) {
      fake.predictions++;
      return tf.tidy(() => tf.reshape(tf.tile(tf.mean(img, [0, 1, 2]), [34]).slice(0, 100), [1, 1, 1, 100])) as tf.Tensor4D;
    },
    transfer(content: tf.Tensor4D, z: tf.Tensor) {
      fake.transfers++;
      return tf.tidy(() => {
        const colour = tf.reshape(tf.sigmoid(tf.slice(tf.reshape(z, [100]), [0], [3])), [1, 1, 1, 3]);
        return tf.add(tf.mul(content, 0.3), tf.mul(colour, 0.7)) as tf.Tensor4D;
      });
    },
    dispose() {},
  };
  return fake as unknown as StyleNetwork & { transfers: number; predictions: number };
}
