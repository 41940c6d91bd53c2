/**
 * Detection benchmark (thesis chapter 3): trains the four assignments — the responsibility loss
 * R = C/D, its R = 1/D ablation, max-IoU (+ NMS 0.7 at inference) and one-to-one Hungarian
 * matching — from the same initial weights on the same procedural data, then scores each on the
 * same validation set and on a heavy-overlap set (crowded SIMCEP images that all have a
 * ground-truth pair with IoU > 0.3), with the Table 3.2 metrics and count errors.
 *
 *   npm run bench:detection -- --config small [--steps N] [--seeds 1,2]
 *   npm run bench:detection -- --config thesis --smoke --batch-size 2      # does it start?
 *
 * Writes bench/out/detection-<config>.json, appends a dated section to docs/results.md (unless
 * --smoke or --no-docs), and exits 1 when the responsibility loss does not beat R = 1/D on overall
 * validation F1 (mean over seeds) — the check the issue asks for. Exit 2: bad arguments.
 */
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs, positiveInt, runCli, usage, UsageError, type OptionSpecs } from './lib/args';
import {
  backendChoices,
  duration,
  fixed,
  heavyOverlapSet,
  machineInfo,
  pct,
  quietTfjsBanner,
  releaseBackend,
  selectBackend,
  type BackendChoice,
} from './lib/detection';
import { assignmentKinds, type AssignmentKind } from '../src/pipelines/detection/assignment';
import type { DetectionMetrics } from '../src/pipelines/detection/metrics';
import { disposeDetectorWeights } from '../src/pipelines/detection/model';
import { LOSS_LABELS, PRESETS, type TrainingPreset } from '../src/pipelines/detection/presets';
import { evaluateOn, trainDetector } from '../src/pipelines/detection/trainLoop';

/** Thesis Table 3.2, validation row, and §3.4's count RMSE: the reference, not a measurement. */
const THESIS = { truePositiveRate: 0.753, falsePositiveRate: 0.194, f1: 0.773, countRmse: 2.28 };

/** Default optimiser steps per loss: `small` sized so the four losses finish in about 10 min on 2 shared CPU cores. */
const DEFAULT_STEPS: Record<TrainingPreset['name'], number | 'preset'> = { small: 300, thesis: 'preset' };

const specs: OptionSpecs = {
  config: { type: 'string', choices: Object.keys(PRESETS), help: 'training preset (default small)' },
  steps: { type: 'int', help: 'optimiser steps per loss (default: small 300, thesis the full preset)' },
  seeds: { type: 'list', help: 'comma-separated seeds; each trains all four losses (default 1)' },
  losses: { type: 'list', help: `subset of ${assignmentKinds.join(',')} (default all)` },
  'val-images': { type: 'int', help: 'validation images (default: preset)' },
  'heavy-images': { type: 'int', help: 'heavy-overlap images (default: as many as validation)' },
  'batch-size': { type: 'int', help: 'images per step (default: preset)' },
  lr: { type: 'number', help: 'Adam learning rate (default: preset)' },
  backend: { type: 'string', choices: backendChoices, help: 'tfjs backend (default cpu)' },
  out: { type: 'string', help: 'JSON output (default bench/out/detection-<config>.json)' },
  smoke: { type: 'flag', help: 'start-up check: 1 step, 4+4 evaluation images, no docs, check not enforced' },
  'no-docs': { type: 'flag', help: 'do not append to docs/results.md' },
  help: { type: 'flag', help: 'print this help' },
};

interface RunResult {
  loss: AssignmentKind;
  seed: number;
  steps: number;
  trainSeconds: number;
  msPerStep: number;
  evalSeconds: number;
  validation: DetectionMetrics;
  validationHeavySubset: DetectionMetrics;
  heavyOverlapSet: DetectionMetrics;
}

const metricKeys = ['truePositiveRate', 'falsePositiveRate', 'f1', 'countRmse', 'countMae'] as const;

