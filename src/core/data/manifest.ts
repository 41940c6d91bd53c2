/**
 * Label manifests: a CSV or JSON file mapping image paths to labels, and the
 * join of a manifest onto the files of a dataset. Problems are collected with
 * line numbers instead of thrown, so one bad row never blocks the rest.
 */
import Papa from 'papaparse';
import type { Labels } from './types';
import { basename, extension, normalisePath } from './path';

export interface ManifestProblem {
  /** 1-based line in the file (for JSON: the line where the entry starts). */
  line: number;
  message: string;
}

export interface ParsedManifest {
  /** Normalised path → labels, in file order; duplicates keep their first row. */
  rows: Map<string, Labels>;
  problems: ManifestProblem[];
  /** True when no rows could be read at all (empty file, bad JSON, no path column, header only). */
  fatal: boolean;
  pathColumn: string | null;
  labelColumns: string[];
}

export interface ManifestOptions {
  /** Default: from the file extension, else from the first character ('[' or '{' → JSON). */
  format?: 'csv' | 'json';
  /** Column holding the image path; default: auto-detected (see `findPathColumn`). */
  pathColumn?: string;
  /** Columns to keep as labels; default: every column except the path column. */
  labelColumns?: string[];
}

const PATH_COLUMNS = ['path', 'filepath', 'file_path', 'relative_path', 'relpath', 'file', 'filename', 'file_name', 'image', 'image_path', 'imagepath', 'image_file', 'image_name', 'imagename', 'img'];
// CellProfiler-style 'FileName_DNA' and similar prefixed names.
const PATH_PATTERNS = [/^filename_/, /^file_?(path|name)/, /^image_?(path|file|name)/];

const key = (column: string) => column.trim().toLowerCase().replace(/[\s-]+/g, '_');

/** The column that holds paths: an exact `wanted` (case-insensitive), else the first known name or pattern. */
export function findPathColumn(columns: string[], wanted?: string): string | null {
  if (wanted !== undefined) return columns.find((c) => c === wanted) ?? columns.find((c) => key(c) === key(wanted)) ?? null;
  for (const name of PATH_COLUMNS) {
    const hit = columns.find((c) => key(c) === name);
    if (hit !== undefined) return hit;
  }
  for (const re of PATH_PATTERNS) {
    const hit = columns.find((c) => re.test(key(c)));
    if (hit !== undefined) return hit;
  }
  return null;
}

/** Most frequent of , ; TAB outside quotes on the first non-empty line (',' when none occur). */
export function detectDelimiter(text: string): string {
  const line = text.split(/\r?\n|\r/).find((l) => l.trim() !== '') ?? '';
  const counts = new Map<string, number>([[',', 0], [';', 0], ['\t', 0]]);
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let best = ',';
  for (const [d, n] of counts) if (n > (counts.get(best) ?? 0)) best = d;
  return best;
}

interface RawRow {
  line: number;
  /** Column → trimmed cell; absent when the row has no cell for that column. */
  cells: Map<string, string>;
}

class Collector {
  rows = new Map<string, Labels>();
  firstLine = new Map<string, number>();
  problems: ManifestProblem[] = [];

  problem(line: number, message: string): void {
    this.problems.push({ line, message });
  }

  /** Validate one row and add it (first occurrence of a path wins). */
  add(row: RawRow, pathColumn: string, labelColumns: string[]): void {
    const rawPath = row.cells.get(pathColumn) ?? '';
    if (rawPath === '') {
      this.problem(row.line, `missing path in column '${pathColumn}'; row skipped`);
      return;
    }
    const path = normalisePath(rawPath);
    const missing = labelColumns.filter((c) => (row.cells.get(c) ?? '') === '');
    if (missing.length) this.problem(row.line, `missing value${missing.length > 1 ? 's' : ''} for ${missing.map((c) => `'${c}'`).join(', ')} (path '${path}')`);
    const first = this.firstLine.get(path);
    if (first !== undefined) {
      this.problem(row.line, `duplicate path '${path}' (first on line ${first}); kept line ${first}`);
      return;
    }
    const labels: Labels = Object.fromEntries(labelColumns.filter((c) => (row.cells.get(c) ?? '') !== '').map((c) => [c, row.cells.get(c) as string]));
    this.rows.set(path, labels);
    this.firstLine.set(path, row.line);
  }
}

