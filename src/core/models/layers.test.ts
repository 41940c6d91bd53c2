import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { layersIOHandlerFromFiles, loadLayersModelFromFiles, requiredLayersFiles, setInputShape, truncateTopology } from './layers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * x[2] -> fc1 (2 units, kernel [[1,2],[3,4]], bias [0.5,-0.5]) -> fc2 (1 unit, kernel [[1],[-1]], bias [10]).
 * For x = [1, 2]: fc1 = [1+6+0.5, 2+8-0.5] = [7.5, 9.5], fc2 = 7.5 - 9.5 + 10 = 8; for x = 0: 0.5 + 0.5 + 10 = 11.
 */
function buildToy(): tf.LayersModel {
  const input = tf.input({ shape: [2], name: 'x' });
  const h = tf.layers.dense({ units: 2, name: 'fc1' }).apply(input) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 1, name: 'fc2' }).apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  model.getLayer('fc1').setWeights([tf.tensor2d([[1, 2], [3, 4]]), tf.tensor1d([0.5, -0.5])]);
  model.getLayer('fc2').setWeights([tf.tensor2d([[1], [-1]]), tf.tensor1d([10])]);
  return model;
}

/** Save through withSaveHandler and lay the files out like a converter: one shard per layer. */
async function toyFiles(): Promise<Map<string, ArrayBuffer>> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await buildToy().save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const a = artifacts as tf.io.ModelArtifacts;
  const data = new Uint8Array(tf.io.CompositeArrayBuffer.join(a.weightData));
  const specs = a.weightSpecs ?? [];
  expect(specs.map((s) => s.name)).toEqual(['fc1/kernel', 'fc1/bias', 'fc2/kernel', 'fc2/bias']);
  // fc1 = 6 floats (24 bytes) split over two shards of one group; fc2 = 3 floats in its own group.
  const modelJson = {
    modelTopology: a.modelTopology,
    format: 'layers-model',
    weightsManifest: [
      { paths: ['group1-shard1of2', 'group1-shard2of2'], weights: specs.slice(0, 2) },
      { paths: ['group2-shard1of1'], weights: specs.slice(2) },
    ],
  };
  return new Map<string, ArrayBuffer>([
    ['model.json', new TextEncoder().encode(JSON.stringify(modelJson)).buffer],
    ['group1-shard1of2', data.slice(0, 16).buffer],
    ['group1-shard2of2', data.slice(16, 24).buffer],
    ['group2-shard1of1', data.slice(24, 36).buffer],
  ]);
}

function editJson(files: Map<string, ArrayBuffer>, edit: (j: { weightsManifest: { paths: string[]; weights: { name: string; shape: number[] }[] }[]; modelTopology: unknown }) => void) {
  const j = JSON.parse(new TextDecoder().decode(files.get('model.json')));
  edit(j);
  const out = new Map(files);
  out.set('model.json', new TextEncoder().encode(JSON.stringify(j)).buffer);
  return out;
}

const predict = (m: tf.LayersModel, x: number[][]) => [...(m.predict(tf.tensor2d(x)) as tf.Tensor).dataSync()];

