import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { executeRecord } from '../augment';
import { sampleStyleRecords, StyleAugmenter, type StyleRandomOptions } from '../randomize';
import { knownStats } from '../randomize/testStats';
import type { StyleNetwork } from '../tflite';
import { planStyle, renderCopy, rgbTensor, styleRecordsFor, tensorToRgb, traditionalRecordFor, traditionalSeed, traditionalSpec, type StyleSettings } from './styleCore';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const stats = knownStats(100, 1);
const settings = (options: Partial<StyleRandomOptions>, extra: Partial<StyleSettings> = {}): StyleSettings => ({
  options: { ratio: 1, alpha: 0.5, mode: 'random', seed: 3, ...options },
  traditional: false,
  ...extra,
});

describe('style records per image', () => {
  it('"style from an image" gives z = α·P(s) + (1 − α)·P(c) for every stylised copy', () => {
    const ps = new Array(100).fill(2);
    const pc = new Float32Array(100).fill(-2);
    const fixed = styleRecordsFor(stats, settings({ alpha: 0.25 }, { styleEmbedding: ps }), 0, 3, pc);
    for (const r of fixed) {
      expect(r.stylised).toBe(true);
      expect(r.z).toEqual(new Array(100).fill(-1)); // 0.25·2 + 0.75·(−2)
    }
    // α ~ U(0, 1) per copy: z = 4α − 2 in every component.
    const ranged = styleRecordsFor(stats, settings({ alpha: [0, 1] }, { styleEmbedding: ps }), 5, 4, pc);
    for (const r of ranged) expect(r.z![17]).toBeCloseTo(4 * r.alpha - 2, 5);
    expect(new Set(ranged.map((r) => r.alpha)).size).toBe(4);
  });

  it('with α = 1 no P(c) is needed and z is P(s) itself', () => {
    const ps = Array.from({ length: 100 }, (_, k) => k / 10);
    const s = settings({ alpha: 1 }, { styleEmbedding: ps });
    expect(planStyle(stats, s, 0, 2).needsContent).toBe(false);
    expect(styleRecordsFor(stats, s, 0, 2)[1].z).toEqual(ps.map(Math.fround));
  });

  it('copy k of image b is image k of batch b of the randomisation (same as sampleStyleRecords)', () => {
    const pc = Float32Array.from({ length: 100 }, (_, k) => Math.sin(k));
    const opts: StyleRandomOptions = { ratio: 0.5, alpha: [0.2, 0.9], mode: 'random', seed: 42 };
    const mine = styleRecordsFor(stats, { options: opts, traditional: false }, 7, 6, pc);
    const batch = sampleStyleRecords(stats, opts, 7, 6, new Array(6).fill(pc));
    expect(mine).toEqual(batch);
    expect(mine.some((r) => r.stylised) && mine.some((r) => !r.stylised)).toBe(true);
    // A style image keeps which copies are stylised and their α; only z changes.
    const withStyle = styleRecordsFor(stats, { options: opts, traditional: false, styleEmbedding: new Array(100).fill(0) }, 7, 6, pc);
    expect(withStyle.map((r) => [r.stylised, r.alpha])).toEqual(mine.map((r) => [r.stylised, r.alpha]));
  });

  it('refuses a style embedding of the wrong size', () => {
    expect(() => planStyle(stats, settings({}, { styleEmbedding: [1, 2, 3] }), 0, 1)).toThrow(/3 values, expected 100/);
  });
});

describe('traditional augmentations with style', () => {
  it('are off unless asked for, and seeded apart from the style seed', () => {
    expect(traditionalRecordFor(settings({}), 0, 2, 16, 16)).toBeNull();
    const rec = traditionalRecordFor(settings({ seed: 9 }, { traditional: true }), 4, 3, 16, 20)!;
    expect(rec.shape).toEqual([3, 16, 20, 3]);
    expect(rec.batchIndex).toBe(4);
    expect(rec.seed).toBe(traditionalSeed(9));
    expect(traditionalSeed(9)).not.toBe(9);
    expect(traditionalSeed(9)).toBe(traditionalSeed(9));
  });

  it('rendering copy by copy equals running the record over the whole batch of copies', async () => {
    // Unstylised records: the augmenter passes the image through without touching the networks.
    const aug = new StyleAugmenter({} as StyleNetwork, stats, { ratio: 0, alpha: 0.5, mode: 'random', seed: 1 });
    const h = 12, w = 16, copies = 6;
    const img = { width: w, height: h, data: Float32Array.from({ length: h * w * 3 }, (_, i) => ((i * 37) % 101) / 100) };
    const trad = traditionalRecordFor(settings({ seed: 5 }, { traditional: true }), 2, copies, h, w)!;
    expect(trad.images.some((t) => t.length > 0)).toBe(true);
    const before = tf.memory().numTensors;
    const image = rgbTensor(img);
    const whole = tf.tidy(() => executeRecord(tf.tile(image, [copies, 1, 1, 1]) as tf.Tensor4D, trad, traditionalSpec()));
    for (let k = 0; k < copies; k++) {
      const one = renderCopy(aug, image, { index: k, stylised: false, alpha: 0, z: null }, trad, k);
      const ref = tf.slice(whole, [k, 0, 0, 0], [1, h, w, 3]);
      const a = await tensorToRgb(one);
      const b = await tensorToRgb(ref);
      let maxDiff = 0;
      for (let i = 0; i < a.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.data[i] - b.data[i]));
      expect(maxDiff, `copy ${k}`).toBeLessThan(1e-5);
      tf.dispose([one, ref]);
    }
    tf.dispose([whole, image]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
