/**
 * The style augmenter end to end with the real Magenta files and the shipped statistics, on four
 * PACS photos resized to 128×128 (tfjs wasm backend when it starts, else cpu).
 */
import { useWasmOrCpu } from '../../../core/backend/testBackend';
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeImageNode } from '../../../core/data/nodeDecode';
import { StyleNetwork } from '../tflite/styleNetwork';
import { HAVE_MODELS, MODEL_DIR, readModel, SKIP_REASON } from '../tflite/testFiles';
import { StyleAugmenter } from './augmenter';
import { loadDefaultStyleStats } from './defaults';
import { decodedToTensor } from './preprocess';
import type { EmbeddingStats } from './stats';

const PHOTOS = resolve(MODEL_DIR, '../../data/pacs-subset/photo');
const FILES = ['dog/056_0001.jpg', 'house/pic_001.jpg', 'giraffe/084_0001.jpg', 'guitar/063_0001.jpg'].map((f) => resolve(PHOTOS, f));
const HAVE_ALL = HAVE_MODELS && FILES.every((f) => existsSync(f));
const REASON = HAVE_MODELS ? `PACS photos not found under ${PHOTOS}` : SKIP_REASON;
if (!HAVE_ALL) console.warn(`Skipping the style augmenter tests. ${REASON}`);

const SIZE = 128;

async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const v = (await d.data())[0];
  d.dispose();
  return v;
}

/** Mean |a − b| per image of two [N,H,W,3] batches. */
async function perImageMae(a: tf.Tensor4D, b: tf.Tensor4D): Promise<number[]> {
  const d = tf.tidy(() => tf.mean(tf.abs(tf.sub(a, b)), [1, 2, 3]));
  const v = Array.from(await d.data());
  d.dispose();
  return v;
}

