/**
 * `cvwb simcep`: SIMCEP-style synthetic nuclei images as PNG files plus their boxes in a format the
 * detection panel's folder loader reads (COCO by default, or the box-list JSON), so the folder can
 * be dropped on the panel's evaluation or fine-tuning, or used by `cvwb detector train/eval`.
 *
 * Image i (a global index, from `--first-index`) is `generateCellImage(params, new Rng(seed).fork(i))`,
 * the image `simcepBatch(params, new Rng(seed), …)` (train.ts) makes at index i, so shards made
 * with different `--first-index` values under one seed together equal one large run.
 *
 * The seed, the generator parameters and the index range are recorded in the annotation file's
 * `info` block. (A separate JSON file in the folder would be read by the app's folder loader as a
 * candidate annotation file and reported as unrecognised.)
 */
import { encode as encodePng } from 'fast-png';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { positiveInt, type OptionSpecs, type ParsedArgs } from '../bench/lib/args';
import type { JobContext } from '../src/core/jobs/protocol';
import { Rng } from '../src/core/rng/rng';
import type { Box } from '../src/pipelines/detection/boxes';
import { crowdedSimcepParams, defaultSimcepParams, generateCellImage, smallSimcepParams, type SimcepParams } from '../src/pipelines/detection/simcep';
import { CliError, Interrupted, isDirectory, listFilesRelative, required, runCliJob, seedOf, toJson, UsageError, writeFileAtomic, type CliIo, type Command } from './common';

export const SIMCEP_PRESETS: Record<string, SimcepParams> = {
  thesis: defaultSimcepParams,
  small: smallSimcepParams,
  crowded: crowdedSimcepParams,
};

export const ANNOTATION_FILE = 'annotations.json';
export const IMAGE_DIR = 'images';

const specs: OptionSpecs = {
  count: { type: 'int', help: 'images to generate (default 100)' },
  size: { type: 'int', help: "image side in pixels (default: the preset's, 224 for thesis)" },
  out: { type: 'string', help: 'output folder (created): images/*.png + annotations.json' },
  seed: { type: 'int', help: 'generator seed (default 1)' },
  preset: { type: 'string', choices: Object.keys(SIMCEP_PRESETS), help: 'generator parameters: thesis (1–15 cells, default), small (64², 1–5 smaller cells) or crowded (clustered, overlapping)' },
  cells: { type: 'string', help: "cells per image as MIN-MAX (default: the preset's)" },
  'first-index': { type: 'int', help: 'global index of the first image (default 0; for shards of one seeded set)' },
  format: { type: 'string', choices: ['coco', 'box-list'], help: 'annotation format (default coco)' },
  'bit-depth': { type: 'int', help: 'PNG bit depth, 8 (default) or 16' },
  overwrite: { type: 'flag', help: 'write into an --out folder that already holds a generated set' },
  help: { type: 'flag', help: 'print this help' },
};

export interface SimcepRun {
  out: string;
  params: SimcepParams;
  preset: string;
  seed: number;
  firstIndex: number;
  count: number;
  format: 'coco' | 'box-list';
  bitDepth: 8 | 16;
}

interface ImageRecord {
  index: number;
  file: string;
  width: number;
  height: number;
  requestedCells: number;
  boxes: Box[];
}

export function parseSimcepArgs(args: ParsedArgs): SimcepRun {
  const out = required(args, 'out', 'folder');
  const presetName = args.string('preset') ?? 'thesis';
  const base = SIMCEP_PRESETS[presetName];
  const size = args.has('size') ? positiveInt(args, 'size', base.width, 16) : base.width;
  const cellsArg = args.string('cells');
  const cells = cellsArg?.match(/^(\d+)-(\d+)$/);
  if (cellsArg !== undefined && (!cells || Number(cells[1]) > Number(cells[2]))) throw new UsageError(`--cells must be MIN-MAX (e.g. 1-15), got '${cellsArg}'`);
  const bitDepth = args.int('bit-depth') ?? 8;
  if (bitDepth !== 8 && bitDepth !== 16) throw new UsageError(`--bit-depth must be 8 or 16, got ${bitDepth}`);
  const firstIndex = positiveInt(args, 'first-index', 0, 0);
  const params: SimcepParams = {
    ...base,
    width: size,
    height: size,
    ...(cells ? { cellCount: [Number(cells[1]), Number(cells[2])] as const } : {}),
  };
  return {
    out,
    params,
    preset: presetName,
    seed: seedOf(args),
    firstIndex,
    count: positiveInt(args, 'count', 100),
    format: (args.string('format') ?? 'coco') as SimcepRun['format'],
    bitDepth,
  };
}

/** Gray [0, 1] → PNG bytes at the given depth. */
export function encodeGrayPng(image: Float32Array, width: number, height: number, bitDepth: 8 | 16): Uint8Array {
  const max = bitDepth === 8 ? 255 : 65535;
  const data = bitDepth === 8 ? new Uint8Array(width * height) : new Uint16Array(width * height);
  for (let k = 0; k < data.length; k++) data[k] = Math.round(Math.min(1, Math.max(0, image[k])) * max);
  return encodePng({ width, height, data, channels: 1, depth: bitDepth });
}

