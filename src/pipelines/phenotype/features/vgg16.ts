/**
 * VGG16's convolutional stack in tfjs with ImageNet weights from the Keras applications HDF5 file
 * (`vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5`), the thesis's feature extractor (§5.2).
 *
 * Each 3×3 'same' conv has NO activation and is followed by a separate ReLU layer
 * (`<conv>_relu`), so the conv layers' outputs are the pre-activation maps the thesis averages.
 * Blocks end in 2×2 max pooling (stride 2, 'valid', as Keras). Only as many layers as the
 * requested ones need are built and read. The input is free-size NHWC (the stack is fully
 * convolutional) and expects caffe preprocessing (see backbones.ts).
 *
 * HDF5 is read with h5wasm. Its ES-module build inlines the WebAssembly and keeps files in an
 * in-memory Emscripten FS in both the browser and Node, so the bytes are written there, opened,
 * and removed again. (Its `h5wasm/node` build mounts the host file system at '/', so writing the
 * bytes would touch the disk; it is not needed for loading from memory.)
 *
 * Two Keras layouts are read, guided by the `layer_names` (root) and `weight_names` (layer group)
 * attributes when present, else by walking the layer group:
 *   Keras 1 / the published file: `block1_conv1/block1_conv1_W_1:0`, `block1_conv1/block1_conv1_b_1:0`
 *   Keras 2 `save_weights`:      `block1_conv1/block1_conv1/kernel:0`, `…/bias:0`
 * Kernels are [3, 3, in, out] (TensorFlow ordering), biases [out].
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset, Group } from 'h5wasm';
import { VGG16_CONV_LAYERS } from './backbones';

export class Vgg16WeightsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Vgg16WeightsError';
  }
}

/** Blocks of VGG16: conv layer names, then the block's pooling layer. */
const BLOCKS: readonly { convs: string[]; pool: string }[] = [1, 2, 3, 4, 5].map((b) => ({
  convs: VGG16_CONV_LAYERS.filter((l) => l.name.startsWith(`block${b}_`)).map((l) => l.name),
  pool: `block${b}_pool`,
}));

/** Every layer of the built stack in order (conv, its ReLU, …, pool), after the input. */
export const VGG16_LAYER_NAMES: readonly string[] = BLOCKS.flatMap((b) => [...b.convs.flatMap((c) => [c, `${c}_relu`]), b.pool]);

const CANONICAL_OUT = new Map(VGG16_CONV_LAYERS.map((l) => [l.name, l.channels]));

export interface ConvWeights {
  /** [3, 3, in, out], TensorFlow ordering, row-major. */
  kernel: Float32Array;
  bias: Float32Array;
  inChannels: number;
  outChannels: number;
}

/** The prefix of VGG16_LAYER_NAMES that computes all of `layers`, and the conv layers in it. */
export function vgg16Plan(layers: readonly string[]): { layers: string[]; convs: string[] } {
  if (layers.length === 0) throw new Vgg16WeightsError('No VGG16 layers requested');
  let last = -1;
  for (const l of layers) {
    const i = VGG16_LAYER_NAMES.indexOf(l);
    if (i < 0) throw new Vgg16WeightsError(`"${l}" is not a VGG16 layer (layers: ${VGG16_LAYER_NAMES.join(', ')})`);
    last = Math.max(last, i);
  }
  const kept = VGG16_LAYER_NAMES.slice(0, last + 1);
  return { layers: kept, convs: kept.filter((n) => CANONICAL_OUT.has(n)) };
}

type H5 = typeof import('h5wasm');
let h5Promise: Promise<H5> | undefined;

/** h5wasm's ES-module build, initialised once. */
async function loadH5wasm(): Promise<H5> {
  h5Promise ??= import('h5wasm').then(async (m) => {
    await m.ready;
    return m;
  });
  return h5Promise;
}

let fileCounter = 0;

/** Open HDF5 bytes with h5wasm (in its in-memory FS), run `fn`, then close and delete the copy. */
export async function withH5File<T>(bytes: ArrayBuffer | Uint8Array, fn: (file: InstanceType<H5['File']>, h5: H5) => T): Promise<T> {
  const h5 = await loadH5wasm();
  const fs = (await h5.ready).FS;
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (u8.byteLength < 8 || !(u8[0] === 0x89 && u8[1] === 0x48 && u8[2] === 0x44 && u8[3] === 0x46)) {
    throw new Vgg16WeightsError('Not an HDF5 file (no \\x89HDF signature at the start)');
  }
  const path = `/vgg16-weights-${++fileCounter}.h5`;
  fs.writeFile(path, u8);
  try {
    const file = new h5.File(path, 'r');
    try {
      return fn(file, h5);
    } finally {
      file.close();
    }
  } finally {
    fs.unlink(path);
  }
}

function stringList(v: unknown): string[] | null {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
  if (v instanceof Uint8Array) return [new TextDecoder().decode(v)];
  return null;
}

function attrStrings(obj: Group, name: string): string[] | null {
  const a = obj.attrs[name];
  return a ? stringList(a.value) : null;
}

/** All datasets below `g`, as paths relative to it (h5wasm's `paths()` are relative, recursive). */
function datasetsBelow(g: Group, h5: H5): string[] {
  return g.paths().filter((p) => g.get(p) instanceof h5.Dataset);
}

function floatData(d: Dataset, what: string): Float32Array {
  const v = d.value;
  if (v instanceof Float32Array) return v;
  if (v instanceof Float64Array) return Float32Array.from(v);
  throw new Vgg16WeightsError(`${what} is not a float dataset (dtype ${JSON.stringify(d.dtype)})`);
}

