import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmOrCpu } from '../../../core/backend/testBackend';
import { adversarialAttack, visualisePerturbation, type LogitsFn } from './adversarial';

beforeAll(async () => {
  await useWasmOrCpu();
});

/**
 * A linear two-class model on 2×2 RGB images: z = x·W + b (x flattened, 12 values). For target t
 * and the other label o, the NLL gradient is (1 − p_t)(W_o − W_t), so a sign step of ε moves every
 * pixel by ε·sign(W_t − W_o) and raises the margin z_t − z_o by exactly ε·Σ|W_t − W_o| while no pixel
 * reaches the range limits.
 */
const W0 = [0.5, -1, 2, 0.25, -0.75, 1.5, -2, 1, 0.5, -0.5, 0.75, -1.25];
const W1 = [-0.5, 1, -1, 0.75, 0.25, -0.5, 1, -1, 0.5, 0.5, -0.25, 1.75];
const B = [1, 0];
const linear: LogitsFn = (x) =>
  tf.tidy(() => tf.add(tf.matMul(tf.reshape(x, [x.shape[0], 12]), tf.tensor2d(W0.flatMap((w, i) => [w, W1[i]]), [12, 2])), tf.tensor1d(B)) as tf.Tensor2D);

const image = new Float32Array(12).fill(0.5);
const z = (x: ArrayLike<number>) => [0, 1].map((k) => Array.from(x).reduce((s, v, i) => s + v * (k === 0 ? W0[i] : W1[i]), B[k]));

describe('adversarialAttack on an analytic linear model', () => {
  it('flips after the number of sign steps the margin predicts, moving each pixel by ε·sign(W_t − W_o)', async () => {
    const [z0, z1] = z(image);
    expect(z0).toBeGreaterThan(z1); // starts as label 0
    const eps = 0.004;
    const l1 = W0.reduce((s, w, i) => s + Math.abs(W1[i] - w), 0);
    const expected = Math.ceil((z0 - z1) / (eps * l1));
    const r = await adversarialAttack(linear, image, 2, 2, { target: 1, stepSize: eps, maxSteps: 100 });
    expect(r.originalPrediction).toBe(0);
    expect(r.flipped).toBe(true);
    expect(r.finalPrediction).toBe(1);
    expect(r.steps).toBe(expected);
    r.perturbation.forEach((d, i) => expect(d).toBeCloseTo(expected * eps * Math.sign(W1[i] - W0[i]), 5));
    const [a0, a1] = z(r.adversarial);
    expect(a1).toBeGreaterThan(a0);
    // Target probability increases at every step.
    for (let s = 1; s < r.targetProbability.length; s++) expect(r.targetProbability[s]).toBeGreaterThan(r.targetProbability[s - 1]);
  });

  it('stops at maxSteps without flipping, and respects the L∞ budget and range', async () => {
    const r = await adversarialAttack(linear, image, 2, 2, { target: 1, stepSize: 0.001, maxSteps: 3 });
    expect(r.steps).toBe(3);
    expect(r.flipped).toBe(false);
    const capped = await adversarialAttack(linear, image, 2, 2, { target: 1, stepSize: 0.05, maxSteps: 50, epsilon: 0.02 });
    expect(capped.maxAbs).toBeCloseTo(0.02, 6);
    const edge = await adversarialAttack(linear, new Float32Array(12).fill(0.999), 2, 2, { target: 1, stepSize: 0.1, maxSteps: 1 });
    expect(Math.max(...edge.adversarial)).toBeLessThanOrEqual(1);
  });

  it('does nothing when the image is already the target', async () => {
    const r = await adversarialAttack(linear, image, 2, 2, { target: 0 });
    expect(r.steps).toBe(0);
    expect(r.maxAbs).toBe(0);
    expect(Array.from(r.amplified)).toEqual(new Array(12).fill(0.5));
  });

  it('normalised steps change the pixels by stepSize in root mean square', async () => {
    const r = await adversarialAttack(linear, image, 2, 2, { target: 1, stepSize: 0.01, mode: 'normalised', maxSteps: 1 });
    const rms = Math.sqrt(r.perturbation.reduce((s, d) => s + d * d, 0) / 12);
    expect(rms).toBeCloseTo(0.01, 5);
    // Direction ∝ W_1 − W_0.
    r.perturbation.forEach((d, i) => expect(Math.sign(d)).toBe(Math.sign(W1[i] - W0[i])));
  });
});

describe('visualisePerturbation', () => {
  it('maps δ to 0.5 ± 0.5 by max |δ| and adds the same to the image', () => {
    const v = visualisePerturbation(Float32Array.from([0.2, 0.9, 0.5]), Float32Array.from([0.01, -0.02, 0]));
    expect(v.gain).toBeCloseTo(25);
    expect(Array.from(v.amplified)).toEqual([0.75, 0, 0.5].map((x) => expect.closeTo(x, 6)));
    expect(Array.from(v.overlay)).toEqual([0.45, 0.4, 0.5].map((x) => expect.closeTo(x, 6)));
  });
});
