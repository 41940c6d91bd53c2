/**
 * Train the chapter-3 detector from the command line (Node, tfjs cpu backend by default) and save
 * a checkpoint zip that the app's detection panel can load.
 *
 *   npm run train:detector -- --preset small --loss responsibility --seed 1 --out runs/small.zip
 *   npm run train:detector -- --eval-only --init models/detector-small/detector-small.zip --drawn-check 128
 *   npm run train:detector -- --init models/detector-small/detector-small.zip --real ../shared/data/dsb2018-nuclei \
 *       --scale 0.5 --crop 64 --out runs/dsb.zip          (fine-tune on real annotated images)
 *
 * Prints the mean loss every few steps and, at every evaluation, the Table 3.2 metrics on the
 * validation set (plus its heavy-overlap subset when it has any images) and on a separate
 * heavy-overlap set (crowded SIMCEP images that all have a ground-truth pair of IoU > 0.3). Saves
 * the best-F1 (default) or final weights with saveDetectorCheckpoint.
 *
 * Exit codes: 0 done, 1 training or I/O failure, 2 bad arguments, 130 interrupted (Ctrl-C once:
 * stops after the current step and still writes the best checkpoint so far).
 */
import { existsSync, mkdirSync, openAsBlob, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { decodeImageNode } from '../src/core/data/nodeDecode';
import { loadAnnotatedFolder, noAnnotatedImagesError } from '../src/pipelines/detection/realImages';
import { prepareRealSplit, realTrainingData, type TrainingData } from '../src/pipelines/detection/realTraining';
import { parseArgs, positiveInt, runCli, usage, UsageError, type OptionSpecs } from '../bench/lib/args';
import {
  backendChoices,
  drawnCellsCheck,
  duration,
  heavyOverlapSet,
  machineInfo,
  metricsLine,
  metricsRecord,
  quietTfjsBanner,
  releaseBackend,
  selectBackend,
  type BackendChoice,
} from '../bench/lib/detection';
import { assignmentKinds, type AssignmentKind } from '../src/pipelines/detection/assignment';
import { loadDetectorCheckpoint, saveDetectorCheckpoint, type DetectorCheckpointInfo } from '../src/pipelines/detection/checkpoint';
import type { DetectionMetrics } from '../src/pipelines/detection/metrics';
import { disposeDetectorWeights, type DetectorWeights } from '../src/pipelines/detection/model';
import { PRESETS, type TrainingPreset } from '../src/pipelines/detection/presets';
import { evaluateOn, simcepTrainingData, trainDetector, type EvalInfo } from '../src/pipelines/detection/trainLoop';

const specs: OptionSpecs = {
  preset: { type: 'string', choices: Object.keys(PRESETS), help: 'training configuration (default small)' },
  loss: { type: 'string', choices: assignmentKinds, help: 'assignment / loss (default responsibility)' },
  seed: { type: 'int', help: 'seed of the init, data order, validation and heavy-overlap sets (default 1)' },
  epochs: { type: 'int', help: "passes over the preset's training images (default: preset)" },
  'max-steps': { type: 'int', help: 'stop after this many optimiser steps' },
  out: { type: 'string', help: 'checkpoint zip to write (required unless --eval-only)' },
  'eval-every': { type: 'int', help: 'validate every K steps as well as at epoch ends' },
  save: { type: 'string', choices: ['best', 'final'], help: 'save the best validation-F1 evaluation (default) or the final weights' },
  lr: { type: 'number', help: 'Adam learning rate (default: preset)' },
  'batch-size': { type: 'int', help: 'images per step (default: preset)' },
  'train-images': { type: 'int', help: 'procedural training-set size (default: preset)' },
  'val-images': { type: 'int', help: 'validation-set size (default: preset)' },
  'heavy-images': { type: 'int', help: 'heavy-overlap set size, 0 = none (default 100)' },
  'log-every': { type: 'int', help: 'print the mean loss every K steps (default 25)' },
  backend: { type: 'string', choices: backendChoices, help: 'tfjs backend (default cpu)' },
  init: { type: 'string', help: 'start from the weights of this checkpoint zip (same preset)' },
  'image-size': { type: 'int', help: "train and validate on N×N images instead of the preset's (multiple of 32)" },
  cells: { type: 'string', help: "cells per image as MIN-MAX instead of the preset's (e.g. 1-10)" },
  'drawn-check': { type: 'int', help: 'at the end, count well separated drawn cells on N×N images (e.g. 128)' },
  'drawn-images': { type: 'int', help: 'drawn-cells check: images per cell count 1–5 (default 50)' },
  real: { type: 'string', help: 'train/validate on this annotated folder (COCO / box-list JSON, DSB2018 masks) instead of SIMCEP images' },
  scale: { type: 'number', help: '--real: resize factor applied to every image first (default 1)' },
  crop: { type: 'int', help: '--real: training crop side, a multiple of 32 (default: the preset image size)' },
  'val-fraction': { type: 'number', help: '--real: fraction of the images held out for validation (default 0.2)' },
  limit: { type: 'int', help: '--real: use at most this many annotated images (sorted path order)' },
  'eval-only': { type: 'flag', help: 'only evaluate the --init checkpoint (no training, no --out)' },
  help: { type: 'flag', help: 'print this help' },
};

class Interrupted extends Error {}

interface Evaluation {
  info: EvalInfo;
  heavySet: DetectionMetrics | null;
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, specs);
  if (args.flag('help')) {
    console.log(usage('npm run train:detector --', specs));
    return 0;
  }
  const evalOnly = args.flag('eval-only');
  const out = args.string('out');
  if (!evalOnly && !out) throw new UsageError('--out <file.zip> is required');
  if (out !== undefined && !out.endsWith('.zip')) throw new UsageError(`--out should name a .zip file, got '${out}'`);
  const basePreset: TrainingPreset = PRESETS[(args.string('preset') ?? 'small') as TrainingPreset['name']];
  const imageSize = args.int('image-size');
  if (imageSize !== undefined && (imageSize <= 0 || imageSize % 32 !== 0)) throw new UsageError(`--image-size must be a positive multiple of 32, got ${imageSize}`);
  const cellsArg = args.string('cells');
  const cells = cellsArg?.match(/^(\d+)-(\d+)$/);
  if (cellsArg !== undefined && (!cells || Number(cells[1]) > Number(cells[2]))) throw new UsageError(`--cells must be MIN-MAX (e.g. 1-10), got '${cellsArg}'`);
  // Overrides change only the SIMCEP images; the network and the Eq 3.2 box scale (pixels) stay the preset's.
  const preset: TrainingPreset = {
    ...basePreset,
    simcep: {
      ...basePreset.simcep,
      ...(imageSize ? { width: imageSize, height: imageSize } : {}),
      ...(cells ? { cellCount: [Number(cells[1]), Number(cells[2])] as const } : {}),
    },
  };
  const initPath = args.string('init');
  if (evalOnly && !initPath) throw new UsageError('--eval-only needs --init <checkpoint.zip>');
  if (initPath !== undefined && !existsSync(initPath)) throw new UsageError(`--init: no such file '${initPath}'`);
  const seed = args.int('seed') ?? 1;
  const batchSize = positiveInt(args, 'batch-size', preset.batchSize);
  const realDir = args.string('real');
  if (realDir !== undefined && !existsSync(realDir)) throw new UsageError(`--real: no such folder '${realDir}'`);
  const valImages = positiveInt(args, 'val-images', preset.valImages);
  // The heavy-overlap set is SIMCEP; with --real it is off unless asked for.
  const heavyImages = positiveInt(args, 'heavy-images', realDir ? 0 : 100, 0);
  const realScale = args.number('scale') ?? 1;
  if (!(realScale > 0)) throw new UsageError(`--scale must be positive, got ${realScale}`);
  const cropSize = args.int('crop') ?? preset.simcep.width;
  if (cropSize <= 0 || cropSize % 32 !== 0) throw new UsageError(`--crop must be a positive multiple of 32, got ${cropSize}`);
  const valFraction = args.number('val-fraction') ?? 0.2;
  if (!(valFraction > 0 && valFraction < 1)) throw new UsageError(`--val-fraction must be in (0, 1), got ${valFraction}`);
  const limit = args.has('limit') ? positiveInt(args, 'limit', 2) : undefined;
  const epochs = positiveInt(args, 'epochs', preset.epochs);
  const maxSteps = args.has('max-steps') ? positiveInt(args, 'max-steps', 1) : undefined;
  const evalEvery = args.has('eval-every') ? positiveInt(args, 'eval-every', 1) : 0;
  const learningRate = args.number('lr') ?? preset.learningRate;
  if (!(learningRate > 0)) throw new UsageError(`--lr must be positive, got ${learningRate}`);
  const logEvery = positiveInt(args, 'log-every', 25);
  const saveMode = args.string('save') ?? 'best';
  const drawnSize = args.int('drawn-check');
  if (drawnSize !== undefined && (drawnSize <= 0 || drawnSize % 32 !== 0)) throw new UsageError(`--drawn-check must be a positive multiple of 32, got ${drawnSize}`);
  const drawnImages = positiveInt(args, 'drawn-images', 50);

  quietTfjsBanner();
  const backend = await selectBackend((args.string('backend') ?? 'cpu') as BackendChoice);
  const m = machineInfo();

  let initial: { weights: DetectorWeights; info: DetectorCheckpointInfo } | undefined;
  if (initPath) {
    initial = loadDetectorCheckpoint(new Uint8Array(readFileSync(initPath)));
    if (JSON.stringify(initial.info.detector) !== JSON.stringify(preset.detector)) {
      disposeDetectorWeights(initial.weights);
      throw new UsageError(`--init: ${initPath} holds a '${initial.info.detector.name}' detector, not preset ${preset.name}'s`);
    }
  }
  const loss = (args.string('loss') ?? (initial && (evalOnly || realDir) ? initial.info.loss : 'responsibility')) as AssignmentKind;
  let data: TrainingData;
  let imagesLine: string;
  let trainedOn: Record<string, string | number> | undefined;
  if (realDir) {
    const real = await loadRealFolder(realDir, seed, { scale: realScale, valFraction, limit });
    data = realTrainingData(real.train, real.val, { cropSize });
    imagesLine = `${real.name}: ${real.train.length} training / ${real.val.length} validation images (scale ${realScale}, ${cropSize}² crops), loss ${loss}, seed ${seed}`;
    trainedOn = { folder: real.name, trainImages: real.train.length, validationImages: real.val.length, cropSize, scale: realScale, valFraction };
  } else {
    data = simcepTrainingData(preset, seed, valImages, positiveInt(args, 'train-images', preset.trainImages, batchSize));
    imagesLine = `preset ${preset.name} (${preset.simcep.width}×${preset.simcep.height}, cells ${preset.simcep.cellCount.join('–')}), loss ${loss}, seed ${seed}`;
  }
  const trainImages = positiveInt(args, 'train-images', data.trainImages, batchSize);
  const heavy = heavyImages > 0 ? heavyOverlapSet(preset, seed, heavyImages) : null;
  const heavyEval = async (weights: DetectorWeights) => (heavy ? (await evaluateOn(weights, preset, heavy.batch, loss)).all : null);
  const printEval = (label: string, e: Evaluation) => {
    console.log(`${label}validation      ${metricsLine(e.info.report.all)}`);
    if (e.info.report.heavyOverlap.images > 0) console.log(`${label}  its heavy-overlap subset ${metricsLine(e.info.report.heavyOverlap)}`);
    if (e.heavySet) console.log(`${label}heavy-overlap set ${metricsLine(e.heavySet)}`);
  };

  if (evalOnly && initial) {
    console.log(`train-detector --eval-only: ${initPath} (${initial.info.preset}, ${initial.info.loss}, seed ${initial.info.seed}, step ${initial.info.step})`);
    console.log(`  on ${imagesLine}; ${data.validationImages} validation and ${heavyImages} heavy-overlap images; backend ${backend}`);
    const report = await data.evaluate(initial.weights, preset.detector, loss);
    printEval('', { info: { step: initial.info.step, epoch: 0, report, valLoss: NaN }, heavySet: await heavyEval(initial.weights) });
    if (drawnSize !== undefined) await printDrawnCheck(initial.weights, basePreset, loss, drawnSize, drawnImages);
    disposeDetectorWeights(initial.weights);
    return 0;
  }

  const outPath = resolve(out as string);
  const stepsPerEpoch = Math.max(1, Math.floor(trainImages / batchSize));
  const totalSteps = Math.min(maxSteps ?? Infinity, stepsPerEpoch * epochs);
  console.log(`train-detector: ${imagesLine}`);
  console.log(
    `  ${totalSteps} steps × batch ${batchSize} (epoch = ${stepsPerEpoch} steps), Adam lr ${learningRate}, ${data.validationImages} validation images, ` +
      `${heavyImages} heavy-overlap images${heavy ? ` (of ${heavy.generated} generated)` : ''}; backend ${backend}, ${m.cpu} ×${m.cores}, Node ${m.node}`,
  );
  if (initial) console.log(`  starting from ${initPath} (${initial.info.preset}, ${initial.info.loss}, seed ${initial.info.seed}, step ${initial.info.step})`);

  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.log('\ninterrupt: stopping after this step (press again to quit at once)');
  };
  process.on('SIGINT', onSigint);

  const info = (step: number, e: Evaluation | null): DetectorCheckpointInfo => ({
    pipeline: 'detection',
    detector: preset.detector,
    preset: preset.name,
    loss,
    seed,
    step,
    ...(e
      ? {
          metrics: {
            ...metricsRecord(e.info.report.all),
            ...(e.heavySet ? metricsRecord(e.heavySet, 'heavyOverlapSet') : {}),
            ...(trainedOn ? {} : { validationImageSize: preset.simcep.width }),
            learningRate,
            batchSize,
          },
        }
      : {}),
    ...(trainedOn ? { trainedOn: { ...trainedOn, ...(initPath ? { from: basename(initPath) } : {}) } } : {}),
    createdAt: new Date().toISOString(),
  });

  const t0 = performance.now();
  let evalMs = 0;
  let windowLoss = 0, windowConf = 0, windowReg = 0, windowN = 0;
  // Written from the hooks; holder objects so control-flow narrowing does not pin them to null.
  const kept: { best: { bytes: Uint8Array; eval: Evaluation } | null; last: Evaluation | null } = { best: null, last: null };
  let evalStart = 0;
  let stepsDone = 0;
  let exitCode = 0;
  let result: Awaited<ReturnType<typeof trainDetector>> | null = null;
  try {
    result = await trainDetector(
      { preset, loss, seed, epochs, maxSteps, evalEvery, learningRate, batchSize, trainImages, data, initialWeights: initial?.weights },
      {
        checkpoint: async () => {
          // Yield to the event loop once per step: on the cpu backend every await inside a step
          // resolves as a microtask, so without this a Ctrl-C would only be seen after training.
          await new Promise((r) => setImmediate(r));
          if (interrupted) throw new Interrupted('interrupted');
        },
        onStep: (s) => {
          if (!Number.isFinite(s.loss)) throw new Error(`loss became ${s.loss} at step ${s.step}; try a lower --lr`);
          stepsDone = s.step;
          windowLoss += s.loss;
          windowConf += s.confidence;
          windowReg += s.regression;
          windowN++;
          if (s.step % logEvery === 0 || s.step === s.totalSteps || s.step === 1) {
            const now = performance.now();
            console.log(
              `step ${String(s.step).padStart(5)}/${s.totalSteps}  epoch ${s.epoch + 1}  loss ${(windowLoss / windowN).toFixed(4)} ` +
                `(conf ${(windowConf / windowN).toFixed(4)}, reg ${(windowReg / windowN).toFixed(4)})  ${((now - t0 - evalMs) / s.step).toFixed(0)} ms/step  ` +
                `elapsed ${duration((now - t0) / 1000)}`,
            );
            windowLoss = windowConf = windowReg = windowN = 0;
          }
          evalStart = performance.now();
        },
        onEval: async (e, weights) => {
          const evaluation: Evaluation = { info: e, heavySet: await heavyEval(weights) };
          kept.last = evaluation;
          printEval(`eval @ step ${e.step}: `, evaluation);
          const prev = kept.best?.eval.info.report.all.f1;
          const f1 = e.report.all.f1;
          if (saveMode === 'best' && (prev === undefined || f1 > prev || (Number.isNaN(prev) && !Number.isNaN(f1)))) {
            kept.best = { bytes: await saveDetectorCheckpoint(weights, info(e.step, evaluation)), eval: evaluation };
            console.log('  (best validation F1 so far: kept as the checkpoint)');
          }
          evalMs += performance.now() - (evalStart || performance.now());
          evalStart = 0;
        },
      },
    );
  } catch (e) {
    if (!(e instanceof Interrupted)) throw e;
    exitCode = 130;
  } finally {
    process.off('SIGINT', onSigint);
  }
  const seconds = (performance.now() - t0) / 1000;

  let bytes: Uint8Array;
  let saved: Evaluation | null;
  if (result && saveMode === 'final') {
    saved = kept.last;
    bytes = await saveDetectorCheckpoint(result.weights, info(result.steps, saved));
  } else if (kept.best) {
    bytes = kept.best.bytes;
    saved = kept.best.eval;
  } else {
    if (result) disposeDetectorWeights(result.weights);
    console.error('train-detector: stopped before the first evaluation; nothing saved');
    return exitCode || 1;
  }
  if (result) disposeDetectorWeights(result.weights);
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, bytes);
  const steps = result?.steps ?? stepsDone;
  console.log(`\n${exitCode === 130 ? 'interrupted after' : 'trained'} ${steps} steps in ${duration(seconds)} (${duration(evalMs / 1000)} of it evaluating) on ${backend}`);
  console.log(`saved the ${saveMode === 'final' ? 'final' : 'best-F1'} weights (step ${saved?.info.step ?? steps}) to ${outPath} (${(bytes.length / 1024).toFixed(1)} KiB)`);
  if (saved) printEval('  ', saved);

  if (drawnSize !== undefined) {
    // Checked on the saved bytes, as the app will load them.
    const loaded = loadDetectorCheckpoint(bytes);
    await printDrawnCheck(loaded.weights, basePreset, loss, drawnSize, drawnImages);
    disposeDetectorWeights(loaded.weights);
  }
  return exitCode;
}

