import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { assignDetectors } from './assignment';
import { assignmentLoss, detectionLoss } from './losses';

const scale = { meanBoxWidth: 0.5, meanBoxHeight: 0.5 };
const gt = [[{ cx: 0.5, cy: 0.5, w: 0.2, h: 0.2 }]];
// Two detectors, one object: D = [0.05, 0.0004], C = [0.9, 0.005] (see assignment.test.ts).
const boxValues = [[[0.6, 0.5, 0.3, 0.2], [0.52, 0.5, 0.2, 0.2]]];
const confValues = [[0.9, 0.005]];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function lossAndGrads(kind: 'responsibility' | 'inverse-distance') {
  const boxes = tf.tensor3d(boxValues);
  const confidences = tf.tensor2d(confValues);
  let value = NaN;
  // The assignment is read out of the tensors inside the tape, as in training.
  const grads = tf.grads((b: tf.Tensor, c: tf.Tensor) => {
    const t = detectionLoss(kind, b as tf.Tensor3D, c as tf.Tensor2D, gt, { scale });
    value = t.loss.dataSync()[0];
    return t.loss;
  })([boxes, confidences]);
  const out = { value, dBoxes: grads[0].arraySync() as number[][][], dConf: grads[1].arraySync() as number[][] };
  tf.dispose([boxes, confidences, ...grads]);
  return out;
}

describe('responsibility loss (Eq 3.1–3.4)', () => {
  it('gives the hand-computed value and gradients under R = C/D', () => {
    const { value, dBoxes, dConf } = lossAndGrads('responsibility');
    // Detector 0 is responsible: L = ((0.9 − 1)² + 0.005²)/2 + D_0 = 0.0050125 + 0.05.
    expect(value).toBeCloseTo(0.0550125, 6);
    // dD/dbox = 2Δ ⊙ [1, 1, 1/0.5², 1/0.5²]: [0.2, 0, 0.8, 0]; the other box gets nothing.
    expectClose(dBoxes[0][0], [0.2, 0, 0.8, 0]);
    expectClose(dBoxes[0][1], [0, 0, 0, 0]);
    // Only the (C − C*)² term reaches the confidences: 2(C − C*)/N. Nothing flows through the arg max.
    expectClose(dConf[0], [-0.1, 0.005]);
  });

  it('gives the hand-computed value and gradients under the R = 1/D ablation', () => {
    const { value, dBoxes, dConf } = lossAndGrads('inverse-distance');
    // Detector 1 is responsible: L = (0.9² + 0.995²)/2 + D_1 = 0.9000125 + 0.0004.
    expect(value).toBeCloseTo(0.9004125, 6);
    expectClose(dBoxes[0][0], [0, 0, 0, 0]);
    expectClose(dBoxes[0][1], [0.04, 0, 0, 0]);
    expectClose(dConf[0], [0.9, -0.995]);
  });

  it('moves the responsible box towards its object while the assignment is held fixed', () => {
    const boxes = tf.variable(tf.tensor3d(boxValues));
    const confidences = tf.variable(tf.tensor2d(confValues));
    const assignment = assignDetectors('responsibility', { boxes: boxValues.flat(2), confidences: confValues[0] }, gt[0], { scale });
    const optimizer = tf.train.sgd(0.1);
    const distances: number[] = [];
    for (let step = 0; step < 5; step++) {
      optimizer.minimize(() => assignmentLoss(boxes, confidences, gt, [assignment], scale).loss);
      const [cx, , w] = (boxes.arraySync() as number[][][])[0][0];
      distances.push((cx - 0.5) ** 2 + ((w - 0.2) / 0.5) ** 2);
    }
    expect((boxes.arraySync() as number[][][])[0][0][0]).toBeCloseTo(0.6 - 0.1 * 0.2 * (1 + 0.8 + 0.64 + 0.512 + 0.4096), 5);
    for (let i = 1; i < distances.length; i++) expect(distances[i]).toBeLessThan(distances[i - 1]);
    expect((boxes.arraySync() as number[][][])[0][1]).toEqual(boxValues[0][1].map((v) => Math.fround(v)));
    tf.dispose([boxes, confidences]);
    optimizer.dispose();
  });

  it('drives every confidence to 0 on an image without objects and averages over the batch', () => {
    const boxes = tf.tensor3d([[[0.5, 0.5, 0.2, 0.2], [0.1, 0.1, 0.1, 0.1]], boxValues[0]]);
    const confidences = tf.tensor2d([[0.5, 0.2], confValues[0]]);
    const [dBoxes, dConf] = tf.grads((b: tf.Tensor, c: tf.Tensor) => detectionLoss('responsibility', b as tf.Tensor3D, c as tf.Tensor2D, [[], gt[0]], { scale }).loss)([boxes, confidences]);
    const t = detectionLoss('responsibility', boxes, confidences, [[], gt[0]], { scale });
    // Image 0: (0.25 + 0.04)/2 = 0.145 and no regression; image 1: 0.0550125. Batch mean:
    expect(t.loss.dataSync()[0]).toBeCloseTo((0.145 + 0.0550125) / 2, 6);
    expect(t.regression.dataSync()[0]).toBeCloseTo(0.05 / 2, 6);
    expectClose((dConf.arraySync() as number[][])[0], [0.25, 0.1]); // 2C/(N·batch)
    expectClose((dBoxes.arraySync() as number[][][])[0].flat(), new Array(8).fill(0));
    tf.dispose([boxes, confidences, dBoxes, dConf, t.loss, t.confidence, t.regression]);
  });
});

function expectClose(actual: number[], expected: number[], digits = 5) {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i], digits));
}
