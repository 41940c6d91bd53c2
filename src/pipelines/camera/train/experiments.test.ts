import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmOrCpu } from '../../../core/backend/testBackend';
import { runJob } from '../../../core/jobs/protocol';
import {
  CAMERA_CONFIGS, centreCrop, codeShare, experimentSplits, imageSet, presetRows, simulatorData, scaledPrinters, resolveCameraConfig, runCameraExperiment, summariseRow, THESIS_TABLES, thesisColumn,
  type CameraCheckpoint, type CameraExperimentParams, type CameraExperimentResult, type DatasetItemInput, type RowResult,
} from './experiments';
import type { CameraBar } from './evaluate';
import { createCameraModel, importWeights } from './models';
import { cameraCheckpointZip } from './job';
import { predictLabels } from './evaluate';
import { inputBatch } from './train';
import { importWeightsFromZip } from '../../../core/export/modelZip';
import { Rng } from '../../../core/rng/rng';

beforeAll(async () => {
  await useWasmOrCpu();
});

/** A tiny simulator run: 64² photos, 4 training and 2 test photos per cell, one epoch. */
const tiny = (preset: CameraExperimentParams['preset'], extra: Partial<CameraExperimentParams> = {}): CameraExperimentParams => ({
  preset, config: 'small', seeds: [1, 2], source: { kind: 'simulator', seed: 3 }, imageSize: 64, trainPerCell: 4, testPerCell: 2, epochs: 1, cropEpochs: 1, ...extra,
});

async function run(params: CameraExperimentParams) {
  const partials: unknown[] = [];
  const progress: { done: number; total: number }[] = [];
  const out = await runJob((p: CameraExperimentParams, ctx) => runCameraExperiment(p, ctx), params, 1, { cancelled: false }, {
    onPartial: (d) => partials.push(d),
    onProgress: (p) => progress.push(p),
  });
  if (out.status !== 'done') throw new Error(out.status === 'error' ? out.message : out.status);
  return { result: out.result as CameraExperimentResult, partials, progress };
}

