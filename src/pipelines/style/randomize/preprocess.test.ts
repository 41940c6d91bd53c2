import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DecodedImage } from '../../../core/data/types';
import { decodedToTensor, resizeShorterSideCentreCrop, shorterSideCrop, styleImageTensor } from './preprocess';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('style-image preprocessing (shorter side → size, centre crop)', () => {
  it('geometry of landscape, portrait, square and small images', () => {
    expect(shorterSideCrop(300, 200, 256)).toEqual({ resizedWidth: 384, resizedHeight: 256, left: 64, top: 0 });
    expect(shorterSideCrop(200, 301, 100)).toEqual({ resizedWidth: 100, resizedHeight: 151, left: 0, top: 25 });
    expect(shorterSideCrop(227, 227, 256)).toEqual({ resizedWidth: 256, resizedHeight: 256, left: 0, top: 0 });
    expect(shorterSideCrop(4, 2, 2)).toEqual({ resizedWidth: 4, resizedHeight: 2, left: 1, top: 0 });
  });

  it('crops the centre without resampling when the shorter side already matches', async () => {
    // 1×2×4×1 image with values 0..7; the central 2×2 is columns 1–2.
    const x = tf.tensor4d([0, 1, 2, 3, 4, 5, 6, 7], [1, 2, 4, 1]);
    const y = resizeShorterSideCentreCrop(x, 2);
    expect(y.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(await y.data())).toEqual([1, 2, 5, 6]);
    tf.dispose([x, y]);
  });

  it('a constant image stays constant through resize and crop; no tensors are left behind', async () => {
    const before = tf.memory().numTensors;
    const img: DecodedImage = { width: 30, height: 20, channels: 3, bitDepth: 8, sampleFormat: 'uint', data: new Uint8Array(30 * 20 * 3).fill(51), pages: 1, page: 0 };
    const t = styleImageTensor(img, 16);
    expect(t.shape).toEqual([1, 16, 16, 3]);
    const v = await t.data();
    expect(v.every((x) => Math.abs(x - 0.2) < 1e-6)).toBe(true);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gray becomes R = G = B and alpha is dropped, values / 255', async () => {
    const gray: DecodedImage = { width: 2, height: 1, channels: 1, bitDepth: 8, sampleFormat: 'uint', data: new Uint8Array([0, 255]), pages: 1, page: 0 };
    const g = decodedToTensor(gray);
    expect(Array.from(await g.data())).toEqual([0, 0, 0, 1, 1, 1]);
    const rgba: DecodedImage = { width: 1, height: 1, channels: 4, bitDepth: 8, sampleFormat: 'uint', data: new Uint8Array([255, 0, 51, 0]), pages: 1, page: 0 };
    const c = decodedToTensor(rgba);
    expect(Array.from(await c.data())).toEqual([1, 0, 0.2].map(Math.fround));
    tf.dispose([g, c]);
  });
});