function finish(c: Collector, columns: string[], rows: RawRow[], opts: ManifestOptions, headerLine: number): ParsedManifest {
  const pathColumn = findPathColumn(columns, opts.pathColumn);
  if (pathColumn === null) {
    const found = columns.length ? columns.map((x) => `'${x}'`).join(', ') : 'none';
    const expected = opts.pathColumn !== undefined ? `path column '${opts.pathColumn}' not found` : `no path column (expected one of ${PATH_COLUMNS.slice(0, 8).join(', ')}, … or FileName_*)`;
    c.problem(headerLine, `${expected}; columns found: ${found}`);
    return { rows: c.rows, problems: c.problems, fatal: true, pathColumn: null, labelColumns: [] };
  }
  let labelColumns = columns.filter((x) => x !== pathColumn);
  if (opts.labelColumns) {
    for (const l of opts.labelColumns) if (!columns.includes(l)) c.problem(headerLine, `label column '${l}' not found; columns found: ${columns.join(', ')}`);
    labelColumns = opts.labelColumns.filter((l) => columns.includes(l) && l !== pathColumn);
  }
  for (const row of rows) c.add(row, pathColumn, labelColumns);
  if (rows.length === 0) c.problem(headerLine, 'manifest has a header but no rows');
  c.problems.sort((a, b) => a.line - b.line); // stable: same-line messages keep their order
  return { rows: c.rows, problems: c.problems, fatal: c.rows.size === 0, pathColumn, labelColumns };
}

function parseCsv(text: string, opts: ManifestOptions): ParsedManifest {
  const c = new Collector();
  const records: { line: number; cells: string[] }[] = [];
  let pos = 0;
  let line = 1;
  // Line numbers come from the parser's cursor, so quoted fields with newlines do not skew them.
  Papa.parse<string[]>(text, {
    delimiter: detectDelimiter(text),
    skipEmptyLines: false,
    step: (result) => {
      const startLine = line;
      for (; pos < result.meta.cursor; pos++) if (text.charCodeAt(pos) === 10) line++;
      for (const e of result.errors) c.problem(startLine, `malformed CSV: ${e.message}`);
      if (result.data.some((cell) => cell.trim() !== '')) records.push({ line: startLine, cells: result.data });
    },
  });
  if (records.length === 0) {
    c.problem(1, 'manifest is empty');
    return { rows: c.rows, problems: c.problems, fatal: true, pathColumn: null, labelColumns: [] };
  }
  const [header, ...body] = records;
  const columns = header.cells.map((h, i) => h.trim() || `column${i + 1}`);
  const seen = new Set<string>();
  columns.forEach((col, i) => {
    if (seen.has(col)) {
      c.problem(header.line, `duplicate column name '${col}'; column ${i + 1} renamed '${col}_${i + 1}'`);
      columns[i] = `${col}_${i + 1}`;
    }
    seen.add(columns[i]);
  });
  const rows: RawRow[] = body.map(({ line: l, cells }) => {
    if (cells.length < columns.length) c.problem(l, `row has ${cells.length} cell${cells.length === 1 ? '' : 's'} but the header has ${columns.length} columns`);
    if (cells.length > columns.length) c.problem(l, `row has ${cells.length} cells but the header has ${columns.length} columns; extra cells ignored`);
    return { line: l, cells: new Map(columns.slice(0, cells.length).map((col, i) => [col, cells[i].trim()])) };
  });
  return finish(c, columns, rows, opts, header.line);
}

