/**
 * Import and export of precomputed morphological profiles (per-image or per-well tables from
 * CellProfiler, pycytominer or this app), so that PCA, clustering and t-SNE can run on features
 * computed elsewhere. Columns split into metadata (by prefix, default `Metadata_`, or any column
 * holding text) and numeric features. Real exports contain gaps and dead features, so:
 * feature columns that are constant or mostly missing are dropped, rows with no feature values are
 * dropped, and remaining gaps (empty, NaN, ±Inf, NA …) are filled with the column median — each
 * step reported in `notes`. Structural problems (no numeric column, fewer than 2 rows, ragged
 * rows) throw a {@link ProfileImportError} naming the lines involved.
 */
import { toCsv } from '../../../core/export/csv';
import { matrix, type Matrix } from '../analysis/matrix';
import { readTable } from './table';

export class ProfileImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProfileImportError';
  }
}

export interface ProfileImportOptions {
  /** Prefix(es) marking metadata columns (default `'Metadata_'`; compared case-insensitively). */
  metadataPrefix?: string | readonly string[];
  /** Remove the prefix from metadata keys (`Metadata_Plate` → `Plate`; default true). */
  stripPrefix?: boolean;
  /**
   * Further columns that are metadata even when numeric (case-insensitive). Default: CellProfiler's
   * `ImageNumber`, `ObjectNumber` and `TableNumber`, which are identifiers, not measurements.
   */
  metadataColumns?: readonly string[];
  /** Separator (default: detected from the header: `,`, `;` or TAB). */
  delimiter?: string;
  /** A feature column missing in more than this fraction of rows is dropped (default 0.5). */
  maxMissingFraction?: number;
  /** Read `1,5` as 1.5 (default: when the separator is `;`, as in European spreadsheet exports). */
  decimalComma?: boolean;
}

export interface Profiles {
  /** n × d features, row-major, no missing values. */
  features: Matrix<Float64Array>;
  featureNames: string[];
  /** Per row: metadata column → value (prefix removed unless `stripPrefix: false`). */
  metadata: Record<string, string>[];
  /** What was dropped or filled in, for showing to the user. */
  notes: string[];
  /** 1-based source line of each kept row. */
  lines: number[];
}

const DEFAULT_ID_COLUMNS = ['ImageNumber', 'ObjectNumber', 'TableNumber'];
const MISSING = new Set(['', 'nan', '-nan', 'na', 'n/a', 'null', 'none', 'inf', '+inf', '-inf', 'infinity', '+infinity', '-infinity', '#n/a', '#na', '#div/0!', '#value!', '#num!']);
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const COMMA_NUMBER = /^[+-]?\d+,\d+(?:[eE][+-]?\d+)?$/;

/** A cell as a number: a finite value, NaN for a missing value, or null for text. */
function readNumber(cell: string, decimalComma: boolean): number | null {
  const t = cell.trim();
  if (MISSING.has(t.toLowerCase())) return NaN;
  if (NUMBER.test(t)) {
    const x = Number(t);
    return Number.isFinite(x) ? x : NaN; // 1e999 overflows: treated as missing, like Inf
  }
  if (decimalComma && COMMA_NUMBER.test(t)) return Number(t.replace(',', '.'));
  return null;
}

