/**
 * ImageNet CNN backbones for phenotypic features (thesis §5.2): which registry model to load, how
 * to turn an RGB image in [0, 1] into that network's input, and which intermediate layers to
 * average. Features are the spatial means of PRE-ACTIVATION maps (conv output, or the batch-norm
 * output where a conv is followed by BN, i.e. just before the ReLU), of three layers at increasing
 * strides, concatenated: fine texture, single cells and small groups of cells.
 *
 * VGG16 and the thesis's layer numbers. The thesis averages "convolutional layers 4, 7 and 9" of
 * VGG16 and reports a 1024-d vector; those two statements disagree: layers 4, 7, 9 are
 * block2_conv2 (128) + block3_conv3 (256) + block4_conv2 (512) = 896 channels. The default set
 * here, 'conv-5-7-9', is block3_conv1 + block3_conv3 + block4_conv2 = 256 + 256 + 512 = 1024,
 * which matches the stated dimension and keeps layers 7 and 9; the literal reading is offered as
 * 'conv-4-7-9' (896-d).
 *
 * MobileNet v1 and Tiny Darknet are the backbones available as tfjs layers models. Their defaults
 * follow the same recipe, one layer at stride 4, 8 and 16, taken at the batch-norm output before
 * the (leaky) ReLU: 128 + 256 + 512 = 896-d for both.
 */
import * as tf from '@tensorflow/tfjs';

export type BackboneId = 'mobilenet-v1' | 'tiny-darknet' | 'vgg16' | 'custom';

/**
 * How an RGB image in [0, 1] becomes the network input:
 * 'unit' = as is; 'symmetric' = x·2 − 1 (MobileNet, Keras 'tf' mode);
 * 'caffe' = RGB·255 → BGR minus the ImageNet mean [103.939, 116.779, 123.68] (VGG16, Keras 'caffe' mode).
 */
export type InputNormalisation = 'unit' | 'symmetric' | 'caffe';

export const INPUT_NORMALISATIONS: readonly InputNormalisation[] = ['unit', 'symmetric', 'caffe'];

/** ImageNet channel means in BGR order, as Keras's caffe-mode preprocess_input subtracts them. */
export const CAFFE_BGR_MEAN: readonly [number, number, number] = [103.939, 116.779, 123.68];

/** Apply a normalisation to an NHWC RGB tensor in [0, 1] (returns a new tensor; call inside tf.tidy). */
export function normaliseInput(x: tf.Tensor4D, mode: InputNormalisation): tf.Tensor4D {
  switch (mode) {
    case 'unit':
      return x.clone();
    case 'symmetric':
      return tf.tidy(() => x.mul(2).sub(1));
    case 'caffe':
      return tf.tidy(() => tf.reverse(x.mul(255), -1).sub(tf.tensor1d([...CAFFE_BGR_MEAN])));
    default:
      throw new Error(`Unknown input normalisation "${String(mode)}" (expected ${INPUT_NORMALISATIONS.join(', ')})`);
  }
}

export interface LayerSet {
  id: string;
  label: string;
  layers: string[];
  /** Channels per layer, in order (their sum is the feature dimension). */
  channels: number[];
  description: string;
}

export interface Backbone {
  id: BackboneId;
  label: string;
  /** Id in models/registry.json; null for a user-supplied model. */
  modelId: string | null;
  normalisation: InputNormalisation;
  /** NHWC RGB in [0, 1] → network input. */
  normalise: (x: tf.Tensor4D) => tf.Tensor4D;
  /** Id of the default entry of `layerSets`. */
  defaultLayerSet: string;
  defaultLayers: string[];
  layerSets: LayerSet[];
  description: string;
}

const set = (id: string, label: string, layers: string[], channels: number[], description: string): LayerSet => ({ id, label, layers, channels, description });

function backbone(b: Omit<Backbone, 'normalise' | 'defaultLayers'>): Backbone {
  const def = b.layerSets.find((s) => s.id === b.defaultLayerSet);
  if (!def) throw new Error(`Backbone ${b.id}: default layer set "${b.defaultLayerSet}" is not defined`);
  return { ...b, normalise: (x) => normaliseInput(x, b.normalisation), defaultLayers: def.layers };
}

export const MOBILENET_V1: Backbone = backbone({
  id: 'mobilenet-v1',
  label: 'MobileNet v1 (1.0, ImageNet)',
  modelId: 'mobilenet-v1-1.0-224',
  normalisation: 'symmetric',
  defaultLayerSet: 'bn-s4-s8-s16',
  layerSets: [
    set('bn-s4-s8-s16', 'Pre-activation, strides 4/8/16 (896-d)', ['conv_pw_3_bn', 'conv_pw_5_bn', 'conv_pw_11_bn'], [128, 256, 512],
      'Batch-norm outputs (before ReLU6) of pointwise convs 3, 5 and 11: the last layer at strides 4, 8 and 16.'),
    set('bn-5-7-11', 'Pre-activation, pointwise 5/7/11 (1280-d)', ['conv_pw_5_bn', 'conv_pw_7_bn', 'conv_pw_11_bn'], [256, 512, 512],
      'Batch-norm outputs of pointwise convs 5, 7 and 11 (the registry\'s feature layers, before ReLU6).'),
    set('relu-5-7-11', 'After ReLU6, pointwise 5/7/11 (1280-d)', ['conv_pw_5_relu', 'conv_pw_7_relu', 'conv_pw_11_relu'], [256, 512, 512],
      'Post-activation variant (clipped to [0, 6]), as the registry lists them.'),
  ],
  description: 'Depthwise-separable ImageNet classifier; fast. Input RGB scaled to [-1, 1].',
});

