import * as tf from '@tensorflow/tfjs';
import { strFromU8 } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../rng/rng';
import { exportLayersModelToZip, exportWeightsToZip, importLayersModelFromZip, importWeightsFromZip } from './modelZip';
import { makeZip, readZip } from './zip';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function seededInput(shape: number[], seed: number): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.next() * 2 - 1), shape);
}

describe('LayersModel zip', () => {
  it('round-trips a conv net (random init): identical predictions, metadata and standard tfjs layout', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, activation: 'relu', name: 'c1' }),
        tf.layers.batchNormalization({ name: 'bn' }),
        tf.layers.flatten({ name: 'flat' }),
        tf.layers.dense({ units: 5, activation: 'softmax', name: 'head' }),
      ],
    });
    // Distinct BN statistics, so a mix-up of the four BN weights would change the output.
    model.getLayer('bn').setWeights([tf.tensor1d([1, 2, 3, 4]), tf.tensor1d([0.1, 0.2, 0.3, 0.4]), tf.tensor1d([0.5, 0.1, 0, 0.2]), tf.tensor1d([2, 1, 0.5, 3])]);
    const x = seededInput([2, 8, 8, 3], 1);
    const before = await (model.predict(x) as tf.Tensor).data();

    const zip = await exportLayersModelToZip(model, { metadata: { pipeline: 'classification' } });
    const entries = readZip(zip);
    expect(Object.keys(entries)).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(strFromU8(entries['model.json']));
    expect(json.format).toBe('layers-model');
    expect(json.userDefinedMetadata).toEqual({ pipeline: 'classification' });
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name))
      .toEqual(['c1/kernel', 'c1/bias', 'bn/gamma', 'bn/beta', 'head/kernel', 'head/bias', 'bn/moving_mean', 'bn/moving_variance']); // trainable first
    // 3*3*3*4 + 4 + 4*4 + 6*6*4*5 + 5 floats
    expect(entries['weights.bin'].byteLength).toBe((108 + 4 + 16 + 720 + 5) * 4);

    const restored = await importLayersModelFromZip(zip);
    const after = await (restored.predict(x) as tf.Tensor).data();
    expect([...after]).toEqual([...before]);
    expect(restored.layers.map((l) => l.name)).toEqual(['c1', 'bn', 'flat', 'head']);
  });

  it('explains a zip without model.json', async () => {
    await expect(importLayersModelFromZip(makeZip([{ name: 'readme.txt', data: 'x' }]))).rejects.toThrow('Model zip: the zip has no model.json (entries: readme.txt)');
  });
});

describe('named weights zip', () => {
  it('round-trips tensors of several dtypes with their config', async () => {
    const w = {
      'encoder/conv1/kernel': tf.tensor4d([1.5, -2.25, 3, 4], [1, 1, 2, 2]),
      'encoder/scale': tf.variable(tf.tensor1d([0.1, 0.2, 0.3])),
      'step': tf.scalar(42, 'int32'),
      'mask': tf.tensor1d([true, false, true], 'bool'),
    };
    const config = { kind: 'adain', channels: [2, 3] };
    const zip = await exportWeightsToZip(w, config, { metadata: { pipeline: 'style-transfer' } });
    const back = importWeightsFromZip<typeof config>(zip);
    expect(back.config).toEqual(config);
    expect(back.metadata).toEqual({ pipeline: 'style-transfer' });
    expect(Object.keys(back.weights).sort()).toEqual(['encoder/conv1/kernel', 'encoder/scale', 'mask', 'step']);
    expect(back.weights['encoder/conv1/kernel'].shape).toEqual([1, 1, 2, 2]);
    expect([...back.weights['encoder/conv1/kernel'].dataSync()]).toEqual([1.5, -2.25, 3, 4]);
    expect([...back.weights['encoder/scale'].dataSync()]).toEqual([...w['encoder/scale'].dataSync()]);
    expect(back.weights.step.dtype).toBe('int32');
    expect(back.weights.step.dataSync()[0]).toBe(42);
    expect(back.weights.mask.dtype).toBe('bool');
    expect([...back.weights.mask.dataSync()]).toEqual([1, 0, 1]);
  });

  it('rejects a layers-model zip and truncated weights', async () => {
    const layersZip = await exportLayersModelToZip(tf.sequential({ layers: [tf.layers.dense({ inputShape: [1], units: 1 })] }));
    expect(() => importWeightsFromZip(layersZip)).toThrow('Weights zip: model.json format is "layers-model", expected "workbench-weights"');
    const good = readZip(await exportWeightsToZip({ a: tf.tensor1d([1, 2, 3]) }, {}));
    const bad = makeZip([{ name: 'model.json', data: good['model.json'] }, { name: 'weights.bin', data: good['weights.bin'].subarray(0, 8) }]);
    expect(() => importWeightsFromZip(bad)).toThrow('Weights zip: weights.bin holds 8 bytes but the manifest\'s weights need 12');
  });
});