describe('layersIOHandlerFromFiles', () => {
  it('loads a model with tf.loadLayersModel from in-memory shards, predictions identical', async () => {
    const files = await toyFiles();
    const model = await tf.loadLayersModel(layersIOHandlerFromFiles(files));
    expect(predict(model, [[1, 2], [0, 0]])).toEqual([8, 11]);
    expect(predict(buildToy(), [[1, 2], [0, 0]])).toEqual([8, 11]);
  });

  it('truncates at an intermediate layer without needing the pruned layers\' shards', async () => {
    const files = await toyFiles();
    expect(requiredLayersFiles(files.get('model.json') as ArrayBuffer, 'fc1')).toEqual(['model.json', 'group1-shard1of2', 'group1-shard2of2']);
    files.delete('group2-shard1of1');
    const model = await tf.loadLayersModel(layersIOHandlerFromFiles(files, { outputLayer: 'fc1' }));
    expect(model.outputs[0].shape).toEqual([null, 2]);
    expect(predict(model, [[1, 2]])).toEqual([7.5, 9.5]);
    // The full model does need it, and says which weights are missing.
    expect(() => layersIOHandlerFromFiles(files)).toThrow('Weight shard(s) group2-shard1of1 missing; they hold "fc2/kernel" [2,1] float32, "fc2/bias" [1] float32');
  });

  it('names the weight whose manifest shape does not fit the shard bytes', async () => {
    const bigger = editJson(await toyFiles(), (j) => { j.weightsManifest[1].weights[0].shape = [2, 2]; });
    expect(() => layersIOHandlerFromFiles(bigger)).toThrow('Weight "fc2/kernel" [2,2] float32 needs bytes up to 16 but shard(s) group2-shard1of1 hold only 12: its shape does not match the shard data');
    const smaller = editJson(await toyFiles(), (j) => { j.weightsManifest[0].weights[0].shape = [2, 1]; });
    expect(() => layersIOHandlerFromFiles(smaller)).toThrow('Shard(s) group1-shard1of2, group1-shard2of2 hold 24 bytes but weights "fc1/kernel" [2,1] float32, "fc1/bias" [2] float32 need 16');
  });

  it('loadLayersModelFromFiles names a weight whose shape disagrees with the topology', async () => {
    const files = await toyFiles();
    expect(predict(await loadLayersModelFromFiles(files), [[1, 2]])).toEqual([8]);
    // Same byte count ([2,2] -> [1,4]) so only the topology check can catch it.
    const reshaped = editJson(files, (j) => { j.weightsManifest[0].weights[0].shape = [1, 4]; });
    await expect(loadLayersModelFromFiles(reshaped)).rejects.toThrow('Weight "fc1/kernel": the model expects shape [2,2], the manifest has [1,4]');
  });

  it('rejects files that are not a layers model', () => {
    expect(() => layersIOHandlerFromFiles(new Map())).toThrow('"model.json" is missing from the model files');
    const notJson = new Map([['model.json', new TextEncoder().encode('{oops').buffer]]);
    expect(() => layersIOHandlerFromFiles(notJson)).toThrow(/^model\.json is not valid JSON/);
  });
});

describe('truncateTopology', () => {
  it('keeps the ancestors of the output layer in a functional config', () => {
    const topo = {
      model_config: {
        class_name: 'Model',
        config: {
          layers: [
            { name: 'in', class_name: 'InputLayer', config: {}, inbound_nodes: [] },
            { name: 'a', class_name: 'Dense', config: {}, inbound_nodes: [[['in', 0, 0, {}]]] },
            { name: 'b', class_name: 'Dense', config: {}, inbound_nodes: [[['in', 0, 0, {}]]] },
            { name: 'sum', class_name: 'Add', config: {}, inbound_nodes: [[['a', 0, 0, {}], ['b', 0, 0, {}]]] },
            { name: 'head', class_name: 'Dense', config: {}, inbound_nodes: [[['sum', 0, 0, {}]]] },
          ],
          input_layers: [['in', 0, 0]],
          output_layers: [['head', 0, 0]],
        },
      },
    };
    const { topology, kept } = truncateTopology(topo, 'sum');
    expect([...kept].sort()).toEqual(['a', 'b', 'in', 'sum']);
    const cfg = (topology.model_config as { config: { layers: { name: string }[]; output_layers: unknown } }).config;
    expect(cfg.layers.map((l) => l.name)).toEqual(['in', 'a', 'b', 'sum']);
    expect(cfg.output_layers).toEqual([['sum', 0, 0]]);
    expect(truncateTopology(topo, 'a').kept).toEqual(new Set(['a', 'in']));
    expect(topo.model_config.config.layers).toHaveLength(5); // input untouched
    expect(() => truncateTopology(topo, 'nope')).toThrow('Layer "nope" is not in the model');
  });
});

