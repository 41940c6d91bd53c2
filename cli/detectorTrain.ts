/**
 * `cvwb detector train`: trains the chapter-3 counting detector with the shared training loop
 * (trainLoop.ts) on an annotated folder (COCO / box-list JSON, DSB2018 mask folders; e.g. the
 * output of `cvwb simcep`: seeded split by image, random crops, whole-image validation, as the
 * panel's fine-tuning) or, without --data, on the preset's procedural SIMCEP images (as the
 * panel's training). Saves the best-validation-F1 (or final) weights as a checkpoint zip in the
 * format the app imports (the detection panel's "Load checkpoint (.zip)…", or Jobs → Checkpoints →
 * "Import checkpoint (.zip)…" to keep it in the project), plus a JSON record of the run (loss curve,
 * every evaluation, seed).
 */
import { basename, join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { positiveInt, type OptionSpecs, type ParsedArgs } from '../bench/lib/args';
import { metricsLine, metricsRecord } from '../bench/lib/detection';
import { decodeImageNode } from '../src/core/data/nodeDecode';
import type { JobContext } from '../src/core/jobs/protocol';
import { assignmentKinds, type AssignmentKind } from '../src/pipelines/detection/assignment';
import { loadDetectorCheckpoint, saveDetectorCheckpoint, type DetectorCheckpointInfo } from '../src/pipelines/detection/checkpoint';
import { disposeDetectorWeights, type DetectorWeights } from '../src/pipelines/detection/model';
import { PRESETS, type TrainingPreset } from '../src/pipelines/detection/presets';
import { loadAnnotatedFolder, noAnnotatedImagesError } from '../src/pipelines/detection/realImages';
import { prepareRealSplit, realTrainingData, type TrainingData } from '../src/pipelines/detection/realTraining';
import { simcepTrainingData, trainDetector, type EvalInfo } from '../src/pipelines/detection/trainLoop';
import { backendChoice, backendOption, selectTfBackend } from './backend';
import { CliError, folderFiles, Interrupted, isDirectory, isFile, required, runCliJob, seedOf, toJson, UsageError, writeFileAtomic, type CliIo, type Command } from './common';

const specs: OptionSpecs = {
  data: { type: 'string', help: 'annotated folder to train on (COCO / box-list JSON, <id>/images + <id>/masks); omit for procedural SIMCEP images' },
  out: { type: 'string', help: 'folder for the checkpoint zip and the run record (created)' },
  config: { type: 'string', choices: Object.keys(PRESETS), help: 'network and training preset: small (default) or thesis' },
  steps: { type: 'int', help: 'stop after this many optimiser steps (default: the epochs)' },
  epochs: { type: 'int', help: "passes over the training images (default: the preset's)" },
  loss: { type: 'string', choices: assignmentKinds, help: 'assignment / loss (default responsibility)' },
  seed: { type: 'int', help: 'seed of the initialisation, the split, the crops and the batch order (default 1)' },
  'batch-size': { type: 'int', help: "images per step (default: the preset's)" },
  lr: { type: 'number', help: "Adam learning rate (default: the preset's)" },
  'eval-every': { type: 'int', help: 'also validate every K steps (default: at epoch ends only)' },
  save: { type: 'string', choices: ['best', 'final'], help: 'keep the best validation F1 (default) or the final weights' },
  init: { type: 'string', help: 'start from this checkpoint zip (same config), e.g. to fine-tune' },
  crop: { type: 'int', help: '--data: training crop side, a multiple of 32 (default: the preset image size)' },
  scale: { type: 'number', help: '--data: resize factor applied to every image first (default 1)' },
  'val-fraction': { type: 'number', help: '--data: fraction of the images held out for validation (default 0.2)' },
  limit: { type: 'int', help: '--data: use at most this many annotated images (sorted path order)' },
  'train-images': { type: 'int', help: "no --data: procedural training images per epoch (default: the preset's)" },
  'val-images': { type: 'int', help: "no --data: validation images (default: the preset's)" },
  name: { type: 'string', help: 'checkpoint file name without .zip (default detector-<config>-<loss>-seed<S>)' },
  backend: backendOption,
  help: { type: 'flag', help: 'print this help' },
};

interface EvalRecord {
  step: number;
  epoch: number;
  validation: Record<string, number>;
  heavyOverlapSubset: Record<string, number>;
}

async function run(args: ParsedArgs, io: CliIo): Promise<number> {
  const outDir = resolve(required(args, 'out', 'folder'));
  if (isFile(outDir)) throw new UsageError(`--out: '${outDir}' is a file; give a folder for the checkpoint`);
  const preset: TrainingPreset = PRESETS[(args.string('config') ?? 'small') as TrainingPreset['name']];
  const dataDir = args.string('data');
  if (dataDir !== undefined && !isDirectory(dataDir)) throw new UsageError(`--data: no such folder '${dataDir}'`);
  for (const opt of ['crop', 'scale', 'val-fraction', 'limit']) if (!dataDir && args.has(opt)) throw new UsageError(`--${opt} applies to --data folders`);
  for (const opt of ['train-images', 'val-images']) if (dataDir && args.has(opt)) throw new UsageError(`--${opt} applies to procedural SIMCEP training (without --data)`);
  const seed = seedOf(args);
  const batchSize = positiveInt(args, 'batch-size', preset.batchSize);
  const epochs = positiveInt(args, 'epochs', preset.epochs);
  const maxSteps = args.has('steps') ? positiveInt(args, 'steps', 1) : undefined;
  const evalEvery = args.has('eval-every') ? positiveInt(args, 'eval-every', 1) : 0;
  const learningRate = args.number('lr') ?? preset.learningRate;
  if (!(learningRate > 0)) throw new UsageError(`--lr must be positive, got ${learningRate}`);
  const cropSize = args.int('crop') ?? preset.simcep.width;
  if (cropSize <= 0 || cropSize % 32 !== 0) throw new UsageError(`--crop must be a positive multiple of 32, got ${cropSize}`);
  const scale = args.number('scale') ?? 1;
  if (!(scale > 0)) throw new UsageError(`--scale must be positive, got ${scale}`);
  const valFraction = args.number('val-fraction') ?? 0.2;
  if (!(valFraction > 0 && valFraction < 1)) throw new UsageError(`--val-fraction must be in (0, 1), got ${valFraction}`);
  const limit = args.has('limit') ? positiveInt(args, 'limit', 2) : undefined;
  const initPath = args.string('init');
  if (initPath !== undefined && !isFile(initPath)) throw new UsageError(`--init: no such file '${initPath}'`);
  const saveMode = args.string('save') ?? 'best';
  const backend = backendChoice(args.string('backend'));

  const used = await selectTfBackend(backend, io);
  let data: TrainingData;
  let trainedOn: Record<string, string | number> | undefined;
  if (dataDir) {
    const folderName = basename(resolve(dataDir));
    const folder = await runCliJob(io, 'detector train', 'images', async (_p: null, ctx: JobContext) =>
      loadAnnotatedFolder(await folderFiles(dataDir, folderName), decodeImageNode, { limit, onProgress: (d, t) => ctx.progress(d, t, 'decoding') }), null, seed);
    for (const p of folder.problems.slice(0, 20)) io.err(`detector train: ${p.path}: ${p.message}`);
    if (folder.problems.length > 20) io.err(`detector train: … and ${folder.problems.length - 20} more problems`);
    if (folder.samples.length === 0) throw new CliError(noAnnotatedImagesError(folder, 'COCO/box-list JSON or <id>/images + <id>/masks folders').message);
    let split: ReturnType<typeof prepareRealSplit>;
    try {
      split = prepareRealSplit(folder.samples, { valFraction, seed, scale });
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    if (split.skipped.length > 0) io.err(`detector train: ${split.skipped.length} count-only images skipped (no boxes to train on)`);
    data = realTrainingData(split.train, split.val, { cropSize });
    trainedOn = { folder: folderName, trainImages: split.train.length, validationImages: split.val.length, cropSize, scale, valFraction, ...(initPath ? { from: basename(initPath) } : {}) };
    io.err(`detector train: ${folderName}: ${split.train.length} training / ${split.val.length} validation images, ${cropSize}² crops`);
  } else {
    data = simcepTrainingData(preset, seed, positiveInt(args, 'val-images', preset.valImages), positiveInt(args, 'train-images', preset.trainImages, batchSize));
    io.err(`detector train: procedural SIMCEP images (${preset.simcep.width}², ${data.trainImages} per epoch, ${data.validationImages} validation)`);
  }
  let initial: { weights: DetectorWeights; info: DetectorCheckpointInfo } | undefined;
  if (initPath) {
    try {
      initial = loadDetectorCheckpoint(new Uint8Array(readFileSync(initPath)));
    } catch (e) {
      throw new CliError(`--init ${initPath}: ${(e as Error).message}`);
    }
    if (JSON.stringify(initial.info.detector) !== JSON.stringify(preset.detector)) {
      disposeDetectorWeights(initial.weights);
      throw new UsageError(`--init: ${initPath} holds a '${initial.info.detector.name}' detector, not the ${preset.name} config's`);
    }
  }
  const loss = (args.string('loss') ?? initial?.info.loss ?? 'responsibility') as AssignmentKind;
  const name = args.string('name') ?? `detector-${preset.name}-${loss}-seed${seed}`;
  if (!/^[\w.-]+$/.test(name)) throw new UsageError(`--name may hold letters, digits, '.', '-' and '_' only, got '${name}'`);

  const stepsPerEpoch = Math.max(1, Math.floor(data.trainImages / batchSize));
  const totalSteps = Math.min(maxSteps ?? Infinity, stepsPerEpoch * epochs);
  io.err(`detector train: config ${preset.name}, loss ${loss}, seed ${seed}, ${totalSteps} steps × batch ${batchSize}, Adam lr ${learningRate}`);

  const info = (step: number, e: EvalInfo | null): DetectorCheckpointInfo => ({
    pipeline: 'detection', detector: preset.detector, preset: preset.name, loss, seed, step,
    ...(e ? { metrics: { ...metricsRecord(e.report.all), learningRate, batchSize } } : {}),
    ...(trainedOn ? { trainedOn } : {}),
    createdAt: new Date().toISOString(),
  });
  const curve: { step: number; loss: number; confidence: number; regression: number }[] = [];
  const evals: EvalRecord[] = [];
  // Written from the hooks; a holder object so control-flow narrowing does not pin them to null.
  const kept: { best: { bytes: Uint8Array; eval: EvalInfo } | null; final: { bytes: Uint8Array; eval: EvalInfo | null } | null } = { best: null, final: null };
  const t0 = performance.now();
  let interrupted: Interrupted | null = null;
  try {
    await runCliJob(io, 'detector train', 'steps', async (_p: null, ctx: JobContext) => {
      const result = await trainDetector(
        { preset, loss, seed, epochs, maxSteps, evalEvery, learningRate, batchSize, trainImages: data.trainImages, data, initialWeights: initial?.weights },
        {
          checkpoint: () => ctx.checkpoint(),
          onStep: (s) => {
            if (!Number.isFinite(s.loss)) throw new Error(`loss became ${s.loss} at step ${s.step}; try a lower --lr`);
            curve.push({ step: s.step, loss: s.loss, confidence: s.confidence, regression: s.regression });
            ctx.progress(s.step, s.totalSteps, `epoch ${s.epoch + 1}, loss ${s.loss.toFixed(4)}`);
          },
          onEval: async (e, weights) => {
            evals.push({ step: e.step, epoch: e.epoch, validation: metricsRecord(e.report.all), heavyOverlapSubset: metricsRecord(e.report.heavyOverlap) });
            ctx.log(`eval @ step ${e.step}: ${metricsLine(e.report.all)}`);
            const prev = kept.best?.eval.report.all.f1;
            const f1 = e.report.all.f1;
            if (saveMode === 'best' && (prev === undefined || f1 > prev || (Number.isNaN(prev) && !Number.isNaN(f1)))) {
              kept.best = { bytes: await saveDetectorCheckpoint(weights, info(e.step, e)), eval: e };
            }
          },
        },
      );
      try {
        if (saveMode === 'final') kept.final = { bytes: await saveDetectorCheckpoint(result.weights, info(result.steps, result.lastEval)), eval: result.lastEval };
      } finally {
        disposeDetectorWeights(result.weights);
      }
    }, null, seed);
  } catch (e) {
    if (!(e instanceof Interrupted)) throw e;
    interrupted = e;
  }
  const seconds = (performance.now() - t0) / 1000;
  const saved = kept.final ?? kept.best;
  if (!saved) {
    if (interrupted) throw new Interrupted(`${interrupted.message}; stopped before the first evaluation, nothing saved`);
    throw new CliError('training ended without an evaluation; nothing saved');
  }
  const zipPath = join(outDir, `${name}.zip`);
  writeFileAtomic(zipPath, saved.bytes);
  const record = {
    command: 'detector train',
    checkpoint: zipPath,
    saved: { mode: interrupted ? 'best before the interrupt' : saveMode, step: saved.eval?.step ?? null, validation: saved.eval ? metricsRecord(saved.eval.report.all) : null },
    config: preset.name,
    loss,
    seed,
    data: dataDir ? { folder: resolve(dataDir), ...trainedOn } : { procedural: 'SIMCEP', imageSize: preset.simcep.width, trainImages: data.trainImages, validationImages: data.validationImages },
    steps: curve.length ? curve[curve.length - 1].step : 0,
    totalSteps,
    batchSize,
    learningRate,
    backend: used.backend,
    adapter: used.adapter,
    seconds,
    evals,
    curve,
  };
  writeFileAtomic(join(outDir, `${name}.json`), toJson(record));
  io.err(`detector train: saved ${saved.eval ? `step ${saved.eval.step} (${metricsLine(saved.eval.report.all)})` : 'the weights'} to ${zipPath}`);
  io.out(toJson({ ...record, curve: undefined, record: join(outDir, `${name}.json`) }));
  if (interrupted) throw interrupted;
  return 0;
}

export const detectorTrainCommand: Command = {
  name: 'detector train',
  synopsis: 'detector train --data DIR --out CKPT_DIR [--config small|thesis] [--steps N] [options]',
  specs,
  details: [
    'Writes CKPT_DIR/<name>.zip (the detection panel\'s "Load checkpoint (.zip)…" loads it; Jobs → Checkpoints',
    '→ "Import checkpoint (.zip)…" keeps it in the project) and CKPT_DIR/<name>.json (loss curve, every',
    'evaluation, seed, backend).',
    '',
    'Examples:',
    '  cvwb detector train --data data/simcep --out runs/ --config small --steps 500 --seed 1',
    '  cvwb detector train --out runs/ --config thesis --backend webgpu     (procedural SIMCEP, §3.4 setup)',
  ],
  run,
};