describe('runCameraExperiment on a tiny simulator config', () => {
  it('manufacturer: three rows over two seeds with thesis numbers, bars and worst groups, no leaked tensors', async () => {
    const before = tf.memory().numTensors;
    const { result, partials, progress } = await run(tiny('manufacturer'));
    expect(tf.memory().numTensors).toBe(before);
    expect(result.rows.map((r) => r.spec.training)).toEqual(['balanced', 'partial', 'disjoint']);
    expect(result.classes).toEqual(['m1', 'm2']);
    expect(result.cameras).toHaveLength(5);
    // Balanced: 10 cells × 4; Partial and Disjoint: 4 cells × 4. Test: 10 cells × 2.
    expect(result.rows.map((r) => r.trainImages)).toEqual([40, 16, 16]);
    for (const r of result.rows) {
      expect(r.runs.map((x) => x.seed)).toEqual([1, 2]);
      expect(r.testInputs).toBe(20);
      expect(r.mean).toBeCloseTo((r.runs[0].accuracy + r.runs[1].accuracy) / 2, 10);
      expect(r.bars!.reduce((s, b) => s + b.n, 0)).toBe(40); // 20 test images × 2 seeds
      expect(r.worstGroupMean).not.toBeNull();
    }
    expect(result.rows[2].thesis.ResNet34).toBe(0.505);
    expect(result.rows[0].thesisReference).toEqual({ model: 'ResNet34', value: 0.974 });
    expect(result.split.trainings.disjoint.mapping).toContain('←');
    expect(result.thesisTables['6.2']).toBe(THESIS_TABLES['6.2']);
    // Partial results after every epoch and run; progress ends at its total.
    expect(partials.length).toBeGreaterThanOrEqual(12);
    const last = progress[progress.length - 1];
    expect(last.done).toBe(last.total);
  });

  it('crops: heatmaps per camera and averaged; halves and adversarial presets run', async () => {
    const crops = (await run(tiny('crops', { seeds: [1] }))).result;
    expect(crops.rows[0].testInputs).toBe(20 * 4);
    const h = crops.heatmaps!;
    expect(h.perImage.map((p) => p.camera).sort()).toEqual(crops.cameras);
    expect(h.average).toHaveLength(16 * 16);
    expect(h.cropAccuracy).toBeGreaterThanOrEqual(0);

    const halves = (await run(tiny('halves', { seeds: [1] }))).result;
    expect(halves.rows[0].spec.testInput).toBe('right-half');

    const adv = (await run(tiny('adversarial', { seeds: [1] }))).result.adversarial!;
    expect(adv.cls).toBe('m2');
    expect(adv.target).toBe('m1');
    expect(adv.views.map((v) => v.model)).toEqual(['balanced', 'disjoint']);
    for (const v of adv.views) {
      expect(v.error).toBeUndefined();
      if (v.steps > 0) expect(v.amplified.length).toBe(64 * 64 * 4);
    }
  });

  it('fails clearly on a dataset with one camera or one class, and cancels cleanly', async () => {
    const img = (v: number) => new Uint8ClampedArray(64 * 64 * 4).fill(v);
    const oneCamera: DatasetItemInput[] = Array.from({ length: 8 }, (_, i) => ({ rgba: img(i * 20), width: 64, height: 64, cls: i % 2 ? 'a' : 'b', camera: 'X' }));
    const outcome = await runJob((p: CameraExperimentParams, ctx) => runCameraExperiment(p, ctx), { ...tiny('camera'), source: { kind: 'dataset', items: oneCamera } }, 1, { cancelled: false });
    expect(outcome.status).toBe('error');
    expect(outcome.status === 'error' && outcome.message).toMatch(/only one camera/);
    const oneClass = oneCamera.map((it, i) => ({ ...it, cls: 'a', camera: `c${i % 2}` }));
    const o2 = await runJob((p: CameraExperimentParams, ctx) => runCameraExperiment(p, ctx), { ...tiny('camera'), source: { kind: 'dataset', items: oneClass } }, 1, { cancelled: false });
    expect(o2.status === 'error' && o2.message).toMatch(/only one class/);
    // Adversarial on MobileNet needs the depthwise input gradient: refused up front where the backend lacks it.
    const adv = await runJob((p: CameraExperimentParams, ctx) => runCameraExperiment(p, ctx), { ...tiny('adversarial'), model: 'mobilenet', mobilenetFiles: {} }, 1, { cancelled: false });
    if (tf.getKernel('DepthwiseConv2dNativeBackpropInput', tf.getBackend())) expect(adv.status === 'error' && adv.message).not.toMatch(/depthwise/);
    else expect(adv.status === 'error' && adv.message).toMatch(/depthwise convolutions, which the 'wasm' backend does not provide/);

    const before = tf.memory().numTensors;
    const token = { cancelled: false };
    const cancelled = await runJob((p: CameraExperimentParams, ctx) => runCameraExperiment(p, ctx), tiny('manufacturer'), 1, token, {
      onPartial: () => {
        token.cancelled = true;
      },
    });
    expect(cancelled.status).toBe('cancelled');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains on a user dataset of RGBA items (centre-cropped to the smallest side)', async () => {
    // Two cameras differing by a per-pixel checkerboard, two classes by brightness.
    const items: DatasetItemInput[] = [];
    for (let i = 0; i < 24; i++) {
      const camera = i % 2 ? 'P' : 'Q';
      const cls = Math.floor(i / 2) % 2 ? 'x' : 'y';
      const w = 72, h = 68;
      const rgba = new Uint8ClampedArray(w * h * 4);
      for (let p = 0; p < w * h; p++) {
        const v = (cls === 'x' ? 90 : 160) + (camera === 'P' && ((p % w) + Math.floor(p / w)) % 2 ? 30 : 0);
        rgba.set([v, v, v, 255], p * 4);
      }
      items.push({ rgba, width: w, height: h, cls, camera, path: `${cls}/${camera}/${i}.png` });
    }
    const { result } = await run({ ...tiny('camera', { seeds: [1] }), source: { kind: 'dataset', items }, imageSize: 128, testPerCell: 2 });
    expect(result.source).toMatchObject({ kind: 'dataset', used: 24, side: 68 });
    expect(result.problems.some((p) => p.message.includes('68²'))).toBe(true);
    expect(result.cameras).toEqual(['P', 'Q']);
    expect(result.rows[0].testInputs).toBe(8);
  });
});

describe('checkpoints', () => {
  it('saves every run’s final model, and the zip restores a model that scores the run’s test accuracy', async () => {
    const saved: CameraCheckpoint[] = [];
    const params = tiny('camera', { seeds: [1, 2], epochs: 2 });
    const out = await runJob((p: CameraExperimentParams, ctx) => runCameraExperiment(p, ctx, { saveCheckpoint: async (c) => void saved.push(c) }), params, 1, { cancelled: false });
    if (out.status !== 'done') throw new Error(out.status === 'error' ? out.message : out.status);
    const result = out.result as CameraExperimentResult;
    expect(saved.map((c) => [c.meta.seed, c.meta.epoch, c.meta.epochs])).toEqual([[1, 2, 2], [2, 2, 2]]);
    expect(new Set(saved.map((c) => c.key)).size).toBe(2);
    expect(saved[0].meta.labels).toEqual(result.cameras);

    // Rebuild the second seed's model from its zip and score the same balanced test set.
    const c = saved[1];
    const zipped = importWeightsFromZip<CameraCheckpoint['meta']>(await cameraCheckpointZip(c));
    const model = createCameraModel(zipped.config.model, zipped.config.labels.length, new Rng(999), { imageSize: zipped.config.imageSize });
    const t = (prefix: string) => Object.keys(zipped.weights).filter((k) => k.startsWith(prefix)).sort((a, b) => Number(a.split('/')[1]) - Number(b.split('/')[1])).map((k) => zipped.weights[k]);
    importWeights(model, {
      trainable: await Promise.all(t('trainable/').map(async (x) => ({ shape: x.shape, data: (await x.data()) as Float32Array }))),
      nonTrainable: await Promise.all(t('nonTrainable/').map(async (x) => ({ shape: x.shape, data: (await x.data()) as Float32Array }))),
    });
    tf.dispose(Object.values(zipped.weights));
    const data = await simulatorData({ seed: 3, size: 64, perCell: 6, fieldOfView: CAMERA_CONFIGS.small.fieldOfView });
    const splits = experimentSplits(data, presetRows('camera'), { seed: 0, testPerCell: 2, trainPerCell: 4 });
    const set = imageSet(data, splits.test.items, 'camera', splits.classes, splits.cameras);
    const { predicted } = await predictLabels(model, set.labels.length, (i, n) => {
      const b = inputBatch(set, Array.from({ length: n }, (_, k) => i + k), 'full');
      return tf.tensor4d(b.data, b.shape);
    }, 8);
    model.dispose();
    const accuracy = predicted.reduce((s, v, i) => s + (v === set.labels[i] ? 1 : 0), 0) / predicted.length;
    expect(accuracy).toBeCloseTo(result.rows[0].runs[1].accuracy, 10);
  });
});

