/**
 * `cvwb analyse`: the Phenotypes panel's analysis (pipeline/analyse.ts: clean columns → PCA →
 * t-SNE → k-means over k with the knee → §5.4 metrics) on a profile CSV read by the panel's own
 * importer (metadata/profiles.ts). Writes a CSV the panel imports again: the input's metadata plus
 * `Metadata_SourceLine` and `Metadata_KMeansCluster`, then the coordinates as numeric columns,
 * `tSNE_1`, `tSNE_2` (with --tsne) and the PCA scores `PC1…PCc`; and a JSON summary (variance
 * explained, KL, the k curve, the chosen k, the §5.4 metrics).
 *
 * Without --tsne the t-SNE stage is skipped (PCA and k-means only): the engines handed to
 * analyseProfiles then create an empty t-SNE. The PCA scores are the matrix analyseProfiles
 * clusters, taken from its k-means calls rather than computed a second time.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { positiveInt, type OptionSpecs, type ParsedArgs } from '../bench/lib/args';
import type { JobContext } from '../src/core/jobs/protocol';
import { matrix, type Matrix } from '../src/pipelines/phenotype/analysis/matrix';
import { parseProfiles, profilesToCsv, type Profiles } from '../src/pipelines/phenotype/metadata/profiles';
import { analyseProfiles, DEFAULT_ANALYSIS_OPTIONS, type AnalysisEngines, type AnalysisOptions, type AnalysisResult, type TsneEngine } from '../src/pipelines/phenotype/pipeline/analyse';
import { detectRoles } from '../src/pipelines/phenotype/pipeline/roles';
import { backendChoice, backendOption, selectAnalysisEngines } from './backend';
import { besideWithExtension, CliError, isFile, required, runCliJob, seedOf, toJson, UsageError, writeFileAtomic, type CliIo, type Command } from './common';

const specs: OptionSpecs = {
  in: { type: 'string', help: 'profile CSV/TSV (from `cvwb features`, CellProfiler, pycytominer, or the panel)' },
  out: { type: 'string', help: 'result CSV to write (a JSON summary is written beside it, or to --summary)' },
  tsne: { type: 'flag', help: 'run t-SNE on the PCA scores and write its map (default: PCA and k-means only)' },
  kmeans: { type: 'string', help: 'k: a number, or auto (default: the knee of the intra-cluster variance curve)' },
  'k-max': { type: 'int', help: 'largest k of the variance curve, at most 200 (default 70 for auto, else k)' },
  pca: { type: 'int', help: 'PCA components (default 10)' },
  perplexity: { type: 'number', help: 't-SNE perplexity (default 30; lowered for small tables)' },
  iterations: { type: 'int', help: 't-SNE iterations (default 750)' },
  method: { type: 'string', choices: ['auto', 'exact', 'approximate'], help: 't-SNE repulsion: auto (default), exact or approximate' },
  standardise: { type: 'flag', help: 'z-score every feature before PCA (default: raw features, as the thesis)' },
  'metadata-prefix': { type: 'string', help: "prefix of metadata columns in the input (default Metadata_)" },
  summary: { type: 'string', help: 'JSON summary path (default: --out with .json)' },
  backend: backendOption,
  seed: { type: 'int', help: 'seed of the t-SNE initialisation and of k-means (default 1)' },
  help: { type: 'flag', help: 'print this help' },
};

/** Largest k (the panel's cap). */
export const MAX_K = 200;

/** Column names of the written result. */
export const CLUSTER_COLUMN = 'KMeansCluster';
export const TSNE_COLUMNS = ['tSNE_1', 'tSNE_2'] as const;

interface Recording {
  engines: AnalysisEngines;
  /** The PCA scores analyseProfiles clustered (null until its first k-means call). */
  scores: () => Matrix | null;
}

/** A t-SNE that does nothing, for runs without --tsne. */
const noTsne: TsneEngine = {
  iteration: 0,
  description: 'skipped',
  step: async () => undefined,
  embedding: async () => new Float32Array(0),
  kl: async () => NaN,
  destroy: () => undefined,
};

