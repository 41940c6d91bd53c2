/**
 * The domain-shift experiment job (thesis §4.4.2, Table 4.1/4.2, Fig 4.4–4.6): train on some
 * domains of a `domain/class/<file>` folder, test on a held-out target domain, once per
 * (arm, seed[, swept value]); stream per-epoch curves as partial results; summarise the final
 * target accuracy as mean ± std per arm (and swept value).
 *
 * Phases (one progress bar across all of them): decode and resize the images; for style arms,
 * P(c) of every training image and, in pool mode, the stylised pool of each seed; then the runs,
 * ordered seed by seed so every arm of the first seed finishes before the second seed starts.
 *
 * `runStyleExperiment` takes the image decoder as a dependency: the worker job passes the
 * browser's canvas decoder, the Node benchmark `decodeImageNode`.
 */
import * as tf from '@tensorflow/tfjs';
import type { JobContext, JobHandler } from '../../../core/jobs/protocol';
import { Rng } from '../../../core/rng/rng';
import { decodeWithCanvas } from '../../../core/data/decode';
import { DEFAULT_STYLE_STATS_DOMAIN, loadDefaultStyleStats, StyleAugmenter, validateEmbeddingStats, type EmbeddingStats } from '../randomize';
import { StyleNetwork } from '../tflite/styleNetwork';
import { usesStyle, type StyleSource } from './arms';
import { createCnn, createHeadClassifier, defaultKernelPath, loadMobilenetBackbone, type Classifier, type FrozenBackbone } from './classifier';
import { resolveConfig, type ExperimentConfig } from './config';
import { capPerClass, checkSplit, decodeCacheKey, loadImageSet, parseDomainLayout, splitValidation, type DecodeCache, type ImageDecoder, type Problem } from './data';
import { buildStylePool, contentEmbeddings, onlineStyleSource, poolStyleSource, type StylePool } from './style';
import { summarise } from './summary';
import { epochShape, runSeeds, setFeatures, trainRun, type CachedFeatures, type RunData } from './train';
import { ARM_LABELS, ARMS, type Arm, type StyleExperimentParams, type StyleExperimentResult } from './types';

export interface ExperimentDeps {
  decode: ImageDecoder;
  /** The shipped statistics, used when params.styleStats is absent (default: loadDefaultStyleStats). */
  loadDefaultStats?: () => Promise<EmbeddingStats>;
  /** Decoded images kept between experiments on the same files. */
  cache?: DecodeCache;
  /** Builds the style network from params.styleModels (default StyleNetwork.load). */
  loadStyleNetwork?: (files: NonNullable<StyleExperimentParams['styleModels']>) => StyleNetwork;
}

/** One planned run. */
export interface PlannedRun {
  arm: Arm;
  seed: number;
  sweepValue?: number;
}

/** Runs in execution order: seed by seed, arms in the given order, swept values for style arms only. */
export function planRuns(arms: readonly Arm[], seeds: readonly number[], sweep?: StyleExperimentParams['sweep']): PlannedRun[] {
  const out: PlannedRun[] = [];
  for (const seed of seeds) {
    for (const arm of arms) {
      if (sweep && usesStyle(arm)) for (const v of sweep.values) out.push({ arm, seed, sweepValue: v });
      else out.push({ arm, seed });
    }
  }
  return out;
}

function validateParams(params: StyleExperimentParams): void {
  if (!Array.isArray(params.arms) || params.arms.length === 0) throw new Error('Choose at least one augmentation arm');
  for (const a of params.arms) if (!ARMS.includes(a)) throw new Error(`Unknown arm '${a}' (${ARMS.join(', ')})`);
  if (new Set(params.arms).size !== params.arms.length) throw new Error(`An arm is listed twice: ${params.arms.join(', ')}`);
  if (!Array.isArray(params.seeds) || params.seeds.length === 0) throw new Error('Give at least one seed');
  for (const s of params.seeds) if (!Number.isInteger(s) || s < 0) throw new Error(`Seeds must be non-negative integers, got ${s}`);
  if (new Set(params.seeds).size !== params.seeds.length) throw new Error(`A seed is listed twice: ${params.seeds.join(', ')}`);
  if (params.sweep) {
    const { param, values } = params.sweep;
    if (param !== 'ratio' && param !== 'alpha') throw new Error(`Can only sweep 'ratio' or 'alpha', got '${param as string}'`);
    if (!values.length) throw new Error('The sweep has no values');
    for (const v of values) if (!(v >= 0 && v <= 1)) throw new Error(`Swept ${param} values must be in [0, 1], got ${v}`);
    if (new Set(values).size !== values.length) throw new Error(`A swept value is listed twice: ${values.join(', ')}`);
    if (!params.arms.some(usesStyle)) throw new Error(`Sweeping ${param} needs the style or both arm`);
  }
}

