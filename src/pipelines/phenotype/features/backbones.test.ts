import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { getModel } from '../../../core/models/registry';
import { BACKBONES, MOBILENET_V1, TINY_DARKNET, VGG16, customBackbone, getBackbone, layersOf, normaliseInput } from './backbones';

const modelsDir = resolve(__dirname, '../../../../../shared/models');
const available = existsSync(join(modelsDir, 'mobilenet_v1_1.0_224', 'model.json')) && existsSync(join(modelsDir, 'tiny-darknet', 'model.json'));
if (!available) console.log(`backbones.test: model.json checks skipped, no pretrained models at ${modelsDir}`);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('input normalisation', () => {
  it('unit, symmetric (x·2 − 1) and caffe (RGB·255 → BGR − ImageNet mean)', () => {
    const x = tf.tensor4d([1, 0, 0.5, 0.2, 0.4, 0.6], [1, 1, 2, 3]);
    expect(Array.from(normaliseInput(x, 'unit').dataSync())).toEqual(Array.from(x.dataSync()));
    const s = normaliseInput(x, 'symmetric').dataSync();
    [1, -1, 0, -0.6, -0.2, 0.2].forEach((v, i) => expect(s[i]).toBeCloseTo(v, 6));
    // Pixel 0 (1, 0, 0.5) → BGR (127.5, 0, 255) − (103.939, 116.779, 123.68).
    // Pixel 1 (0.2, 0.4, 0.6) → BGR (153, 102, 51) − mean.
    const c = normaliseInput(x, 'caffe').dataSync();
    [23.561, -116.779, 131.32, 49.061, -14.779, -72.68].forEach((v, i) => expect(c[i]).toBeCloseTo(v, 3));
    expect(() => normaliseInput(x, 'bgr' as never)).toThrow('Unknown input normalisation "bgr"');
  });
});

describe('backbone descriptions', () => {
  it('point at registry models and give the documented default dimensions', () => {
    expect(BACKBONES.map((b) => [b.id, b.modelId, b.normalisation])).toEqual([
      ['vgg16', 'vgg16-notop-keras', 'caffe'], ['mobilenet-v1', 'mobilenet-v1-1.0-224', 'symmetric'], ['tiny-darknet', 'tiny-darknet', 'unit'],
    ]);
    for (const b of BACKBONES) {
      expect(getModel(b.modelId as string).id).toBe(b.modelId);
      for (const s of b.layerSets) expect(s.channels).toHaveLength(s.layers.length);
    }
    const dim = (b: typeof VGG16, set?: string) => (b.layerSets.find((s) => s.id === (set ?? b.defaultLayerSet)) as { channels: number[] }).channels.reduce((a, c) => a + c, 0);
    expect(dim(VGG16)).toBe(1024);
    expect(dim(VGG16, 'conv-4-7-9')).toBe(896);
    expect(layersOf(VGG16)).toEqual(['block3_conv1', 'block3_conv3', 'block4_conv2']);
    expect(layersOf(VGG16, 'conv-4-7-9')).toEqual(['block2_conv2', 'block3_conv3', 'block4_conv2']);
    expect(dim(MOBILENET_V1)).toBe(896);
    expect(dim(TINY_DARKNET)).toBe(896);
    expect(getBackbone('tiny-darknet')).toBe(TINY_DARKNET);
    expect(() => layersOf(VGG16, 'conv-1-2')).toThrow('Backbone vgg16 has no layer set "conv-1-2" (sets: conv-5-7-9, conv-4-7-9)');
  });

  it('custom backbones take any layers and a known normalisation', () => {
    const b = customBackbone({ layers: ['a', 'b'], normalisation: 'symmetric' });
    expect([b.id, b.modelId, b.defaultLayers]).toEqual(['custom', null, ['a', 'b']]);
    expect(Array.from(b.normalise(tf.tensor4d([0.75], [1, 1, 1, 1])).dataSync())).toEqual([0.5]);
    expect(() => customBackbone({ layers: [], normalisation: 'unit' })).toThrow('at least one layer');
    expect(() => customBackbone({ layers: ['a'], normalisation: 'imagenet' as never })).toThrow('Unknown input normalisation "imagenet"');
  });

  it.skipIf(!available)('MobileNet and Tiny Darknet layer sets exist in model.json, with the stated channels and strides 4/8/16', () => {
    type L = { name: string; class_name: string; config: { filters?: number; strides?: number[] } };
    for (const [b, dir] of [[MOBILENET_V1, 'mobilenet_v1_1.0_224'], [TINY_DARKNET, 'tiny-darknet']] as const) {
      const json = JSON.parse(readFileSync(join(modelsDir, dir, 'model.json'), 'utf8'));
      const layers = json.modelTopology.model_config.config.layers as L[];
      // Walk the chain: stride = product of conv/pool strides so far; channels = last conv's filters
      // (depthwise convs keep the channel count).
      let stride = 1;
      let channels = 3;
      const info = new Map<string, { stride: number; channels: number }>();
      for (const l of layers) {
        if (l.config.strides) stride *= l.config.strides[0];
        if (l.class_name === 'Conv2D') channels = l.config.filters as number;
        info.set(l.name, { stride, channels });
      }
      for (const s of b.layerSets) {
        for (const [i, name] of s.layers.entries()) {
          expect(info.get(name)?.channels, `${b.id} ${name}`).toBe(s.channels[i]);
          expect(layers.find((l) => l.name === name)?.class_name).toBe(s.id.startsWith('bn') ? 'BatchNormalization' : s.id.startsWith('relu') ? 'Activation' : 'LeakyReLU');
        }
      }
      expect(b.defaultLayers.map((n) => info.get(n)?.stride)).toEqual([4, 8, 16]);
    }
  });
});