function mean(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

function meanMetrics(ms: readonly DetectionMetrics[]): Record<(typeof metricKeys)[number], number> {
  return Object.fromEntries(metricKeys.map((k) => [k, mean(ms.map((m) => m[k]))])) as Record<(typeof metricKeys)[number], number>;
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, specs);
  if (args.flag('help')) {
    console.log(usage('npm run bench:detection --', specs));
    return 0;
  }
  const preset = PRESETS[(args.string('config') ?? 'small') as TrainingPreset['name']];
  const smoke = args.flag('smoke');
  const seeds = (args.list('seeds') ?? ['1']).map((s) => {
    if (!/^-?\d+$/.test(s)) throw new UsageError(`--seeds must be integers, got '${s}'`);
    return Number(s);
  });
  if (new Set(seeds).size !== seeds.length) throw new UsageError('--seeds has a repeated seed');
  const losses = (args.list('losses') ?? [...assignmentKinds]).map((l) => {
    if (!assignmentKinds.includes(l as AssignmentKind)) throw new UsageError(`--losses: unknown loss '${l}' (${assignmentKinds.join(', ')})`);
    return l as AssignmentKind;
  });
  const batchSize = positiveInt(args, 'batch-size', preset.batchSize);
  const stepsPerEpoch = Math.max(1, Math.floor(preset.trainImages / batchSize));
  const presetSteps = stepsPerEpoch * preset.epochs;
  const defaultSteps = smoke ? 1 : DEFAULT_STEPS[preset.name] === 'preset' ? presetSteps : (DEFAULT_STEPS[preset.name] as number);
  const steps = positiveInt(args, 'steps', defaultSteps);
  const epochs = Math.ceil(steps / stepsPerEpoch);
  const valImages = positiveInt(args, 'val-images', smoke ? 4 : preset.valImages);
  const heavyImages = positiveInt(args, 'heavy-images', smoke ? 4 : valImages);
  const learningRate = args.number('lr') ?? preset.learningRate;
  if (!(learningRate > 0)) throw new UsageError(`--lr must be positive, got ${learningRate}`);
  const jsonPath = resolve(args.string('out') ?? `bench/out/detection-${preset.name}.json`);
  const writeDocs = !smoke && !args.flag('no-docs');
  const enforce = !smoke && losses.includes('responsibility') && losses.includes('inverse-distance');

  quietTfjsBanner();
  const backend = await selectBackend((args.string('backend') ?? 'cpu') as BackendChoice);
  const machine = machineInfo();
  const started = new Date();
  console.log(`bench:detection --config ${preset.name}${smoke ? ' (smoke run)' : ''}`);
  console.log(
    `  ${preset.simcep.width}×${preset.simcep.height} SIMCEP, cells ${preset.simcep.cellCount.join('–')}; ${steps} steps × batch ${batchSize} per loss ` +
      `(${(steps / stepsPerEpoch).toFixed(2)} epochs of ${preset.trainImages} images), Adam lr ${learningRate}; seeds ${seeds.join(', ')}`,
  );
  console.log(`  backend ${backend} (tfjs ${machine.tfjs}), ${machine.cpu} ×${machine.cores}, Node ${machine.node}`);

  const runs: RunResult[] = [];
  const heavyGenerated: Record<number, number> = {};
  for (const seed of seeds) {
    const t = performance.now();
    const heavy = heavyOverlapSet(preset, seed, heavyImages);
    heavyGenerated[seed] = heavy.generated;
    console.log(`\nseed ${seed}: heavy-overlap set ${heavyImages} images (${heavy.generated} crowded images generated, ${duration((performance.now() - t) / 1000)})`);
    for (const loss of losses) {
      let stepMs = 0, stepStart = 0, evalMs = 0, evalStart = 0;
      const t0 = performance.now();
      const result = await trainDetector(
        { preset, loss, seed, epochs, maxSteps: steps, batchSize, learningRate, valImages },
        {
          checkpoint: async () => {
            stepStart = performance.now();
          },
          onStep: (s) => {
            const now = performance.now();
            stepMs += now - stepStart;
            evalStart = now;
            if (!Number.isFinite(s.loss)) throw new Error(`${loss}: loss became ${s.loss} at step ${s.step}`);
            if (s.step % 100 === 0) console.log(`  ${loss.padEnd(16)} step ${s.step}/${s.totalSteps} loss ${s.loss.toFixed(4)} ${(stepMs / s.step).toFixed(0)} ms/step`);
          },
          onEval: () => {
            evalMs += performance.now() - evalStart;
          },
        },
      );
      const trainSeconds = (performance.now() - t0) / 1000;
      if (!result.lastEval) throw new Error(`${loss}: training ended without a validation pass`);
      const te = performance.now();
      const heavyReport = await evaluateOn(result.weights, preset, heavy.batch, loss);
      evalMs += performance.now() - te;
      disposeDetectorWeights(result.weights);
      const run: RunResult = {
        loss,
        seed,
        steps: result.steps,
        trainSeconds,
        msPerStep: stepMs / result.steps,
        evalSeconds: evalMs / 1000,
        validation: result.lastEval.report.all,
        validationHeavySubset: result.lastEval.report.heavyOverlap,
        heavyOverlapSet: heavyReport.all,
      };
      runs.push(run);
      console.log(
        `  ${loss.padEnd(16)} done in ${duration(trainSeconds)}: val F1 ${fixed(run.validation.f1)} (TPR ${pct(run.validation.truePositiveRate)}, FPR ${pct(run.validation.falsePositiveRate)}), ` +
          `heavy-overlap F1 ${fixed(run.heavyOverlapSet.f1)}`,
      );
    }
  }

  const summary = losses.map((loss) => {
    const rs = runs.filter((r) => r.loss === loss);
    return {
      loss,
      label: LOSS_LABELS[loss],
      seeds: rs.length,
      validation: meanMetrics(rs.map((r) => r.validation)),
      heavyOverlapSet: meanMetrics(rs.map((r) => r.heavyOverlapSet)),
      f1Range: [Math.min(...rs.map((r) => r.validation.f1)), Math.max(...rs.map((r) => r.validation.f1))],
      msPerStep: mean(rs.map((r) => r.msPerStep)),
    };
  });
  const f1Of = (loss: AssignmentKind) => summary.find((s) => s.loss === loss)?.validation.f1 ?? NaN;
  const responsibilityF1 = f1Of('responsibility');
  const inverseDistanceF1 = f1Of('inverse-distance');
  const passed = responsibilityF1 > inverseDistanceF1;
  const totalSeconds = (Date.now() - started.getTime()) / 1000;

  const table = renderTable(summary, seeds.length);
  console.log(`\nResults (${seeds.length > 1 ? `mean of ${seeds.length} seeds` : `seed ${seeds[0]}`}; validation ${valImages} images, heavy-overlap set ${heavyImages} images; backend ${backend}):\n`);
  console.log(table.text);
  const checkLine = enforce
    ? `check: responsibility F1 ${fixed(responsibilityF1)} ${passed ? '>' : '≤'} R = 1/D F1 ${fixed(inverseDistanceF1)}: ${passed ? 'PASSED' : 'FAILED'}`
    : `check: not enforced (${smoke ? 'smoke run' : 'responsibility or inverse-distance not run'})`;
  console.log(`\n${checkLine}`);
  console.log(`total wall time ${duration(totalSeconds)}`);

  const json = {
    benchmark: 'detection',
    config: preset.name,
    smoke,
    date: started.toISOString(),
    backend,
    machine,
    settings: {
      steps,
      batchSize,
      learningRate,
      seeds,
      losses,
      valImages,
      heavyImages,
      heavyGenerated,
      trainImages: preset.trainImages,
      image: [preset.simcep.width, preset.simcep.height],
      cellCount: preset.simcep.cellCount,
      detector: preset.detector,
      metrics: 'Table 3.2: positive = confidence > 0.5; TP = IoU > 0.6, one box per ground truth; TPR = TP/#GT, FPR = FP/#GT; count = positives per image',
    },
    thesis: THESIS,
    summary,
    runs,
    check: { enforced: enforce, responsibilityF1, inverseDistanceF1, passed },
    totalSeconds,
  };
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, JSON.stringify(json, null, 2) + '\n');
  console.log(`wrote ${jsonPath}`);

  if (writeDocs) {
    const docs = resolve('docs/results.md');
    if (!existsSync(docs)) {
      mkdirSync(dirname(docs), { recursive: true });
      writeFileSync(docs, '# Results\n');
    }
    const cmd = `npm run bench:detection -- ${argv.filter((a) => a !== '--').join(' ')}`.trim();
    const section = [
      '',
      `## ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC — detection benchmark, \`${preset.name}\` config`,
      '',
      `Command: \`${cmd}\`. Preset \`${preset.name}\`: ${preset.simcep.width}×${preset.simcep.height} SIMCEP images with ` +
        `${preset.simcep.cellCount.join('–')} cells, ${steps} Adam steps (lr ${learningRate}) of batch ${batchSize} per loss from the same initial ` +
        `weights and data (seed${seeds.length > 1 ? 's' : ''} ${seeds.join(', ')}${seeds.length > 1 ? '; means over seeds' : ''}). ` +
        `Validation: ${valImages} images; heavy-overlap set: ${heavyImages} crowded images with a ground-truth pair of IoU > 0.3 ` +
        `(kept from ${Object.values(heavyGenerated).join(' / ')} generated). Backend \`${backend}\` on ${machine.cpu} ×${machine.cores} (Node ${machine.node}); ` +
        `total wall time ${duration(totalSeconds)}. Raw numbers: \`bench/out/detection-${preset.name}.json\` (not committed).`,
      '',
      table.markdown,
      '',
      enforce ? `Check (issue): responsibility F1 ${fixed(responsibilityF1)} ${passed ? '>' : '≤'} R = 1/D F1 ${fixed(inverseDistanceF1)} — **${passed ? 'passed' : 'FAILED'}**.` : `Check not enforced.`,
      '',
    ].join('\n');
    appendFileSync(docs, section);
    console.log(`appended a section to ${docs}`);
  }
  return enforce && !passed ? 1 : 0;
}