describe.skipIf(!HAVE_ALL)('StyleAugmenter with the real Magenta networks (needs ../shared/models and ../shared/data/pacs-subset)', () => {
  let net: StyleNetwork;
  let stats: EmbeddingStats;
  let batch: tf.Tensor4D;

  beforeAll(async () => {
    await useWasmOrCpu();
    console.log(`style augmenter tests on tfjs ${tf.getBackend()}`);
    net = StyleNetwork.load({ predictor: readModel('predict_int8.tflite'), transformer: readModel('transfer_int8.tflite') });
    stats = await loadDefaultStyleStats();
    const images = await Promise.all(FILES.map(async (f) => decodedToTensor(await decodeImageNode(new Uint8Array(readFileSync(f)), f))));
    batch = tf.tidy(() => tf.concat(images.map((x) => tf.image.resizeBilinear(x, [SIZE, SIZE], false, true)), 0));
    tf.dispose(images);
  });

  afterAll(() => {
    net?.dispose();
    batch?.dispose();
  });

  /**
   * T(c, P(c)) is not the identity: the network re-renders texture and shifts tones a little. Measured
   * on these four 128×128 photos (wasm and cpu agree): mean |T(c, P(c)) − c| = 0.091–0.113 per image,
   * while one N(μ, Σ) draw at α = 1 gives 0.10–0.45 (mean over four draws 0.17–0.31, i.e. 1.6–3.4×).
   * At 64×64 the α = 0 error is larger (0.11–0.16) and overlaps single α = 1 draws more, so 128 it is.
   */
  it('α = 0 (z = P(c)) leaves the images nearly unchanged; α = 1 changes them much more', async () => {
    const before = tf.memory().numTensors;
    const keep = new StyleAugmenter(net, stats, { ratio: 1, alpha: 0, mode: 'random', seed: 1 });
    const pc = await keep.contentEmbeddings(batch);
    const a0 = await keep.apply(batch, 0);
    // With α = 0 Eq 4.8 is z = P(c) exactly.
    a0.records.forEach((r, i) => expect(r.z).toEqual(Array.from(pc[i])));
    const mae0 = await perImageMae(a0.output, batch);
    const change = new StyleAugmenter(net, stats, { ratio: 1, alpha: 1, mode: 'random', seed: 1 });
    const draws = 4;
    const mae1 = new Array<number>(mae0.length).fill(0);
    for (let b = 0; b < draws; b++) {
      const a1 = await change.apply(batch, b);
      (await perImageMae(a1.output, batch)).forEach((v, i) => (mae1[i] += v / draws));
      expect((await a1.output.data()).every((v) => v >= 0 && v <= 1)).toBe(true);
      a1.output.dispose();
    }
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    console.log(`mean |T(c, z) − c| per image, ${SIZE}×${SIZE}: α = 0 ${mae0.map((v) => v.toFixed(3)).join(' ')} (mean ${mean(mae0).toFixed(3)}); α = 1, mean of ${draws} draws ${mae1.map((v) => v.toFixed(3)).join(' ')} (mean ${mean(mae1).toFixed(3)})`);
    for (let i = 0; i < mae0.length; i++) {
      expect(mae0[i]).toBeLessThan(0.15);
      expect(mae1[i]).toBeGreaterThan(1.25 * mae0[i]);
    }
    expect(mean(mae1)).toBeGreaterThan(1.8 * mean(mae0));
    a0.output.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('replay(records) reproduces apply() exactly; images not chosen pass through untouched', async () => {
    const before = tf.memory().numTensors;
    const aug = new StyleAugmenter(net, stats, { ratio: 0.5, alpha: [0.2, 0.8], mode: 'random', seed: 3 });
    const spy = vi.spyOn(net, 'predictStyle');
    const { output, records } = await aug.apply(batch, 3);
    const stylised = records.filter((r) => r.stylised).map((r) => r.index);
    expect(stylised).toEqual([1, 2]); // seed 3, batch 3: a mix of stylised and untouched images
    // P(c) only for the stylised images (all have α < 1 here).
    expect(spy).toHaveBeenCalledTimes(stylised.length);
    spy.mockRestore();
    expect(output.shape).toEqual(batch.shape);

    const again = aug.replay(batch, records);
    const diff = await maxAbsDiff(again, output);
    console.log(`records ${JSON.stringify(records.map((r) => [r.stylised, +r.alpha.toFixed(3)]))}; replay vs apply max |Δ| = ${diff}`);
    expect(diff).toBe(0);
    const mae = await perImageMae(output, batch);
    records.forEach((r, i) => (r.stylised ? expect(mae[i]).toBeGreaterThan(0.01) : expect(mae[i]).toBe(0)));

    // stylize() with a record's z gives that image's output, bit for bit.
    const i = stylised[0];
    const one = tf.slice(batch, [i, 0, 0, 0], [1, SIZE, SIZE, 3]);
    const st = aug.stylize(one, records[i].z!);
    const fromApply = tf.slice(output, [i, 0, 0, 0], [1, SIZE, SIZE, 3]);
    expect(await maxAbsDiff(st, fromApply)).toBe(0);
    // The same batch index gives the same records and output again.
    const second = await aug.apply(batch, 3);
    expect(second.records).toEqual(records);
    expect(await maxAbsDiff(second.output, output)).toBe(0);
    tf.dispose([output, again, one, st, fromApply, second.output]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('computes no P(c) when every chosen α is 1 or nothing is chosen', async () => {
    const before = tf.memory().numTensors;
    const spy = vi.spyOn(net, 'predictStyle');
    const a = await new StyleAugmenter(net, stats, { ratio: 1, alpha: 1, mode: 'fixed-mean', seed: 2 }).apply(batch, 0);
    // fixed-mean with α = 1: every image gets z = μ.
    expect(a.records.every((r) => r.z!.every((v, k) => v === Math.fround(stats.mean[k])))).toBe(true);
    const none = await new StyleAugmenter(net, stats, { ratio: 0, alpha: 0.5, mode: 'random', seed: 2 }).apply(batch, 0);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    expect(none.output).not.toBe(batch);
    expect(await maxAbsDiff(none.output, batch)).toBe(0);
    tf.dispose([a.output, none.output]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses bad batches, records and statistics with clear errors', () => {
    const aug = new StyleAugmenter(net, stats, { ratio: 1, alpha: 1, mode: 'random', seed: 1 });
    const gray = tf.zeros([1, 16, 16, 1]) as tf.Tensor4D;
    expect(() => aug.replay(gray, [])).toThrow('StyleAugmenter.replay expects a batch [N,H,W,3] in [0,1], got shape [1,16,16,1]');
    expect(() => aug.replay(batch, [])).toThrow('StyleAugmenter.replay: 0 records for a batch of 4');
    expect(() => aug.stylize(batch, [1, 2, 3])).toThrow('StyleAugmenter.stylize: z has 3 values, expected 100');
    expect(() => new StyleAugmenter(net, { ...stats, dim: 3 }, aug.options)).toThrow('Style statistics have dim 3, the style network uses 100');
    gray.dispose();
  });
});
