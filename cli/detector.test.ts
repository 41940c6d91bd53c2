import * as tf from '@tensorflow/tfjs';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng/rng';
import { readZip } from '../src/core/export/zip';
import { loadDetectorCheckpoint } from '../src/pipelines/detection/checkpoint';
import { disposeDetectorWeights } from '../src/pipelines/detection/model';
import { PRESETS } from '../src/pipelines/detection/presets';
import { simcepBatch } from '../src/pipelines/detection/train';
import { evaluateOn } from '../src/pipelines/detection/trainLoop';
import { cvwb, scratch } from './testIo';

const tmp = scratch('detector');
afterAll(tmp.cleanup);
const data = join(tmp.dir, 'simcep');
const shipped = join(process.cwd(), 'models', 'detector-small', 'detector-small.zip');

beforeAll(async () => {
  const r = await cvwb('simcep', '--count', '16', '--preset', 'small', '--seed', '3', '--out', data);
  expect(r.code, r.stderr).toBe(0);
});

describe('cvwb detector', () => {
  it('trains on a SIMCEP folder and saves a checkpoint the app imports, with the run record', async () => {
    const out = join(tmp.dir, 'ckpt');
    const r = await cvwb('detector', 'train', '--data', data, '--out', out, '--config', 'small', '--steps', '2', '--eval-every', '1', '--batch-size', '4', '--seed', '5', '--backend', 'cpu');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/simcep: 13 training \/ 3 validation images, 64² crops/);
    expect(r.stderr).toMatch(/detector train: 2\/2 \(100\.0%\), [\d.]+ steps\/s, done in/);
    expect(r.stderr).toMatch(/eval @ step 1: TPR/);
    const zip = join(out, 'detector-small-responsibility-seed5.zip');
    const bytes = new Uint8Array(readFileSync(zip));
    // What Models & settings → Checkpoints reads on import: model.json with the pipeline in its metadata.
    const modelJson = JSON.parse(new TextDecoder().decode(readZip(bytes)['model.json']));
    expect(modelJson.userDefinedMetadata).toEqual({ pipeline: 'detection' });
    // What the detection panel loads.
    const { weights, info } = loadDetectorCheckpoint(bytes);
    expect(info).toMatchObject({ pipeline: 'detection', preset: 'small', loss: 'responsibility', seed: 5, trainedOn: { folder: 'simcep', trainImages: 13, validationImages: 3 } });
    expect(info.step).toBeGreaterThanOrEqual(1);
    disposeDetectorWeights(weights);
    const record = JSON.parse(readFileSync(join(out, 'detector-small-responsibility-seed5.json'), 'utf8'));
    expect(record.curve.map((c: { step: number }) => c.step)).toEqual([1, 2]);
    expect(record.evals.length).toBeGreaterThanOrEqual(2);
    expect(record).toMatchObject({ seed: 5, backend: 'cpu', checkpoint: zip, steps: 2 });

    // The folder of `detector train` is a valid --checkpoint for `detector eval`.
    const e = await cvwb('detector', 'eval', '--data', data, '--checkpoint', out, '--backend', 'cpu', '--limit', '4');
    expect(e.code, e.stderr).toBe(0);
    expect(e.json()).toMatchObject({ images: 4, checkpoint: zip });
  });

  it.skipIf(!existsSync(shipped))('evaluates the shipped detector on the PNG folder as on the same images in memory', async () => {
    const report = join(tmp.dir, 'eval.json');
    const r = await cvwb('detector', 'eval', '--data', data, '--checkpoint', shipped, '--backend', 'wasm', '--out', report);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/backend: wasm/);
    const summary = JSON.parse(readFileSync(report, 'utf8'));
    expect(summary.images).toBe(16);
    expect(summary.counts).toHaveLength(16);
    expect(summary.metrics.groundTruth).toBe(summary.counts.reduce((s: number, c: { truth: number }) => s + c.truth, 0));
    // The same 16 images straight from the generator (no PNG, no folder loading) through the training loop's evaluation.
    await tf.setBackend('cpu');
    const { weights, info } = loadDetectorCheckpoint(new Uint8Array(readFileSync(shipped)));
    const direct = (await evaluateOn(weights, PRESETS.small, simcepBatch(PRESETS.small.simcep, new Rng(3), 16), info.loss)).all;
    disposeDetectorWeights(weights);
    expect(summary.metrics.groundTruth).toBe(direct.groundTruth);
    expect(Math.abs(summary.metrics.f1 - direct.f1)).toBeLessThan(0.08);
    expect(Math.abs(summary.countMae - direct.countMae)).toBeLessThan(0.3);
  });

  it('trains on wasm too; refuses a missing folder and an ambiguous checkpoint folder (exit 2), and a non-checkpoint (exit 1)', async () => {
    const w = join(tmp.dir, 'w');
    const wasm = await cvwb('detector', 'train', '--data', data, '--out', w, '--config', 'small', '--steps', '2', '--eval-every', '2', '--batch-size', '4', '--seed', '5', '--backend', 'wasm');
    expect(wasm.code, wasm.stderr).toBe(0);
    expect(wasm.stderr).toMatch(/backend: wasm/);
    expect(JSON.parse(readFileSync(join(w, 'detector-small-responsibility-seed5.json'), 'utf8'))).toMatchObject({ backend: 'wasm', steps: 2 });
    const noData = await cvwb('detector', 'eval', '--data', join(tmp.dir, 'absent'), '--checkpoint', shipped);
    expect(noData.code).toBe(2);
    const two = join(tmp.dir, 'two');
    mkdirSync(two, { recursive: true });
    copyFileSync(shipped, join(two, 'a.zip'));
    copyFileSync(shipped, join(two, 'b.zip'));
    const ambiguous = await cvwb('detector', 'eval', '--data', data, '--checkpoint', two);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/holds 2 zips \(a\.zip, b\.zip\); name one/);
    const notZip = await cvwb('detector', 'eval', '--data', data, '--checkpoint', join(data, 'annotations.json'), '--backend', 'cpu');
    expect(notZip.code).toBe(1);
    expect(notZip.stderr).toMatch(/failed: .*zip/i);
  });
});
