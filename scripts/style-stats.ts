/**
 * Fit the style-embedding statistics N(μ, Σ) of thesis §4.3.2 (Eq 4.9, 4.10) to a folder of style
 * images and write them as JSON (EmbeddingStats, src/pipelines/style/randomize/stats.ts):
 *
 *   npm run style:stats -- --images ../shared/data/pacs-subset/art_painting \
 *     --out models/style-stats/pacs-art-painting.json --label "PACS art_painting"
 *
 * Every image under --images (recursively, sorted by path) is decoded with decodeImageNode
 * (PNG/JPEG/TIFF; files that fail are reported and skipped), mapped to RGB in [0,1], resized so
 * its shorter side is --size px (bilinear, half-pixel centres, no antialiasing) and centre-cropped
 * to --size × --size, then run through the style predictor P (float activations). μ and the
 * unbiased Σ of the embeddings are fitted with a ridge on Σ's diagonal (default 1e-3 · trace/dim)
 * and every number is rounded to 6 significant digits.
 *
 * Exit codes: 0 done, 1 failure (including fewer than 2 decodable images), 2 bad arguments.
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parseArgs, positiveInt, runCli, usage, UsageError, type OptionSpecs } from '../bench/lib/args';
import { duration, machineInfo, quietTfjsBanner } from '../bench/lib/detection';
import { decodeImageNode } from '../src/core/data/nodeDecode';
import { isLikelyImagePath } from '../src/core/data/sniff';
import { loadTfliteGraph, type TfliteGraph } from '../src/pipelines/style/tflite/graph';
import { EMBEDDING_SIZE } from '../src/pipelines/style/tflite/styleNetwork';
import { fitEmbeddingStats, roundEmbeddingStats, validateEmbeddingStats, type EmbeddingStats } from '../src/pipelines/style/randomize/stats';
import { styleImageTensor } from '../src/pipelines/style/randomize/preprocess';

const REPO_ROOT = resolve(import.meta.dirname, '..');
const DEFAULT_MODELS = resolve(process.env.WORKBENCH_MODELS_DIR ?? resolve(REPO_ROOT, '../shared/models'), 'magenta-arbitrary-style');

const specs: OptionSpecs = {
  images: { type: 'string', help: 'folder of style images, searched recursively (required)' },
  out: { type: 'string', help: 'statistics JSON to write (required)' },
  models: { type: 'string', help: `folder holding predict_int8.tflite, or the .tflite file (default ${relative(REPO_ROOT, DEFAULT_MODELS) || '.'})` },
  backend: { type: 'string', choices: ['wasm', 'cpu'], help: 'tfjs backend (default wasm; falls back to cpu if wasm cannot start)' },
  size: { type: 'int', help: 'predictor input size: shorter side resize + centre crop (default 256)' },
  ridge: { type: 'number', help: "added to Σ's diagonal (default 1e-3 · trace(Σ)/dim)" },
  label: { type: 'string', help: 'what the images are, for the "source" field (default: the folder name)' },
  limit: { type: 'int', help: 'use only the first N images (sorted by path), for quick trials' },
  help: { type: 'flag', help: 'print this help' },
};

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (isLikelyImagePath(p)) out.push(p);
    }
  };
  walk(root);
  return out.sort();
}

/** Paths in the repository or beside it (../shared) relative to the repository root, others absolute. */
function display(p: string): string {
  const rel = relative(REPO_ROOT, p).split(sep).join('/');
  return rel === '' ? '.' : rel.startsWith('../../') || isAbsolute(rel) ? p : rel;
}

async function startBackend(name: 'wasm' | 'cpu'): Promise<string> {
  if (name === 'wasm') {
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return 'wasm';
      }
      console.warn('style-stats: the wasm backend did not start; using cpu');
    } catch (e) {
      console.warn(`style-stats: the wasm backend did not start (${(e as Error).message}); using cpu`);
    }
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('the tfjs cpu backend could not be initialised');
  await tf.ready();
  return 'cpu';
}

/** The predictor graph and its style-image input name. */
function loadPredictor(bytes: Uint8Array): { graph: TfliteGraph; input: string } {
  const graph = loadTfliteGraph(bytes);
  const input = graph.inputs.find((s) => s.shape.length === 4 && s.shape[3] === 3);
  const out = graph.outputs[0];
  if (!input || graph.outputs.length !== 1 || out.shape[out.shape.length - 1] !== EMBEDDING_SIZE) {
    graph.dispose();
    throw new Error(`not a style predictor: inputs ${JSON.stringify(graph.inputs.map((s) => s.shape))}, outputs ${JSON.stringify(graph.outputs.map((s) => s.shape))}`);
  }
  return { graph, input: input.name };
}