/** Up to `max` names, then "and N more". */
function nameList(names: readonly string[], max = 50): string {
  const shown = names.slice(0, max).map((n) => `'${n}'`).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

function lineList(lines: readonly number[], max = 20): string {
  const shown = lines.slice(0, max).join(', ');
  return lines.length > max ? `${shown} and ${lines.length - max} more` : shown;
}

/** Median of the finite values in `xs` (NaN when there are none). */
function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Parses a profile table (CSV or TSV text). */
export function parseProfiles(text: string, options: ProfileImportOptions = {}): Profiles {
  const table = readTable(text, { delimiter: options.delimiter });
  if (table.columns.length === 0) throw new ProfileImportError('The profile file is empty.');
  if (table.problems.length) throw new ProfileImportError(`The profile file is not valid CSV: ${table.problems.slice(0, 5).map((p) => `line ${p.line}: ${p.message}`).join('; ')}.`);
  const ncol = table.columns.length;
  const ragged = table.records.filter((r) => r.cells.length !== ncol);
  if (ragged.length) {
    const shown = ragged.slice(0, 10).map((r) => `line ${r.line} (${r.cells.length})`).join(', ');
    throw new ProfileImportError(`Rows must have as many cells as the header (${ncol}); ${ragged.length} do not: ${shown}${ragged.length > 10 ? ', …' : ''}.`);
  }
  const records = table.records;
  if (records.length < 2) throw new ProfileImportError(`A profile table needs at least 2 rows; this one has ${records.length}.`);

  const prefixes = (typeof options.metadataPrefix === 'string' ? [options.metadataPrefix] : [...(options.metadataPrefix ?? ['Metadata_'])]).filter((p) => p !== '');
  const ids = new Set((options.metadataColumns ?? DEFAULT_ID_COLUMNS).map((c) => c.toLowerCase()));
  const decimalComma = options.decimalComma ?? table.delimiter === ';';
  const maxMissing = options.maxMissingFraction ?? 0.5;
  const notes: string[] = [];
  const prefixOf = (c: string): string | undefined => prefixes.find((p) => c.toLowerCase().startsWith(p.toLowerCase()) && c.length > p.length);

  // Classify columns and read the numeric ones.
  const metaCols: number[] = [];
  const featCols: number[] = [];
  const values: Float64Array[] = [];
  for (let j = 0; j < ncol; j++) {
    const name = table.columns[j];
    if (prefixOf(name) !== undefined || ids.has(name.toLowerCase())) {
      metaCols.push(j);
      continue;
    }
    const col = new Float64Array(records.length);
    let text = -1, numbers = 0, texts = 0;
    records.forEach((r, i) => {
      const x = readNumber(r.cells[j], decimalComma);
      if (x === null) {
        texts++;
        if (text < 0) text = i;
      } else {
        col[i] = x;
        if (!Number.isNaN(x)) numbers++;
      }
    });
    if (texts > 0) {
      metaCols.push(j);
      if (numbers >= 9 * texts) notes.push(`Column '${name}' is mostly numbers but has text (e.g. '${records[text].cells[j].trim()}' on line ${records[text].line}); it is read as metadata.`);
    } else {
      featCols.push(j);
      values.push(col);
    }
  }
  if (featCols.length === 0) {
    throw new ProfileImportError(`No numeric feature column found. Metadata columns (prefix ${prefixes.map((p) => `'${p}'`).join(' / ') || 'none'}, identifiers or text): ${nameList(metaCols.map((j) => table.columns[j]), 20)}.`);
  }

  // Rows with no feature value at all.
  const allMissing = (i: number, cols: number[]): boolean => cols.every((c) => Number.isNaN(values[c][i]));
  const everyCol = featCols.map((_, c) => c);
  let keep = records.map((_, i) => i).filter((i) => !allMissing(i, everyCol));
  if (keep.length < records.length) {
    const gone = records.filter((_, i) => allMissing(i, everyCol)).map((r) => r.line);
    notes.push(`Dropped ${gone.length} row${gone.length === 1 ? '' : 's'} with no feature values (line${gone.length === 1 ? '' : 's'} ${lineList(gone)}).`);
  }
  if (keep.length < 2) throw new ProfileImportError(`A profile table needs at least 2 rows with feature values; this one has ${keep.length}.`);

  // Mostly-missing and constant columns, judged on the remaining rows.
  const sparse: string[] = [];
  const constant: string[] = [];
  const kept: number[] = [];
  values.forEach((col, c) => {
    let present = 0, first = NaN, varies = false;
    for (const i of keep) {
      const x = col[i];
      if (Number.isNaN(x)) continue;
      if (present++ === 0) first = x;
      else if (x !== first) varies = true;
    }
    const name = table.columns[featCols[c]];
    if (present === 0 || (keep.length - present) / keep.length > maxMissing) sparse.push(name);
    else if (!varies) constant.push(name);
    else kept.push(c);
  });
  if (sparse.length) notes.push(`Dropped ${sparse.length} feature column${sparse.length === 1 ? '' : 's'} missing in more than ${Math.round(maxMissing * 100)}% of rows: ${nameList(sparse)}.`);
  if (constant.length) notes.push(`Dropped ${constant.length} constant feature column${constant.length === 1 ? '' : 's'}: ${nameList(constant)}.`);
  if (kept.length === 0) throw new ProfileImportError(`No usable feature column: all ${featCols.length} numeric columns are constant or mostly missing.`);

  // Rows left without values once those columns are gone.
  const emptied = keep.filter((i) => allMissing(i, kept));
  if (emptied.length) {
    keep = keep.filter((i) => !allMissing(i, kept));
    notes.push(`Dropped ${emptied.length} more row${emptied.length === 1 ? '' : 's'} whose only values were in dropped columns (line${emptied.length === 1 ? '' : 's'} ${lineList(emptied.map((i) => records[i].line))}).`);
  }
  if (keep.length < 2) throw new ProfileImportError(`A profile table needs at least 2 rows with feature values; ${keep.length} remain after dropping unusable columns.`);

  // Median imputation.
  const n = keep.length, d = kept.length;
  const data = new Float64Array(n * d);
  let filled = 0, filledCols = 0;
  kept.forEach((c, j) => {
    const col = values[c];
    const present: number[] = [];
    for (const i of keep) if (!Number.isNaN(col[i])) present.push(col[i]);
    const med = present.length < n ? median(present) : 0;
    if (present.length < n) {
      filled += n - present.length;
      filledCols++;
    }
    keep.forEach((i, r) => {
      data[r * d + j] = Number.isNaN(col[i]) ? med : col[i];
    });
  });
  if (filled) notes.push(`Filled ${filled} missing value${filled === 1 ? '' : 's'} in ${filledCols} column${filledCols === 1 ? '' : 's'} with the column median.`);

  // Metadata keys, with the prefix removed where that does not clash.
  const strip = options.stripPrefix ?? true;
  const keys: string[] = [];
  for (const j of metaCols) {
    const name = table.columns[j];
    const p = prefixOf(name);
    const short = strip && p !== undefined ? name.slice(p.length) : name;
    keys.push(keys.includes(short) || metaCols.some((k) => k !== j && table.columns[k] === short) ? name : short);
  }
  const metadata = keep.map((i) => Object.fromEntries(metaCols.map((j, k) => [keys[k], records[i].cells[j].trim()])));
  return { features: matrix(data, n, d), featureNames: kept.map((c) => table.columns[featCols[c]]), metadata, notes, lines: keep.map((i) => records[i].line) };
}

export interface ProfileExportOptions {
  /** Prefix added to metadata column names that lack it (default `'Metadata_'`). */
  prefix?: string;
  /** Separator (default `,`; use `'\t'` for TSV). */
  delimiter?: string;
  /** Line ending (default CRLF, as RFC 4180 specifies). */
  newline?: string;
  /** Start with a UTF-8 BOM so spreadsheet programs detect the encoding (default false). */
  bom?: boolean;
}

/**
 * Writes profiles in the layout {@link parseProfiles} reads: metadata columns (prefixed) first,
 * then one column per feature. Text starting with = + - @ is neutralised against spreadsheet
 * formula injection; non-finite feature values are written as empty cells.
 */
export function profilesToCsv(profiles: Pick<Profiles, 'features' | 'featureNames' | 'metadata'>, options: ProfileExportOptions = {}): string {
  const { features, featureNames, metadata } = profiles;
  const { n, d, data } = features;
  if (featureNames.length !== d) throw new Error(`profilesToCsv: ${featureNames.length} feature names for ${d} feature columns`);
  if (metadata.length !== n && metadata.length !== 0) throw new Error(`profilesToCsv: ${metadata.length} metadata rows for ${n} profile rows`);
  const prefix = options.prefix ?? 'Metadata_';
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const m of metadata) {
    for (const k of Object.keys(m)) {
      if (!seen.has(k)) {
        seen.add(k);
        keys.push(k);
      }
    }
  }
  const header = keys.map((k) => (prefix !== '' && k.toLowerCase().startsWith(prefix.toLowerCase()) ? k : `${prefix}${k}`));
  const rows: unknown[][] = [];
  for (let i = 0; i < n; i++) {
    const m = metadata[i] ?? {};
    const r: unknown[] = keys.map((k) => m[k] ?? '');
    for (let j = 0; j < d; j++) {
      const x = data[i * d + j];
      r.push(Number.isFinite(x) ? x : '');
    }
    rows.push(r);
  }
  return toCsv({ columns: [...header, ...featureNames], rows }, { delimiter: options.delimiter, newline: options.newline, bom: options.bom });
}