export function recordingEngines(inner: AnalysisEngines, withTsne: boolean): Recording {
  let scores: Matrix | null = null;
  return {
    engines: {
      name: inner.name,
      createTsne: (x, n, d, options) => (withTsne ? inner.createTsne(x, n, d, options) : Promise.resolve(noTsne)),
      kmeans: (x, k, options) => {
        scores = x;
        return inner.kmeans(x, k, options);
      },
    },
    scores: () => scores,
  };
}

export function parseK(value: string | undefined): number | 'auto' {
  if (value === undefined || value === 'auto') return 'auto';
  if (!/^\d+$/.test(value) || Number(value) < 2) throw new UsageError(`--kmeans must be auto or a whole number ≥ 2, got '${value}'`);
  return Number(value);
}

/**
 * The result table: the input's metadata with the source line and the cluster, then the map
 * coordinates (with t-SNE) and the PCA scores as numeric columns (numbers stay numbers in the CSV).
 */
export function resultTable(profiles: Profiles, result: AnalysisResult, scores: Matrix, withTsne: boolean) {
  const { n } = profiles.features;
  const c = result.pca.components;
  if (scores.n !== n || scores.d < c) throw new Error(`internal: PCA scores are ${scores.n} × ${scores.d}, expected ${n} × ${c}`);
  const t = withTsne ? 2 : 0;
  const d = t + c;
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    if (withTsne) {
      data[i * d] = result.tsne.embedding[2 * i];
      data[i * d + 1] = result.tsne.embedding[2 * i + 1];
    }
    for (let j = 0; j < c; j++) data[i * d + t + j] = scores.data[i * scores.d + j];
  }
  const metadata = profiles.metadata.map((m, i) => ({ ...m, SourceLine: String(profiles.lines[i]), [CLUSTER_COLUMN]: String(result.labels[i]) }));
  const featureNames = [...(withTsne ? TSNE_COLUMNS : []), ...Array.from({ length: c }, (_, j) => `PC${j + 1}`)];
  return { features: matrix(data, n, d), featureNames, metadata };
}