/** JSON with one covariance row per line: readable diffs, small file. */
function statsJson(s: EmbeddingStats): string {
  const rows: string[] = [];
  for (let i = 0; i < s.dim; i++) rows.push(`    ${JSON.stringify(s.covariance.slice(i * s.dim, (i + 1) * s.dim)).slice(1, -1)}`);
  const head = Object.entries(s)
    .filter(([k]) => k !== 'mean' && k !== 'covariance')
    .map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  return `{\n${head.join(',\n')},\n  "mean": ${JSON.stringify(s.mean)},\n  "covariance": [\n${rows.join(',\n')}\n  ]\n}\n`;
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, specs);
  if (args.flag('help')) {
    console.log(usage('npm run style:stats --', specs));
    return 0;
  }
  const imagesArg = args.string('images');
  const outArg = args.string('out');
  if (!imagesArg) throw new UsageError('--images <folder> is required');
  if (!outArg) throw new UsageError('--out <file.json> is required');
  if (!outArg.endsWith('.json')) throw new UsageError(`--out should name a .json file, got '${outArg}'`);
  const imagesDir = resolve(imagesArg);
  if (!statSync(imagesDir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--images: '${imagesArg}' is not a folder`);
  const size = positiveInt(args, 'size', 256, 8);
  const ridge = args.number('ridge');
  if (ridge !== undefined && ridge < 0) throw new UsageError(`--ridge must be ≥ 0, got ${ridge}`);
  const modelsArg = resolve(args.string('models') ?? DEFAULT_MODELS);
  const predictorPath = statSync(modelsArg, { throwIfNoEntry: false })?.isDirectory() ? join(modelsArg, 'predict_int8.tflite') : modelsArg;
  if (!statSync(predictorPath, { throwIfNoEntry: false })?.isFile()) throw new UsageError(`style predictor not found: ${predictorPath}`);

  quietTfjsBanner();
  const backend = await startBackend((args.string('backend') as 'wasm' | 'cpu' | undefined) ?? 'wasm');
  const m = machineInfo();
  console.log(`style-stats: tfjs ${m.tfjs} on ${backend}, ${m.cores} × ${m.cpu}, Node ${m.node}`);

  const predictorBytes = new Uint8Array(readFileSync(predictorPath));
  const sha256 = createHash('sha256').update(predictorBytes).digest('hex');
  const { graph, input } = loadPredictor(predictorBytes);
  console.log(`predictor: ${display(predictorPath)} (sha256 ${sha256})`);

  let files = listFiles(imagesDir);
  const limit = args.int('limit');
  if (limit !== undefined) files = files.slice(0, Math.max(0, limit));
  console.log(`images: ${files.length} files under ${display(imagesDir)}; preprocessing: shorter side → ${size} px (bilinear), centre crop ${size}×${size}`);

  const embeddings: Float32Array[] = [];
  const failures: string[] = [];
  const t0 = performance.now();
  try {
    for (let k = 0; k < files.length; k++) {
      const file = files[k];
      let x: tf.Tensor4D;
      try {
        x = styleImageTensor(await decodeImageNode(new Uint8Array(readFileSync(file)), display(file)), size);
      } catch (e) {
        failures.push(`${display(file)}: ${(e as Error).message}`);
        console.warn(`  skipped ${display(file)}: ${(e as Error).message}`);
        continue;
      }
      const z = tf.tidy(() => Object.values(graph.execute({ [input]: x }))[0]);
      embeddings.push(new Float32Array(await z.data()));
      tf.dispose([x, z]);
      if ((k + 1) % 25 === 0 || k + 1 === files.length) {
        const s = (performance.now() - t0) / 1000;
        console.log(`  ${k + 1}/${files.length}  ${(embeddings.length / s).toFixed(2)} images/s`);
      }
    }
  } finally {
    graph.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;

  const label = args.string('label') ?? basename(imagesDir);
  const fitted = fitEmbeddingStats(embeddings, {
    ridge,
    source: `${label} (${embeddings.length} images, ${display(imagesDir)}); shorter side resized to ${size} px (bilinear), centre crop ${size}×${size}`,
    predictor: `${basename(predictorPath)} sha256:${sha256} (float activations)`,
  });
  if (embeddings.length <= fitted.dim) {
    console.warn(`style-stats: only ${embeddings.length} images for ${fitted.dim}-d embeddings: Σ has rank ≤ ${embeddings.length - 1} before the ridge, which alone sets the variance of the other directions`);
  }
  const stats = validateEmbeddingStats(roundEmbeddingStats(fitted, 6));
  const out = resolve(outArg);
  mkdirSync(dirname(out), { recursive: true });
  const text = statsJson(stats);
  writeFileSync(out, text);

  let trace = 0;
  for (let i = 0; i < stats.dim; i++) trace += stats.covariance[i * stats.dim + i];
  const meanNorm = Math.hypot(...stats.mean);
  console.log(`embedded ${embeddings.length} images in ${duration(seconds)} (${(embeddings.length / seconds).toFixed(2)} images/s); ${failures.length} skipped`);
  console.log(`|μ| = ${meanNorm.toPrecision(4)}, trace Σ = ${trace.toPrecision(4)} (ridge ${stats.ridge} per diagonal entry)`);
  console.log(`wrote ${display(out)} (${(text.length / 1024).toFixed(1)} KiB)`);
  return 0;
}

runCli('style-stats', 'npm run style:stats --', specs, main);
