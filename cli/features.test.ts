import * as tf from '@tensorflow/tfjs';
import { encode as encodePng } from 'fast-png';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeKeepingDepth } from '../src/core/data/decode';
import { decodeImageNode } from '../src/core/data/nodeDecode';
import { writeTiff } from '../src/core/data/testdata/writeTiff';
import { Rng } from '../src/core/rng/rng';
import { preprocessImage } from '../src/pipelines/phenotype/features/preprocess';
import { parseProfiles } from '../src/pipelines/phenotype/metadata/profiles';
import { parseShard, shardOf } from './features';
import { cvwb, scratch, writeTinyBackbone } from './testIo';

const tmp = scratch('features');
afterAll(tmp.cleanup);
const images = join(tmp.dir, 'plate');
const modelDir = join(tmp.dir, 'model');
const sharedModels = join(process.cwd(), '..', 'shared', 'models');

/** Reference features of one decoded file: percentile-normalised RGB → conv_a and conv_b spatial means. */
async function referenceFeatures(file: string): Promise<number[]> {
  const json = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8'));
  const weights = new Uint8Array(readFileSync(join(modelDir, 'group1-shard1of1'))).buffer;
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: weights }));
  const pre = preprocessImage(await decodeKeepingDepth(new Uint8Array(readFileSync(file)), file, decodeImageNode));
  const x = tf.tensor4d(pre.data, [1, pre.height, pre.width, 3]);
  const ya = model.getLayer('conv_a').apply(x) as tf.Tensor4D;
  const yb = model.getLayer('conv_b').apply(tf.relu(ya)) as tf.Tensor4D;
  const out = [...(await ya.mean([0, 1, 2]).data()), ...(await yb.mean([0, 1, 2]).data())];
  tf.dispose([x, ya, yb]);
  model.dispose();
  return out;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  await writeTinyBackbone(modelDir);
  const rng = new Rng(3);
  mkdirSync(join(images, 'sub'), { recursive: true });
  const rgb = (w: number, h: number) => encodePng({ width: w, height: h, channels: 3, depth: 8, data: Uint8Array.from({ length: w * h * 3 }, () => rng.int(0, 255)) });
  writeFileSync(join(images, 'DEMO1_B03_s1.png'), rgb(20, 16));
  writeFileSync(join(images, 'DEMO1_B03_s2.png'), rgb(20, 16));
  writeFileSync(join(images, 'DEMO1_C05_s1.png'), encodePng({ width: 12, height: 12, channels: 1, depth: 8, data: Uint8Array.from({ length: 144 }, () => rng.int(0, 255)) }));
  writeFileSync(join(images, 'sub', 'DEMO2_D07_s1.tif'), writeTiff([{ width: 12, height: 10, samplesPerPixel: 2, data: Uint16Array.from({ length: 240 }, () => rng.int(0, 65535)) }]));
  writeFileSync(join(images, 'DEMO1_E01_s1.png'), rgb(8, 8).slice(0, 40)); // truncated
  writeFileSync(join(images, 'notes.txt'), 'not an image');
});

const custom = ['--backbone', 'custom', '--model-dir', modelDir, '--layers', 'conv_a,conv_b'];