async function run(args: ParsedArgs, io: CliIo): Promise<number> {
  const input = required(args, 'in', 'features.csv');
  const out = required(args, 'out', 'result.csv');
  if (/\.json$/i.test(out) && !args.has('summary')) throw new UsageError(`--out names the CSV (the .json summary is written beside it), got '${out}'`);
  if (!isFile(input)) throw new UsageError(`--in: no such file '${input}'`);
  const k = parseK(args.string('kmeans'));
  const kMax = positiveInt(args, 'k-max', k === 'auto' ? DEFAULT_ANALYSIS_OPTIONS.kmeans.kMax : k, 3);
  if (k !== 'auto' && k > kMax) throw new UsageError(`--kmeans ${k} is above --k-max ${kMax}`);
  // The analysis keeps every k's labels as bytes; the panel offers k up to 200 as well.
  if (kMax > MAX_K) throw new UsageError(`--k-max and --kmeans go up to ${MAX_K}, got ${kMax}`);
  const withTsne = args.flag('tsne');
  if (!withTsne && (args.has('perplexity') || args.has('iterations') || args.has('method'))) {
    throw new UsageError('--perplexity, --iterations and --method set up t-SNE; add --tsne');
  }
  const perplexity = args.number('perplexity') ?? DEFAULT_ANALYSIS_OPTIONS.tsne.perplexity;
  if (!(perplexity > 0)) throw new UsageError(`--perplexity must be positive, got ${perplexity}`);
  const seed = seedOf(args);
  const options: AnalysisOptions = {
    standardise: args.flag('standardise'),
    pcaComponents: positiveInt(args, 'pca', DEFAULT_ANALYSIS_OPTIONS.pcaComponents, 2),
    tsne: {
      // Without t-SNE: no iterations, and a perplexity any table of ≥ 4 rows allows (so no note about it).
      perplexity: withTsne ? perplexity : 1,
      iterations: withTsne ? positiveInt(args, 'iterations', DEFAULT_ANALYSIS_OPTIONS.tsne.iterations) : 0,
      seed,
      method: (args.string('method') ?? 'auto') as AnalysisOptions['tsne']['method'],
    },
    kmeans: { ...DEFAULT_ANALYSIS_OPTIONS.kmeans, k, kMax, seed },
    snapshotEvery: DEFAULT_ANALYSIS_OPTIONS.snapshotEvery,
  };
  const backend = backendChoice(args.string('backend'));

  let profiles: Profiles;
  try {
    profiles = parseProfiles(readFileSync(input, 'utf8'), args.has('metadata-prefix') ? { metadataPrefix: args.string('metadata-prefix') } : {});
  } catch (e) {
    throw new CliError(`${input}: ${(e as Error).message}`);
  }
  for (const note of profiles.notes) io.err(`analyse: ${note}`);
  const columns = [...new Set(profiles.metadata.flatMap((m) => Object.keys(m)))];
  const roles = detectRoles(columns);
  io.err(`analyse: ${profiles.features.n} profiles × ${profiles.features.d} features from ${input}; metadata roles: ${Object.entries(roles).map(([r, c]) => `${r} = ${c}`).join(', ') || 'none'}`);

  // Notes the analysis already logged while running are not repeated at the end.
  const printed = new Set<string>();
  const jobIo: CliIo = { ...io, err: (line) => {
    printed.add(line);
    io.err(line);
  } };
  const inner = await selectAnalysisEngines(backend, io);
  const rec = recordingEngines(inner, withTsne);
  const t0 = performance.now();
  const result = await runCliJob(jobIo, 'analyse', null, (_p: null, ctx: JobContext) => analyseProfiles(
    { data: profiles.features.data, n: profiles.features.n, d: profiles.features.d, featureNames: profiles.featureNames, metadata: profiles.metadata, roles },
    options, rec.engines, ctx,
  ), null, seed);
  const seconds = (performance.now() - t0) / 1000;
  const scores = rec.scores();
  if (!scores) throw new CliError('the analysis finished without clustering (no PCA scores)');
  for (const note of result.notes) if (!printed.has(`analyse: ${note}`)) io.err(`analyse: ${note}`);

  const outPath = resolve(out);
  writeFileAtomic(outPath, profilesToCsv(resultTable(profiles, result, scores, withTsne)));
  const sizes = new Map<number, number>();
  for (const l of result.labels) sizes.set(l, (sizes.get(l) ?? 0) + 1);
  const summary = {
    command: 'analyse',
    input: resolve(input),
    out: outPath,
    rows: result.n,
    inputFeatures: profiles.features.d,
    keptFeatures: result.keptFeatures,
    importNotes: profiles.notes,
    notes: result.notes,
    roles,
    options,
    seed,
    pca: result.pca,
    tsne: withTsne ? { method: result.tsne.method, perplexity: result.tsne.perplexity, iterations: result.tsne.iterations, kl: result.tsne.kl, seed: result.tsne.seed } : null,
    kmeans: {
      k: result.k,
      kFromKnee: result.kFromKnee,
      curve: result.curve,
      clusterSizes: [...sizes].sort((a, b) => a[0] - b[0]).map(([cluster, size]) => ({ cluster, size })),
    },
    metrics: result.metrics,
    nsc: result.nsc,
    engine: result.engine,
    seconds,
  };
  writeFileAtomic(resolve(args.string('summary') ?? besideWithExtension(outPath, '.json')), toJson(summary));
  io.err(`analyse: k = ${result.k}${result.kFromKnee ? ' (knee of the variance curve)' : ''}, ${result.pca.components} PCs explain ${(100 * (result.pca.cumulative[result.pca.components - 1] ?? 0)).toFixed(1)}%${withTsne ? `, t-SNE KL ${result.tsne.kl.toFixed(3)}` : ''}`);
  io.out(toJson(summary));
  return 0;
}

export const analyseCommand: Command = {
  name: 'analyse',
  synopsis: 'analyse --in features.csv --out result.csv [--tsne] [--kmeans K|auto] [--pca 10] [options]',
  specs,
  details: [
    'The result CSV holds the input metadata, Metadata_SourceLine (the input line), Metadata_KMeansCluster,',
    'then tSNE_1, tSNE_2 (with --tsne) and PC1…PCc. It imports in the Phenotypes panel like a profile table.',
    '',
    'Example: cvwb analyse --in features.csv --out result.csv --tsne --kmeans auto --pca 10 --seed 1',
  ],
  run,
};
