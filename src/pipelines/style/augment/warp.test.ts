import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { augmentPipeline } from './pipeline';
import type { FillMode } from './types';
import { flipMatrix, IDENTITY, matMul3, rotationMatrix, shearMatrix, warpAffine, zoomMatrix, type Mat3 } from './warp';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function values(t: tf.Tensor): number[] {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

function expectClose(actual: number[], expected: number[], tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(Math.abs(v - expected[i]), `index ${i}: ${v} vs ${expected[i]}`).toBeLessThanOrEqual(tol));
}

/** A seeded pseudo-random batch (values in [0,1)). */
function randomBatch(shape: [number, number, number, number], seed = 1): tf.Tensor4D {
  return tf.randomUniform(shape, 0, 1, 'float32', seed) as tf.Tensor4D;
}

describe('geometric transforms through the affine path', () => {
  it('flips a known 2×3 image exactly (both images of a batch)', () => {
    // Two 2×3 RGB images; the second is the first + 0.5 in the red channel.
    const a = [
      [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]],
      [[0.15, 0.25, 0.35], [0.45, 0.55, 0.65], [0.75, 0.85, 0.95]],
    ];
    const b = a.map((row) => row.map(([r, g, bl]) => [r / 2, g, bl]));
    const batch = tf.tensor4d([a, b]);
    const expected = [a, b].map((im) => im.map((row) => [...row].reverse()));
    for (const impl of ['gather', 'auto'] as const) {
      const out = warpAffine(batch, [flipMatrix(3), flipMatrix(3)], { impl });
      expect(out.arraySync()).toEqual(expected.map((im) => im.map((row) => row.map((px) => px.map(Math.fround)))));
      out.dispose();
    }
    const aug = augmentPipeline({ transforms: [{ op: 'flip', p: 1 }] }, 7);
    const { output, record } = aug.apply(batch, 0);
    expect(values(output)).toEqual(values(tf.reverse(batch, 2)));
    expect(record.images).toEqual([[{ t: 0, op: 'flip' }], [{ t: 0, op: 'flip' }]]);
    batch.dispose();
  });

  it('rotating by ±90° equals a transpose and a flip (square and exact)', () => {
    const img = tf.tensor4d(Array.from({ length: 16 }, (_, i) => i / 16), [1, 4, 4, 1]);
    const transposed = tf.transpose(img, [0, 2, 1, 3]);
    // Counter-clockwise (as displayed, y down): out[i][j] = in[j][n-1-i] = flip-vertical(transpose).
    const ccw = warpAffine(img, [rotationMatrix(90, 4, 4)]);
    expect(values(ccw)).toEqual(values(tf.reverse(transposed, 1)));
    const cw = warpAffine(img, [rotationMatrix(-90, 4, 4)]);
    expect(values(cw)).toEqual(values(tf.reverse(transposed, 2)));
    // Through the pipeline, on a 3×3 RGB image.
    const rgb = randomBatch([2, 3, 3, 3]);
    const aug = augmentPipeline({ transforms: [{ op: 'rotate', p: 1, degrees: [90, 90] }] }, 3);
    const { output, record } = aug.apply(rgb, 0);
    expect(record.images[1]).toEqual([{ t: 0, op: 'rotate', degrees: 90 }]);
    expect(values(output)).toEqual(values(tf.reverse(tf.transpose(rgb, [0, 2, 1, 3]), 1)));
    tf.dispose([img, transposed, rgb]);
  });

  it('zoom with scale 1 is the identity for any offset; scale ½ samples a half-pixel-centred window', () => {
    const batch = randomBatch([3, 5, 7, 3], 4);
    const mats = [zoomMatrix(1, 0, 0, 7, 5), zoomMatrix(1, 0.3, 0.9, 7, 5), zoomMatrix(1, 1, 1, 7, 5)];
    mats.forEach((m) => expect(m).toEqual(IDENTITY));
    expect(values(warpAffine(batch, mats))).toEqual(Array.from(batch.dataSync()));
    const aug = augmentPipeline({ transforms: [{ op: 'zoom', p: 1, scale: [1, 1] }] }, 9);
    expect(values(aug.apply(batch, 0).output)).toEqual(Array.from(batch.dataSync()));
    // A ramp img[x] = x (W = 8): x_in = left + (x + 0.5)·0.5 - 0.5, clamped at the edge ('nearest').
    const ramp = tf.tensor4d(Array.from({ length: 8 }, (_, x) => x), [1, 1, 8, 1]);
    const left = values(warpAffine(ramp, [zoomMatrix(0.5, 0, 0, 8, 1)], { fillMode: 'nearest' }));
    expectClose(left, Array.from({ length: 8 }, (_, x) => Math.max(0, x / 2 - 0.25)));
    const right = values(warpAffine(ramp, [zoomMatrix(0.5, 1, 0, 8, 1)], { fillMode: 'nearest' }));
    expectClose(right, Array.from({ length: 8 }, (_, x) => Math.min(7, 4 + x / 2 - 0.25)));
    tf.dispose([batch, ramp]);
  });

  it('shears rows about the centre (45°: row y shifts by cy - y)', () => {
    const img = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    // x_in = x + (y - 1): row 0 reads x-1, row 1 is kept, row 2 reads x+1 (constant fill 0).
    expect(values(warpAffine(img, [shearMatrix(45, 0, 3, 3)]))).toEqual([0, 1, 2, 4, 5, 6, 8, 9, 0]);
    // Vertical shear: y_in = y + (x - 1).
    expect(values(warpAffine(img, [shearMatrix(0, 45, 3, 3)]))).toEqual([0, 2, 6, 1, 5, 9, 4, 8, 0]);
    img.dispose();
  });

  it('implements the four fill modes on a shifted 1×4 ramp', () => {
    const ramp = tf.tensor4d([0, 1, 2, 3], [1, 1, 4, 1]);
    const shift: Mat3 = [1, 0, -2, 0, 1, 0, 0, 0, 1]; // out[x] = in[x - 2]
    const expected: Record<FillMode, number[]> = {
      constant: [0.5, 0.5, 0, 1],
      nearest: [0, 0, 0, 1],
      reflect: [1, 0, 0, 1],
      wrap: [2, 3, 0, 1],
    };
    for (const [mode, want] of Object.entries(expected) as [FillMode, number[]][]) {
      expect(values(warpAffine(ramp, [shift], { fillMode: mode, fillValue: 0.5, impl: 'gather' })), mode).toEqual(want);
    }
    ramp.dispose();
  });

  it('the gather sampler matches tf.image.transform (per image on cpu) for constant, reflect and nearest', () => {
    const batch = randomBatch([3, 9, 11, 2], 5);
    const mats: Mat3[] = [
      matMul3(rotationMatrix(23, 11, 9), zoomMatrix(0.8, 0.2, 0.7, 11, 9)),
      matMul3(shearMatrix(12, -7, 11, 9), flipMatrix(11)),
      matMul3(zoomMatrix(1.3, 0.5, 0.5, 11, 9), rotationMatrix(-170, 11, 9)),
    ];
    for (const fillMode of ['constant', 'reflect', 'nearest'] as const) {
      for (const interpolation of ['bilinear', 'nearest'] as const) {
        const got = warpAffine(batch, mats, { fillMode, fillValue: 0.25, interpolation, impl: 'gather' });
        // tfjs 4.22's cpu Transform kernel only fills image 0 of a batch, so compare one image at a time.
        const ref = tf.concat(
          mats.map((m, i) => warpAffine(tf.slice(batch, [i, 0, 0, 0], [1, -1, -1, -1]), [m], { fillMode, fillValue: 0.25, interpolation, impl: 'native' })),
        );
        // (Nearest sampling could round a coordinate exactly on .5 differently — tf.round is
        // half-to-even, the cpu kernel half-up — but none of these matrices produce one.)
        expect(values(tf.max(tf.abs(tf.sub(got, ref))))[0], `${fillMode}/${interpolation}`).toBeLessThan(1e-5);
        tf.dispose([got, ref]);
      }
    }
    batch.dispose();
  });

  it('fuses consecutive geometric transforms into one matrix (flip ∘ 90° = transpose)', () => {
    const batch = randomBatch([2, 4, 4, 3], 6);
    const aug = augmentPipeline(
      { transforms: [{ op: 'flip', p: 1 }, { op: 'rotate', p: 1, degrees: [90, 90] }] },
      1,
    );
    const { output } = aug.apply(batch, 0);
    // Flip then rotate 90° CCW: out[i][j] = flipped[j][n-1-i] = in[j][i], a transpose; the fused
    // single resampling equals the two sequential ones exactly.
    const flipped = warpAffine(batch, [flipMatrix(4), flipMatrix(4)]);
    const sequential = values(warpAffine(flipped, [rotationMatrix(90, 4, 4), rotationMatrix(90, 4, 4)]));
    expect(values(output)).toEqual(sequential);
    expect(sequential).toEqual(values(tf.transpose(batch, [0, 2, 1, 3])));
    tf.dispose([batch, flipped]);
  });
});
