import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { adjustBrightness, adjustContrast, adjustHueSaturation, grayscale, hsvToRgb, rgbToHsv } from './color';
import { augmentPipeline } from './pipeline';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function values(t: tf.Tensor): number[] {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

function expectClose(actual: number[], expected: number[], tol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(Math.abs(v - expected[i]), `index ${i}: ${v} vs ${expected[i]}`).toBeLessThanOrEqual(tol));
}

/** One row of RGB pixels as a [1,1,P,3] batch. */
function pixels(rgb: number[][]): tf.Tensor4D {
  return tf.tensor4d(rgb.flat(), [1, 1, rgb.length, 3]);
}

const RED = [1, 0, 0];
const GREEN = [0, 1, 0];
const BLUE = [0, 0, 1];

describe('photometric transforms', () => {
  it('grayscale is 0.299 R + 0.587 G + 0.114 B in every channel', () => {
    const rgb = [RED, GREEN, BLUE, [0.5, 0.5, 0.5], [0.2, 0.4, 0.6], [1, 1, 1]];
    const luma = [0.299, 0.587, 0.114, 0.5, 0.299 * 0.2 + 0.587 * 0.4 + 0.114 * 0.6, 1];
    const img = pixels(rgb);
    const out = grayscale(img);
    expect(out.shape).toEqual([1, 1, 6, 3]);
    expectClose(values(out), luma.flatMap((y) => [y, y, y]));
    const { output, record } = augmentPipeline({ transforms: [{ op: 'grayscale', p: 1 }] }, 1).apply(img, 0);
    expect(record.images[0]).toEqual([{ t: 0, op: 'grayscale' }]);
    expectClose(values(output), luma.flatMap((y) => [y, y, y]));
    img.dispose();
  });

  it('brightness: additive offsets and multiplicative factors, clamped to [0,1]', () => {
    const img = tf.tensor4d([0.2, 0.95, 0.4, 0.8], [2, 1, 2, 1]);
    expectClose(values(adjustBrightness(img, [0.1, -0.3], 'additive')), [0.3, 1, 0.1, 0.5]);
    expectClose(values(adjustBrightness(img, [1.5, 0.5], 'multiplicative')), [0.3, 1, 0.2, 0.4]);
    // Neutral parameters are exact.
    expect(values(adjustBrightness(img, [0, 0], 'additive'))).toEqual(Array.from(img.dataSync()));
    expect(values(adjustBrightness(img, [1, 1], 'multiplicative'))).toEqual(Array.from(img.dataSync()));
    img.dispose();
  });

  it('contrast scales around the per-image mean, clamped to [0,1]', () => {
    // Image 0: mean 0.5; image 1: mean 0.25.
    const img = tf.tensor4d([0.2, 0.4, 0.6, 0.8, 0, 0.1, 0.4, 0.5], [2, 2, 2, 1]);
    expectClose(values(adjustContrast(img, [2, 0.5])), [0, 0.3, 0.7, 1, 0.125, 0.175, 0.325, 0.375]);
    expectClose(values(adjustContrast(img, [0, 0])), [0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25]);
    expect(values(adjustContrast(img, [1, 1]))).toEqual(Array.from(img.dataSync()));
    img.dispose();
  });

  it('converts known colours to HSV and back', () => {
    const img = pixels([RED, GREEN, BLUE, [0.5, 0.25, 0.25], [0, 0, 0], [0.3, 0.3, 0.3], [1, 1, 0]]);
    const [h, s, v] = rgbToHsv(img);
    expectClose(values(h), [0, 1 / 3, 2 / 3, 0, 0, 0, 1 / 6]);
    expectClose(values(s), [1, 1, 1, 0.5, 0, 0, 1]);
    expectClose(values(v), [1, 1, 1, 0.5, 0, 0.3, 1]);
    const random = tf.randomUniform([2, 5, 5, 3], 0, 1, 'float32', 11) as tf.Tensor4D;
    const back = hsvToRgb(...rgbToHsv(random));
    expect(values(tf.max(tf.abs(tf.sub(back, random))))[0]).toBeLessThan(1e-6);
    tf.dispose([img, random, back]);
  });

  it('hue rotation by 120° maps red → green → blue → red; 360° is the identity', () => {
    const img = pixels([RED, GREEN, BLUE]);
    expectClose(values(adjustHueSaturation(img, [120], [1])), [...GREEN, ...BLUE, ...RED]);
    expectClose(values(adjustHueSaturation(img, [-120], [1])), [...BLUE, ...RED, ...GREEN]);
    const random = tf.randomUniform([2, 6, 6, 3], 0, 1, 'float32', 12) as tf.Tensor4D;
    const full = adjustHueSaturation(random, [360, -360], [1, 1]);
    expect(values(tf.max(tf.abs(tf.sub(full, random))))[0]).toBeLessThan(1e-5);
    tf.dispose([img, random, full]);
  });

  it('saturation 0 leaves no colour: max = min = V in every pixel', () => {
    const random = tf.randomUniform([2, 4, 4, 3], 0, 1, 'float32', 13) as tf.Tensor4D;
    const out = adjustHueSaturation(random, [0, 0], [0, 0]);
    const spread = values(tf.sub(tf.max(out, 3), tf.min(out, 3)));
    expect(Math.max(...spread)).toBeLessThan(1e-6);
    expectClose(values(tf.max(out, 3)), values(tf.max(random, 3)));
    tf.dispose([random, out]);
  });

  it('colour jitter through the pipeline records its parameters and applies them', () => {
    const img = tf.randomUniform([3, 4, 4, 3], 0, 1, 'float32', 14) as tf.Tensor4D;
    const aug = augmentPipeline({ transforms: [{ op: 'colorJitter', p: 1, brightness: [0.1, 0.1], brightnessMode: 'additive', contrast: [2, 2] }] }, 5);
    const { output, record } = aug.apply(img, 0);
    for (const entries of record.images) {
      expect(entries).toEqual([
        { t: 0, op: 'colorJitter', brightness: 0.1, brightnessMode: 'additive', contrast: 2, saturation: 1, hue: 0, order: ['brightness', 'contrast'] },
      ]);
    }
    const expected = adjustContrast(adjustBrightness(img, [0.1, 0.1, 0.1], 'additive'), [2, 2, 2]);
    expect(values(output)).toEqual(values(expected));
    img.dispose();
  });

  it('random-order colour jitter applies each image\'s recorded steps in its recorded order', () => {
    const img = tf.randomUniform([8, 4, 5, 3], 0.05, 0.95, 'float32', 15) as tf.Tensor4D;
    const aug = augmentPipeline(
      { transforms: [{ op: 'colorJitter', p: 1, brightness: 0.3, contrast: 0.4, saturation: 0.5, hue: 40, randomOrder: true }] },
      17,
    );
    const { output, record } = aug.apply(img, 0);
    const orders = new Set(record.images.map((es) => es[0].op === 'colorJitter' && es[0].order.join(',')));
    expect(orders.size).toBeGreaterThan(1);
    record.images.forEach((entries, i) => {
      const e = entries[0];
      if (e.op !== 'colorJitter') throw new Error('expected colorJitter');
      expect([...e.order].sort()).toEqual(['brightness', 'contrast', 'hue', 'saturation']);
      let x = tf.slice(img, [i, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
      for (const step of e.order) {
        const prev = x;
        if (step === 'brightness') x = adjustBrightness(x, [e.brightness], 'multiplicative');
        else if (step === 'contrast') x = adjustContrast(x, [e.contrast]);
        else if (step === 'saturation') x = adjustHueSaturation(x, [0], [e.saturation]);
        else x = adjustHueSaturation(x, [e.hue], [1]);
        prev.dispose();
      }
      const got = tf.slice(output, [i, 0, 0, 0], [1, -1, -1, -1]);
      // Adjacent saturation and hue share one HSV round trip in the pipeline: equal up to rounding.
      expect(values(tf.max(tf.abs(tf.sub(got, x))))[0]).toBeLessThan(1e-5);
      tf.dispose([x, got]);
    });
    tf.dispose([img, output]);
  });
});
