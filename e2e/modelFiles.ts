/**
 * Model files written by the reliability tests at run time (no binary fixtures in the repository):
 * a tiny tfjs layers model, TFLite flatbuffers with one chosen operator, and Keras-style VGG16
 * HDF5 weights holding only some layers.
 */
import h5wasm from 'h5wasm';
import type { DecodedOptions } from '../src/pipelines/style/tflite/opcodes';
import { writeTflite } from '../src/pipelines/style/tflite/writer';

/** Seeded values in [-0.5, 0.5) (a small LCG, so the files are the same on every run). */
function seeded(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5);
}

const conv = (name: string, filters: number, strides: number, first: boolean) => ({
  class_name: 'Conv2D',
  config: {
    name, trainable: true, dtype: 'float32', filters, kernel_size: [3, 3], strides: [strides, strides], padding: 'same',
    data_format: 'channels_last', dilation_rate: [1, 1], activation: 'linear', use_bias: true,
    kernel_initializer: { class_name: 'Zeros', config: {} }, bias_initializer: { class_name: 'Zeros', config: {} },
    kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null,
    ...(first ? { batch_input_shape: [null, 16, 16, 3] } : {}),
  },
});

export interface LayersModelFiles {
  /** model.json as an object, to be edited by a test before writing. */
  json: {
    modelTopology: Record<string, unknown>;
    format: string;
    generatedBy: string;
    convertedBy: string | null;
    weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
    userDefinedMetadata?: Record<string, unknown>;
  };
  /** The single weight shard. */
  shardName: string;
  shard: Buffer;
}

/**
 * A two-layer conv net in the tfjs layers format: conv1 (3 → 4 channels, 3×3) then conv2
 * (4 → 8, 3×3, stride 2), seeded weights in one shard. Features from "conv1, conv2" are 12-d.
 */
export function tinyLayersModel(): LayersModelFiles {
  const weights = [
    { name: 'conv1/kernel', shape: [3, 3, 3, 4], dtype: 'float32' },
    { name: 'conv1/bias', shape: [4], dtype: 'float32' },
    { name: 'conv2/kernel', shape: [3, 3, 4, 8], dtype: 'float32' },
    { name: 'conv2/bias', shape: [8], dtype: 'float32' },
  ];
  const floats = weights.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
  return {
    json: {
      modelTopology: {
        class_name: 'Sequential',
        config: { name: 'tiny_backbone', layers: [conv('conv1', 4, 1, true), conv('conv2', 8, 2, false)] },
        keras_version: 'tfjs-layers 4.22.0',
        backend: 'tensor_flow.js',
      },
      format: 'layers-model',
      generatedBy: 'reliability test',
      convertedBy: null,
      weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights }],
    },
    shardName: 'group1-shard1of1.bin',
    shard: Buffer.from(seeded(floats, 11).buffer),
  };
}

/**
 * A TFLite flatbuffer (schema v3) with one FLOAT32 [1, 4, 4, 3] input, one output and a single
 * operator `op` (a builtin without options, e.g. LOGISTIC, or one the port does not map), written
 * by the project's TFLite writer.
 */
export function tfliteWithOperator(op: string): Uint8Array {
  const tensor = (index: number, name: string) => ({ index, name, shape: [1, 4, 4, 3], shapeSignature: [], type: 'FLOAT32', buffer: 0, quant: null, isVariable: false, sparse: false });
  return writeTflite({
    schemaVersion: 3,
    description: `one ${op} operator`,
    subgraphCount: 1,
    tensors: [tensor(0, 'image'), tensor(1, 'result')],
    operators: [{ index: 0, opcode: op, customCode: '', version: 1, inputs: [0], outputs: [1], optionsType: 0, options: {} as DecodedOptions }],
    inputs: [0],
    outputs: [1],
    buffers: [new Uint8Array(0)],
    operatorCodes: [op],
  }, { float: false });
}

let h5No = 0;

/** VGG16's output width of conv layer `blockB_convK`. */
const vggWidth = (name: string) => [64, 128, 256, 512, 512][Number(name[5]) - 1];

/**
 * Keras 2 `save_weights`-style HDF5 holding VGG16 conv layers `layers` only (3×3 kernels with
 * VGG16's widths, seeded values), with the `layer_names` and `weight_names` attributes Keras writes.
 */
export async function kerasH5(layers: readonly string[]): Promise<Buffer> {
  const { FS } = await h5wasm.ready;
  const path = `/reliability-${process.pid}-${++h5No}.h5`;
  const f = new h5wasm.File(path, 'w');
  f.create_attribute('layer_names', [...layers]);
  f.create_attribute('backend', 'tensorflow');
  f.create_attribute('keras_version', '2.2.4');
  let cin = 3;
  layers.forEach((name, i) => {
    const cout = vggWidth(name);
    const g = f.create_group(name);
    g.create_attribute('weight_names', [`${name}/kernel:0`, `${name}/bias:0`]);
    const inner = g.create_group(name);
    inner.create_dataset({ name: 'kernel:0', data: seeded(9 * cin * cout, 100 + i), shape: [3, 3, cin, cout] });
    inner.create_dataset({ name: 'bias:0', data: seeded(cout, 200 + i), shape: [cout] });
    cin = cout;
  });
  f.close();
  const bytes = FS.readFile(path);
  FS.unlink(path);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
