import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeImageNode } from '../src/core/data/nodeDecode';
import { Rng } from '../src/core/rng/rng';
import { parseAnnotationJson } from '../src/pipelines/detection/annotations';
import { loadAnnotatedFolder } from '../src/pipelines/detection/realImages';
import { generateCellImage, smallSimcepParams } from '../src/pipelines/detection/simcep';
import { folderFiles } from './common';
import { cvwb, scratch } from './testIo';

const tmp = scratch('simcep');
afterAll(tmp.cleanup);

describe('cvwb simcep', () => {
  it('writes PNGs and COCO boxes that the detection panel’s folder loader reads back exactly', async () => {
    const out = join(tmp.dir, 'coco');
    const r = await cvwb('simcep', '--count', '6', '--preset', 'small', '--size', '48', '--seed', '11', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ command: 'simcep', images: 6, seed: 11, format: 'coco', size: 48 });
    expect(r.stderr).toMatch(/simcep: 6\/6 \(100\.0%\), [\d.]+ images\/s, done in/);
    expect(readdirSync(join(out, 'images'))).toHaveLength(6);

    // The app's reader: every image matched to its annotation, nothing reported as a problem.
    const folder = await loadAnnotatedFolder(await folderFiles(out, 'coco'), decodeImageNode);
    expect(folder.problems).toEqual([]);
    expect(folder.layouts).toEqual(['coco']);
    expect(folder.samples).toHaveLength(6);
    const params = { ...smallSimcepParams, width: 48, height: 48 };
    for (const [k, s] of folder.samples.entries()) {
      const expected = generateCellImage(params, new Rng(11).fork(k));
      expect(s.path).toBe(`coco/images/simcep_0000${k}.png`);
      expect(s.boxes).toEqual(expected.boxes);
      expect([s.width, s.height]).toEqual([48, 48]);
    }
    // Pixels: the generator's [0, 1] image at 8 bits.
    const png = await decodeImageNode(new Uint8Array(readFileSync(join(out, 'images', 'simcep_00003.png'))));
    const expected = generateCellImage(params, new Rng(11).fork(3)).image;
    expect(png.channels).toBe(1);
    let worst = 0;
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(png.data[i] / 255 - expected[i]));
    expect(worst).toBeLessThanOrEqual(0.5 / 255 + 1e-6);

    // The seed and the generator parameters travel in the annotation file.
    const coco = JSON.parse(readFileSync(join(out, 'annotations.json'), 'utf8'));
    expect(coco.info).toMatchObject({ seed: 11, first_index: 0, count: 6, preset: 'small', parameters: { width: 48, cellCount: [1, 5] } });
  });

  it('writes the box-list format and 16-bit PNGs on request', async () => {
    const out = join(tmp.dir, 'boxlist');
    const r = await cvwb('simcep', '--count', '3', '--preset', 'small', '--format', 'box-list', '--bit-depth', '16', '--cells', '2-3', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const parsed = parseAnnotationJson(readFileSync(join(out, 'annotations.json'), 'utf8'), 'annotations.json');
    expect(parsed.format).toBe('box-list');
    expect(parsed.problems).toEqual([]);
    const first = parsed.images.get('images/simcep_00000.png');
    expect(first?.boxes).toEqual(generateCellImage({ ...smallSimcepParams, cellCount: [2, 3] }, new Rng(1).fork(0)).boxes);
    const png = await decodeImageNode(new Uint8Array(readFileSync(join(out, 'images', 'simcep_00000.png'))));
    expect(png.bitDepth).toBe(16);
  });

  it('makes shards with --first-index that together equal one run', async () => {
    const whole = join(tmp.dir, 'whole');
    const a = join(tmp.dir, 'shard-a');
    const b = join(tmp.dir, 'shard-b');
    expect((await cvwb('simcep', '--count', '4', '--preset', 'small', '--seed', '5', '--out', whole)).code).toBe(0);
    expect((await cvwb('simcep', '--count', '2', '--preset', 'small', '--seed', '5', '--out', a)).code).toBe(0);
    expect((await cvwb('simcep', '--count', '2', '--first-index', '2', '--preset', 'small', '--seed', '5', '--out', b)).code).toBe(0);
    for (const [dir, name] of [[a, 'simcep_00001.png'], [b, 'simcep_00002.png'], [b, 'simcep_00003.png']]) {
      expect(readFileSync(join(dir, 'images', name)).equals(readFileSync(join(whole, 'images', name))), name).toBe(true);
    }
    expect(existsSync(join(b, 'images', 'simcep_00000.png'))).toBe(false);
  });

  it('refuses to overwrite a generated set, and bad ranges, with exit 2', async () => {
    const out = join(tmp.dir, 'coco');
    const again = await cvwb('simcep', '--count', '1', '--out', out);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds annotations\.json.*--overwrite/);
    expect((await cvwb('simcep', '--count', '1', '--out', out, '--overwrite', '--preset', 'small')).code).toBe(0);
    const cells = await cvwb('simcep', '--out', join(tmp.dir, 'x'), '--cells', '5-2');
    expect(cells.code).toBe(2);
    expect(cells.stderr).toMatch(/--cells must be MIN-MAX/);
    const depth = await cvwb('simcep', '--out', join(tmp.dir, 'x'), '--bit-depth', '12');
    expect(depth.code).toBe(2);
  });
});