function info(run: SimcepRun, images: number) {
  return {
    description: 'SIMCEP-style synthetic fluorescence nuclei (cv-workbench)',
    generator: 'cvwb simcep',
    date_created: new Date().toISOString(),
    seed: run.seed,
    first_index: run.firstIndex,
    count: images,
    requested_count: run.count,
    preset: run.preset,
    bit_depth: run.bitDepth,
    box_convention: 'tight pixel boxes; pixel column c spans [c, c+1)',
    image_rule: 'image i = generateCellImage(parameters, new Rng(seed).fork(i)), i = first_index … first_index + count − 1',
    parameters: run.params,
  };
}

/** The annotation JSON for the images written so far (COCO, or box-list with corners [x1, y1, x2, y2]). */
export function annotationJson(run: SimcepRun, records: readonly ImageRecord[]): unknown {
  if (run.format === 'box-list') {
    return {
      info: info(run, records.length),
      box_format: 'xyxy (x2, y2 exclusive)',
      images: records.map((r) => ({
        file: r.file, id: r.index, width: r.width, height: r.height, count: r.boxes.length,
        boxes: r.boxes.map((b) => [b.x1, b.y1, b.x2, b.y2]),
      })),
    };
  }
  let annId = 0;
  return {
    info: info(run, records.length),
    images: records.map((r) => ({ id: r.index, file_name: r.file, width: r.width, height: r.height, requested_cells: r.requestedCells })),
    annotations: records.flatMap((r) =>
      r.boxes.map((b) => ({
        id: ++annId, image_id: r.index, category_id: 1,
        bbox: [b.x1, b.y1, b.x2 - b.x1, b.y2 - b.y1], area: (b.x2 - b.x1) * (b.y2 - b.y1), iscrowd: 0,
      })),
    ),
    categories: [{ id: 1, name: 'nucleus', supercategory: 'cell' }],
  };
}

async function run(args: ParsedArgs, io: CliIo): Promise<number> {
  const r = parseSimcepArgs(args);
  const out = resolve(r.out);
  if (existsSync(out) && !isDirectory(out)) throw new UsageError(`--out: '${r.out}' exists and is not a folder`);
  if (existsSync(join(out, ANNOTATION_FILE)) && !args.flag('overwrite')) {
    throw new UsageError(`--out: '${r.out}' already holds ${ANNOTATION_FILE}; choose another folder or pass --overwrite`);
  }
  if (isDirectory(out) && !existsSync(join(out, ANNOTATION_FILE)) && listFilesRelative(out).length > 0 && !args.flag('overwrite')) {
    throw new UsageError(`--out: '${r.out}' is not empty; choose an empty or new folder, or pass --overwrite`);
  }
  const imageDir = join(out, IMAGE_DIR);
  try {
    mkdirSync(imageDir, { recursive: true });
  } catch (e) {
    throw new CliError(`cannot create ${imageDir}: ${(e as Error).message}`);
  }
  const digits = Math.max(5, String(r.firstIndex + r.count - 1).length);
  const records: ImageRecord[] = [];
  const root = new Rng(r.seed);
  io.err(`simcep: ${r.count} images of ${r.params.width}×${r.params.height} (preset ${r.preset}, cells ${r.params.cellCount.join('–')}), seed ${r.seed}, first index ${r.firstIndex} → ${out}`);
  const writeAnnotations = () => writeFileAtomic(join(out, ANNOTATION_FILE), toJson(annotationJson(r, records), 0));
  const t0 = performance.now();
  try {
    await runCliJob(io, 'simcep', 'images', async (_p: null, ctx: JobContext) => {
      for (let i = 0; i < r.count; i++) {
        const index = r.firstIndex + i;
        const img = generateCellImage(r.params, root.fork(index));
        const file = `${IMAGE_DIR}/simcep_${String(index).padStart(digits, '0')}.png`;
        writeFileSync(join(out, file), encodeGrayPng(img.image, img.width, img.height, r.bitDepth));
        records.push({ index, file, width: img.width, height: img.height, requestedCells: img.requestedCells, boxes: img.boxes });
        ctx.progress(i + 1, r.count);
        await ctx.checkpoint();
      }
    }, null, r.seed);
  } catch (e) {
    // Keep what was made: the images written so far get their annotations.
    if (e instanceof Interrupted && records.length > 0) {
      writeAnnotations();
      io.err(`simcep: wrote annotations for the ${records.length} images finished before the interrupt`);
    }
    throw e;
  }
  writeAnnotations();
  const cells = records.reduce((s, x) => s + x.boxes.length, 0);
  io.out(toJson({
    command: 'simcep', out, annotations: join(out, ANNOTATION_FILE), format: r.format, images: records.length, cells,
    seed: r.seed, firstIndex: r.firstIndex, preset: r.preset, size: r.params.width, bitDepth: r.bitDepth,
    seconds: (performance.now() - t0) / 1000,
  }));
  return 0;
}

export const simcepCommand: Command = {
  name: 'simcep',
  synopsis: 'simcep --count N --size PX --out DIR [--seed S] [options]',
  specs,
  details: [
    'Writes DIR/images/simcep_<index>.png (gray) and DIR/annotations.json (COCO; --format box-list for',
    'the DSB2018-style box list), which the detection panel and `cvwb detector` read. The seed, the',
    'generator parameters and the index range are in the annotation file\'s "info" block.',
    '',
    'Example: cvwb simcep --count 50 --size 224 --out data/simcep --seed 7',
  ],
  run,
};
