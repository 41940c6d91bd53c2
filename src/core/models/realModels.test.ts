/**
 * End-to-end check on the real pretrained files in ../shared/models (or $WORKBENCH_MODELS_DIR):
 * picked-folder loading, sha256 against the registry, and a forward pass on the tfjs cpu backend
 * compared with values from an independent float64 NumPy implementation of the same networks
 * (input x[h,w,c] = ((7h + 13w + 29c) mod 256) / 255, resp. / 127.5 - 1 for MobileNet).
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, resolve, sep } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryModelCache } from './cache';
import { layersIOHandlerFromFiles, parseLayersModelJson, requiredLayersFiles } from './layers';
import { loadModelFiles } from './loader';
import { loadPretrainedLayersModel } from './pretrained';
import { getModel } from './registry';

const root = resolve(process.env.WORKBENCH_MODELS_DIR ?? resolve(__dirname, '../../../../shared/models'));
const available = existsSync(join(root, 'tiny-darknet', 'model.json'));
if (!available) console.warn(`realModels.test: skipped, no pretrained models at ${root} (set WORKBENCH_MODELS_DIR to run it)`);

/** Every file of a folder as a picked-folder map, keyed like webkitRelativePath. */
function pickFolder(dir: string): Map<string, Blob> {
  return new Map(readdirSync(join(root, dir)).map((f) => [`${dir}/${f}`, new Blob([readFileSync(join(root, dir, f))])]));
}

function patternInput(scale: (v: number) => number): tf.Tensor4D {
  const data = new Float32Array(224 * 224 * 3);
  for (let h = 0; h < 224; h++) for (let w = 0; w < 224; w++) for (let c = 0; c < 3; c++) {
    data[(h * 224 + w) * 3 + c] = scale((h * 7 + w * 13 + c * 29) % 256);
  }
  return tf.tensor4d(data, [1, 224, 224, 3]);
}

describe.skipIf(!available)('real pretrained models', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('registry lists exactly the files of each local tfjs-layers model.json, with matching sha256', () => {
    for (const id of ['tiny-darknet', 'mobilenet-v1-1.0-224']) {
      const entry = getModel(id);
      const json = parseLayersModelJson(readFileSync(join(root, entry.localPath, 'model.json'), 'utf8'));
      expect(entry.files.map((f) => f.name)).toEqual(['model.json', ...json.weightsManifest.flatMap((g) => g.paths)]);
      for (const f of entry.files) {
        const path = join(root, entry.localPath, f.name);
        if (!existsSync(path)) continue;
        expect(createHash('sha256').update(readFileSync(path)).digest('hex'), f.name).toBe(f.sha256);
      }
    }
  });

  it('streams Tiny Darknet over real HTTP from a base URL into the cache', async () => {
    // Same contract as the dev server's /local-models/ route (vite.config.ts).
    const server = createServer((req, res) => {
      const file = normalize(resolve(root, '.' + decodeURIComponent((req.url ?? '/').replace(/^\/local-models/, ''))));
      if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) { res.statusCode = 404; res.end(); return; }
      res.setHeader('Content-Length', String(statSync(file).size));
      createReadStream(file).pipe(res);
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/local-models/`;
      const cache = new MemoryModelCache();
      let events = 0;
      const files = await loadModelFiles(getModel('tiny-darknet'), { kind: 'baseUrl', url: base }, { cache, onProgress: () => { events++; } });
      expect(files.size).toBe(32);
      expect(events).toBeGreaterThanOrEqual(64); // at least one 'download' and one 'verified' per file
      expect((await cache.keys()).length).toBe(32);
    } finally {
      await new Promise((ok) => server.close(ok));
    }
  });

  it('loads Tiny Darknet from a picked folder and reproduces the reference logits', async () => {
    const entry = getModel('tiny-darknet');
    let last = 0;
    const files = await loadModelFiles(entry, { kind: 'localFiles', files: pickFolder('tiny-darknet') }, { onProgress: (p) => { last = p.loaded; } });
    expect(files.size).toBe(32);
    expect(last).toBe(4_219_188); // model.json (33,236) + 4,185,952 bytes of shards

    const model = await tf.loadLayersModel(layersIOHandlerFromFiles(files));
    const logits = tf.tidy(() => (model.predict(patternInput((v) => v / 255)) as tf.Tensor).squeeze());
    const out = await logits.data();
    expect(out.length).toBe(1000);
    const top5 = [...out.keys()].sort((a, b) => out[b] - out[a]).slice(0, 5);
    expect(top5).toEqual([903, 720, 511, 911, 508]);
    const expected: [number, number][] = [[903, 9.4001], [720, 7.86812], [511, 7.81179], [0, -4.034517], [999, -3.216036]];
    for (const [i, v] of expected) expect(out[i]).toBeCloseTo(v, 3);
    logits.dispose();
    model.dispose();
  });

  it('loads MobileNet v1 truncated at conv_pw_5_relu without the missing classifier shard', async () => {
    const entry = getModel('mobilenet-v1-1.0-224');
    const picked = pickFolder(entry.localPath);
    // The full model cannot load: group37 has no known hash (and is absent locally).
    await expect(loadModelFiles(entry, { kind: 'localFiles', files: picked })).rejects.toMatchObject({ code: 'no-hash', fileName: 'group37-shard1of1' });

    const needed = requiredLayersFiles(readFileSync(join(root, entry.localPath, 'model.json'), 'utf8'), 'conv_pw_5_relu');
    expect(needed).toHaveLength(1 + 22); // model.json + one shard per weighted layer: conv1, conv1_bn, 5 x (dw, dw_bn, pw, pw_bn)
    expect(needed).not.toContain('group37-shard1of1');

    const model = await loadPretrainedLayersModel(entry, { kind: 'localFiles', files: picked }, { outputLayer: 'conv_pw_5_relu' });
    expect(model.outputs[0].shape).toEqual([null, 28, 28, 256]);
    const feat = tf.tidy(() => (model.predict(patternInput((v) => v / 127.5 - 1)) as tf.Tensor).squeeze());
    const buf = await feat.buffer();
    expect(buf.get(13, 7, 100)).toBeCloseTo(0.325078, 4);
    expect(buf.get(27, 27, 255)).toBeCloseTo(4.706614, 4);
    expect(buf.get(0, 0, 1)).toBeCloseTo(2.860931, 4);
    expect(feat.mean().dataSync()[0]).toBeCloseTo(1.052762, 4);
    expect(feat.max().dataSync()[0]).toBe(6); // ReLU6 saturates
    feat.dispose();
    model.dispose();
  });
});
