/**
 * Camera-bias benchmark (thesis ch. 6): on simulated batch-code photos, camera classification
 * (Table 6.1) and manufacturer classification trained on Balanced / Partial / Disjoint
 * (Table 6.2), each as mean ± std over seeds beside the thesis's numbers, then the goal lines
 * (camera ≥ 0.95, Balanced ≥ 0.9, Disjoint ≤ 0.65). Then camera (device) identification on the
 * real crops in ../shared/data/camera-dresden (6 camera units) and camera-phones (2 phone models)
 * from random 64×64 patches, tested on held-out photos (skipped with a reason when absent).
 *
 *   npm run bench:camera                              # small config, 2 seeds, wasm
 *   npm run bench:camera -- --config thesis --backend webgpu --seeds 4
 *   npm run bench:camera -- --skip-real --with-downsampled
 *
 * Writes bench/out/camera.json (without image arrays). Exit codes: 0 done, 1 failure, 2 bad arguments.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs, positiveInt, runCli, usage, UsageError, type OptionSpecs } from './lib/args';
import { balancedAccuracy, goalLine, goals, pm, readRealDataset, realDatasetProblem, splitByPhoto, type RealDataset } from './lib/camera';
import { duration, machineInfo, quietTfjsBanner, releaseBackend } from './lib/detection';
import { parseSeeds, selectStyleBackend, styleBackendChoices, type StyleBackendChoice } from './lib/style';
import { runJob } from '../src/core/jobs/protocol';
import { defaultKernelPath } from '../src/pipelines/style/experiment/classifier';
import {
  CAMERA_CONFIGS, createCameraModel, PRESETS, resolveCameraConfig, runCameraExperiment, trainClassifier,
  type CameraExperimentParams, type ExperimentPreset, type CameraExperimentResult, type CameraImageSet, type ConfigName, type RowResult,
} from '../src/pipelines/camera/train';

const specs: OptionSpecs = {
  config: { type: 'string', choices: Object.keys(CAMERA_CONFIGS), help: 'experiment config (default small)' },
  seeds: { type: 'int', help: 'number of seeds, 1…N (default 2)' },
  'seed-list': { type: 'list', help: 'explicit seeds instead of --seeds, e.g. 4,7' },
  backend: { type: 'string', choices: styleBackendChoices, help: 'tfjs backend (default wasm)' },
  epochs: { type: 'int', help: 'epochs per run (default: config)' },
  'image-size': { type: 'int', help: 'simulated image side (default: config)' },
  'train-per-cell': { type: 'int', help: 'simulated training photos per class × camera cell (default: config)' },
  'test-per-cell': { type: 'int', help: 'test photos per cell (default: config)' },
  lr: { type: 'number', help: 'Adam learning rate (default: config)' },
  'sim-seed': { type: 'int', help: 'simulator seed (default 0)' },
  'printer-scale': { type: 'number', help: "diagnostic: multiply Manufacturer 2's printer differences by this (default 1 = the simulator's printers)" },
  'field-of-view': { type: 'number', help: 'fraction of the thesis crop the simulated photos show (default: config, 0.25 small, 1 thesis)' },
  presets: { type: 'list', help: "simulated presets to run: camera,manufacturer (default), or any of camera, manufacturer, adversarial, binary, colour, crops, halves, or 'all'" },
  'with-downsampled': { type: 'flag', help: 'also train the downsampled (AlexNet/VGG-like) model for camera classification' },
  'skip-sim': { type: 'flag', help: 'skip the simulated experiments' },
  'skip-real': { type: 'flag', help: 'skip the real-crop device identification' },
  'real-crop': { type: 'int', help: 'patch side for the real crops (default 64)' },
  'real-steps': { type: 'int', help: 'training steps per real-data run (default: 200 small, 2000 thesis)' },
  data: { type: 'string', help: 'shared data folder (default ../shared/data)' },
  out: { type: 'string', help: 'JSON output (default bench/out/camera.json)' },
  help: { type: 'flag', help: 'print this help' },
};

const t = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');

/** Row text: ours (mean ± std) beside the thesis's ResNet34 (or AlexNet) and the table's range. */
function rowLine(r: RowResult): string {
  const vals = Object.values(r.thesis);
  const range = `${t(Math.min(...vals))}–${t(Math.max(...vals))}`;
  const wg = r.worstGroupMean !== null ? `, worst group ${t(r.worstGroupMean)}` : '';
  return `  ${r.spec.label.padEnd(42)} ${pm(r.mean, r.std, r.runs.length).padEnd(16)} thesis ${r.thesisReference.model} ${t(r.thesisReference.value)} (Table ${r.spec.thesis.table}: ${range})${wg}`;
}