const isKernelName = (n: string) => /(^|\/)kernel(:\d+)?$|_W(_\d+)?(:\d+)?$/.test(n);
const isBiasName = (n: string) => /(^|\/)bias(:\d+)?$|_b(_\d+)?(:\d+)?$/.test(n);

export interface ReadVgg16Options {
  /**
   * 'vgg16' (default): every kernel must have VGG16's widths ([3, 3, 3, 64] for block1_conv1, …).
   * 'any': any widths, as long as each layer's input matches the previous layer's output.
   */
  widths?: 'vgg16' | 'any';
}

/** Kernel and bias of each conv layer in `convs` (in network order), checked for shape and chaining. */
export async function readVgg16Weights(bytes: ArrayBuffer | Uint8Array, convs: readonly string[], opts: ReadVgg16Options = {}): Promise<Map<string, ConvWeights>> {
  const strict = (opts.widths ?? 'vgg16') === 'vgg16';
  return withH5File(bytes, (file, h5) => {
    const layerNames = attrStrings(file, 'layer_names');
    const out = new Map<string, ConvWeights>();
    let inChannels = 3;
    for (const name of convs) {
      if (layerNames && !layerNames.includes(name)) {
        throw new Vgg16WeightsError(`Layer "${name}" is not in the weights file (layer_names: ${layerNames.join(', ')})`);
      }
      const g = file.get(name);
      if (!(g instanceof h5.Group)) {
        throw new Vgg16WeightsError(`Layer group "${name}" is missing from the weights file (top-level entries: ${file.keys().join(', ')})`);
      }
      const names = attrStrings(g, 'weight_names') ?? datasetsBelow(g, h5);
      const datasets = names.map((n) => {
        const d = g.get(n);
        if (!(d instanceof h5.Dataset)) throw new Vgg16WeightsError(`Layer "${name}": dataset "${name}/${n}" listed in weight_names is missing`);
        return { n, d, shape: d.shape ?? [] };
      });
      const pick = (rank: number, test: (n: string) => boolean, what: string) => {
        const found = datasets.filter((x) => test(x.n)).concat(datasets.filter((x) => !test(x.n) && x.shape.length === rank));
        if (found.length === 0) {
          throw new Vgg16WeightsError(`Layer "${name}" has no ${what} dataset (found: ${datasets.map((x) => `${x.n} ${JSON.stringify(x.shape)}`).join(', ') || 'none'})`);
        }
        return found[0];
      };
      const k = pick(4, isKernelName, 'kernel');
      const b = pick(1, isBiasName, 'bias');
      const outChannels = strict ? (CANONICAL_OUT.get(name) as number) : k.shape[3];
      const want = [3, 3, inChannels, outChannels];
      if (k.shape.length !== 4 || !want.every((v, i) => k.shape[i] === v)) {
        throw new Vgg16WeightsError(`Layer "${name}": kernel "${k.n}" has shape ${JSON.stringify(k.shape)}, expected ${JSON.stringify(want)} ([3, 3, in, out], TensorFlow ordering)`);
      }
      if (b.shape.length !== 1 || b.shape[0] !== outChannels) {
        throw new Vgg16WeightsError(`Layer "${name}": bias "${b.n}" has shape ${JSON.stringify(b.shape)}, expected [${outChannels}]`);
      }
      out.set(name, { kernel: floatData(k.d, `${name}/${k.n}`), bias: floatData(b.d, `${name}/${b.n}`), inChannels, outChannels });
      inChannels = outChannels;
    }
    return out;
  });
}

export interface BuildVgg16Options {
  /** Input batch shape; default [null, null, null, 3] (any size). */
  inputShape?: [number | null, number | null, number | null, 3];
}

/**
 * The VGG16 stack up to the deepest of `layers`, with `weights` for every conv in it. Conv outputs
 * (`blockB_convK`) are pre-activation; `blockB_convK_relu` and `blockB_pool` follow.
 */
export function buildVgg16(weights: ReadonlyMap<string, ConvWeights>, layers: readonly string[], opts: BuildVgg16Options = {}): tf.LayersModel {
  const plan = vgg16Plan(layers);
  const input = tf.input({ batchShape: opts.inputShape ?? [null, null, null, 3], name: 'input_1' });
  let x = input;
  const convLayers: [tf.layers.Layer, ConvWeights][] = [];
  for (const name of plan.layers) {
    if (name.endsWith('_pool')) {
      x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'valid', name }).apply(x) as tf.SymbolicTensor;
    } else if (name.endsWith('_relu')) {
      x = tf.layers.reLU({ name }).apply(x) as tf.SymbolicTensor;
    } else {
      const w = weights.get(name);
      if (!w) throw new Vgg16WeightsError(`No weights for VGG16 layer "${name}"`);
      const conv = tf.layers.conv2d({ filters: w.outChannels, kernelSize: 3, padding: 'same', activation: 'linear', useBias: true, name });
      x = conv.apply(x) as tf.SymbolicTensor;
      convLayers.push([conv, w]);
    }
  }
  const model = tf.model({ inputs: input, outputs: x, name: 'vgg16' });
  for (const [layer, w] of convLayers) {
    const t = [tf.tensor4d(w.kernel, [3, 3, w.inChannels, w.outChannels]), tf.tensor1d(w.bias)];
    try {
      layer.setWeights(t);
    } finally {
      tf.dispose(t);
    }
  }
  return model;
}

/** Read the HDF5 weights and build the stack needed for `layers` (see buildVgg16). */
export async function loadVgg16FromH5(bytes: ArrayBuffer | Uint8Array, layers: readonly string[], opts: ReadVgg16Options & BuildVgg16Options = {}): Promise<tf.LayersModel> {
  const weights = await readVgg16Weights(bytes, vgg16Plan(layers).convs, opts);
  return buildVgg16(weights, layers, opts);
}
