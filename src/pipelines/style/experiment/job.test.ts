import { useWasmOrCpu } from '../../../core/backend/testBackend';
import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runJob } from '../../../core/jobs/protocol';
import type { ProgressReport } from '../../../core/jobs/progress';
import { Rng } from '../../../core/rng/rng';
import { DEFAULT_STYLE_STATS_DOMAIN } from '../randomize';
import { knownStats } from '../randomize/testStats';
import { planRuns, runStyleExperiment, type ExperimentDeps } from './job';
import { decodeRaw, fakeStyleNetwork, rawImageBlob, SHAPE_CLASSES, shapePixels } from './testing';
import type { StyleExperimentParams, StyleExperimentResult } from './types';

beforeAll(async () => {
  await useWasmOrCpu();
});

const SIZE = 16;
const PAINT: Record<string, string> = { art_painting: 'plain', photo: 'inverted', cartoon: 'swapped' };

/** pacs/<domain>/<disc|square>/<i>.png as raw test images, plus a README. */
function folder(perClass = 6): StyleExperimentParams['files'] {
  const files: StyleExperimentParams['files'] = [{ path: 'pacs/README.md', blob: new Blob(['readme']) }];
  const rng = new Rng(1);
  for (const domain of Object.keys(PAINT)) {
    for (const shape of SHAPE_CLASSES) {
      for (let i = 0; i < perClass; i++) files.push({ path: `pacs/${domain}/${shape}/${i}.png`, blob: rawImageBlob(shapePixels(shape, SIZE, rng.fork(`${domain}${shape}${i}`), PAINT[domain]), SIZE) });
    }
  }
  return files;
}

const base = (over: Partial<StyleExperimentParams> = {}): StyleExperimentParams => ({
  files: folder(),
  trainDomains: ['art_painting', 'photo'],
  targetDomain: 'cartoon',
  arms: ['none'],
  seeds: [1],
  config: 'small',
  classifier: 'cnn',
  epochs: 2,
  imageSize: SIZE,
  batchSize: 8,
  styleModels: { predictor: new Uint8Array(1), transformer: new Uint8Array(1) },
  styleStats: knownStats(100, 2),
  ...over,
});

function deps(over: Partial<ExperimentDeps> = {}) {
  const net = fakeStyleNetwork();
  let decodes = 0;
  const d: ExperimentDeps = {
    decode: async (b, p) => {
      decodes++;
      return decodeRaw(b, p);
    },
    loadStyleNetwork: () => net,
    loadDefaultStats: async () => knownStats(100, 3),
    ...over,
  };
  return { deps: d, net, decodes: () => decodes };
}

async function run(params: StyleExperimentParams, d: ExperimentDeps, onPartial?: (p: StyleExperimentResult, token: { cancelled: boolean }) => void) {
  const progress: ProgressReport[] = [];
  const partials: StyleExperimentResult[] = [];
  const token = { cancelled: false };
  const outcome = await runJob<StyleExperimentParams, StyleExperimentResult>((p, ctx) => runStyleExperiment(p, ctx, d), params, 42, token, {
    onProgress: (p) => progress.push(p),
    onPartial: (p) => {
      partials.push(p as StyleExperimentResult);
      onPartial?.(p as StyleExperimentResult, token);
    },
  });
  return { outcome, progress, partials };
}

describe('refusals', () => {
  it(`refuses target '${DEFAULT_STYLE_STATS_DOMAIN}' with a style arm and the shipped statistics, before decoding anything`, async () => {
    const d = deps();
    const { outcome } = await run(base({ trainDomains: ['photo', 'cartoon'], targetDomain: DEFAULT_STYLE_STATS_DOMAIN, arms: ['none', 'style'], styleStats: undefined }), d.deps);
    expect(outcome.status).toBe('error');
    expect(outcome.status === 'error' && outcome.message).toMatch(/is the domain the shipped style statistics were fitted on/);
    expect(d.decodes()).toBe(0);
  });

  it('allows that target without a style arm, or with statistics of its own', async () => {
    for (const over of [{ arms: ['none'] as StyleExperimentParams['arms'], styleStats: undefined }, { arms: ['style'] as StyleExperimentParams['arms'] }]) {
      const { outcome } = await run(base({ trainDomains: ['photo', 'cartoon'], targetDomain: DEFAULT_STYLE_STATS_DOMAIN, epochs: 1, ...over }), deps().deps);
      expect(outcome.status).toBe('done');
    }
  });

  it('refuses a target among the training domains, unknown arms and a sweep without a style arm', async () => {
    const cases: [Partial<StyleExperimentParams>, RegExp][] = [
      [{ targetDomain: 'photo' }, /target domain 'photo' is also a training domain/],
      [{ arms: ['none', 'magic' as never] }, /Unknown arm 'magic'/],
      [{ sweep: { param: 'ratio', values: [0.5] } }, /needs the style or both arm/],
      [{ seeds: [1, 1] }, /seed is listed twice/],
      [{ arms: ['style'], styleModels: undefined }, /need the Magenta style network files/],
    ];
    for (const [over, message] of cases) {
      const { outcome } = await run(base(over), deps().deps);
      expect(outcome.status === 'error' && outcome.message).toMatch(message);
    }
  });
});

