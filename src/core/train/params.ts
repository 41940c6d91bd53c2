/**
 * Trainable parameters and layers shared by the from-scratch classifiers (style experiment, camera
 * bias): seeded He/Glorot-uniform initialisation, constant vectors, and batch norm written with
 * broadcasting ops (fast gradients on the wasm backend).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng/rng';

/** Momentum of the batch-norm running statistics and its ε. */
export const BN_MOMENTUM = 0.9;
export const BN_EPSILON = 1e-3;

/** He-uniform kernels and zero biases from the seeded stream. */
export function heUniform(shape: number[], fanIn: number, rng: Rng): tf.Variable {
  const n = shape.reduce((a, b) => a * b, 1);
  const limit = Math.sqrt(6 / fanIn);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.uniform(-limit, limit);
  return tf.tidy(() => tf.variable(tf.tensor(v, shape)));
}

export function glorotUniform(shape: [number, number], rng: Rng): tf.Variable {
  const limit = Math.sqrt(6 / (shape[0] + shape[1]));
  const v = new Float32Array(shape[0] * shape[1]);
  for (let i = 0; i < v.length; i++) v[i] = rng.uniform(-limit, limit);
  return tf.tidy(() => tf.variable(tf.tensor2d(v, shape)));
}

export const constVar = (n: number, value: number, trainable = true) => tf.tidy(() => tf.variable(tf.fill([n], value), trainable));

/** Batch norm over N, H, W (training: batch moments, and the running ones move towards them). */
export function batchNorm(x: tf.Tensor4D, gamma: tf.Variable, beta: tf.Variable, runMean: tf.Variable, runVar: tf.Variable, training: boolean): tf.Tensor4D {
  if (!training) return tf.batchNorm(x, runMean as tf.Tensor1D, runVar as tf.Tensor1D, beta as tf.Tensor1D, gamma as tf.Tensor1D, BN_EPSILON);
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  runMean.assign(tf.tidy(() => tf.add(tf.mul(runMean, BN_MOMENTUM), tf.mul(mean, 1 - BN_MOMENTUM))));
  runVar.assign(tf.tidy(() => tf.add(tf.mul(runVar, BN_MOMENTUM), tf.mul(variance, 1 - BN_MOMENTUM))));
  // Written out rather than tf.batchNorm: its gradient tiles per-channel terms to the full batch
  // shape, which dominated a training step on wasm; broadcasting ops reduce with Sum instead.
  const scale = tf.mul(tf.rsqrt(tf.add(variance, BN_EPSILON)), gamma);
  return tf.add(tf.mul(tf.sub(x, mean), scale), beta) as tf.Tensor4D;
}