export const TINY_DARKNET: Backbone = backbone({
  id: 'tiny-darknet',
  label: 'Tiny Darknet (ImageNet)',
  modelId: 'tiny-darknet',
  normalisation: 'unit',
  defaultLayerSet: 'bn-s4-s8-s16',
  layerSets: [
    set('bn-s4-s8-s16', 'Pre-activation, strides 4/8/16 (896-d)', ['batch_normalization_6', 'batch_normalization_10', 'batch_normalization_14'], [128, 256, 512],
      'Batch-norm outputs (before LeakyReLU) of 3×3 convs 6, 10 and 14: the widest layer at strides 4, 8 and 16.'),
    set('leaky-s4-s8-s16', 'After LeakyReLU, strides 4/8/16 (896-d)', ['leaky_re_lu_6', 'leaky_re_lu_10', 'leaky_re_lu_14'], [128, 256, 512],
      'Post-activation variant of the default set.'),
  ],
  description: 'Small VGG-like Darknet classifier (3×3 and 1×1 convs, max pooling). Input RGB in [0, 1].',
});

/** VGG16 conv layers in order: conv layer k (1-based, as the thesis counts) is VGG16_CONV_LAYERS[k − 1]. */
export const VGG16_CONV_LAYERS: readonly { name: string; channels: number }[] = [
  ['block1_conv1', 64], ['block1_conv2', 64],
  ['block2_conv1', 128], ['block2_conv2', 128],
  ['block3_conv1', 256], ['block3_conv2', 256], ['block3_conv3', 256],
  ['block4_conv1', 512], ['block4_conv2', 512], ['block4_conv3', 512],
  ['block5_conv1', 512], ['block5_conv2', 512], ['block5_conv3', 512],
].map(([name, channels]) => ({ name: name as string, channels: channels as number }));

const vggSet = (id: string, label: string, numbers: number[], description: string): LayerSet =>
  set(id, label, numbers.map((k) => VGG16_CONV_LAYERS[k - 1].name), numbers.map((k) => VGG16_CONV_LAYERS[k - 1].channels), description);

export const VGG16: Backbone = backbone({
  id: 'vgg16',
  label: 'VGG16 (ImageNet, Keras weights)',
  modelId: 'vgg16-notop-keras',
  normalisation: 'caffe',
  defaultLayerSet: 'conv-5-7-9',
  layerSets: [
    vggSet('conv-5-7-9', 'Conv layers 5, 7, 9 (1024-d, thesis dimension)', [5, 7, 9],
      'block3_conv1 + block3_conv3 + block4_conv2, pre-ReLU: 256 + 256 + 512 = 1024, the dimension the thesis reports.'),
    vggSet('conv-4-7-9', 'Conv layers 4, 7, 9 (896-d, thesis numbering)', [4, 7, 9],
      'block2_conv2 + block3_conv3 + block4_conv2, pre-ReLU: the layers the thesis names (its Figure 5.2), which give 896 channels.'),
  ],
  description: 'The thesis\'s feature extractor: VGG16 conv stack without the classifier. Caffe preprocessing (BGR, mean subtracted).',
});

export const BACKBONES: readonly Backbone[] = [VGG16, MOBILENET_V1, TINY_DARKNET];

/** A user-supplied tfjs layers model: any 4-D layers, any of the input normalisations. */
export function customBackbone(opts: { layers: string[]; normalisation: InputNormalisation; label?: string; channels?: number[] }): Backbone {
  if (opts.layers.length === 0) throw new Error('A custom backbone needs at least one layer name');
  if (!INPUT_NORMALISATIONS.includes(opts.normalisation)) throw new Error(`Unknown input normalisation "${String(opts.normalisation)}" (expected ${INPUT_NORMALISATIONS.join(', ')})`);
  return backbone({
    id: 'custom',
    label: opts.label ?? 'Custom tfjs layers model',
    modelId: null,
    normalisation: opts.normalisation,
    defaultLayerSet: 'user',
    layerSets: [set('user', 'Chosen layers', [...opts.layers], opts.channels ?? [], 'Layers chosen by the user.')],
    description: 'A tfjs layers model supplied by the user; features are the spatial means of the chosen layers.',
  });
}

/** Built-in backbone by id. */
export function getBackbone(id: Exclude<BackboneId, 'custom'>): Backbone {
  const b = BACKBONES.find((x) => x.id === id);
  if (!b) throw new Error(`Unknown backbone "${id}". Known: ${BACKBONES.map((x) => x.id).join(', ')}, custom`);
  return b;
}

/** Layers of `backbone`'s layer set `setId` (default: its default set). */
export function layersOf(backbone: Backbone, setId?: string): string[] {
  if (setId === undefined) return backbone.defaultLayers;
  const s = backbone.layerSets.find((x) => x.id === setId);
  if (!s) throw new Error(`Backbone ${backbone.id} has no layer set "${setId}" (sets: ${backbone.layerSets.map((x) => x.id).join(', ')})`);
  return s.layers;
}
