/**
 * `cvwb detector eval`: evaluates a detector checkpoint zip on an annotated folder with the
 * detection panel's evaluation (evaluateJob.ts: COCO / box-list JSON, DSB2018 masks or `_C<n>_`
 * counts; images padded to multiples of 32): Table 3.2 metrics and count errors, plus the count
 * per image. Prints the summary JSON and, with --out, writes it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { OptionSpecs, ParsedArgs } from '../bench/lib/args';
import { metricsLine, metricsRecord } from '../bench/lib/detection';
import { decodeImageNode } from '../src/core/data/nodeDecode';
import { evaluateCheckpointOnFolder, type DetectionEvaluateResult } from '../src/pipelines/detection/evaluateJob';
import { backendChoice, backendOption, selectTfBackend } from './backend';
import { CliError, folderFiles, isDirectory, isFile, positiveOrUndefined, required, runCliJob, seedOf, toJson, UsageError, writeFileAtomic, type CliIo, type Command } from './common';

const specs: OptionSpecs = {
  data: { type: 'string', help: 'annotated folder (COCO / box-list JSON, <id>/images + <id>/masks, or _C<n>_ counts in names)' },
  checkpoint: { type: 'string', help: 'detector checkpoint zip, or a folder holding exactly one (e.g. the --out of `detector train`)' },
  threshold: { type: 'number', help: 'confidence threshold of a counted box (default 0.5)' },
  limit: { type: 'int', help: 'evaluate at most this many annotated images (sorted path order)' },
  out: { type: 'string', help: 'also write the summary JSON (with per-image counts) here' },
  backend: backendOption,
  seed: { type: 'int', help: 'recorded in the summary (evaluation is deterministic)' },
  help: { type: 'flag', help: 'print this help' },
};

/** A zip file, or the single .zip inside a folder. */
export function resolveCheckpoint(path: string): string {
  if (isFile(path)) return path;
  if (!isDirectory(path)) throw new UsageError(`--checkpoint: no such file or folder '${path}'`);
  const zips = readdirSync(path).filter((f) => f.toLowerCase().endsWith('.zip')).sort();
  if (zips.length === 1) return join(path, zips[0]);
  throw new UsageError(zips.length === 0 ? `--checkpoint: no .zip in '${path}'` : `--checkpoint: '${path}' holds ${zips.length} zips (${zips.join(', ')}); name one`);
}

async function run(args: ParsedArgs, io: CliIo): Promise<number> {
  const dataDir = required(args, 'data', 'folder');
  if (!isDirectory(dataDir)) throw new UsageError(`--data: no such folder '${dataDir}'`);
  const ckpt = resolveCheckpoint(required(args, 'checkpoint', 'checkpoint.zip'));
  const threshold = args.number('threshold') ?? 0.5;
  if (!(threshold >= 0 && threshold <= 1)) throw new UsageError(`--threshold must be in [0, 1], got ${threshold}`);
  const limit = positiveOrUndefined(args, 'limit');
  const seed = seedOf(args);
  const used = await selectTfBackend(backendChoice(args.string('backend')), io);

  const folderName = basename(resolve(dataDir));
  const files = await folderFiles(dataDir, folderName);
  const checkpoint = new Uint8Array(readFileSync(ckpt));
  const t0 = performance.now();
  const r = await runCliJob<null, DetectionEvaluateResult>(io, 'detector eval', 'steps', (_p, ctx) =>
    evaluateCheckpointOnFolder({ files, checkpoint, checkpointName: basename(ckpt), limit, threshold }, ctx, decodeImageNode), null, seed);
  const seconds = (performance.now() - t0) / 1000;
  for (const p of r.problems.slice(0, 20)) io.err(`detector eval: ${p.path}: ${p.message}`);
  if (r.problems.length > 20) io.err(`detector eval: … and ${r.problems.length - 20} more problems`);
  if (r.report) io.err(`detector eval: ${metricsLine(r.report.all)}`);
  io.err(`detector eval: ${r.images} images, count RMSE ${r.countRmse.toFixed(2)}, MAE ${r.countMae.toFixed(2)}`);
  if (r.images === 0) throw new CliError('no image could be evaluated');
  const summary = {
    command: 'detector eval',
    data: resolve(dataDir),
    checkpoint: resolve(ckpt),
    images: r.images,
    threshold,
    metrics: r.report ? metricsRecord(r.report.all) : null,
    heavyOverlapSubset: r.report ? metricsRecord(r.report.heavyOverlap) : null,
    countRmse: r.countRmse,
    countMae: r.countMae,
    counts: r.counts,
    problems: r.problems,
    backend: used.backend,
    adapter: used.adapter,
    seed,
    seconds,
  };
  const out = args.string('out');
  if (out) writeFileAtomic(resolve(out), toJson(summary));
  io.out(toJson(summary));
  return 0;
}

export const detectorEvalCommand: Command = {
  name: 'detector eval',
  synopsis: 'detector eval --data DIR --checkpoint CKPT [--threshold 0.5] [--out report.json]',
  specs,
  details: ['Example: cvwb detector eval --data ../shared/data/dsb2018-nuclei --checkpoint models/detector-small/detector-small.zip --out eval.json'],
  run,
};
