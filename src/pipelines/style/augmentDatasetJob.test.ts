import { useWasmOrCpu } from '../../core/backend/testBackend';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImageNode } from '../../core/data/nodeDecode';
import { makeZip, readZip } from '../../core/export/zip';
import { runJob } from '../../core/jobs/protocol';
import { encodePng } from '../detection/testdata/png';
import { executeRecord } from './augment';
import { augmentDataset, augmentedEntryName, outputNames, type StyleAugmentDatasetParams, type StyleAugmentDatasetResult, type StyleAugmentManifest, type StyleAugmentZipPartial } from './augmentDatasetJob';
import { loadDefaultStyleStats, StyleAugmenter, type EmbeddingStats } from './randomize';
import { decodedToRgb, resizeLongest, rgbToRgba8 } from './service/imageRgb';
import { rgbTensor } from './service/styleCore';
import { StyleNetwork } from './tflite';
import { HAVE_MODELS, readModel, SKIP_REASON } from './tflite/testFiles';

describe('zip entry names', () => {
  it('replace the extension by _aug<k>.png and keep the folders', () => {
    expect(augmentedEntryName('dog/a.jpg', 0)).toBe('dog/a_aug0.png');
    expect(augmentedEntryName('dog/a.b.tif', 3)).toBe('dog/a.b_aug3.png');
    expect(augmentedEntryName('x\\y\\noext', 1)).toBe('x/y/noext_aug1.png');
    expect(augmentedEntryName('cls/.hidden', 0)).toBe('cls/.hidden_aug0.png');
    expect(augmentedEntryName('cat/c.PNG', 'orig')).toBe('cat/c_orig.png');
  });

  it('drop the shared root folder but keep the class folder, and stay unique', () => {
    expect(outputNames(['set/dog/a.jpg', 'set/cat/b.png'], 2, false)).toEqual([
      { original: null, copies: ['dog/a_aug0.png', 'dog/a_aug1.png'] },
      { original: null, copies: ['cat/b_aug0.png', 'cat/b_aug1.png'] },
    ]);
    // A single class folder is kept (it is the label).
    expect(outputNames(['dog/a.jpg', 'dog/b.jpg'], 1, true)).toEqual([
      { original: 'dog/a_orig.png', copies: ['dog/a_aug0.png'] },
      { original: 'dog/b_orig.png', copies: ['dog/b_aug0.png'] },
    ]);
    // a.jpg and a.png would both become a_aug0.png: the second is suffixed, as makeZip would.
    const names = outputNames(['dog/a.jpg', 'dog/a.png'], 1, false).flatMap((n) => n.copies);
    expect(names).toEqual(['dog/a_aug0.png', 'dog/a_aug0 (2).png']);
    // makeZip keeps these names exactly, so augmentations.json can refer to them.
    const zip = readZip(makeZip(names.map((name) => ({ name, data: name }))));
    expect(Object.keys(zip).sort()).toEqual([...names].sort());
  });
});

/** A few small content images: RGB, gray, RGBA (transparent corner), 16-bit gray, and two bad files. */
function contentFiles(): { path: string; blob: Blob }[] {
  const rgb = new Uint8Array(40 * 30 * 3);
  for (let y = 0; y < 30; y++) for (let x = 0; x < 40; x++) rgb.set([x * 6, y * 8, 255 - x * 5], (y * 40 + x) * 3);
  const gray = Uint8Array.from({ length: 24 * 24 }, (_, i) => (i * 7) % 256);
  const rgba = new Uint8Array(20 * 28 * 4);
  for (let i = 0; i < 20 * 28; i++) rgba.set([200, (i * 3) % 256, 40, i % 20 < 5 ? 0 : 255], i * 4);
  const g16 = Uint16Array.from({ length: 32 * 16 }, (_, i) => (i * 131) % 65536);
  const png = (img: Parameters<typeof encodePng>[0]) => new Blob([encodePng(img) as Uint8Array<ArrayBuffer>]);
  return [
    { path: 'set/cat/rgb.png', blob: png({ width: 40, height: 30, channels: 3, data: rgb }) },
    { path: 'set/cat/gray.png', blob: png({ width: 24, height: 24, channels: 1, data: gray }) },
    { path: 'set/dog/rgba.png', blob: png({ width: 20, height: 28, channels: 4, data: rgba }) },
    { path: 'set/dog/deep16.png', blob: png({ width: 32, height: 16, channels: 1, data: g16 }) },
    { path: 'set/dog/broken.png', blob: new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3])]) },
    { path: 'set/readme.txt', blob: new Blob(['not an image']) },
  ];
}

