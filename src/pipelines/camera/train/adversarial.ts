/**
 * Adversarial perturbations (thesis §6.4.3, Fig 6.5): starting from one image, take small steps
 * against the gradient of the target label's negative log-likelihood with respect to the input
 * pixels, clipped to the valid range, until the model predicts the target (or a step budget runs
 * out). Comparing the perturbations that flip a Balanced and a Disjoint model on the same image
 * shows what each relies on: the batch-code dots, or camera texture in flat regions.
 *
 * Steps: 'sign' moves every pixel by ±stepSize (iterative fast gradient sign); 'normalised' moves
 * by stepSize · g / rms(g), so the root-mean-square change per step is stepSize. An optional L∞
 * budget `epsilon` keeps |δ| ≤ epsilon. For display the perturbation δ is amplified around grey:
 * amplified = 0.5 + δ · 0.5 / max|δ| (in [0, 1]), and the overlay is the image plus the same
 * amplified δ, clipped to [0, 1].
 */
import * as tf from '@tensorflow/tfjs';
import type { Classifier } from '../../style/experiment/classifier';

export interface AdversarialOptions {
  /** Label the perturbation should make the model predict. */
  target: number;
  /** Per-step size in pixel units of [0, 1] (default 1/255). */
  stepSize?: number;
  mode?: 'sign' | 'normalised';
  /** Gradient steps at most (default 200). */
  maxSteps?: number;
  /** L∞ bound on the perturbation (default: none). */
  epsilon?: number;
  /** Valid pixel range (default [0, 1]). */
  range?: [number, number];
  /** Between steps; throw to stop. */
  checkpoint?: () => Promise<void>;
}

export interface AdversarialResult {
  height: number;
  width: number;
  target: number;
  /** Prediction on the unperturbed image. */
  originalPrediction: number;
  finalPrediction: number;
  /** Whether the final prediction is the target. */
  flipped: boolean;
  /** Gradient steps taken. */
  steps: number;
  probabilitiesBefore: number[];
  probabilitiesAfter: number[];
  /** Target probability before each step and after the last one. */
  targetProbability: number[];
  /** All H·W·3 (RGB, row-major) float arrays. */
  adversarial: Float32Array;
  perturbation: Float32Array;
  amplified: Float32Array;
  overlay: Float32Array;
  /** max |δ| and the amplification 0.5 / max|δ| (0 when δ = 0). */
  maxAbs: number;
  gain: number;
  /** Mean |δ| over pixels and channels. */
  meanAbs: number;
}

/** Logits of a batch of images [N, H, W, 3] → [N, K], differentiable in the images. */
export type LogitsFn = (images: tf.Tensor4D) => tf.Tensor2D;

/** The logits function of a trained classifier (inference mode: batch norm uses running moments). */
export function classifierLogits(c: Classifier): LogitsFn {
  return (x) => c.logits(c.features ? c.features(x) : x, false);
}

/** Amplified view and overlay of a perturbation (see the module comment). */
export function visualisePerturbation(image: Float32Array, perturbation: Float32Array): { amplified: Float32Array; overlay: Float32Array; maxAbs: number; gain: number; meanAbs: number } {
  let maxAbs = 0, sum = 0;
  for (const v of perturbation) {
    const a = Math.abs(v);
    sum += a;
    if (a > maxAbs) maxAbs = a;
  }
  const gain = maxAbs > 0 ? 0.5 / maxAbs : 0;
  const amplified = new Float32Array(perturbation.length);
  const overlay = new Float32Array(perturbation.length);
  for (let i = 0; i < perturbation.length; i++) {
    const d = perturbation[i] * gain;
    amplified[i] = 0.5 + d;
    overlay[i] = Math.min(1, Math.max(0, image[i] + d));
  }
  return { amplified, overlay, maxAbs, gain, meanAbs: perturbation.length ? sum / perturbation.length : 0 };
}

/** Perturb one image [H·W·3] until `logits` predicts opts.target. */
export async function adversarialAttack(logits: LogitsFn, image: Float32Array, height: number, width: number, opts: AdversarialOptions): Promise<AdversarialResult> {
  if (image.length !== height * width * 3) throw new Error(`image has ${image.length} values, expected ${height}×${width}×3`);
  const stepSize = opts.stepSize ?? 1 / 255;
  const maxSteps = opts.maxSteps ?? 200;
  const mode = opts.mode ?? 'sign';
  const [lo, hi] = opts.range ?? [0, 1];
  if (!(stepSize > 0)) throw new Error(`stepSize must be positive, got ${stepSize}`);
  if (!(Number.isInteger(maxSteps) && maxSteps >= 0)) throw new Error(`maxSteps must be a non-negative integer, got ${maxSteps}`);
  const shape: [number, number, number, number] = [1, height, width, 3];
  const x0 = tf.tensor4d(image, shape);
  let x = x0.clone();
  const probs = async (t: tf.Tensor4D) => {
    const p = tf.tidy(() => tf.softmax(logits(t)));
    const v = Array.from(await p.data());
    p.dispose();
    return v;
  };
  const argmax = (v: number[]) => v.reduce((b, p, i) => (p > v[b] ? i : b), 0);
  try {
    const before = await probs(x);
    const k = before.length;
    if (!(Number.isInteger(opts.target) && opts.target >= 0 && opts.target < k)) throw new Error(`target ${opts.target} is not a label of this model (0…${k - 1})`);
    const targetProbability = [before[opts.target]];
    const nll = (t: tf.Tensor) => tf.neg(tf.logSoftmax(logits(t as tf.Tensor4D)).slice([0, opts.target], [1, 1]).sum()) as tf.Scalar;
    const gradFn = tf.grad(nll);
    let current = before;
    let steps = 0;
    while (argmax(current) !== opts.target && steps < maxSteps) {
      await opts.checkpoint?.();
      const next = tf.tidy(() => {
        const g = gradFn(x) as tf.Tensor4D;
        const dir = mode === 'sign' ? tf.sign(g) : tf.div(g, tf.add(tf.sqrt(tf.mean(tf.square(g))), 1e-12));
        let y = tf.sub(x, tf.mul(dir, stepSize));
        if (opts.epsilon !== undefined) y = tf.clipByValue(tf.sub(y, x0), -opts.epsilon, opts.epsilon).add(x0);
        return tf.clipByValue(y, lo, hi) as tf.Tensor4D;
      });
      x.dispose();
      x = next;
      steps++;
      current = await probs(x);
      targetProbability.push(current[opts.target]);
    }
    const adversarial = (await x.data()) as Float32Array;
    const perturbation = new Float32Array(adversarial.length);
    for (let i = 0; i < perturbation.length; i++) perturbation[i] = adversarial[i] - image[i];
    const vis = visualisePerturbation(image, perturbation);
    const finalPrediction = argmax(current);
    return {
      height,
      width,
      target: opts.target,
      originalPrediction: argmax(before),
      finalPrediction,
      flipped: finalPrediction === opts.target,
      steps,
      probabilitiesBefore: before,
      probabilitiesAfter: current,
      targetProbability,
      adversarial: Float32Array.from(adversarial),
      perturbation,
      ...vis,
    };
  } finally {
    x0.dispose();
    x.dispose();
  }
}
