import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { augmentPipeline, depthSafeAugmentSpec, traditionalAugmentSpec } from './pipeline';
import type { AugmentRecord, AugmentSpec, TransformSpec } from './types';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Every transform, RandConv and random colour order included. */
function fullSpec(p: number): AugmentSpec {
  const transforms: TransformSpec[] = [
    { op: 'flip', p },
    { op: 'rotate', p, degrees: 20 },
    { op: 'zoom', p, scale: [0.7, 1.1] },
    { op: 'shear', p, degrees: 12, axes: 'both', fillMode: 'nearest' },
    { op: 'colorJitter', p, brightness: 0.3, contrast: 0.3, saturation: 0.5, hue: 30, randomOrder: true },
    { op: 'colorJitter', p, brightness: 0.1, brightnessMode: 'additive' },
    { op: 'grayscale', p },
    { op: 'erase', p },
    { op: 'randConv', p, mix: true },
  ];
  return { transforms, geometry: { fillMode: 'reflect' } };
}

function batch(n = 6, seed = 1): tf.Tensor4D {
  return tf.randomUniform([n, 16, 20, 3], 0, 1, 'float32', seed) as tf.Tensor4D;
}

function values(t: tf.Tensor): Float32Array {
  const v = t.dataSync() as Float32Array;
  t.dispose();
  return v;
}

describe('augmentPipeline', () => {
  it('is deterministic in (seed, batchIndex): identical output and record', () => {
    const x = batch();
    const a = augmentPipeline(fullSpec(0.6), 1234).apply(x, 5);
    const b = augmentPipeline(fullSpec(0.6), 1234).apply(x, 5);
    expect(b.record).toEqual(a.record);
    expect(values(b.output)).toEqual(values(a.output));
    const other = augmentPipeline(fullSpec(0.6), 1234).apply(x, 6);
    expect(other.record.images).not.toEqual(a.record.images);
    const otherSeed = augmentPipeline(fullSpec(0.6), 1235).sample(x.shape, 5);
    expect(otherSeed.images).not.toEqual(a.record.images);
    tf.dispose([x, other.output]);
  });

  it('replay(record) reproduces apply() exactly, also after a JSON round trip and in a fresh pipeline', () => {
    const x = batch(8, 2);
    const aug = augmentPipeline(fullSpec(0.7), 77);
    const { output, record } = aug.apply(x, 0);
    const expected = values(output);
    expect(values(aug.replay(x, record))).toEqual(expected);
    const parsed = JSON.parse(JSON.stringify(record)) as AugmentRecord;
    expect(values(augmentPipeline(fullSpec(0.7), 0).replay(x, parsed))).toEqual(expected);
    // The record really was exercised: most transforms fired somewhere in the batch.
    const fired = new Set(record.images.flat().map((e) => e.op));
    expect(fired.size).toBeGreaterThanOrEqual(6);
    x.dispose();
  });

  it('probability 0 is the identity with empty records', () => {
    const x = batch(4, 3);
    const { output, record } = augmentPipeline(fullSpec(0), 9).apply(x, 0);
    expect(record.images).toEqual([[], [], [], []]);
    expect(output).not.toBe(x);
    expect(values(output)).toEqual(x.dataSync());
    x.dispose();
  });

  it('probability 1 applies every transform to every image, in spec order', () => {
    const x = batch(5, 4);
    const spec = fullSpec(1);
    const { output, record } = augmentPipeline(spec, 10).apply(x, 2);
    for (const entries of record.images) {
      expect(entries.map((e) => e.op)).toEqual(spec.transforms.map((t) => t.op));
      expect(entries.map((e) => e.t)).toEqual(spec.transforms.map((_, i) => i));
    }
    expect(record).toMatchObject({ seed: 10, batchIndex: 2, shape: [5, 16, 20, 3] });
    const out = values(output);
    expect(Math.min(...out)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...out)).toBeLessThanOrEqual(1);
    x.dispose();
  });

  it('fires each transform at about its probability', () => {
    const spec: AugmentSpec = { transforms: [{ op: 'flip', p: 0.25 }, { op: 'grayscale', p: 0.75 }] };
    const record = augmentPipeline(spec, 3).sample([2000, 8, 8, 3], 0);
    const rate = (op: string) => record.images.filter((es) => es.some((e) => e.op === op)).length / 2000;
    expect(Math.abs(rate('flip') - 0.25)).toBeLessThan(0.04);
    expect(Math.abs(rate('grayscale') - 0.75)).toBeLessThan(0.04);
  });

  it('leaks no tensors over 20 batches (apply + replay)', () => {
    const x = batch(4, 5);
    const aug = augmentPipeline(fullSpec(0.5), 11);
    // Warm-up: backends may cache a few tensors on first use.
    values(aug.apply(x, 0).output);
    const before = tf.memory().numTensors;
    for (let i = 1; i <= 20; i++) {
      const { output, record } = aug.apply(x, i);
      output.dispose();
      aug.replay(x, record).dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('rejects records that do not fit the batch or the spec, and malformed specs', () => {
    const x = batch(2, 6);
    const aug = augmentPipeline(fullSpec(1), 1);
    const record = aug.sample(x.shape, 0);
    const y = batch(3, 6);
    expect(() => aug.replay(y, record)).toThrow(/shape/);
    const wrongSpec = augmentPipeline({ transforms: [{ op: 'grayscale', p: 1 }] }, 1);
    expect(() => wrongSpec.replay(x, record)).toThrow(/does not match/);
    expect(() => augmentPipeline({ transforms: [{ op: 'flip', p: 1.5 }] }, 1)).toThrow(/probability/);
    expect(() => augmentPipeline({ transforms: [{ op: 'zoom', p: 1, scale: [1, 0.5] }] }, 1)).toThrow(/zoom scale/);
    expect(() => augmentPipeline({ transforms: [{ op: 'randConv', p: 1, kernelSizes: [2] }] }, 1)).toThrow(/odd/);
    tf.dispose([x, y]);
  });

  it('ships the thesis presets: seven traditional transforms, and the depth-safe subset', () => {
    const trad = traditionalAugmentSpec();
    expect(trad.transforms.map((t) => t.op)).toEqual(['flip', 'rotate', 'zoom', 'shear', 'colorJitter', 'grayscale', 'erase']);
    expect(depthSafeAugmentSpec().transforms.map((t) => t.op)).toEqual(['flip', 'colorJitter', 'grayscale']);
    const x = batch(3, 7);
    const { output } = augmentPipeline(trad, 2).apply(x, 0);
    expect(output.shape).toEqual(x.shape);
    tf.dispose([x, output]);
  });
});