async function printDrawnCheck(weights: DetectorWeights, preset: TrainingPreset, loss: AssignmentKind, size: number, imagesPerCount: number): Promise<void> {
  const check = await drawnCellsCheck(weights, preset, loss, { size, imagesPerCount });
  console.log(`drawn-cells check on ${size}×${size} (well separated cells, confidence > 0.5): exact count in ${(100 * check.exactRate).toFixed(1)}% of images`);
  for (const c of check.byCount) {
    console.log(`  ${c.cells} cell(s): exact ${c.exact}/${c.images}, mean boxes ${c.meanPositives.toFixed(2)}, mean |error| ${c.meanAbsError.toFixed(2)}`);
  }
}

runCli('train-detector', 'npm run train:detector --', specs, main, releaseBackend);

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
}

/** Load an annotated folder from disk (as the app would after a drop), print its problems, split it. */
async function loadRealFolder(dir: string, seed: number, opts: { scale: number; valFraction: number; limit?: number }) {
  if (!statSync(dir).isDirectory()) throw new UsageError(`--real: '${dir}' is not a folder`);
  const name = basename(resolve(dir));
  const files = await Promise.all(listFiles(dir).map(async (p) => ({ path: `${name}/${relative(dir, p)}`, blob: await openAsBlob(p) })));
  console.log(`reading ${files.length} files from ${dir} …`);
  const folder = await loadAnnotatedFolder(files, decodeImageNode, { limit: opts.limit });
  if (folder.samples.length === 0) throw noAnnotatedImagesError(folder, 'COCO/box-list JSON or <id>/images + <id>/masks folders');
  for (const p of folder.problems.slice(0, 20)) console.log(`  problem: ${p.path}: ${p.message}`);
  if (folder.problems.length > 20) console.log(`  … and ${folder.problems.length - 20} more problems`);
  const split = prepareRealSplit(folder.samples, { valFraction: opts.valFraction, seed, scale: opts.scale });
  if (split.skipped.length > 0) console.log(`  ${split.skipped.length} count-only images skipped (no boxes to train on)`);
  return { name, ...split };
}
