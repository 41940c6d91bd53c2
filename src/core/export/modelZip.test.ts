import * as tf from '@tensorflow/tfjs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../rng/rng';
import { exportLayersModelToZip, exportWeightsToZip, importLayersModelFromZip, importWeightsFromZip, repackModelZip } from './modelZip';
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

describe('repackModelZip', () => {
  async function weightsZipEntries() {
    return readZip(await exportWeightsToZip({ 'c1/kernel': tf.tensor2d([[1, 2], [3, 4]]), 'c1/bias': tf.tensor1d([5, 6]) }, { kind: 'toy' }, { metadata: { pipeline: 'toy' } }));
  }

  it('keeps model.json and its shards under safe names, drops everything else, and still loads', async () => {
    const e = await weightsZipEntries();
    const hostile = zipSync({
      '../../model.json': e['model.json'],
      '/weights.bin': e['weights.bin'],
      'C:\\tools\\run.js': strToU8('fetch("/pwned")'),
      'README.txt': strToU8('hello'),
    });
    const { zip, modelJson } = repackModelZip(hostile, 'upload.zip');
    expect(Object.keys(unzipSync(zip)).sort()).toEqual(['model.json', 'weights.bin']);
    expect(modelJson.userDefinedMetadata).toEqual({ pipeline: 'toy' });
    const back = importWeightsFromZip(zip);
    expect([...back.weights['c1/kernel'].dataSync()]).toEqual([1, 2, 3, 4]);
    tf.dispose(Object.values(back.weights));
  });

  it('refuses truncated weights, a missing shard, a manifest path outside the zip, and bad JSON, naming the problem', async () => {
    const e = await weightsZipEntries();
    const json = strFromU8(e['model.json']);
    const zip = (files: Record<string, Uint8Array | string>) => zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, typeof v === 'string' ? strToU8(v) : v])));
    expect(() => repackModelZip(zip({ 'model.json': json, 'weights.bin': e['weights.bin'].subarray(0, 10) }), 'short.zip')).toThrow(
      'short.zip: shard(s) weights.bin hold 10 bytes but their weights (c1/kernel [2,2], c1/bias [2]) need 24: truncated, or shapes that do not match the data');
    const bigger = json.replace('[2,2]', '[2,3]');
    expect(() => repackModelZip(zip({ 'model.json': bigger, 'weights.bin': e['weights.bin'] }))).toThrow('need 32: truncated, or shapes that do not match the data');
    expect(() => repackModelZip(zip({ 'model.json': json }))).toThrow('Model zip: weight shard(s) weights.bin named in model.json are missing (entries: model.json)');
    const outside = json.replace('"weights.bin"', '"../weights.bin"');
    expect(() => repackModelZip(zip({ 'model.json': outside, 'weights.bin': e['weights.bin'] }))).toThrow('weight shard(s) ../weights.bin named in model.json are missing');
    expect(() => repackModelZip(zip({ 'model.json': '{"weightsManifest": ' }))).toThrow(/^Model zip: model\.json is not valid JSON/);
    expect(() => repackModelZip(zip({ 'model.json': '{"format": "x"}' }))).toThrow('Model zip: model.json has no valid weightsManifest');
    expect(() => repackModelZip(zip({ 'weights.bin': e['weights.bin'] }))).toThrow('Model zip: the zip has no model.json (entries: weights.bin)');
  });

  it('a layers model whose manifest shapes are a same-size permutation is refused when loaded, naming the weight', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 3, name: 'fc' })] });
    const e = readZip(await exportLayersModelToZip(model));
    const json = strFromU8(e['model.json']).replace('"shape":[2,3]', '"shape":[3,2]');
    const swapped = makeZip([{ name: 'model.json', data: json }, { name: 'weights.bin', data: e['weights.bin'] }]);
    const { zip } = repackModelZip(swapped); // sizes agree, so the zip itself is complete
    await expect(importLayersModelFromZip(zip)).rejects.toThrow('Weight "fc/kernel": the model expects shape [2,3], the manifest has [3,2]');
  });
});