describe('inputShape override', () => {
  /** in [4,4,1] -> conv 2×2 valid (kernel all 1, bias 0.5) -> gap; fixed 4×4 as converters write it. */
  async function convFiles(): Promise<Map<string, ArrayBuffer>> {
    const input = tf.input({ batchShape: [null, 4, 4, 1], name: 'img' });
    const conv = tf.layers.conv2d({ filters: 1, kernelSize: 2, name: 'conv' }).apply(input) as tf.SymbolicTensor;
    const flat = tf.layers.flatten({ name: 'flat' }).apply(conv) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: flat });
    model.getLayer('conv').setWeights([tf.ones([2, 2, 1, 1]), tf.tensor1d([0.5])]);
    let a: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (x) => { a = x; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    const art = a as tf.io.ModelArtifacts;
    const json = { modelTopology: art.modelTopology, format: 'layers-model', weightsManifest: [{ paths: ['w.bin'], weights: art.weightSpecs }] };
    return new Map<string, ArrayBuffer>([
      ['model.json', new TextEncoder().encode(JSON.stringify(json)).buffer],
      ['w.bin', tf.io.CompositeArrayBuffer.join(art.weightData)],
    ]);
  }

  it('lets a truncated conv model run on any spatial size', async () => {
    const files = await convFiles();
    const fixed = await loadLayersModelFromFiles(files, { outputLayer: 'conv' });
    expect(fixed.inputs[0].shape).toEqual([null, 4, 4, 1]);
    expect(() => fixed.predict(tf.zeros([1, 5, 6, 1]))).toThrow();

    const free = await loadLayersModelFromFiles(files, { outputLayer: 'conv', inputShape: [null, null, null, 1] });
    expect(free.inputs[0].shape).toEqual([null, null, null, 1]);
    // x[h,w] = h*6 + w on a 5×6 image; each 2×2 window sums to 4·(h*6+w) + 6 + 1 + 7 (= 4·x + 14), plus bias 0.5.
    const x = tf.tensor4d(Array.from({ length: 30 }, (_, i) => i), [1, 5, 6, 1]);
    const y = free.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 4, 5, 1]);
    const v = y.dataSync();
    expect(v[0]).toBe(14.5);
    expect(v[4 * 5 - 1]).toBe(4 * (3 * 6 + 4) + 14.5);
    // Flatten needs a fixed size: keeping it with a free input fails when building, with tfjs's message.
    await expect(loadLayersModelFromFiles(files, { inputShape: [null, null, null, 1] })).rejects.toThrow();
  });

  it('rewrites batch_input_shape, batch_shape (Keras 3) and Sequential first layers, and rejects bad shapes', () => {
    const functional = (key: string) => ({
      model_config: {
        class_name: 'Functional',
        config: { layers: [{ name: 'in', class_name: 'InputLayer', config: { [key]: [null, 224, 224, 3] }, inbound_nodes: [] }], input_layers: [['in', 0, 0]], output_layers: [['in', 0, 0]] },
      },
    });
    const shapeOf = (t: Record<string, unknown>, key: string) => (t.model_config as { config: { layers: { config: Record<string, unknown> }[] } }).config.layers[0].config[key];
    const topo = functional('batch_input_shape');
    expect(shapeOf(setInputShape(topo, [null, null, null, 3]), 'batch_input_shape')).toEqual([null, null, null, 3]);
    expect(shapeOf(topo, 'batch_input_shape')).toEqual([null, 224, 224, 3]); // input untouched
    expect(shapeOf(setInputShape(functional('batch_shape'), [1, 64, 32, 3]), 'batch_shape')).toEqual([1, 64, 32, 3]);
    const seq = { class_name: 'Sequential', config: { layers: [{ class_name: 'Conv2D', config: { name: 'c', batch_input_shape: [null, 8, 8, 1] } }] } };
    expect((setInputShape(seq, [null, null, null, 1]).config as { layers: { config: Record<string, unknown> }[] }).layers[0].config.batch_input_shape).toEqual([null, null, null, 1]);

    expect(() => setInputShape(topo, [null, null, 3])).toThrow('inputShape [null,null,3] has rank 3 but input layer "in" has batch shape [null,224,224,3]');
    expect(() => setInputShape(topo, [null, 0, 4, 3])).toThrow('each dimension must be a positive integer or null');
    const twoInputs = structuredClone(topo);
    const layers = (twoInputs.model_config.config.layers as unknown[]);
    layers.push({ name: 'in2', class_name: 'InputLayer', config: { batch_input_shape: [null, 2] }, inbound_nodes: [] });
    expect(() => setInputShape(twoInputs, [null, null, null, 3])).toThrow('inputShape needs exactly one input layer with a batch shape; the model has 2 (in, in2)');
  });
});