describe('a full experiment on a tiny synthetic folder', () => {
  it('five arms × two seeds: runs, partials after every epoch, progress, summary, settings', async () => {
    const d = deps();
    const params = base({ arms: ['none', 'trad', 'style', 'both', 'color'], seeds: [1, 2] });
    const { outcome, progress, partials } = await run(params, d.deps);
    expect(outcome.status).toBe('done');
    const r = (outcome as { result: StyleExperimentResult }).result;
    expect(r.domains).toEqual(['art_painting', 'cartoon', 'photo']);
    expect(r.classes).toEqual(['disc', 'square']);
    expect(r.trainImages).toBe(24);
    expect(r.targetImages).toBe(12);
    expect(r.problems).toEqual([{ path: 'pacs/README.md', message: 'not an image file (skipped)' }]);
    expect(r.runs.map((x) => `${x.arm}:${x.seed}`)).toEqual(planRuns(params.arms, params.seeds).map((x) => `${x.arm}:${x.seed}`));
    expect(r.runs.map((x) => `${x.arm}:${x.seed}`).slice(0, 5)).toEqual(['none:1', 'trad:1', 'style:1', 'both:1', 'color:1']);
    for (const x of r.runs) {
      expect(x.epochs.map((e) => e.epoch)).toEqual([1, 2]);
      expect(x.finalTargetAccuracy).toBe(x.epochs[1].targetAccuracy);
    }
    // Summary: the mean and sample std of each arm's two final accuracies.
    expect(r.summary.map((s) => [s.arm, s.runs])).toEqual(params.arms.map((a) => [a, 2]));
    for (const s of r.summary) {
      const [a, b] = r.runs.filter((x) => x.arm === s.arm).map((x) => x.finalTargetAccuracy);
      expect(s.mean).toBeCloseTo((a + b) / 2, 12);
      expect(s.std).toBeCloseTo(Math.abs(a - b) / Math.SQRT2, 12);
    }
    // A partial after every epoch (with the run in progress) and after every run.
    expect(partials).toHaveLength(10 * 2 + 10);
    expect(partials[0].runs).toHaveLength(1);
    expect(partials[0].runs[0].epochs).toHaveLength(1);
    expect(partials[1].runs[0].epochs).toHaveLength(2);
    expect(partials[partials.length - 1].runs).toHaveLength(10);
    // Progress: monotone, ends at the total, names arm, seed and epoch.
    const dones = progress.map((p) => p.done);
    expect(dones.every((v, i) => i === 0 || v >= dones[i - 1])).toBe(true);
    expect(progress[progress.length - 1].fraction).toBe(1);
    // Reports are throttled (~10/s), so which steps are sampled depends on speed; every training
    // report names the run, arm, seed and epoch.
    const training = progress.filter((p) => /^Run \d+\/10: /.test(p.message ?? ''));
    expect(training.length).toBeGreaterThan(0);
    for (const p of training) expect(p.message).toMatch(/^Run \d+\/10: .+, seed [12], epoch [12]\/2, step \d+\/\d+$/);
    // Style: one pool per seed (pool size 1): one transfer per training image per seed.
    expect(d.net.transfers).toBe(2 * 24);
    const s = r.settings as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(s.config.imageSize).toBe(SIZE);
    expect(s.runSeeds[1].trad).not.toBe(s.runSeeds[2].trad);
    expect(s.styleStats.shipped).toBe(false);
    expect(s.stylisation).toMatch(/^pool/);
    expect(s.jobSeed).toBe(42);
  });

  it('a ratio sweep runs the style arm per value; at ratio 0 it reproduces the none arm exactly', async () => {
    const params = base({ arms: ['none', 'style'], sweep: { param: 'ratio', values: [0, 1] }, stylisation: 'online' });
    const { outcome } = await run(params, deps().deps);
    const r = (outcome as { result: StyleExperimentResult }).result;
    expect(r.runs.map((x) => [x.arm, x.sweepValue])).toEqual([['none', undefined], ['style', 0], ['style', 1]]);
    expect(r.summary.map((x) => [x.arm, x.sweepValue])).toEqual([['none', undefined], ['style', 0], ['style', 1]]);
    expect(r.runs[1].epochs.map((e) => [e.trainLoss, e.targetAccuracy])).toEqual(r.runs[0].epochs.map((e) => [e.trainLoss, e.targetAccuracy]));
    expect(r.runs[2].epochs[0].trainLoss).not.toBe(r.runs[0].epochs[0].trainLoss);
  });

  it('a validation split holds out a fraction of each training class and is scored every epoch', async () => {
    const { outcome } = await run(base({ validationFraction: 0.25 }), deps().deps);
    const r = (outcome as { result: StyleExperimentResult }).result;
    expect(r.trainImages).toBe(18); // 24 − 2 classes × round(12 · 0.25)
    expect(r.settings.validationImages).toBe(6);
    for (const e of r.runs[0].epochs) expect(e.validationAccuracy).toBeGreaterThanOrEqual(0);
  });

  it('uses the shipped statistics when none are given, and records it', async () => {
    const d = deps();
    const { outcome } = await run(base({ arms: ['style'], styleStats: undefined, epochs: 1 }), d.deps);
    const r = (outcome as { result: StyleExperimentResult }).result;
    expect((r.settings.styleStats as { shipped: boolean; domain: string }).shipped).toBe(true);
    expect((r.settings.styleStats as { domain: string }).domain).toBe(DEFAULT_STYLE_STATS_DOMAIN);
  });

  it('cancel between batches keeps the last partial; no tensors are left behind', async () => {
    const before = tf.memory().numTensors;
    const { outcome } = await run(base({ arms: ['none', 'trad'], epochs: 3 }), deps().deps, (p, token) => {
      if (p.runs[0]?.epochs.length === 1) token.cancelled = true;
    });
    expect(outcome.status).toBe('cancelled');
    const partial = (outcome as { partial: StyleExperimentResult }).partial;
    expect(partial.runs[0].epochs).toHaveLength(1);
    expect(tf.memory().numTensors).toBe(before);
  });
});