describe('cvwb features', () => {
  it('writes a profile CSV the Phenotypes panel imports: file names, plate metadata, features; a bad file is listed and skipped', async () => {
    const out = join(tmp.dir, 'features.csv');
    const r = await cvwb('features', '--in', images, '--out', out, ...custom, '--backend', 'cpu', '--seed', '4');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/backend: cpu/);
    expect(r.stderr).toMatch(/DEMO1_E01_s1\.png: .*PNG could not be decoded/);
    expect(r.stderr).toMatch(/features: 5\/5 \(100\.0%\), [\d.]+ images\/s, done in/);
    const summary = r.json<{ rows: number; features: number; failures: { path: string }[]; seed: number; fileNamePattern: string }>();
    expect(summary).toMatchObject({ rows: 4, features: 7, seed: 4, fileNamePattern: 'demo' });
    expect(summary.failures.map((f) => f.path)).toEqual(['DEMO1_E01_s1.png']);
    expect(JSON.parse(readFileSync(join(tmp.dir, 'features.json'), 'utf8'))).toMatchObject({ rows: 4, backend: 'cpu' });

    const p = parseProfiles(readFileSync(out, 'utf8'));
    expect(p.features.n).toBe(4);
    expect(p.featureNames).toEqual(['conv_a_0', 'conv_a_1', 'conv_a_2', 'conv_a_3', 'conv_b_0', 'conv_b_1', 'conv_b_2']);
    expect(p.metadata.map((m) => [m.File, m.plate, m.well, m.site])).toEqual([
      ['DEMO1_B03_s1.png', 'DEMO1', 'B03', '1'],
      ['DEMO1_B03_s2.png', 'DEMO1', 'B03', '2'],
      ['DEMO1_C05_s1.png', 'DEMO1', 'C05', '1'],
      ['sub/DEMO2_D07_s1.tif', 'DEMO2', 'D07', '1'],
    ]);
    // Values: the gray PNG and the 16-bit 2-channel TIFF against an independent computation.
    for (const [row, file] of [[2, 'DEMO1_C05_s1.png'], [3, 'sub/DEMO2_D07_s1.tif']] as const) {
      const expected = await referenceFeatures(join(images, file));
      const got = Array.from(p.features.data.slice(row * 7, row * 7 + 7));
      for (let j = 0; j < 7; j++) expect(got[j], `${file} feature ${j}`).toBeCloseTo(expected[j], 5);
    }
  });

  it('splits the sorted file list into contiguous shards that merge back into the whole table', async () => {
    expect(shardOf([1, 2, 3, 4, 5], parseShard('0/2'))).toEqual([1, 2]);
    expect(shardOf([1, 2, 3, 4, 5], parseShard('1/2'))).toEqual([3, 4, 5]);
    expect(() => parseShard('2/2')).toThrow(/0 ≤ K < N/);
    const shards = join(tmp.dir, 'shards');
    for (const k of [0, 1]) {
      const r = await cvwb('features', '--in', images, '--out', join(shards, `part-${k}.csv`), ...custom, '--backend', 'cpu', '--shard', `${k}/2`);
      expect(r.code, r.stderr).toBe(0);
    }
    const merged = join(tmp.dir, 'merged.csv');
    const m = await cvwb('merge', '--in', shards, '--out', merged);
    expect(m.code, m.stderr).toBe(0);
    expect(m.json()).toMatchObject({ rows: 4, files: [join(shards, 'part-0.csv'), join(shards, 'part-1.csv')] });
    const whole = parseProfiles(readFileSync(join(tmp.dir, 'features.csv'), 'utf8'));
    const parts = parseProfiles(readFileSync(merged, 'utf8'));
    expect(parts.metadata).toEqual(whole.metadata);
    expect(Array.from(parts.features.data)).toEqual(Array.from(whole.features.data));
    // Shards of different backbones do not merge.
    writeFileSync(join(shards, 'part-2.csv'), 'Metadata_File,other_0\r\nx.png,1\r\ny.png,2\r\n');
    const bad = await cvwb('merge', '--in', shards, '--out', join(tmp.dir, 'bad.csv'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/part-2\.csv: its feature columns differ/);
    expect(existsSync(join(tmp.dir, 'bad.csv'))).toBe(false);
  });

  it('names what is wrong: a missing layer (exit 1), missing options and folders (exit 2), no images (exit 1)', async () => {
    const out = join(tmp.dir, 'x.csv');
    const layer = await cvwb('features', '--in', images, '--out', out, '--backbone', 'custom', '--model-dir', modelDir, '--layers', 'conv_a,nope', '--backend', 'cpu');
    expect(layer.code).toBe(1);
    expect(layer.stderr).toMatch(/Layer "nope" is not in the model/);
    expect(existsSync(out)).toBe(false);
    const noLayers = await cvwb('features', '--in', images, '--out', out, '--backbone', 'custom', '--model-dir', modelDir);
    expect(noLayers.code).toBe(2);
    expect(noLayers.stderr).toMatch(/needs --layers/);
    const noDir = await cvwb('features', '--in', join(tmp.dir, 'absent'), '--out', out);
    expect(noDir.code).toBe(2);
    const empty = join(tmp.dir, 'empty');
    mkdirSync(empty, { recursive: true });
    writeFileSync(join(empty, 'readme.txt'), 'x');
    const none = await cvwb('features', '--in', empty, '--out', out, ...custom, '--backend', 'cpu');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no image files/);
  });

  it.skipIf(!process.env.VK_ICD_FILENAMES)('on --backend webgpu (Dawn; SwiftShader here) gives the cpu backend’s features — skipped without a Vulkan driver', async () => {
    const gpu = join(tmp.dir, 'webgpu.csv');
    const r = await cvwb('features', '--in', images, '--out', gpu, ...custom, '--backend', 'webgpu', '--pattern', 'none');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^backend: webgpu on /m);
    expect(r.json()).toMatchObject({ backend: 'webgpu', rows: 4 });
    const onGpu = parseProfiles(readFileSync(gpu, 'utf8')).features.data;
    const onCpu = parseProfiles(readFileSync(join(tmp.dir, 'features.csv'), 'utf8')).features.data;
    expect(onGpu.length).toBe(onCpu.length);
    for (let k = 0; k < onCpu.length; k++) expect(onGpu[k]).toBeCloseTo(onCpu[k], 3);
  });

  it.skipIf(!existsSync(join(sharedModels, 'mobilenet_v1_1.0_224', 'model.json')))(
    'extracts MobileNet v1 features from ../shared/models (sha256-checked) on wasm — skipped when ../shared/models is absent',
    async () => {
      const out = join(tmp.dir, 'mobilenet.csv');
      const r = await cvwb('features', '--in', images, '--out', out, '--model-dir', sharedModels, '--backend', 'wasm', '--batch-size', '2');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/backend: wasm/);
      const p = parseProfiles(readFileSync(out, 'utf8'));
      expect(p.features.n).toBe(4);
      expect(p.featureNames[0]).toBe('conv_pw_3_bn_0');
      expect(r.json()).toMatchObject({ features: 896, backbone: 'mobilenet-v1' });
      // A model file that fails its sha256 is refused by the loader, not used.
      const broken = join(tmp.dir, 'broken-models', 'mobilenet_v1_1.0_224');
      mkdirSync(broken, { recursive: true });
      writeFileSync(join(broken, 'model.json'), readFileSync(join(sharedModels, 'mobilenet_v1_1.0_224', 'model.json'), 'utf8').replace('conv1', 'conv1'.toUpperCase()));
      const bad = await cvwb('features', '--in', images, '--out', join(tmp.dir, 'never.csv'), '--model-dir', broken, '--backend', 'cpu');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/sha256 mismatch for "model\.json"/);
    },
  );
});