/** The config a run trains with (the swept parameter replaced). */
function runConfig(config: ExperimentConfig, sweep: StyleExperimentParams['sweep'], value: number | undefined): ExperimentConfig {
  if (!sweep || value === undefined) return config;
  return sweep.param === 'ratio' ? { ...config, styleRatio: value } : { ...config, alpha: value };
}

const alphaKey = (a: ExperimentConfig['alpha']) => (typeof a === 'number' ? String(a) : `${a[0]}-${a[1]}`);

/** The experiment itself, independent of workers (the job and the Node benchmark call it). */
export async function runStyleExperiment(params: StyleExperimentParams, ctx: JobContext, deps: ExperimentDeps): Promise<StyleExperimentResult> {
  validateParams(params);
  const config = resolveConfig(params);
  const needStyle = params.arms.some(usesStyle);
  const layout = parseDomainLayout(params.files);
  checkSplit(layout, params);
  const problems: Problem[] = [...layout.problems];

  // Style statistics: refuse a target the shipped ones were fitted on, before any work.
  let stats: EmbeddingStats | null = null;
  let statsSource: Record<string, unknown> | null = null;
  if (needStyle) {
    if (!params.styleModels) throw new Error('The style and both arms need the Magenta style network files (predictor and transformer)');
    if (params.styleStats === undefined) {
      if (params.targetDomain === DEFAULT_STYLE_STATS_DOMAIN) {
        throw new Error(
          `Target domain '${params.targetDomain}' is the domain the shipped style statistics were fitted on: random styles would be drawn ` +
            `from the target domain itself, so the experiment would no longer test generalisation to an unseen domain. ` +
            `Choose another target domain or supply statistics fitted on other images.`,
        );
      }
      stats = await (deps.loadDefaultStats ?? loadDefaultStyleStats)();
      statsSource = { shipped: true, domain: DEFAULT_STYLE_STATS_DOMAIN, source: stats.source, predictor: stats.predictor, count: stats.count, createdAt: stats.createdAt };
    } else {
      stats = validateEmbeddingStats(params.styleStats);
      statsSource = { shipped: false, source: stats.source, predictor: stats.predictor, count: stats.count, createdAt: stats.createdAt };
    }
  }
  if (config.classifier === 'mobilenet' && !params.mobilenetFiles) throw new Error('The MobileNet classifier needs the MobileNet v1 files (model.json and shards)');

  // Classes: those of the training domains; target images of other classes cannot be scored.
  const trainFiles = capPerClass(params.trainDomains.flatMap((d) => layout.byDomain.get(d)!), config.trainPerClass ?? undefined);
  const targetFiles = layout.byDomain.get(params.targetDomain)!;
  const classes = [...new Set(trainFiles.map((f) => f.className))].sort();
  if (classes.length < 2) throw new Error(`The training domains have ${classes.length} class${classes.length === 1 ? '' : 'es'}; classification needs at least 2`);

  const runs = planRuns(params.arms, params.seeds, params.sweep);
  const trainCount = trainFiles.length;
  const { steps } = epochShape(trainCount, config.batchSize);
  const poolKeys = new Set(runs.filter((r) => usesStyle(r.arm)).map((r) => `${r.seed}|${alphaKey(runConfig(config, params.sweep, r.sweepValue).alpha)}`));
  const units = {
    decode: trainFiles.length + targetFiles.length,
    embed: needStyle ? trainCount : 0,
    pool: config.stylisation === 'pool' ? poolKeys.size * config.poolSize * trainCount : 0,
    train: runs.length * config.epochs * steps,
  };
  let total = units.decode + units.embed + units.pool + units.train;
  let done = 0;
  const progress = (d: number, message: string) => ctx.progress(Math.min(total, d), total, message);
  const checkpoint = () => ctx.checkpoint();

  // Decode.
  const loadSet = async (files: typeof trainFiles, what: string, offset: number) => {
    const r = await loadImageSet(files, {
      size: config.imageSize, classes, decode: deps.decode, cache: deps.cache, checkpoint,
      onProgress: (i, n) => progress(offset + i, `Decoding ${what} images ${i}/${n}`),
    });
    problems.push(...r.problems);
    return r.set;
  };
  const trainAll = await loadSet(trainFiles, 'training', 0);
  const target = await loadSet(targetFiles, `target (${params.targetDomain})`, trainFiles.length);
  if (deps.cache) {
    // Keep only this experiment's images (a new folder replaces the old one's).
    const used = new Set([...trainFiles, ...targetFiles].map((f) => decodeCacheKey(f, config.imageSize)));
    for (const k of [...deps.cache.keys()]) if (!used.has(k)) deps.cache.delete(k);
  }
  done = units.decode;
  if (trainAll.labels.length === 0) throw new Error('None of the training images could be decoded');
  if (target.labels.length === 0) throw new Error(`None of the target-domain images (${params.targetDomain}) could be used`);
  const splitSeed = new Rng(ctx.seed).fork('validation-split').seed;
  const splitRng = new Rng(splitSeed);
  const { train, validation } = splitValidation(trainAll, config.validationFraction, (xs) => splitRng.shuffle(xs));
  const data: RunData = { train, target, validation };
  // Re-count the work with the images that were actually decoded and kept for training.
  const trainSteps = epochShape(train.labels.length, config.batchSize).steps;
  units.embed = needStyle ? train.labels.length : 0;
  units.pool = config.stylisation === 'pool' ? poolKeys.size * config.poolSize * train.labels.length : 0;
  units.train = runs.length * config.epochs * trainSteps;
  total = units.decode + units.embed + units.pool + units.train;

  const backend = tf.getBackend();
  const kernelPath = defaultKernelPath(backend);
  let backbone: FrozenBackbone | null = null;
  let net: StyleNetwork | null = null;
  const features: CachedFeatures = {};
  const pools = new Map<string, StylePool>();
  const result: StyleExperimentResult = {
    domains: layout.domains,
    classes,
    trainImages: train.labels.length,
    targetImages: target.labels.length,
    runs: [],
    summary: [],
    settings: {},
    problems,
  };
  const perSeed = Object.fromEntries(params.seeds.map((s) => [s, runSeeds(s)]));
  result.settings = {
    config,
    trainDomains: params.trainDomains,
    targetDomain: params.targetDomain,
    arms: params.arms,
    seeds: params.seeds,
    sweep: params.sweep ?? null,
    jobSeed: ctx.seed,
    validationSplitSeed: splitSeed,
    runSeeds: perSeed,
    backend,
    kernelPath,
    styleStats: statsSource,
    stylisation: needStyle
      ? config.stylisation === 'pool'
        ? `pool: ${config.poolSize} stylised variant(s) per training image per seed (seed runSeeds.pool forked by α), each batch image replaced with probability styleRatio by a variant chosen with runSeeds.poolPick`
        : 'online: every batch, Eq 4.8 records from runSeeds.style and the step index'
      : null,
    classifierDetails: config.classifier === 'cnn' ? { ...config.cnn } : { ...config.mobilenet, backbone: 'MobileNet v1 1.0 (ImageNet), frozen' },
    counts: layout.counts,
    trainPerDomain: Object.fromEntries(params.trainDomains.map((d) => [d, train.domains.filter((x) => x === d).length])),
    validationImages: validation.labels.length,
    stepsPerEpoch: trainSteps,
  };

  try {
    // Classifier factory (MobileNet: one frozen backbone for every run).
    let createClassifier: (rng: Rng) => Classifier;
    if (config.classifier === 'mobilenet') {
      progress(done, 'Loading MobileNet v1');
      backbone = await loadMobilenetBackbone(params.mobilenetFiles!, config.mobilenet, config.imageSize);
      const bb = backbone;
      createClassifier = (rng) => createHeadClassifier(bb, config.mobilenet.hidden, classes.length, rng);
      const probe = createClassifier(new Rng(0));
      progress(done, 'MobileNet features of the target images');
      features.target = (await setFeatures(probe, target, config.evalBatchSize, checkpoint)) ?? undefined;
      features.validation = (await setFeatures(probe, validation, config.evalBatchSize, checkpoint)) ?? undefined;
      if (params.arms.includes('none')) {
        progress(done, 'MobileNet features of the training images (no-augmentation arm)');
        features.train = (await setFeatures(probe, train, config.evalBatchSize, checkpoint)) ?? undefined;
      }
      probe.dispose();
    } else {
      createClassifier = (rng) => createCnn(config.cnn, classes.length, config.imageSize, rng, kernelPath);
    }
    result.settings.parameterCount = (() => {
      const c = createClassifier(new Rng(0));
      const n = c.parameterCount;
      c.dispose();
      return n;
    })();

    // Style network, P(c) of every training image.
    let augmenter: StyleAugmenter | null = null;
    let embeddings: Float32Array[] = [];
    if (needStyle) {
      net = (deps.loadStyleNetwork ?? ((f) => StyleNetwork.load(f)))(params.styleModels!);
      augmenter = new StyleAugmenter(net, stats!, { ratio: config.styleRatio, alpha: config.alpha, mode: 'random', seed: 0 }, { predictorSize: config.predictorSize });
      const base = done;
      embeddings = await contentEmbeddings(augmenter, train, 16, { checkpoint, onProgress: (i, n) => progress(base + i, `Style embeddings P(c) of the training images ${i}/${n}`) });
      done += units.embed;
    }

    for (let r = 0; r < runs.length; r++) {
      const plan = runs[r];
      const cfg = runConfig(config, params.sweep, plan.sweepValue);
      const seeds = perSeed[plan.seed];
      const label = `${ARM_LABELS[plan.arm]}${plan.sweepValue !== undefined ? `, ${params.sweep!.param} ${plan.sweepValue}` : ''}, seed ${plan.seed}`;
      let style: StyleSource | null = null;
      if (usesStyle(plan.arm)) {
        if (cfg.stylisation === 'pool') {
          const key = `${plan.seed}|${alphaKey(cfg.alpha)}`;
          for (const k of [...pools.keys()]) if (!k.startsWith(`${plan.seed}|`)) pools.delete(k); // earlier seeds' pools are done
          let pool = pools.get(key);
          if (!pool) {
            const base = done;
            pool = await buildStylePool(augmenter!, stats!, train, embeddings, {
              size: cfg.poolSize, alpha: cfg.alpha, seed: new Rng(seeds.pool).fork(`alpha:${alphaKey(cfg.alpha)}`).seed, chunk: 16,
            }, { checkpoint, onProgress: (i, n) => progress(base + i, `Stylising the training images for seed ${plan.seed} (α ${alphaKey(cfg.alpha)}) ${i}/${n}`) });
            pools.set(key, pool);
            done += cfg.poolSize * train.labels.length;
          }
          style = poolStyleSource(train, pool, cfg.styleRatio, seeds.poolPick);
        } else {
          style = onlineStyleSource(augmenter!, stats!, embeddings, { ratio: cfg.styleRatio, alpha: cfg.alpha, seed: seeds.style });
        }
      }
      const base = done;
      const run = await trainRun(data, { arm: plan.arm, seed: plan.seed, sweepValue: plan.sweepValue, config: cfg, createClassifier, style, features }, {
        checkpoint,
        onStep: (s, totalSteps, epoch) => progress(base + s, `Run ${r + 1}/${runs.length}: ${label}, epoch ${epoch + 1}/${cfg.epochs}, step ${s}/${totalSteps}`),
        onEpoch: (point, partialRun) => {
          ctx.log(`${label}: epoch ${point.epoch}/${cfg.epochs} loss ${point.trainLoss.toFixed(3)}, train ${(100 * point.trainAccuracy).toFixed(1)} %, target ${(100 * point.targetAccuracy).toFixed(1)} %`);
          ctx.partial({ ...result, runs: [...result.runs, structuredClone(partialRun)], summary: summarise(result.runs, params.arms) });
        },
      });
      done = base + cfg.epochs * trainSteps;
      result.runs.push(run);
      result.summary = summarise(result.runs, params.arms);
      ctx.partial({ ...result, runs: [...result.runs] });
    }
  } finally {
    backbone?.dispose();
    net?.dispose();
    tf.dispose([features.target, features.validation, features.train].filter((t): t is tf.Tensor2D => !!t));
  }
  progress(total, 'Done');
  return result;
}

/** Decoded images of the last experiment's files, so re-running on the same folder skips decoding. */
const workerCache: DecodeCache = new Map();

export const styleExperimentJob: JobHandler<StyleExperimentParams, StyleExperimentResult> = (params, ctx) =>
  runStyleExperiment(params, ctx, { decode: decodeWithCanvas, cache: workerCache });
