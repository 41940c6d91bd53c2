/**
 * Style-augmentation benchmark (thesis §4.4.2, Table 4.1/4.2): trains the `small` domain-shift
 * experiment on PACS — two training domains, the third as the unseen target — under the arms
 * None / Traditional / Style / Both / Colour jitter, for each seed, and prints the final target
 * accuracy per arm and seed and mean ± std per arm.
 *
 *   npm run bench:style                                   # small config, 2 seeds, all five arms
 *   npm run bench:style -- --seeds 3 --arms none,style --train photo,art_painting --target cartoon
 *   npm run bench:style -- --config thesis --classifier mobilenet --backend webgpu
 *
 * The default split trains on art_painting + photo and tests on cartoon: the shipped style
 * statistics (N(μ, Σ) of Eq 4.8) were fitted on art_painting embeddings, so art_painting cannot
 * be the target without leaking the target domain's styles into training.
 *
 * Writes bench/out/style.json. Then, unless --skip-timing, runs the browser timing part from
 * bench/styleTiming.ts (`runStyleTiming()`) when that file exists.
 * Exit codes: 0 done, 1 failure, 2 bad arguments.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { parseArgs, positiveInt, runCli, usage, UsageError, type OptionSpecs } from './lib/args';
import { duration, machineInfo, quietTfjsBanner, releaseBackend } from './lib/detection';
import { parseSeeds, pctPm, readFolderFiles, readMobilenetFiles, readStyleModels, selectStyleBackend, styleBackendChoices, type StyleBackendChoice } from './lib/style';
import { runJob } from '../src/core/jobs/protocol';
import { decodeImageNode } from '../src/core/data/nodeDecode';
import { EXPERIMENT_CONFIGS, resolveConfig } from '../src/pipelines/style/experiment/config';
import { runStyleExperiment } from '../src/pipelines/style/experiment/job';
import { ARM_LABELS, ARMS, type Arm, type ClassifierKind, type ExperimentConfigName, type StyleExperimentParams, type StyleExperimentResult } from '../src/pipelines/style/experiment/types';
import { DEFAULT_STYLE_STATS_DOMAIN } from '../src/pipelines/style/randomize';

const DEFAULT_ARMS: Arm[] = ['none', 'trad', 'style', 'both', 'color'];

const specs: OptionSpecs = {
  config: { type: 'string', choices: Object.keys(EXPERIMENT_CONFIGS), help: 'experiment config (default small)' },
  seeds: { type: 'int', help: 'number of seeds, 1…N (default 2)' },
  'seed-list': { type: 'list', help: 'explicit seeds instead of --seeds, e.g. 4,7' },
  train: { type: 'list', help: `training domains (default art_painting,photo)` },
  target: { type: 'string', help: 'target domain (default cartoon)' },
  arms: { type: 'list', help: `subset of ${ARMS.join(',')} (default ${DEFAULT_ARMS.join(',')})` },
  classifier: { type: 'string', choices: ['cnn', 'mobilenet'], help: 'classifier (default: the config\'s)' },
  backend: { type: 'string', choices: styleBackendChoices, help: 'tfjs backend (default wasm)' },
  epochs: { type: 'int', help: 'epochs per run (default: config)' },
  'image-size': { type: 'int', help: 'image side in pixels (default: config)' },
  'batch-size': { type: 'int', help: 'images per step (default: config)' },
  lr: { type: 'number', help: 'Adam learning rate (default: config)' },
  ratio: { type: 'number', help: 'style augmentation ratio (default: config, 0.5)' },
  alpha: { type: 'number', help: 'style strength α (default: config, 0.5)' },
  sweep: { type: 'string', help: "sweep one parameter over the style arms, e.g. 'ratio=0.25,0.5,1' or 'alpha=0,0.5,1'" },
  stylisation: { type: 'string', choices: ['pool', 'online'], help: 'precomputed pool or on-the-fly stylisation (default: config)' },
  'pool-size': { type: 'int', help: 'stylised variants per training image in pool mode (default: config)' },
  'train-per-class': { type: 'int', help: 'at most this many images per training domain and class (default: all)' },
  transformer: { type: 'string', choices: ['int8', 'fp16'], help: 'Magenta transformer file (default int8)' },
  data: { type: 'string', help: 'domain/class/<file> folder (default ../shared/data/pacs-subset)' },
  models: { type: 'string', help: 'models folder (default ../shared/models)' },
  out: { type: 'string', help: 'JSON output (default bench/out/style.json)' },
  'skip-timing': { type: 'flag', help: 'do not run the browser timing part (bench/styleTiming.ts)' },
  help: { type: 'flag', help: 'print this help' },
};

function parseSweep(text: string | undefined): StyleExperimentParams['sweep'] {
  if (text === undefined) return undefined;
  const m = /^(ratio|alpha)=(.+)$/.exec(text);
  if (!m) throw new UsageError(`--sweep must look like 'ratio=0.25,0.5,1' or 'alpha=0,0.5,1', got '${text}'`);
  const values = m[2].split(',').map((s) => Number(s.trim()));
  if (values.some((v) => !Number.isFinite(v))) throw new UsageError(`--sweep values must be numbers, got '${m[2]}'`);
  return { param: m[1] as 'ratio' | 'alpha', values };
}

/** bench/styleTiming.ts's exports, loaded only when the file is there (it starts Vite and Chromium). */
interface TimingModule {
  runStyleTiming?: (opts: { models: string; log?: (line: string) => void }) => Promise<unknown>;
  formatStyleTiming?: (result: never) => string;
}