/** Line where each top-level entry (array element or object key) starts; assumes valid JSON. */
function topLevelLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1, depth = 0, inString = false, escaped = false, expecting = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\n') line++;
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === ' ' || ch === '\n' || ch === '\r' || ch === '\t') continue;
    if (depth === 1 && expecting && ch !== ']' && ch !== '}') {
      lines.push(line);
      expecting = false;
    }
    if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') expecting = ++depth === 1;
    else if (ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 1) expecting = true;
  }
  return lines;
}

function cellText(v: unknown): string | null {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

function parseJson(text: string, opts: ManifestOptions): ParsedManifest {
  const c = new Collector();
  const fail = (line: number, message: string): ParsedManifest => {
    c.problem(line, message);
    return { rows: c.rows, problems: c.problems, fatal: true, pathColumn: null, labelColumns: [] };
  };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const at = /line (\d+)/.exec(msg)?.[1] ?? null;
    const position = /position (\d+)/.exec(msg)?.[1];
    const line = at !== null ? Number(at) : position !== undefined ? text.slice(0, Number(position)).split('\n').length : 1;
    return fail(line, `invalid JSON: ${msg}`);
  }
  const lines = topLevelLines(text);
  const rows: RawRow[] = [];
  const columns: string[] = [];
  const addColumn = (col: string) => {
    if (!columns.includes(col)) columns.push(col);
  };
  const toCells = (obj: Record<string, unknown>, line: number, entry: string): Map<string, string> => {
    const cells = new Map<string, string>();
    for (const [k, v] of Object.entries(obj)) {
      const t = cellText(v);
      if (t === null) c.problem(line, `${entry}: value of '${k}' is not text or a number; ignored`);
      else cells.set(k, t);
    }
    return cells;
  };
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

  if (Array.isArray(data)) {
    data.forEach((entry, i) => {
      const line = lines[i] ?? 1;
      if (!isObject(entry)) return c.problem(line, `entry ${i + 1} is not an object; skipped`);
      const cells = toCells(entry, line, `entry ${i + 1}`);
      [...cells.keys()].forEach(addColumn);
      rows.push({ line, cells });
    });
    if (data.length === 0) return fail(1, 'manifest is empty');
    return finish(c, columns, rows, opts, 1);
  }
  if (isObject(data)) {
    // { "<path>": { "<label>": "<value>" } }: the keys are the paths.
    const entries = Object.entries(data);
    if (entries.length === 0) return fail(1, 'manifest is empty');
    const pathColumn = opts.pathColumn ?? 'path';
    entries.forEach(([path, labels], i) => {
      const line = lines[i] ?? 1;
      if (!isObject(labels)) return c.problem(line, `entry '${path}' should map to an object of labels; skipped`);
      const cells = toCells(labels, line, `entry '${path}'`);
      [...cells.keys()].forEach(addColumn);
      cells.set(pathColumn, path.trim());
      rows.push({ line, cells });
    });
    const labelColumns = opts.labelColumns ?? columns.filter((x) => x !== pathColumn);
    return finish(c, [pathColumn, ...columns.filter((x) => x !== pathColumn)], rows, { ...opts, pathColumn, labelColumns }, 1);
  }
  return fail(1, 'JSON manifest must be an array of objects or an object mapping paths to labels');
}