function renderTable(
  summary: { loss: AssignmentKind; label: string; validation: Record<string, number>; heavyOverlapSet: Record<string, number>; msPerStep: number; f1Range: number[] }[],
  seeds: number,
): { text: string; markdown: string } {
  const header = ['Loss', 'TPR', 'FPR', 'F1', 'RMSE', 'MAE', 'Heavy TPR', 'Heavy FPR', 'Heavy F1', 'Heavy RMSE', 'Heavy MAE', 'ms/step'];
  const row = (v: Record<string, number>) => [pct(v.truePositiveRate), pct(v.falsePositiveRate), fixed(v.f1), fixed(v.countRmse, 2), fixed(v.countMae, 2)];
  const rows = summary.map((s) => [
    s.label + (seeds > 1 ? ` (F1 ${fixed(s.f1Range[0])}–${fixed(s.f1Range[1])})` : ''),
    ...row(s.validation),
    ...row(s.heavyOverlapSet),
    s.msPerStep.toFixed(0),
  ]);
  const thesisRow = ['Thesis Table 3.2 (224², 17k images)', pct(THESIS.truePositiveRate), pct(THESIS.falsePositiveRate), fixed(THESIS.f1), fixed(THESIS.countRmse, 2), '—', '—', '—', '—', '—', '—', '—'];
  const all = [header, ...rows, thesisRow];
  const widths = header.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  const text = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line), line(thesisRow)].join('\n');
  const md = (r: string[]) => `| ${r.join(' | ')} |`;
  const markdown = [md(header), md(header.map((_, c) => (c === 0 ? '---' : '---:'))), ...rows.map(md), md(thesisRow)].join('\n');
  return { text, markdown };
}

runCli('bench:detection', 'npm run bench:detection --', specs, main, releaseBackend);
