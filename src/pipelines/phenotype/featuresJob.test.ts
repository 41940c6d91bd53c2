import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { encode as encodePng } from 'fast-png';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeKeepingDepth } from '../../core/data/decode';
import { decodeImageNode } from '../../core/data/nodeDecode';
import { writeTiff } from '../../core/data/testdata/writeTiff';
import type { DatasetItem } from '../../core/data/types';
import { Rng } from '../../core/rng/rng';
import { getFeatures, openWorkbenchDb, putItems } from '../../core/storage/db';
import type { JobContext } from '../../core/jobs/protocol';
import { extractDatasetFeatures, type PhenotypeFeaturesParams } from './featuresJob';
import { tinyBackboneFiles as tinyBackbone } from './features/testdata/tinyBackbone';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The tiny test backbone as the picked files of a custom backbone. */
async function tinyBackboneFiles(): Promise<{ name: string; blob: Blob }[]> {
  return (await tinyBackbone()).map((f) => ({ name: f.name, blob: new Blob([f.bytes.slice()]) }));
}

function ctx(logs: string[]): JobContext {
  return { seed: 1, rng: new Rng(1), cancelled: false, progress: () => undefined, partial: () => undefined, checkpoint: async () => undefined, log: (m) => logs.push(m) };
}

const decode = (bytes: Uint8Array, path: string) => decodeKeepingDepth(bytes, path, decodeImageNode);

describe('phenotype features job', () => {
  it('featurises a dataset (8-bit RGB PNG, 16-bit 2-channel TIFF), lists a corrupt file, and answers repeats from the cache', async () => {
    const db = await openWorkbenchDb('cv-workbench');
    const rng = new Rng(3);
    const rgb = Uint8Array.from({ length: 20 * 16 * 3 }, () => rng.int(0, 255));
    const png = encodePng({ width: 20, height: 16, channels: 3, depth: 8, data: rgb });
    const tif = writeTiff([{ width: 12, height: 10, samplesPerPixel: 2, data: Uint16Array.from({ length: 240 }, () => rng.int(0, 65535)) }]);
    const item = (id: number, path: string, bytes: number, format: DatasetItem['format']): DatasetItem => ({ id, path, bytes, format, width: 1, height: 1, channels: 3, bitDepth: 8, pages: 1, labels: {} });
    await putItems(db, 'ds1', [
      { item: item(0, 'a.png', png.length, 'png'), file: new Blob([png.slice()]) },
      { item: item(1, 'b.tif', tif.length, 'tiff'), file: new Blob([tif.slice()]) },
      { item: item(2, 'broken.png', 10, 'png'), file: new Blob([png.slice(0, 30)]) },
    ]);
    const files = await tinyBackboneFiles();
    const params: PhenotypeFeaturesParams = {
      datasetId: 'ds1', backbone: 'custom', layers: ['conv_a', 'conv_b'], preprocess: {}, source: { kind: 'official' },
      custom: { files, normalisation: 'unit' },
    };
    const before = tf.memory().numTensors;
    const logs: string[] = [];
    const res = await extractDatasetFeatures(params, ctx(logs), decode);
    expect(tf.memory().numTensors).toBe(before);
    expect(res).toMatchObject({ n: 2, dim: 7, failures: 1, cached: false });
    const rec = (await getFeatures(db, res.key))!;
    expect(rec.itemIds).toEqual([0, 1]);
    expect(rec.layerDims).toEqual([{ name: 'conv_a', channels: 4 }, { name: 'conv_b', channels: 3 }]);
    expect(rec.failures).toEqual([{ id: 2, path: 'broken.png', reason: expect.stringMatching(/PNG could not be decoded/) }]);

    // Reference for the PNG: per-channel 0.1/99.9 percentile stretch, then the spatial means of conv_a and conv_b.
    const { preprocessImage } = await import('./features/preprocess');
    const pre = preprocessImage(await decode(png, 'a.png'));
    const model = await tf.loadLayersModel(tf.io.fromMemory(JSON.parse(await files[0].blob.text()).modelTopology, [{ name: 'conv_a/kernel', shape: [3, 3, 3, 4], dtype: 'float32' }, { name: 'conv_a/bias', shape: [4], dtype: 'float32' }, { name: 'conv_b/kernel', shape: [3, 3, 4, 3], dtype: 'float32' }, { name: 'conv_b/bias', shape: [3], dtype: 'float32' }], await files[1].blob.arrayBuffer()));
    const x = tf.tensor4d(pre.data, [1, pre.height, pre.width, 3]);
    const ya = (model.getLayer('conv_a').apply(x) as tf.Tensor4D);
    const yb = model.getLayer('conv_b').apply(tf.relu(ya)) as tf.Tensor4D;
    const expected = [...(await ya.mean([0, 1, 2]).data()), ...(await yb.mean([0, 1, 2]).data())];
    const got = Array.from(rec.data.slice(0, 7));
    for (let j = 0; j < 7; j++) expect(got[j]).toBeCloseTo(expected[j], 5);
    tf.dispose([x, ya, yb]);
    model.dispose();

    const again = await extractDatasetFeatures(params, ctx(logs), decode);
    expect(again).toMatchObject({ key: res.key, cached: true, n: 2 });
    // A different preprocessing is a different cache entry.
    const other = await extractDatasetFeatures({ ...params, preprocess: { maxSide: 8 } }, ctx(logs), decode);
    expect(other.key).not.toBe(res.key);
    expect(other.cached).toBe(false);
    // So is a model with the same file names and sizes but other weights (e.g. retrained).
    const weights = new Float32Array(await files[1].blob.arrayBuffer()).map((v) => v * 2);
    const retrained = [files[0], { name: files[1].name, blob: new Blob([weights]) }];
    expect(retrained[1].blob.size).toBe(files[1].blob.size);
    const third = await extractDatasetFeatures({ ...params, custom: { files: retrained, normalisation: 'unit' } }, ctx(logs), decode);
    expect(third.key).not.toBe(res.key);
    expect(third.cached).toBe(false);
    expect(Array.from((await getFeatures(db, third.key))!.data.slice(0, 7))).not.toEqual(got);
  });

  it('names a missing layer and an empty layer list', async () => {
    const files = await tinyBackboneFiles();
    const db = await openWorkbenchDb('cv-workbench');
    const png = encodePng({ width: 4, height: 4, channels: 3, depth: 8, data: new Uint8Array(48) });
    await putItems(db, 'ds2', [{ item: { id: 0, path: 'a.png', bytes: png.length, format: 'png', width: 4, height: 4, channels: 3, bitDepth: 8, pages: 1, labels: {} }, file: new Blob([png.slice()]) }]);
    const base: PhenotypeFeaturesParams = { datasetId: 'ds2', backbone: 'custom', layers: ['nope'], preprocess: {}, source: { kind: 'official' }, custom: { files, normalisation: 'unit' } };
    await expect(extractDatasetFeatures(base, ctx([]), decode)).rejects.toThrow(/nope/);
    await expect(extractDatasetFeatures({ ...base, layers: [] }, ctx([]), decode)).rejects.toThrow(/at least one layer/);
  });
});