async function runTimingPart(modelsDir: string): Promise<unknown> {
  const file = resolve(import.meta.dirname, 'styleTiming.ts');
  if (!existsSync(file)) {
    console.log('\nBrowser timing part: bench/styleTiming.ts is not present; skipped.');
    return null;
  }
  const mod = (await import(pathToFileURL(file).href)) as TimingModule;
  if (typeof mod.runStyleTiming !== 'function') {
    console.log('\nBrowser timing part: bench/styleTiming.ts has no exported runStyleTiming(); skipped.');
    return null;
  }
  console.log('\nBrowser timing part (bench/styleTiming.ts; --skip-timing leaves it out):');
  const result = (await mod.runStyleTiming({ models: modelsDir })) ?? null;
  if (result !== null && typeof mod.formatStyleTiming === 'function') console.log(mod.formatStyleTiming(result as never));
  return result;
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, specs);
  if (args.flag('help')) {
    console.log(usage('npm run bench:style --', specs));
    return 0;
  }
  const configName = (args.string('config') ?? 'small') as ExperimentConfigName;
  const seeds = parseSeeds(args.int('seeds'), args.list('seed-list'), 2);
  const trainDomains = args.list('train') ?? ['art_painting', 'photo'];
  const targetDomain = args.string('target') ?? 'cartoon';
  const arms = (args.list('arms') ?? DEFAULT_ARMS).map((a) => {
    if (!ARMS.includes(a as Arm)) throw new UsageError(`--arms: unknown arm '${a}' (${ARMS.join(', ')})`);
    return a as Arm;
  });
  const dataDir = resolve(args.string('data') ?? resolve(import.meta.dirname, '../../shared/data/pacs-subset'));
  const modelsDir = resolve(args.string('models') ?? resolve(import.meta.dirname, '../../shared/models'));
  const jsonPath = resolve(args.string('out') ?? resolve(import.meta.dirname, 'out/style.json'));
  const alpha = args.number('alpha');
  const params: StyleExperimentParams = {
    files: readFolderFiles(dataDir),
    trainDomains,
    targetDomain,
    arms,
    seeds,
    config: configName,
    classifier: (args.string('classifier') as ClassifierKind | undefined) ?? EXPERIMENT_CONFIGS[configName].classifier,
    ...(args.has('epochs') ? { epochs: positiveInt(args, 'epochs', 1) } : {}),
    ...(args.has('image-size') ? { imageSize: positiveInt(args, 'image-size', 1) } : {}),
    ...(args.has('batch-size') ? { batchSize: positiveInt(args, 'batch-size', 1) } : {}),
    ...(args.has('lr') ? { learningRate: args.number('lr') } : {}),
    ...(args.has('ratio') ? { styleRatio: args.number('ratio') } : {}),
    ...(alpha !== undefined ? { alpha } : {}),
    ...(args.has('stylisation') ? { stylisation: args.string('stylisation') as 'pool' | 'online' } : {}),
    ...(args.has('pool-size') ? { poolSize: positiveInt(args, 'pool-size', 1) } : {}),
    ...(args.has('train-per-class') ? { trainPerClass: positiveInt(args, 'train-per-class', 1) } : {}),
    sweep: parseSweep(args.string('sweep')),
  };
  const config = (() => {
    try {
      return resolveConfig(params);
    } catch (e) {
      throw new UsageError(e instanceof Error ? e.message : String(e));
    }
  })();
  if (arms.some((a) => a === 'style' || a === 'both')) params.styleModels = readStyleModels(modelsDir, (args.string('transformer') ?? 'int8') as 'int8' | 'fp16');
  if (config.classifier === 'mobilenet') params.mobilenetFiles = readMobilenetFiles(modelsDir);

  quietTfjsBanner();
  const backend = await selectStyleBackend((args.string('backend') ?? 'wasm') as StyleBackendChoice);
  const machine = machineInfo();
  console.log(`bench:style --config ${config.name}: train ${trainDomains.join(' + ')} → target ${targetDomain}; arms ${arms.join(', ')}; seeds ${seeds.join(', ')}`);
  console.log(
    `  The shipped style statistics N(μ, Σ) were fitted on ${DEFAULT_STYLE_STATS_DOMAIN} embeddings, so ${DEFAULT_STYLE_STATS_DOMAIN} is never the target here ` +
      `(its own styles would leak into training); the default split is art_painting + photo → cartoon.`,
  );
  console.log(
    `  ${config.classifier === 'cnn' ? `CNN widths ${config.cnn.widths.join('-')}${config.cnn.batchNorm ? ' + BN' : ''}` : `MobileNet v1 (${config.mobilenet.outputLayer}) + head`}, ` +
      `${config.imageSize}² images, ${config.epochs} epochs × batch ${config.batchSize}, Adam lr ${config.learningRate}; style ratio ${config.styleRatio}, α ${JSON.stringify(config.alpha)}, ` +
      `${config.stylisation === 'pool' ? `pool of ${config.poolSize} stylised variant(s) per image per seed` : 'stylised on the fly'}`,
  );
  console.log(`  backend ${backend} (tfjs ${machine.tfjs}), ${machine.cpu} ×${machine.cores}, Node ${machine.node}`);

  const started = new Date();
  const t0 = performance.now();
  let lastMessage = '';
  let lastPrint = 0;
  const outcome = await runJob<StyleExperimentParams, StyleExperimentResult>(
    (p, ctx) => runStyleExperiment(p, ctx, { decode: decodeImageNode }),
    params,
    seeds[0],
    { cancelled: false },
    {
      onProgress: (p) => {
        const phase = (p.message ?? '').replace(/\s*\d+\/\d+$/, '').replace(/, step \d+\/\d+$/, '');
        const now = performance.now();
        if (phase !== lastMessage && !phase.startsWith('Run ') && now - lastPrint > 200) {
          console.log(`  [${duration((now - t0) / 1000)}] ${phase}`);
          lastPrint = now;
        }
        lastMessage = phase;
      },
      onLog: (m) => console.log(`  [${duration((performance.now() - t0) / 1000)}] ${m}`),
    },
  );
  const wallSeconds = (performance.now() - t0) / 1000;
  if (outcome.status !== 'done') throw new Error(outcome.status === 'error' ? outcome.message : 'cancelled');
  const result = outcome.result;

  console.log(`\n${result.trainImages} training images (${trainDomains.join(' + ')}), ${result.targetImages} target images (${targetDomain}), ${result.classes.length} classes; chance ${(100 / result.classes.length).toFixed(1)} %`);
  if (result.problems.length) console.log(`${result.problems.length} problem(s), e.g. ${result.problems.slice(0, 3).map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  console.log('\nFinal target accuracy per arm and seed:');
  const header = `  ${'arm'.padEnd(22)}${seeds.map((s) => `seed ${s}`.padStart(10)).join('')}   mean ± std`;
  console.log(header);
  for (const s of result.summary) {
    const runs = result.runs.filter((r) => r.arm === s.arm && r.sweepValue === s.sweepValue);
    const name = `${ARM_LABELS[s.arm]}${s.sweepValue !== undefined ? ` ${params.sweep!.param}=${s.sweepValue}` : ''}`;
    const cells = seeds.map((seed) => {
      const r = runs.find((x) => x.seed === seed);
      return (r ? `${(100 * r.finalTargetAccuracy).toFixed(1)} %` : '–').padStart(10);
    });
    console.log(`  ${name.padEnd(22)}${cells.join('')}   ${pctPm(s.mean, s.std)}`);
  }
  const trainSeconds = result.runs.reduce((a, r) => a + r.seconds, 0);
  console.log(`\nWall time ${duration(wallSeconds)} (training runs ${duration(trainSeconds)}, ${result.runs.length} runs; decoding, P(c) and stylisation the rest).`);

  const record = {
    benchmark: 'style',
    startedAt: started.toISOString(),
    wallSeconds,
    machine: { ...machine, backend, tfjsBackendInUse: tf.getBackend() },
    command: `npm run bench:style -- ${argv.join(' ')}`.trim(),
    result,
    timing: null as unknown,
  };
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, JSON.stringify(record, null, 2));
  console.log(`Wrote ${jsonPath}`);

  if (!args.flag('skip-timing')) {
    try {
      record.timing = await runTimingPart(modelsDir);
      if (record.timing !== null) writeFileSync(jsonPath, JSON.stringify(record, null, 2));
    } catch (e) {
      console.error(`Browser timing part failed: ${e instanceof Error ? e.message : String(e)}`);
      return 1;
    }
  }
  return 0;
}

runCli('bench:style', 'npm run bench:style --', specs, main, releaseBackend);