/** Per-camera predicted-label mix (Figs 6.3/6.4), summed over seeds. */
function barLines(r: RowResult): string[] {
  if (!r.bars) return [];
  return r.bars.map((b) => `      ${b.name.padEnd(8)} acc ${t(b.accuracy)}  predicted ${r.labels.map((l, k) => `${l} ${b.predicted[k]}`).join(', ')}`);
}

/** The result without image arrays (for the JSON file). */
function jsonSafe(r: CameraExperimentResult): unknown {
  return JSON.parse(JSON.stringify(r, (_k, v) => (v instanceof Uint8ClampedArray || v instanceof Uint8Array ? `[${v.length} bytes]` : v)));
}

interface RealRun {
  dataset: string;
  labelColumn: string;
  labels: string[];
  trainPhotos: number;
  testPhotos: number;
  cropSize: number;
  testCropsPerPhoto: number;
  epochs: number;
  runs: { seed: number; cropAccuracy: number; photoAccuracy: number; balancedCropAccuracy: number; seconds: number }[];
  cropMean: number;
  cropStd: number;
  photoMean: number;
  chance: number;
}

async function realDeviceId(ds: RealDataset, seeds: number[], configName: ConfigName, cropSize: number, steps: number, log: (s: string) => void): Promise<RealRun> {
  const config = CAMERA_CONFIGS[configName];
  const { train, test } = splitByPhoto(ds.photos.map((p) => p.label), 0.25, 0);
  const w = ds.photos[0].width, h = ds.photos[0].height;
  for (const p of ds.photos) if (p.width !== w || p.height !== h) throw new Error(`${ds.name}: photos differ in size (${p.file})`);
  const set = (idx: number[]): CameraImageSet => ({
    width: w,
    height: h,
    channels: 3,
    images: idx.map((i) => ds.photos[i].rgb),
    labels: Int32Array.from(idx, (i) => ds.labels.indexOf(ds.photos[i].label)),
  });
  const trainSet = set(train), testSet = set(test);
  const batch = Math.min(config.train.batchSize, train.length);
  const perEpoch = Math.max(1, Math.floor(train.length / batch));
  const epochs = Math.max(1, Math.ceil(steps / perEpoch));
  const testCrops = 16;
  const runs: RealRun['runs'] = [];
  for (const seed of seeds) {
    const { result } = await trainClassifier(
      { train: trainSet, test: testSet, labelNames: ds.labels },
      {
        seed,
        config: { ...config.train, batchSize: batch, epochs, evalEvery: Math.max(1, Math.ceil(epochs / 4)), input: 'crop32', augment: 'none', cropSize, testCrops, testCropSeed: 0 },
        createClassifier: (rng) => createCameraModel(config.model, ds.labels.length, rng, { path: defaultKernelPath() }),
      },
    );
    const run = { seed, cropAccuracy: result.evaluation.accuracy, photoAccuracy: result.pooledAccuracy ?? NaN, balancedCropAccuracy: balancedAccuracy(result.evaluation.perLabel), seconds: result.seconds };
    runs.push(run);
    log(`    seed ${seed}: ${cropSize}² patch accuracy ${t(run.cropAccuracy)} (label-balanced ${t(run.balancedCropAccuracy)}), per photo ${t(run.photoAccuracy)}, ${duration(run.seconds)}`);
  }
  const crop = runs.map((r) => r.cropAccuracy);
  const mean = crop.reduce((s, v) => s + v, 0) / crop.length;
  const std = crop.length > 1 ? Math.sqrt(crop.reduce((s, v) => s + (v - mean) ** 2, 0) / (crop.length - 1)) : 0;
  const counts = ds.labels.map((l) => test.filter((i) => ds.photos[i].label === l).length);
  return {
    dataset: ds.name,
    labelColumn: ds.labelColumn,
    labels: ds.labels,
    trainPhotos: train.length,
    testPhotos: test.length,
    cropSize,
    testCropsPerPhoto: testCrops,
    epochs,
    runs,
    cropMean: mean,
    cropStd: std,
    photoMean: runs.reduce((s, r) => s + r.photoAccuracy, 0) / runs.length,
    chance: Math.max(...counts) / test.length,
  };
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, specs);
  if (args.flag('help')) {
    console.log(usage('npm run bench:camera --', specs));
    return 0;
  }
  quietTfjsBanner();
  const configName = (args.string('config') ?? 'small') as ConfigName;
  const seeds = parseSeeds(args.int('seeds'), args.list('seed-list'), 2);
  const backend = await selectStyleBackend((args.string('backend') ?? 'wasm') as StyleBackendChoice);
  const dataDir = resolve(args.string('data') ?? resolve(import.meta.dirname, '../../shared/data'));
  const outPath = resolve(args.string('out') ?? resolve(import.meta.dirname, 'out/camera.json'));
  const overrides: Partial<CameraExperimentParams> = {
    ...(args.has('epochs') ? { epochs: positiveInt(args, 'epochs', 1) } : {}),
    ...(args.has('image-size') ? { imageSize: positiveInt(args, 'image-size', 1) } : {}),
    ...(args.has('train-per-cell') ? { trainPerCell: positiveInt(args, 'train-per-cell', 1) } : {}),
    ...(args.has('test-per-cell') ? { testPerCell: positiveInt(args, 'test-per-cell', 1) } : {}),
    ...(args.number('lr') !== undefined ? { learningRate: args.number('lr') } : {}),
  };
  const config = resolveCameraConfig({ config: configName, ...overrides });
  const realCrop = positiveInt(args, 'real-crop', 64, 8);
  const realSteps = positiveInt(args, 'real-steps', configName === 'small' ? 200 : 2000);
  const simSeed = args.int('sim-seed') ?? 0;
  if (simSeed < 0) throw new UsageError('--sim-seed must be non-negative');
  const printerScale = args.number('printer-scale') ?? 1;
  if (!(printerScale >= 0)) throw new UsageError('--printer-scale must be non-negative');
  const fieldOfView = args.number('field-of-view') ?? config.fieldOfView;
  if (!(fieldOfView > 0 && fieldOfView <= 1)) throw new UsageError('--field-of-view must be in (0, 1]');
  const presetArg = args.list('presets') ?? ['camera', 'manufacturer'];
  const presets: ExperimentPreset[] = presetArg.includes('all') ? ['camera', 'manufacturer', 'adversarial', 'binary', 'colour', 'crops', 'halves'] : presetArg.map((p) => {
    if (!(PRESETS as readonly string[]).includes(p)) throw new UsageError(`--presets: unknown preset '${p}' (${PRESETS.join(', ')}, all)`);
    return p as ExperimentPreset;
  });
  const t0 = performance.now();
  const m = machineInfo();
  console.log(`Camera-bias benchmark (thesis ch. 6), config '${configName}', seeds ${seeds.join(', ')}, backend ${backend} (${m.cpu}, ${m.cores} cores, Node ${m.node}, tfjs ${m.tfjs})`);
  console.log(`Simulated photos ${config.imageSize}², ${config.trainPerCell} training + ${config.testPerCell} test per manufacturer × camera cell (field of view ${fieldOfView} of the thesis crop, sim seed ${simSeed}); ${config.train.epochs} epochs, batch ${config.train.batchSize}, Adam ${config.train.learningRate} (${config.train.lrSchedule})`);
  console.log(`Model: ${JSON.stringify(config.model)}`);
  if (printerScale !== 1) console.log(`DIAGNOSTIC RUN: Manufacturer 2's printer differences × ${printerScale} (not the simulator's defaults)`);

  const out: Record<string, unknown> = { config: configName, seeds, backend, machine: m, resolvedConfig: config, printerScale, fieldOfView };
  const log = (s: string) => console.log(s);

  if (!args.flag('skip-sim')) {
    const experiments: Partial<Record<ExperimentPreset, CameraExperimentResult>> = {};
    for (const preset of presets) {
      const params: CameraExperimentParams = { preset, config: configName, seeds, source: { kind: 'simulator', seed: simSeed, printerScale, fieldOfView }, withDownsampled: preset === 'camera' && args.flag('with-downsampled'), ...overrides };
      const ts = performance.now();
      const outcome = await runJob((p: CameraExperimentParams, ctx) => runCameraExperiment(p, ctx), params, simSeed, { cancelled: false }, {
        onLog: (line) => {
          if (/epoch (\d+)\/\1 /.test(line)) log(`    ${line}`);
        },
      });
      if (outcome.status !== 'done') throw new Error(`${preset}: ${outcome.status === 'error' ? outcome.message : 'cancelled'}`);
      experiments[preset] = outcome.result;
      log(`  ${preset}: ${duration((performance.now() - ts) / 1000)}`);
    }
    const cam = experiments.camera, man = experiments.manufacturer;
    const all = presets.map((p) => experiments[p]!);
    console.log(`\nSimulated data: ${all[0].classes.length} manufacturers × ${all[0].cameras.length} cameras; test set ${all[0].rows[0].testInputs} photos (balanced)${man ? `; Disjoint ${man.split.trainings.disjoint?.mapping ?? ''}` : ''}`);
    console.log('\nTest accuracy (mean ± std over seeds) beside the thesis');
    for (const e of all) for (const r of e.rows) console.log(rowLine(r));
    for (const e of all) {
      for (const r of e.rows.filter((x) => x.bars && x.spec.task === 'manufacturer')) {
        console.log(`    ${r.spec.label}: per camera (summed over seeds)`);
        for (const line of barLines(r)) console.log(line);
      }
    }
    const crops = experiments.crops?.heatmaps;
    if (crops) console.log(`\nCrop heatmaps (Figs 6.8/6.9): ${crops.cropsPerImage} crops per test image on a ${crops.grid}² grid, crop accuracy ${t(crops.cropAccuracy)}; per camera image ${crops.perImage.map((p) => `${p.camera} ${t(p.accuracy)}`).join(', ')}`);
    const adv = experiments.adversarial?.adversarial;
    if (adv) {
      console.log(`\nAdversarial perturbations (Fig 6.5), test image ${adv.item} (${adv.cls}, ${adv.camera}) towards ${adv.target}:`);
      for (const v of adv.views) console.log(`  ${v.model.padEnd(9)} ${v.originalPrediction} → ${v.finalPrediction} ${v.flipped ? `in ${v.steps} steps` : `(not flipped in ${v.steps})`}, max |δ| ${v.maxAbs.toFixed(4)}, mean |δ| ${v.meanAbs.toExponential(2)}, share of |δ| on the code ${t(v.codeShare)} (code area ${t(v.codeArea)})`);
    }
    if (cam && man) {
      const byTraining = (k: string) => man.rows.find((r) => r.spec.training === k)?.mean ?? NaN;
      const camMain = cam.rows.find((r) => r.spec.model === 'main')!.mean;
      const g = goals(camMain, byTraining('balanced'), byTraining('disjoint'));
      console.log('\nGoals');
      for (const x of g) console.log(`  ${goalLine(x)}`);
      out.goals = g;
    }
    out.simulated = Object.fromEntries(presets.map((p) => [p, jsonSafe(experiments[p]!)]));
  }

  if (!args.flag('skip-real')) {
    console.log(`\nReal crops: device identification from random ${realCrop}×${realCrop} patches, 25 % of each device's photos held out`);
    const real: unknown[] = [];
    const sets: { dir: string; name: string; label: string | string[] }[] = [
      { dir: resolve(dataDir, 'camera-dresden'), name: 'camera-dresden', label: 'device' },
      { dir: resolve(dataDir, 'camera-phones'), name: 'camera-phones', label: ['exif_make', 'exif_model'] },
    ];
    for (const s of sets) {
      const problem = realDatasetProblem(s.dir);
      if (problem) {
        console.log(`  ${s.name}: skipped (${problem})`);
        real.push({ dataset: s.name, skipped: problem });
        continue;
      }
      const ds = readRealDataset(s.dir, s.name, s.label);
      console.log(`  ${s.name}: ${ds.photos.length} photos, ${ds.labels.length} ${ds.labelColumn} labels (${ds.labels.join(', ')})`);
      const r = await realDeviceId(ds, seeds, configName, realCrop, realSteps, log);
      console.log(`  ${s.name}: ${r.testPhotos} test photos; patch accuracy ${pm(r.cropMean, r.cropStd, r.runs.length)}, per photo ${t(r.photoMean)}, majority-label baseline ${t(r.chance)}`);
      real.push(r);
    }
    out.real = real;
  }

  out.seconds = (performance.now() - t0) / 1000;
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, JSON.stringify(out, null, 1));
  console.log(`\nTotal ${duration(out.seconds as number)}; wrote ${outPath}`);
  return 0;
}
runCli('bench:camera', 'npm run bench:camera --', specs, main, releaseBackend);
