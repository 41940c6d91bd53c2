import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPretrainedLayersModel } from './pretrained';
import type { ModelEntry } from './registry';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** d1: y = 2x + 1 (1 unit), d2: z = -y; files laid out one shard per layer, with their sha256. */
async function toyModel(): Promise<{ entry: ModelEntry; picked: Map<string, Blob> }> {
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [1], units: 1, name: 'd1' }), tf.layers.dense({ units: 1, name: 'd2' })] });
  model.getLayer('d1').setWeights([tf.tensor2d([[2]]), tf.tensor1d([1])]);
  model.getLayer('d2').setWeights([tf.tensor2d([[-1]]), tf.tensor1d([0])]);
  let a: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (x) => { a = x; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  const data = new Uint8Array(tf.io.CompositeArrayBuffer.join(a?.weightData));
  const specs = a?.weightSpecs ?? [];
  const json = JSON.stringify({ modelTopology: a?.modelTopology, weightsManifest: [{ paths: ['g1'], weights: specs.slice(0, 2) }, { paths: ['g2'], weights: specs.slice(2) }] });
  const raw: [string, Uint8Array<ArrayBuffer>][] = [['model.json', new TextEncoder().encode(json)], ['g1', data.slice(0, 8)], ['g2', data.slice(8, 16)]];
  const entry: ModelEntry = {
    id: 'toy-layers', name: 'toy', task: 'feature-extraction', format: 'tfjs-layers', licence: 'none', description: 'test', localPath: 'toy', inputs: [{ shape: [null, 1] }],
    files: raw.map(([name, b]) => ({ name, bytes: b.byteLength, sha256: createHash('sha256').update(b).digest('hex'), urls: [] })),
  };
  return { entry, picked: new Map(raw.map(([n, b]) => [n, new Blob([b])])) };
}

describe('loadPretrainedLayersModel', () => {
  it('loads the full model, or a truncated one fetching only the shards it needs', async () => {
    const { entry, picked } = await toyModel();
    const full = await loadPretrainedLayersModel(entry, { kind: 'localFiles', files: picked });
    expect([...(full.predict(tf.tensor2d([[3]])) as tf.Tensor).dataSync()]).toEqual([-7]);

    picked.delete('g2'); // only d2 needs it
    const files: string[] = [];
    const head = await loadPretrainedLayersModel(entry, { kind: 'localFiles', files: picked }, { outputLayer: 'd1', onProgress: (p) => files.push(p.file) });
    expect([...new Set(files)]).toEqual(['model.json', 'g1']);
    expect([...(head.predict(tf.tensor2d([[3]])) as tf.Tensor).dataSync()]).toEqual([7]);
    await expect(loadPretrainedLayersModel(entry, { kind: 'localFiles', files: picked })).rejects.toThrow('"g2" (model toy-layers) is not among the picked files');
  });

  it('refuses other formats', async () => {
    const { entry } = await toyModel();
    await expect(loadPretrainedLayersModel({ ...entry, format: 'tflite' }, { kind: 'official' })).rejects.toThrow('Model toy-layers is tflite, not a tfjs layers model');
  });
});
