import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng/rng';
import {
  createDetectorWeights,
  detectorForward,
  detectorLayers,
  detectorOutputShape,
  detectorWeightShapes,
  detectorWeightsFrom,
  disposeDetectorWeights,
  smallDetectorConfig,
  thesisDetectorConfig,
  type DetectorWeights,
} from './model';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

let weights: DetectorWeights | null = null;
afterEach(() => {
  if (weights) disposeDetectorWeights(weights);
  weights = null;
});

describe('Table 3.1 detector', () => {
  it('has the thesis layer widths and scales them by the width multiplier', () => {
    const widths = (c: typeof thesisDetectorConfig) => detectorLayers(c).map((l) => `${l.name}:${l.kernel}x${l.kernel}/${l.stride}→${l.outChannels}`);
    expect(widths(thesisDetectorConfig)).toEqual([
      'conv1:5x5/1→32', 'conv2:3x3/1→48', 'conv3:3x3/1→64', 'conv4:3x3/1→86', 'conv5:1x1/1→128', 'conv6:2x2/2→128',
      'conv7:1x1/1→128', 'boxes:1x1/1→36', 'filter1:3x3/1→144', 'filter2:1x1/1→144', 'confidence:1x1/1→9',
    ]);
    expect(detectorLayers(thesisDetectorConfig).find((l) => l.name === 'filter1')?.inChannels).toBe(36 + 128); // concat
    expect(detectorLayers(smallDetectorConfig).map((l) => l.outChannels)).toEqual([8, 12, 16, 22, 32, 32, 32, 36, 36, 36, 9]);
  });

  it('maps 64×64 and 96×96 inputs to 2×2 and 3×3 windows of B detectors', () => {
    weights = createDetectorWeights(smallDetectorConfig, new Rng(1));
    for (const [size, k] of [[64, 36], [96, 81]]) {
      const images = tf.randomUniform([2, size, size, 1]) as tf.Tensor4D;
      const out = detectorForward(weights, images, smallDetectorConfig);
      expect(out.boxes.shape).toEqual([2, k, 4]);
      expect(out.confidences.shape).toEqual([2, k]);
      const c = out.confidences.dataSync();
      expect(c.every((v) => v > 0 && v < 1)).toBe(true);
      tf.dispose([images, out.boxes, out.confidences]);
    }
    tf.tidy(() => {
      const rect = tf.zeros([1, 64, 128, 1]) as tf.Tensor4D;
      expect(detectorForward(weights!, rect, smallDetectorConfig).boxes.shape).toEqual([1, 2 * 4 * 9, 4]);
      expect(() => detectorForward(weights!, tf.zeros([1, 60, 64, 1]) as tf.Tensor4D, smallDetectorConfig)).toThrow(/multiple of 32/);
    });
  });

  it('gives 7×7×9 detectors at 224×224 for the thesis config', () => {
    expect(detectorOutputShape(thesisDetectorConfig, 224, 224, 4)).toEqual({ rows: 7, cols: 7, boxes: [4, 441, 4], confidences: [4, 441] });
    weights = createDetectorWeights(thesisDetectorConfig, new Rng(2));
    const shapes = detectorWeightShapes(thesisDetectorConfig);
    for (const [name, v] of Object.entries(weights)) expect(v.shape).toEqual(shapes[name]);
    const image = tf.zeros([1, 224, 224, 1]) as tf.Tensor4D;
    const out = detectorForward(weights, image, thesisDetectorConfig);
    expect(out.boxes.shape).toEqual([1, 441, 4]);
    tf.dispose([image, out.boxes, out.confidences]);
  });

  it('boxes_global places window-local boxes relative to each window centre (hand-computed)', () => {
    weights = createDetectorWeights(smallDetectorConfig, new Rng(3));
    const b = smallDetectorConfig.detectorsPerWindow;
    weights['boxes/kernel'].assign(tf.zerosLike(weights['boxes/kernel']));
    weights['boxes/bias'].assign(tf.zeros([4 * b]));
    const images = tf.randomUniform([1, 96, 96, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    let boxes = detectorForward(weights, images, smallDetectorConfig).boxes.arraySync()[0];
    // Zero output: every detector sits on its window centre (32j + 16 px of 96) with zero size.
    const centres = [1 / 6, 1 / 2, 5 / 6];
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        for (let d = 0; d < b; d++) {
          const [cx, cy, w, h] = boxes[(i * 3 + j) * b + d];
          expect([cx, cy, w, h].map((v) => +v.toFixed(6))).toEqual([centres[j], centres[i], 0, 0].map((v) => +v.toFixed(6)));
        }
      }
    }
    // Offsets and sizes are in window units (64 px): (u, v, s, t) = (0.25, −0.25, 0.5, 1) on a 64×64
    // input moves each centre by (+16, −16) px and gives a 32×64 px box.
    weights['boxes/bias'].assign(tf.tile(tf.tensor1d([0.25, -0.25, 0.5, 1]), [b]));
    const small = tf.randomUniform([1, 64, 64, 1], 0, 1, 'float32', 8) as tf.Tensor4D;
    boxes = detectorForward(weights, small, smallDetectorConfig).boxes.arraySync()[0];
    const expected = [[0.5, 0, 0.5, 1], [1, 0, 0.5, 1], [0.5, 0.5, 0.5, 1], [1, 0.5, 0.5, 1]]; // (48 px, 0 px), (80, 0), …
    expected.forEach((e, window) => {
      for (let d = 0; d < b; d++) boxes[window * b + d].forEach((v, c) => expect(v).toBeCloseTo(e[c], 6));
    });
    tf.dispose([images, small]);
  });

  it('is deterministic for a seed and loads from named tensors with shape checks', () => {
    weights = createDetectorWeights(smallDetectorConfig, new Rng(4));
    const again = createDetectorWeights(smallDetectorConfig, new Rng(4));
    expect(Array.from(again['conv3/kernel'].dataSync())).toEqual(Array.from(weights['conv3/kernel'].dataSync()));
    const loaded = detectorWeightsFrom(weights, smallDetectorConfig);
    expect(Array.from(loaded['filter1/kernel'].dataSync())).toEqual(Array.from(weights['filter1/kernel'].dataSync()));
    expect(() => detectorWeightsFrom(weights!, thesisDetectorConfig)).toThrow(/conv1\/kernel/);
    disposeDetectorWeights(again);
    disposeDetectorWeights(loaded);
  });

  it('refuses a tensor of the wrong shape, naming both shapes, without allocating any variable', () => {
    const good = createDetectorWeights(smallDetectorConfig, new Rng(5));
    const names = Object.keys(good);
    const last = names[names.length - 1];
    const bad = tf.zeros([...good[last].shape, 2]);
    const before = tf.memory().numTensors;
    expect(() => detectorWeightsFrom({ ...good, [last]: bad }, smallDetectorConfig)).toThrow(
      `detector weights: ${last} should have shape [${good[last].shape}], got [${bad.shape}]`);
    const { [names[0]]: _dropped, ...missing } = good;
    expect(() => detectorWeightsFrom(missing, smallDetectorConfig)).toThrow(`detector weights: ${names[0]} should have shape [${good[names[0]].shape}], it is missing`);
    expect(tf.memory().numTensors).toBe(before);
    bad.dispose();
    disposeDetectorWeights(good);
  });
});