describe.skipIf(!HAVE_MODELS)(`style-augment-dataset with the real Magenta networks (skipped without ../shared: ${SKIP_REASON})`, () => {
  let stats: EmbeddingStats;
  let result: StyleAugmentDatasetResult;
  let zip: Record<string, Uint8Array>;
  let manifest: StyleAugmentManifest;
  let net: StyleNetwork;
  let tensorsBefore = 0;
  let tensorsAfterJob = -1;
  const SIZE = 24;

  beforeAll(async () => {
    await useWasmOrCpu();
    stats = await loadDefaultStyleStats();
    tensorsBefore = tf.memory().numTensors;
    const params: StyleAugmentDatasetParams = {
      files: contentFiles(),
      options: { ratio: 0.5, alpha: [0.3, 1], mode: 'random', seed: 11 },
      copies: 3,
      maxSide: SIZE,
      traditional: true,
      stats,
      models: { predictor: readModel('predict_int8.tflite'), transformer: readModel('transfer_fp16.tflite'), transformerId: 'magenta-style-transfer-fp16' },
      name: 'test set',
    };
    let partial: StyleAugmentZipPartial | null = null;
    const t0 = performance.now();
    const outcome = await runJob((p: StyleAugmentDatasetParams, ctx) => augmentDataset(p, ctx, { decode: decodeImageNode }), params, 11, { cancelled: false }, {
      onPartial: (d) => (partial = d as StyleAugmentZipPartial),
    });
    console.log(`augmented 4 images × 3 copies at ${SIZE} px on tfjs ${tf.getBackend()} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    if (outcome.status !== 'done') throw new Error(`job ended ${outcome.status}: ${'message' in outcome ? outcome.message : ''}`);
    result = outcome.result;
    tensorsAfterJob = tf.memory().numTensors;
    zip = readZip(new Uint8Array(await partial!.zip.arrayBuffer()));
    manifest = JSON.parse(new TextDecoder().decode(zip['augmentations.json']));
    net = StyleNetwork.load({ predictor: readModel('predict_int8.tflite'), transformer: readModel('transfer_fp16.tflite') });
  });

  afterAll(() => net?.dispose());

  it('writes every copy of every decodable image under its class folder, and lists the rest', () => {
    expect(result.fileName).toBe('test_set.zip');
    expect(result.images).toBe(4);
    expect(result.outputs).toBe(12);
    const pngs = Object.keys(zip).filter((k) => k.endsWith('.png')).sort();
    expect(pngs).toEqual(['cat/gray', 'cat/rgb', 'dog/deep16', 'dog/rgba'].flatMap((s) => [0, 1, 2].map((k) => `${s}_aug${k}.png`)));
    expect(Object.keys(zip)).toContain('style-stats.json');
    expect(result.problems.map((p) => p.path).sort()).toEqual(['set/dog/broken.png', 'set/readme.txt']);
    expect(manifest.problems).toEqual(result.problems);
    expect(tensorsAfterJob).toBe(tensorsBefore); // the job disposed its networks and every intermediate
  });

  it('records the seed, options, statistics source and every copy’s style and traditional record', () => {
    expect(manifest.seed).toBe(11);
    expect(manifest.options).toEqual({ ratio: 0.5, alpha: [0.3, 1], mode: 'random', seed: 11 });
    expect(manifest.styleStats.source).toBe(stats.source);
    expect(JSON.parse(new TextDecoder().decode(zip['style-stats.json'])).mean).toEqual(stats.mean);
    expect(manifest.images.map((i) => [i.source, i.batchIndex])).toEqual([['set/cat/gray.png', 0], ['set/cat/rgb.png', 1], ['set/dog/deep16.png', 3], ['set/dog/rgba.png', 4]]); // broken.png is index 2
    const all = manifest.images.flatMap((i) => i.outputs);
    expect(all.length).toBe(12);
    expect(result.stylised).toBe(all.filter((o) => o.style.stylised).length);
    expect(result.stylised).toBeGreaterThan(0);
    expect(result.stylised).toBeLessThan(12);
    for (const o of all) {
      expect(o.style.z === null).toBe(!o.style.stylised);
      if (o.style.z) expect(o.style.z.length).toBe(100);
      if (o.style.stylised) expect(o.style.alpha).toBeGreaterThanOrEqual(0.3);
      expect(Array.isArray(o.traditional)).toBe(true);
    }
    expect(manifest.traditional?.seed).toBe(manifest.images[0].traditionalRecord?.seed);
    const rgb = manifest.images[1];
    expect([rgb.width, rgb.height, rgb.originalWidth, rgb.originalHeight]).toEqual([24, 18, 40, 30]);
  });

  it('stops at the next copy when cancelled, leaving no tensors behind', async () => {
    const before = tf.memory().numTensors;
    const token = { cancelled: false };
    const params: StyleAugmentDatasetParams = {
      files: contentFiles(), options: { ratio: 1, alpha: 1, mode: 'random', seed: 2 }, copies: 8, maxSide: 16, traditional: false, stats,
      models: { predictor: readModel('predict_int8.tflite'), transformer: readModel('transfer_int8.tflite') },
    };
    const outcome = await runJob((p: StyleAugmentDatasetParams, ctx) => augmentDataset(p, ctx, { decode: decodeImageNode }), params, 2, token, {
      onProgress: (p) => {
        if (p.message?.startsWith('set/')) token.cancelled = true; // once copies are being written
      },
      onPartial: () => {
        throw new Error('a cancelled job must not deliver its zip');
      },
    });
    expect(outcome.status).toBe('cancelled');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('every written image replays from augmentations.json (to 8-bit rounding)', async () => {
    const files = Object.fromEntries(contentFiles().map((f) => [f.path, f.blob]));
    const aug = new StyleAugmenter(net, stats, manifest.options);
    let checked = 0;
    for (const entry of manifest.images) {
      const decoded = decodedToRgb(await decodeImageNode(new Uint8Array(await files[entry.source].arrayBuffer())));
      const c = rgbTensor(resizeLongest(decoded, manifest.maxSide!));
      for (const o of entry.outputs) {
        const replayed = tf.tidy(() => {
          const styled = aug.replay(c, [{ ...o.style, index: 0 }]);
          const rec = { ...entry.traditionalRecord!, shape: [1, entry.height, entry.width, 3] as [number, number, number, number], images: [o.traditional!] };
          return executeRecord(styled, rec, manifest.traditional!.spec);
        });
        const expected = rgbToRgba8({ width: entry.width, height: entry.height, data: (await replayed.data()) as Float32Array });
        replayed.dispose();
        const written = await decodeImageNode(zip[o.file]);
        let maxDiff = 0;
        for (let p = 0; p < entry.width * entry.height; p++) for (let k = 0; k < 3; k++) maxDiff = Math.max(maxDiff, Math.abs(written.data[p * 3 + k] - expected[p * 4 + k]));
        expect(maxDiff, o.file).toBeLessThanOrEqual(1);
        checked++;
      }
      c.dispose();
    }
    expect(checked).toBe(12);
  });
});