const MOBILENET_DIR = resolve(import.meta.dirname, '../../../../../shared/models/mobilenet_v1_1.0_224');
const HAVE_MOBILENET = existsSync(resolve(MOBILENET_DIR, 'model.json'));

describe('MobileNet classifier', () => {
  it.skipIf(!HAVE_MOBILENET)(`frozen backbone + trained head through the job (needs ${MOBILENET_DIR})`, async () => {
    const mobilenetFiles: Record<string, ArrayBuffer> = {};
    for (const name of readdirSync(MOBILENET_DIR)) {
      const b = readFileSync(resolve(MOBILENET_DIR, name));
      mobilenetFiles[name] = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    }
    const before = tf.memory().numTensors;
    const { outcome } = await run(base({ classifier: 'mobilenet', imageSize: 32, arms: ['none', 'trad'], epochs: 2, mobilenetFiles }), deps().deps);
    expect(outcome.status === 'error' ? outcome.message : outcome.status).toBe('done');
    const r = (outcome as { result: StyleExperimentResult }).result;
    expect(r.runs.map((x) => x.arm)).toEqual(['none', 'trad']);
    expect(r.settings.parameterCount).toBe(1024 * 2 + 2);
    expect((r.settings.classifierDetails as { outputLayer: string }).outputLayer).toBe('conv_dw_13_relu');
    for (const x of r.runs) expect(x.epochs[1].trainLoss).toBeLessThan(x.epochs[0].trainLoss);
    expect(tf.memory().numTensors).toBe(before);
  });
});
