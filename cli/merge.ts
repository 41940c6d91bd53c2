/**
 * `cvwb merge`: concatenates profile CSVs (e.g. the per-shard outputs of `cvwb features --shard`)
 * into one, matching columns by name: the metadata columns are the union of all files' (a shard
 * whose names lacked a field gets empty cells), the feature columns must be the same in every file
 * (same backbone and layers), in the first file's order. Files are read with the panel's table
 * reader and written with the app's CSV writer, one file at a time.
 */
import { closeSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { OptionSpecs, ParsedArgs } from '../bench/lib/args';
import { toCsv } from '../src/core/export/csv';
import { readTable, type TextTable } from '../src/pipelines/phenotype/metadata/table';
import { CliError, isDirectory, isFile, required, toJson, UsageError, type CliIo, type Command } from './common';

const specs: OptionSpecs = {
  in: { type: 'string', help: 'a folder (its *.csv / *.tsv files, sorted by name) or a comma-separated list of files' },
  out: { type: 'string', help: 'merged CSV to write' },
  'metadata-prefix': { type: 'string', help: 'prefix of metadata columns (default Metadata_)' },
  help: { type: 'flag', help: 'print this help' },
};

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(?:inf|infinity|nan)$/i;

/** A feature cell for the writer: a number, or empty for a missing value (kept missing on re-import). */
function featureCell(text: string): number | string {
  const t = text.trim();
  if (NUMBER.test(t)) {
    const x = Number(t);
    return Number.isFinite(x) ? x : '';
  }
  return NON_FINITE.test(t) ? '' : t;
}

function inputFiles(spec: string, out: string): string[] {
  if (isDirectory(spec)) {
    const files = readdirSync(spec).filter((f) => /\.(csv|tsv)$/i.test(f)).sort().map((f) => join(spec, f)).filter((f) => resolve(f) !== out);
    if (files.length === 0) throw new UsageError(`--in: no .csv or .tsv files in '${spec}'`);
    return files;
  }
  const files = spec.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const f of files) if (!isFile(f)) throw new UsageError(`--in: no such file '${f}'`);
  if (files.some((f) => resolve(f) === out)) throw new UsageError('--out is one of the inputs');
  return files;
}

function readCsv(path: string): TextTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(`${path}: ${(e as Error).message}`);
  }
  const table = readTable(text);
  if (table.columns.length === 0) throw new CliError(`${path}: the file is empty`);
  if (table.problems.length > 0) throw new CliError(`${path}: not valid CSV: ${table.problems.slice(0, 3).map((p) => `line ${p.line}: ${p.message}`).join('; ')}`);
  const ragged = table.records.find((r) => r.cells.length !== table.columns.length);
  if (ragged) throw new CliError(`${path}: line ${ragged.line} has ${ragged.cells.length} cells, the header ${table.columns.length}`);
  return table;
}

async function run(args: ParsedArgs, io: CliIo): Promise<number> {
  const out = resolve(required(args, 'out', 'merged.csv'));
  const files = inputFiles(required(args, 'in', 'folder or files'), out);
  const prefix = (args.string('metadata-prefix') ?? 'Metadata_').toLowerCase();
  const isMeta = (c: string) => prefix !== '' && c.toLowerCase().startsWith(prefix);

  // Pass 1: the columns of every file.
  const metaColumns: string[] = [];
  let featureColumns: string[] | null = null;
  for (const f of files) {
    const { columns } = readCsv(f);
    for (const c of columns) if (isMeta(c) && !metaColumns.includes(c)) metaColumns.push(c);
    const feats = columns.filter((c) => !isMeta(c));
    if (featureColumns === null) featureColumns = feats;
    else {
      const missing = featureColumns.filter((c) => !feats.includes(c));
      const extra = feats.filter((c) => !featureColumns!.includes(c));
      if (missing.length || extra.length) {
        throw new CliError(`${f}: its feature columns differ from ${files[0]}'s (${missing.length ? `missing ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ' …' : ''}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `extra ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ' …' : ''}` : ''}); were they made with the same backbone and layers?`);
      }
    }
  }
  const columns = [...metaColumns, ...(featureColumns ?? [])];
  if ((featureColumns ?? []).length === 0) throw new CliError(`no feature columns (every column starts with ${args.string('metadata-prefix') ?? 'Metadata_'})`);

  // Pass 2: rows, file by file, into a temporary file renamed at the end.
  const tmp = `${out}.tmp-${process.pid}`;
  let rows = 0;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, toCsv({ columns, rows: [] }));
    for (const f of files) {
      const table = readCsv(f);
      const at = new Map(table.columns.map((c, i) => [c, i]));
      const records = table.records.map((r) => columns.map((c) => {
        const i = at.get(c);
        if (i === undefined) return '';
        return isMeta(c) ? r.cells[i].trim() : featureCell(r.cells[i]);
      }));
      if (records.length) writeSync(fd, toCsv({ columns, rows: records }, { header: false }));
      rows += records.length;
      io.err(`merge: ${f}: ${records.length} rows`);
    }
    closeSync(fd);
    renameSync(tmp, out);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
    rmSync(tmp, { force: true });
    throw e;
  }
  io.out(toJson({ command: 'merge', out, files, rows, metadataColumns: metaColumns.length, featureColumns: featureColumns?.length ?? 0 }));
  return 0;
}

export const mergeCommand: Command = {
  name: 'merge',
  synopsis: 'merge --in FOLDER|a.csv,b.csv --out merged.csv',
  specs,
  details: ['Example: cvwb merge --in features/ --out all-features.csv'],
  run,
};