describe('helpers', () => {
  it('presetRows and the thesis columns', () => {
    expect(presetRows('colour').map((r) => [r.task, r.augment])).toEqual([['manufacturer', 'colour-jitter'], ['camera', 'colour-jitter'], ['camera', 'grayscale']]);
    expect(presetRows('camera', true).map((r) => r.model)).toEqual(['main', 'downsampled']);
    expect(thesisColumn('6.3', 'Cameras').VGG16).toBe(0.384);
    expect(() => thesisColumn('6.1', 'Nope')).toThrow();
    expect(resolveCameraConfig({ config: 'small', epochs: 3 }).train.epochs).toBe(3);
    expect(() => resolveCameraConfig({ config: 'small', imageSize: 40 })).toThrow(/too small/);
  });

  it('both configs build their models, which take the configs’ inputs', () => {
    for (const c of Object.values(CAMERA_CONFIGS)) {
      for (const spec of [c.model, c.downsampled]) {
        const m = createCameraModel(spec, 5, new Rng(1));
        const y = tf.tidy(() => m.logits(tf.zeros([1, 64, 64, 3]), false));
        expect(y.shape).toEqual([1, 5]);
        y.dispose();
        m.dispose();
      }
    }
  });

  it('scaledPrinters multiplies Manufacturer 2’s deviation from Manufacturer 1', () => {
    const [m1, m2] = scaledPrinters(1);
    expect(scaledPrinters(0)[1]).toEqual({ ...m1, id: m2.id, label: m2.label });
    // dotDiameter 0.6 → 0.66 in the simulator: twice the difference is 0.72.
    expect(scaledPrinters(2)[1].dotDiameter).toBeCloseTo(m1.dotDiameter + 2 * (m2.dotDiameter - m1.dotDiameter), 12);
    expect(() => scaledPrinters(-1)).toThrow();
  });

  it('summariseRow sums the per-camera bars over seeds', () => {
    const bar = (n: number, correct: number, pred: number[]): CameraBar => ({ name: 'A', n, correct, accuracy: correct / n, predicted: pred, correctByLabel: [correct, 0], wrongByLabel: [0, n - correct] });
    const row = { runs: [{ seed: 1, accuracy: 0.5, worstGroupAccuracy: 0.2, epochs: [], perCamera: [bar(4, 2, [2, 2])], seconds: 1 }, { seed: 2, accuracy: 0.7, worstGroupAccuracy: 0.4, epochs: [], perCamera: [bar(4, 3, [3, 1])], seconds: 1 }] } as unknown as RowResult;
    const s = summariseRow(row);
    expect(s.mean).toBeCloseTo(0.6);
    expect(s.std).toBeCloseTo(Math.SQRT2 * 0.1);
    expect(s.worstGroupMean).toBeCloseTo(0.3);
    expect(s.bars![0]).toMatchObject({ n: 8, correct: 5, accuracy: 5 / 8, predicted: [5, 3], correctByLabel: [5, 0], wrongByLabel: [0, 3] });
  });

  it('centreCrop keeps an even offset and codeShare measures the perturbation on the code', () => {
    const w = 6, h = 4;
    const rgba = new Uint8ClampedArray(w * h * 4);
    for (let p = 0; p < w * h; p++) rgba.set([p, 0, 0, 255], p * 4);
    const c = centreCrop(rgba, w, h, 2);
    // x0 = floor((6-2)/4)·2 = 2, y0 = floor((4-2)/4)·2 = 0 → pixels (2,0), (3,0), (2,1), (3,1).
    expect([c[0], c[4], c[8], c[12]]).toEqual([2, 3, 8, 9]);

    // A dark dot at (2, 2) on a bright 5×5 image; δ of 1 on the dot and 1 on a far corner pixel.
    const img = new Uint8ClampedArray(25 * 4).fill(200);
    img.set([20, 20, 20, 255], (2 * 5 + 2) * 4);
    const delta = new Float32Array(25 * 3);
    delta[(2 * 5 + 2) * 3] = 1;
    delta[0] = 1;
    const r = codeShare(img, 5, 5, delta, { window: 3, c: 10 }, 0);
    expect(r).toEqual({ share: 0.5, area: 1 / 25 });
  });
});