/** Parse a CSV/TSV/JSON manifest. `fileName` only helps choose the format. */
export function parseManifest(text: string, fileName = '', opts: ManifestOptions = {}): ParsedManifest {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // UTF-8 BOM from Excel
  if (body.trim() === '') {
    return { rows: new Map(), problems: [{ line: 1, message: 'manifest is empty' }], fatal: true, pathColumn: null, labelColumns: [] };
  }
  const ext = extension(fileName);
  const format = opts.format ?? (ext === 'json' ? 'json' : ['csv', 'tsv', 'txt'].includes(ext) ? 'csv' : /^\s*[[{]/.test(body) ? 'json' : 'csv');
  return format === 'json' ? parseJson(body, opts) : parseCsv(body, opts);
}

export interface ManifestJoin {
  /** Per input path: the manifest labels, or undefined when no row matched. */
  labels: (Labels | undefined)[];
  /** How each path matched: full relative path, path suffix (extra/missing root folders), or unique file name. */
  matchedBy: ('path' | 'suffix' | 'basename' | undefined)[];
  /** Manifest paths that match no file, in manifest order. */
  unknownInManifest: string[];
  /**
   * Manifest rows left unapplied because they fit a file only ambiguously: the row fits several
   * files ('same.png' with 'a/same.png' and 'b/same.png'), or another row fits the same file.
   * `files` are the unlabelled input paths (as given) the row fits.
   */
  ambiguous: { row: string; files: string[] }[];
  /** Input paths (as given) with no manifest row. */
  unlabelled: string[];
}

/**
 * Attach manifest rows to files. Case-sensitive. Order of preference:
 * 1. identical normalised relative path;
 * 2. one path is the other plus leading folders ('crops/a.png' ↔ 'drop/crops/a.png');
 * 3. identical file name when that name is unique among the remaining files and rows.
 * A row claimed by two files in steps 2–3 is ambiguous and given to neither.
 */
export function joinManifest(paths: string[], manifest: ParsedManifest | Map<string, Labels>): ManifestJoin {
  const rows = manifest instanceof Map ? manifest : manifest.rows;
  const files = paths.map(normalisePath);
  const labels: (Labels | undefined)[] = new Array(paths.length).fill(undefined);
  const matchedBy: ManifestJoin['matchedBy'] = new Array(paths.length).fill(undefined);
  const used = new Set<string>();

  files.forEach((f, i) => {
    const hit = rows.get(f);
    if (hit && !used.has(f)) {
      labels[i] = hit;
      matchedBy[i] = 'path';
      used.add(f);
    }
  });

  const keysByName = new Map<string, string[]>();
  for (const k of rows.keys()) if (!used.has(k)) keysByName.set(basename(k), [...(keysByName.get(basename(k)) ?? []), k]);
  const filesByName = new Map<string, number>();
  files.forEach((f, i) => {
    if (!labels[i]) filesByName.set(basename(f), (filesByName.get(basename(f)) ?? 0) + 1);
  });

  const claims = new Map<string, { file: number; how: 'suffix' | 'basename' }[]>();
  files.forEach((f, i) => {
    if (labels[i]) return;
    const name = basename(f);
    const candidates = keysByName.get(name) ?? [];
    const nested = candidates.filter((k) => f.endsWith('/' + k) || k.endsWith('/' + f));
    let pick: { key: string; how: 'suffix' | 'basename' } | null = null;
    if (nested.length === 1) pick = { key: nested[0], how: 'suffix' };
    else if (nested.length === 0 && candidates.length === 1 && filesByName.get(name) === 1) pick = { key: candidates[0], how: 'basename' };
    if (pick) claims.set(pick.key, [...(claims.get(pick.key) ?? []), { file: i, how: pick.how }]);
  });
  for (const [k, claim] of claims) {
    if (claim.length !== 1) continue;
    labels[claim[0].file] = rows.get(k);
    matchedBy[claim[0].file] = claim[0].how;
    used.add(k);
  }

  // A row left over while an unlabelled file shares its name (which every suffix match implies) was ambiguous.
  const unlabelledByName = new Map<string, string[]>();
  files.forEach((f, i) => {
    if (labels[i]) return;
    const same = unlabelledByName.get(basename(f));
    if (same) same.push(paths[i]);
    else unlabelledByName.set(basename(f), [paths[i]]);
  });
  const unknownInManifest: string[] = [];
  const ambiguous: ManifestJoin['ambiguous'] = [];
  for (const k of rows.keys()) {
    if (used.has(k)) continue;
    const fits = unlabelledByName.get(basename(k));
    if (fits) ambiguous.push({ row: k, files: fits });
    else unknownInManifest.push(k);
  }
  return { labels, matchedBy, unknownInManifest, ambiguous, unlabelled: paths.filter((_, i) => !labels[i]) };
}
