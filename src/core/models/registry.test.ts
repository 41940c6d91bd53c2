import { describe, expect, it } from 'vitest';
import registryJson from '../../../models/registry.json';
import { getModel, getRegistry, RegistryError, validateRegistry } from './registry';

const clone = () => structuredClone(registryJson) as unknown as { models: Record<string, unknown>[] } & Record<string, unknown>;

function problems(json: unknown): string[] {
  try {
    validateRegistry(json);
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(RegistryError);
    return (e as RegistryError).problems;
  }
}

describe('bundled registry', () => {
  it('validates and holds the seeded models', () => {
    expect(getRegistry().models.map((m) => `${m.id}:${m.format}:${m.files.length}`)).toEqual([
      'magenta-style-predict-int8:tflite:1',
      'magenta-style-transfer-int8:tflite:1',
      'magenta-style-transfer-fp16:tflite:1',
      'mobilenet-v1-1.0-224:tfjs-layers:56',
      'tiny-darknet:tfjs-layers:32',
      'vgg16-notop-keras:keras-h5:1',
    ]);
  });

  it('records the known hashes, and null with a note where unknown', () => {
    expect(getModel('magenta-style-predict-int8').files[0]).toMatchObject({
      name: 'predict_int8.tflite', bytes: 2_828_838, sha256: 'af6ad4b2e7aeba0675f32636082ab915ced5375229a3f8aff7e714c6213f5ed2',
    });
    const shard = getModel('mobilenet-v1-1.0-224').files.find((f) => f.name === 'group37-shard1of1');
    expect(shard).toMatchObject({ bytes: 4_194_304, sha256: null, urls: ['https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_1.0_224/group37-shard1of1'] });
    expect(shard?.note).toMatch(/not present/);
    const vgg = getModel('vgg16-notop-keras').files[0];
    expect(vgg).toMatchObject({ bytes: 58_889_256, sha256: null, md5: '6d6bbae143d832006294945121d1f1fc' });
    expect(getModel('tiny-darknet').files.reduce((s, f) => s + f.bytes, 0)).toBe(4_219_188);
  });

  it('getModel names the known ids when an id is unknown', () => {
    expect(() => getModel('resnet')).toThrow(/^Unknown model "resnet"\. Known models: magenta-style-predict-int8, /);
  });
});

describe('validateRegistry', () => {
  it('rejects non-objects and wrong versions', () => {
    expect(problems(null)).toEqual(['registry: must be a JSON object']);
    expect(problems({ version: 2, models: [] })).toEqual(['version: expected 1, got 2']);
  });

  it('lists every problem with its location', () => {
    const r = clone();
    const tiny = r.models[4] as { files: Record<string, unknown>[]; localPath: string };
    tiny.files[1].sha256 = 'ABC';
    tiny.files[2].sha256 = null;
    tiny.files[3].name = '../evil';
    tiny.files[4].urls = ['http://insecure.test/x'];
    tiny.localPath = '../outside';
    (r.models[5] as { id: string }).id = 'tiny-darknet';
    expect(problems(r)).toEqual([
      'models[4] (tiny-darknet).localPath: must be a relative path of plain segments (no \'..\', no leading \'/\')',
      'models[4] (tiny-darknet).files[1].sha256: must be 64 lower-case hex digits or null',
      'models[4] (tiny-darknet).files[2].note: required when sha256 is null (say why the hash is unknown)',
      'models[4] (tiny-darknet).files[3].name: must be a plain file name ([A-Za-z0-9._-])',
      'models[4] (tiny-darknet).files[4].urls: must be an array of https URLs',
      'models: duplicate id "tiny-darknet"',
    ]);
  });

  it('checks formats, tasks, inputs and layers models\' model.json', () => {
    const r = clone();
    Object.assign(r.models[0], { format: 'onnx', task: 'segmentation', inputs: [{ shape: [1, -3], range: [1, 0] }] });
    (r.models[3] as { files: unknown[] }).files.splice(0, 1);
    expect(problems(r)).toEqual([
      'models[0] (magenta-style-predict-int8).format: must be one of tflite, tfjs-layers, keras-h5',
      'models[0] (magenta-style-predict-int8).task: must be one of classification, feature-extraction, style-prediction, style-transfer',
      'models[0] (magenta-style-predict-int8).inputs[0].shape: must be an array of positive integers or null',
      'models[0] (magenta-style-predict-int8).inputs[0].range: must be [min, max] with min < max',
      'models[3] (mobilenet-v1-1.0-224).files: a tfjs-layers model needs a model.json',
    ]);
  });
});
