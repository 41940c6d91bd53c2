import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { augmentPipeline, traditionalAugmentSpec } from '../augment';
import { loadDefaultStyleStats, StyleAugmenter } from '../randomize';
import { StyleNetwork } from '../tflite/styleNetwork';
import { HAVE_MODELS, readModel, SKIP_REASON } from '../tflite/testFiles';
import { knownStats } from '../randomize/testStats';
import { armAugmenters, augmentForArm, colorJitterSpec, type StyleSource } from './arms';
import { batchArray } from './data';
import { buildStylePool, contentEmbeddings, onlineStyleSource, poolChoices, poolStyleSource } from './style';
import { concatSets, fakeStyleNetwork, shapeSet } from './testing';
import { runSeeds } from './train';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SIZE = 16;
const train = concatSets(shapeSet(24, SIZE, 1, 'plain'), shapeSet(24, SIZE, 2, 'inverted'));
const batchOf = (indices: number[]) => tf.tensor4d(batchArray(train, indices), [indices.length, SIZE, SIZE, 3]);
const stats = knownStats(100, 4);

async function values(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

describe('arm wiring', () => {
  const indices = [0, 1, 2, 3, 30, 31, 32, 33];
  const seeds = runSeeds(11);
  /** A style source that marks which batches it saw and returns 1 − x. */
  function invertingStyle(): StyleSource & { calls: number } {
    const s = {
      mode: 'online' as const,
      calls: 0,
      async apply(x: tf.Tensor4D) {
        s.calls++;
        return { output: tf.tidy(() => tf.sub(1, x)) as tf.Tensor4D, stylised: new Array<boolean>(x.shape[0]).fill(true) };
      },
    };
    return s;
  }

  it('none: an untouched copy, no augmenter runs', async () => {
    const x = batchOf(indices);
    const style = invertingStyle();
    const r = await augmentForArm('none', x, indices, 0, armAugmenters(seeds.trad, seeds.color, style));
    expect(r.output).not.toBe(x);
    expect(await values(r.output)).toEqual(await values(x));
    expect(r.stages).toEqual([]);
    expect(style.calls).toBe(0);
    tf.dispose([x, r.output]);
  });

  it('trad: exactly augmentPipeline(traditionalAugmentSpec(), seed) at the step index; some images change', async () => {
    const x = batchOf(indices);
    const r = await augmentForArm('trad', x, indices, 7, armAugmenters(seeds.trad, seeds.color, null));
    const ref = augmentPipeline(traditionalAugmentSpec(), seeds.trad).apply(x, 7).output;
    expect(await values(r.output)).toEqual(await values(ref));
    expect(await values(r.output)).not.toEqual(await values(x));
    tf.dispose([x, r.output, ref]);
  });

  it('color: only the colorJitter transform of the traditional spec, with its parameters', async () => {
    const spec = colorJitterSpec();
    const tradJitter = traditionalAugmentSpec().transforms.find((t) => t.op === 'colorJitter');
    expect(spec.transforms).toEqual([tradJitter]);
    const x = batchOf(indices);
    const r = await augmentForArm('color', x, indices, 3, armAugmenters(seeds.trad, seeds.color, null));
    const pipeline = augmentPipeline(spec, seeds.color);
    const record = pipeline.sample(x.shape, 3);
    expect(await values(r.output)).toEqual(await values(pipeline.replay(x, record)));
    // Images the jitter did not fire on are bit-identical; the others changed colour only.
    const out = await values(r.output), inp = await values(x);
    const per = SIZE * SIZE * 3;
    record.images.forEach((applied, i) => {
      const same = out.slice(i * per, (i + 1) * per).every((v, k) => v === inp[i * per + k]);
      expect(same).toBe(applied.length === 0);
    });
    expect(record.images.some((a) => a.length > 0)).toBe(true);
    tf.dispose([x, r.output]);
  });

  it('style: the style source only; both: style, then trad on its output', async () => {
    const x = batchOf(indices);
    const style = invertingStyle();
    const aug = armAugmenters(seeds.trad, seeds.color, style);
    const s = await augmentForArm('style', x, indices, 2, aug);
    expect(await values(s.output)).toEqual((await values(x)).map((v) => Math.fround(1 - v)));
    expect(s.stages).toEqual(['style']);
    const b = await augmentForArm('both', x, indices, 2, aug);
    const inverted = tf.tidy(() => tf.sub(1, x)) as tf.Tensor4D;
    const ref = augmentPipeline(traditionalAugmentSpec(), seeds.trad).apply(inverted, 2).output;
    expect(await values(b.output)).toEqual(await values(ref));
    expect(b.stages).toEqual(['style', 'trad']);
    expect(style.calls).toBe(2);
    await expect(augmentForArm('style', x, indices, 2, armAugmenters(1, 2, null))).rejects.toThrow('needs the style network');
    tf.dispose([x, s.output, b.output, inverted, ref]);
  });
});

describe('style sources', () => {
  const indices = [0, 1, 2, 3, 40, 41];

  it('online, ratio 1: every image differs from its input; ratio 0: untouched; equals StyleAugmenter.apply', async () => {
    const net = fakeStyleNetwork();
    const augmenter = new StyleAugmenter(net, stats, { ratio: 1, alpha: 0.5, mode: 'random', seed: 9 }, { predictorSize: 16 });
    const emb = await contentEmbeddings(augmenter, train, 40);
    expect(emb).toHaveLength(train.labels.length);
    const x = batchOf(indices);
    const all = await onlineStyleSource(augmenter, stats, emb, { ratio: 1, alpha: 0.5, seed: 9 }).apply(x, indices, 4);
    expect(all.stylised).toEqual(indices.map(() => true));
    const out = await values(all.output), inp = await values(x);
    const per = SIZE * SIZE * 3;
    for (let i = 0; i < indices.length; i++) expect(out.slice(i * per, (i + 1) * per)).not.toEqual(inp.slice(i * per, (i + 1) * per));
    // Same records as the augmenter computing P(c) itself on this batch.
    const direct = await augmenter.apply(x, 4);
    expect(await values(direct.output)).toEqual(out);
    const none = await onlineStyleSource(augmenter, stats, emb, { ratio: 0, alpha: 0.5, seed: 9 }).apply(x, indices, 4);
    expect(await values(none.output)).toEqual(inp);
    tf.dispose([x, all.output, direct.output, none.output]);
  });

  it('pool: variants built once; each batch takes a variant where poolChoices says so, the original elsewhere', async () => {
    const net = fakeStyleNetwork();
    const augmenter = new StyleAugmenter(net, stats, { ratio: 1, alpha: 1, mode: 'random', seed: 0 }, { predictorSize: 16 });
    const emb = await contentEmbeddings(augmenter, train, 40);
    const before = net.transfers;
    const pool = await buildStylePool(augmenter, stats, train, emb, { size: 2, alpha: 1, seed: 5, chunk: 10 });
    expect(net.transfers - before).toBe(2 * train.labels.length);
    expect(pool).toHaveLength(2);
    expect(pool[0][7]).not.toEqual(pool[1][7]);
    expect(pool[0][7]).not.toEqual(train.pixels[7]);

    const choice = poolChoices(8, 3, indices.length, 0.5, 2);
    expect(Array.from(choice)).toEqual(Array.from(poolChoices(8, 3, indices.length, 0.5, 2)));
    expect(Array.from(poolChoices(8, 3, 50, 0, 2)).every((c) => c === -1)).toBe(true);
    expect(Array.from(poolChoices(8, 3, 50, 1, 2)).every((c) => c === 0 || c === 1)).toBe(true);
    const mixed = Array.from(poolChoices(8, 3, 200, 0.5, 2));
    const stylised = mixed.filter((c) => c >= 0).length;
    expect(stylised).toBeGreaterThan(70);
    expect(stylised).toBeLessThan(130);

    const x = batchOf(indices);
    const r = await poolStyleSource(train, pool, 0.5, 8).apply(x, indices, 3);
    expect(r.stylised).toEqual(Array.from(choice, (c) => c >= 0));
    const out = await values(r.output);
    const per = SIZE * SIZE * 3;
    indices.forEach((img, b) => {
      const src = choice[b] >= 0 ? pool[choice[b]][img] : train.pixels[img];
      expect(out.slice(b * per, (b + 1) * per)).toEqual(Array.from(src, (v) => Math.fround(v / 255)));
    });
    tf.dispose([x, r.output]);
  });
});

describe.skipIf(!HAVE_MODELS)(`with the real Magenta networks and the shipped statistics (${HAVE_MODELS ? 'found' : SKIP_REASON})`, () => {
  it('online source, ratio 1: every image is restyled; identical to StyleAugmenter.apply on the batch', async () => {
    const net = StyleNetwork.load({ predictor: readModel('predict_int8.tflite'), transformer: readModel('transfer_int8.tflite') });
    const shipped = await loadDefaultStyleStats();
    const small = concatSets(shapeSet(2, 32, 7, 'plain'), shapeSet(1, 32, 8, 'inverted'));
    const augmenter = new StyleAugmenter(net, shipped, { ratio: 1, alpha: 0.5, mode: 'random', seed: 21 }, { predictorSize: 64 });
    const before = tf.memory().numTensors;
    const emb = await contentEmbeddings(augmenter, small, 8);
    const idx = [0, 1, 2];
    const x = tf.tensor4d(batchArray(small, idx), [3, 32, 32, 3]);
    const r = await onlineStyleSource(augmenter, shipped, emb, { ratio: 1, alpha: 0.5, seed: 21 }).apply(x, idx, 0);
    const d = tf.tidy(() => tf.mean(tf.abs(tf.sub(r.output, x)), [1, 2, 3]));
    const mae = await values(d);
    console.log(`real style network, α 0.5: mean |stylised − input| per image ${mae.map((v) => v.toFixed(3)).join(' ')}`);
    mae.forEach((v) => expect(v).toBeGreaterThan(0.02));
    const direct = await augmenter.apply(x, 0);
    expect(await values(direct.output)).toEqual(await values(r.output));
    tf.dispose([x, r.output, d, direct.output]);
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });
});
