/**
 * Test-set bookkeeping of the camera-bias experiments (thesis §6.4.2): overall accuracy, the
 * confusion matrix, accuracy per label, per camera and per class, per-camera counts of predicted
 * labels split into correct and wrong answers (the stacked bars of Figs 6.3/6.4), and the
 * worst-group accuracy over class × camera cells (a model that answers by camera scores about 0 on
 * the cells whose class its camera was not trained with). Pure functions of predicted and true
 * indices; `predictLabels` runs a classifier over a set in batches.
 */
import * as tf from '@tensorflow/tfjs';
import { predictLogits, type Classifier } from '../../style/experiment/classifier';

export interface GroupAccuracy {
  name: string;
  n: number;
  correct: number;
  /** correct / n (NaN when n is 0). */
  accuracy: number;
}

/** One bar of Fig 6.3/6.4: how a camera's test images were answered. */
export interface CameraBar extends GroupAccuracy {
  /** Answers per predicted label (index = label). */
  predicted: number[];
  /** Correct answers per predicted label (the coloured part of the bar). */
  correctByLabel: number[];
  /** Wrong answers per predicted label. */
  wrongByLabel: number[];
}

export interface CellAccuracy {
  cls: string;
  camera: string;
  n: number;
  correct: number;
  accuracy: number;
}

export interface Evaluation {
  n: number;
  correct: number;
  accuracy: number;
  labels: string[];
  /** confusion[true][predicted]. */
  confusion: number[][];
  perLabel: GroupAccuracy[];
  /** Present when cameras were given. */
  perCamera?: CameraBar[];
  /** Present when classes were given. */
  perClass?: GroupAccuracy[];
  /** Class × camera cells with at least one image (when both were given). */
  cells?: CellAccuracy[];
  /** The lowest-accuracy non-empty cell (ties: the first in class, then camera order). */
  worstGroup?: CellAccuracy | null;
}

/** Group indices and names of the test images (camera and class of each). */
export interface EvaluationGroups {
  cameras?: ArrayLike<number>;
  cameraNames?: readonly string[];
  classes?: ArrayLike<number>;
  classNames?: readonly string[];
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : NaN);

function groupAccuracy(names: readonly string[], of: ArrayLike<number>, hit: boolean[]): GroupAccuracy[] {
  const out = names.map((name) => ({ name, n: 0, correct: 0, accuracy: NaN }));
  for (let i = 0; i < hit.length; i++) {
    const g = out[of[i]];
    if (!g) throw new Error(`group index ${of[i]} of item ${i} is outside 0…${names.length - 1}`);
    g.n++;
    if (hit[i]) g.correct++;
  }
  for (const g of out) g.accuracy = ratio(g.correct, g.n);
  return out;
}

/** Evaluate predicted label indices against the true ones. */
export function evaluatePredictions(predicted: ArrayLike<number>, truth: ArrayLike<number>, labels: readonly string[], groups: EvaluationGroups = {}): Evaluation {
  const n = truth.length;
  if (predicted.length !== n) throw new Error(`${predicted.length} predictions for ${n} images`);
  const k = labels.length;
  const confusion = labels.map(() => new Array<number>(k).fill(0));
  const hit: boolean[] = new Array(n);
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const t = truth[i], p = predicted[i];
    if (!(t >= 0 && t < k && p >= 0 && p < k)) throw new Error(`label index out of range at item ${i}: true ${t}, predicted ${p} (${k} labels)`);
    confusion[t][p]++;
    hit[i] = t === p;
    if (hit[i]) correct++;
  }
  const out: Evaluation = { n, correct, accuracy: ratio(correct, n), labels: [...labels], confusion, perLabel: groupAccuracy(labels, truth, hit) };
  const { cameras, classes } = groups;
  if (cameras) {
    if (cameras.length !== n) throw new Error(`${cameras.length} camera indices for ${n} images`);
    const names = groups.cameraNames ?? Array.from({ length: Math.max(-1, ...Array.from(cameras)) + 1 }, (_, i) => String(i));
    out.perCamera = groupAccuracy(names, cameras, hit).map((g) => ({ ...g, predicted: new Array<number>(k).fill(0), correctByLabel: new Array<number>(k).fill(0), wrongByLabel: new Array<number>(k).fill(0) }));
    for (let i = 0; i < n; i++) {
      const bar = out.perCamera[cameras[i]];
      bar.predicted[predicted[i]]++;
      (hit[i] ? bar.correctByLabel : bar.wrongByLabel)[predicted[i]]++;
    }
  }
  if (classes) {
    if (classes.length !== n) throw new Error(`${classes.length} class indices for ${n} images`);
    const names = groups.classNames ?? Array.from({ length: Math.max(-1, ...Array.from(classes)) + 1 }, (_, i) => String(i));
    out.perClass = groupAccuracy(names, classes, hit);
  }
  if (cameras && classes && out.perCamera && out.perClass) {
    const cams = out.perCamera.map((c) => c.name), cls = out.perClass.map((c) => c.name);
    const grid = cls.map(() => cams.map(() => ({ n: 0, correct: 0 })));
    for (let i = 0; i < n; i++) {
      const c = grid[classes[i]][cameras[i]];
      c.n++;
      if (hit[i]) c.correct++;
    }
    out.cells = [];
    for (let a = 0; a < cls.length; a++) {
      for (let b = 0; b < cams.length; b++) {
        const c = grid[a][b];
        if (c.n > 0) out.cells.push({ cls: cls[a], camera: cams[b], n: c.n, correct: c.correct, accuracy: c.correct / c.n });
      }
    }
    out.worstGroup = out.cells.reduce<CellAccuracy | null>((w, c) => (w === null || c.accuracy < w.accuracy ? c : w), null);
  }
  return out;
}

/** Predicted labels (argmax) and softmax probabilities of `n` inputs built batch by batch. */
export async function predictLabels(
  c: Classifier,
  n: number,
  batch: (start: number, count: number) => tf.Tensor4D,
  batchSize: number,
  checkpoint?: () => Promise<void>,
): Promise<{ predicted: Int32Array; probabilities: Float32Array }> {
  const predicted = new Int32Array(n);
  const probabilities = new Float32Array(n * c.numClasses);
  for (let i = 0; i < n; i += batchSize) {
    await checkpoint?.();
    const m = Math.min(batchSize, n - i);
    const [arg, prob] = tf.tidy(() => {
      const x = batch(i, m);
      const p = tf.softmax(predictLogits(c, x));
      return [tf.argMax(p, 1), p];
    });
    const [a, p] = await Promise.all([arg.data(), prob.data()]);
    tf.dispose([arg, prob]);
    predicted.set(a as Int32Array, i);
    probabilities.set(p as Float32Array, i * c.numClasses);
  }
  return { predicted, probabilities };
}

/** Per-image predictions from several predictions per image (e.g. crops): the mean probability's argmax. */
export function poolPredictions(probabilities: Float32Array, numClasses: number, perImage: number): Int32Array {
  const images = probabilities.length / (numClasses * perImage);
  if (!Number.isInteger(images)) throw new Error(`${probabilities.length} probabilities do not split into ${perImage} predictions of ${numClasses} classes per image`);
  const out = new Int32Array(images);
  for (let i = 0; i < images; i++) {
    let best = 0, bestV = -Infinity;
    for (let c = 0; c < numClasses; c++) {
      let s = 0;
      for (let j = 0; j < perImage; j++) s += probabilities[(i * perImage + j) * numClasses + c];
      if (s > bestV) [best, bestV] = [c, s];
    }
    out[i] = best;
  }
  return out;
}
