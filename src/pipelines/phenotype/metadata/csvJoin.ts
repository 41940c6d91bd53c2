/**
 * Joining plate metadata from a CSV (plate map, CellProfiler image table, compound annotations)
 * onto images. Rows are found by a key column matched to the image's file name or relative path
 * (case- and, optionally, extension-insensitive; Unicode-normalised so names from macOS and
 * Windows agree), or by plate + well (+ site) read from the file names. Every join reports what
 * did not line up — images without a row, rows without an image, duplicate keys (the first row
 * wins) — because silently dropped images bias a screen's statistics.
 *
 * Includes a preset for BBBC021 (`BBBC021_v1_image.csv` + `BBBC021_v1_moa.csv`), which also
 * accepts single-cell crops named after their source image with a trailing `_<index>`.
 */
import { basename, normalisePath } from '../../../core/data/path';
import { normaliseWell } from './filename';
import { readTable } from './table';

export interface CsvTable {
  /** Header names (trimmed, made unique). */
  columns: string[];
  /** Data rows: column → trimmed cell ('' when the row is short). */
  rows: Record<string, string>[];
  /** 1-based line of each row in the file. */
  lines: number[];
  /** 1-based line of the header. */
  headerLine: number;
  delimiter: string;
  /** Malformed quoting, short or long rows, with their line. */
  problems: { line: number; message: string }[];
}

/**
 * Parses CSV / TSV / semicolon-separated text (BOM, quoted fields and blank lines handled; the
 * separator is detected from the header unless given).
 */
export function parseCsv(text: string, options: { delimiter?: string } = {}): CsvTable {
  const t = readTable(text, options);
  const problems = [...t.problems];
  const rows: Record<string, string>[] = [];
  const lines: number[] = [];
  for (const r of t.records) {
    if (r.cells.length !== t.columns.length) {
      problems.push({
        line: r.line,
        message: `row has ${r.cells.length} cell${r.cells.length === 1 ? '' : 's'} but the header has ${t.columns.length} columns${r.cells.length > t.columns.length ? '; extra cells ignored' : ''}`,
      });
    }
    rows.push(Object.fromEntries(t.columns.map((c, i) => [c, (r.cells[i] ?? '').trim()])));
    lines.push(r.line);
  }
  return { columns: t.columns, rows, lines, headerLine: t.headerLine, delimiter: t.delimiter, problems };
}

/** Join on a file name or relative path held in one or more CSV columns. */
export interface FileKeyJoin {
  by: 'file';
  /** Column(s) holding the file name or path; a row can be found through any of them. */
  column: string | readonly string[];
  /**
   * Column(s) holding the folder of the file (CellProfiler's `Image_PathName_*`), joined with
   * the matching `column` entry as `<folder>/<file>`. Only used when `match` is `'path'`.
   */
  folderColumn?: string | readonly string[];
  /**
   * `'basename'` (default): compare file names only. `'path'`: compare relative paths; one path
   * may have extra leading folders (`plate1/A01.tif` ↔ `exp/plate1/A01.tif`), and the longest
   * agreement wins.
   */
  match?: 'basename' | 'path';
  /** Ignore upper/lower case (default true). */
  caseInsensitive?: boolean;
  /** Ignore the file extension (`a.tif` ↔ `a.png`; default false). */
  ignoreExtension?: boolean;
  /**
   * Key candidates for an image, tried in order (default: its path). Lets crops named
   * `<image>_<index>.tif` find the row of `<image>.tif`.
   */
  imageKey?: (path: string) => string | readonly string[];
}

/** Join on plate + well (+ site) columns against fields read from the file names. */
export interface WellKeyJoin {
  by: 'well';
  /** Plate column; omit to join on well (+ site) only, e.g. for a single plate. */
  plateColumn?: string;
  wellColumn: string;
  siteColumn?: string;
  /** Compare plates ignoring case (default true). */
  caseInsensitive?: boolean;
}

export interface CsvJoinOptions {
  key: FileKeyJoin | WellKeyJoin;
  /**
   * Fields already known per image (e.g. `parseFileNames(...).rows`), same order as the images.
   * Needed for a `'well'` join (`plate`, `well`, `site`); always copied into the joined rows.
   */
  imageMetadata?: readonly Record<string, string>[];
  /** CSV columns to copy into the joined rows (default: all). */
  columns?: readonly string[];
}

export interface CsvJoinResult {
  /** Per image, in order: its `imageMetadata` overlaid with the matched CSV row's columns. */
  rows: Record<string, string>[];
  /** Per image: index of the matched row in the table (`table.rows`), or null. */
  rowIndex: (number | null)[];
  /** Images (as given) with no CSV row. */
  imagesWithoutRow: string[];
  /** CSV rows that no image uses, with their line and key. */
  rowsWithoutImage: { line: number; key: string }[];
  /** Keys found on more than one row: all their lines, the first of which was used. */
  duplicateKeys: { key: string; lines: number[] }[];
  /** Images that fit several rows equally well (path join only); they get none. */
  ambiguous: { image: string; lines: number[] }[];
  /** Table problems plus missing join columns and rows with unusable keys. */
  problems: { line: number; message: string }[];
  table: CsvTable;
}

const asList = (v: string | readonly string[] | undefined): string[] => (v === undefined ? [] : typeof v === 'string' ? [v] : [...v]);

/** Path with its last segment's extension removed (`a/b.c.tif` → `a/b.c`; dot-files keep theirs). */
function dropExtension(path: string): string {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  return dot > slash + 1 ? path.slice(0, dot) : path;
}

/** Leading zeros removed from a number (`'01'` → `'1'`), other text unchanged. */
const siteKey = (v: string): string => (/^\d+$/.test(v) ? String(Number.parseInt(v, 10)) : v);

/** Key index over the table: key → first row, plus the lines of repeated keys. */
class KeyIndex {
  readonly first = new Map<string, number>();
  private readonly lines = new Map<string, number[]>();
  /** Display form of each key (as written in the first row that has it). */
  readonly shown = new Map<string, string>();

  add(key: string, row: number, line: number, shown: string): void {
    const seen = this.first.get(key);
    if (seen === undefined) {
      this.first.set(key, row);
      this.lines.set(key, [line]);
      this.shown.set(key, shown);
    } else if (seen !== row) {
      const l = this.lines.get(key) as number[];
      if (!l.includes(line)) l.push(line);
    }
  }

  duplicates(): { key: string; lines: number[] }[] {
    const out: { key: string; lines: number[] }[] = [];
    for (const [k, l] of this.lines) if (l.length > 1) out.push({ key: this.shown.get(k) ?? k, lines: l });
    return out;
  }
}

/**
 * Joins CSV rows onto images (paths relative to the dataset root, or bare file names).
 * `csv` is the file's text or an already parsed {@link CsvTable}.
 */
export function joinCsv(images: readonly string[], csv: string | CsvTable, options: CsvJoinOptions): CsvJoinResult {
  const table = typeof csv === 'string' ? parseCsv(csv) : csv;
  const problems = [...table.problems];
  const { key } = options;
  const headerLine = table.headerLine;
  const missing = (key.by === 'file' ? [...asList(key.column), ...asList(key.folderColumn)] : [key.plateColumn, key.wellColumn, key.siteColumn].filter((c): c is string => c !== undefined)).filter((c) => !table.columns.includes(c));
  const empty = (): CsvJoinResult => ({
    rows: images.map((_, i) => ({ ...(options.imageMetadata?.[i] ?? {}) })),
    rowIndex: images.map(() => null),
    imagesWithoutRow: [...images],
    rowsWithoutImage: table.rows.map((_, r) => ({ line: table.lines[r], key: '' })),
    duplicateKeys: [],
    ambiguous: [],
    problems,
    table,
  });
  if (missing.length) {
    problems.push({ line: headerLine, message: `join column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `'${c}'`).join(', ')} not found; columns are ${table.columns.map((c) => `'${c}'`).join(', ') || 'none'}` });
    return empty();
  }
  if (key.by === 'well' && !options.imageMetadata) {
    problems.push({ line: headerLine, message: 'a plate/well join needs the plate, well and site of each image (imageMetadata, e.g. from parseFileNames)' });
    return empty();
  }

  const rowIndex: (number | null)[] = new Array(images.length).fill(null);
  const ambiguous: CsvJoinResult['ambiguous'] = [];
  const rowKey: string[] = new Array(table.rows.length).fill('');
  let index: KeyIndex;

  if (key.by === 'file') {
    const mode = key.match ?? 'basename';
    const ci = key.caseInsensitive ?? true;
    const norm = (s: string): string => {
      let k = normalisePath(s).normalize('NFC');
      if (mode === 'basename') k = basename(k);
      if (key.ignoreExtension) k = dropExtension(k);
      return ci ? k.toLowerCase() : k;
    };
    const columns = asList(key.column);
    const folders = asList(key.folderColumn);
    index = new KeyIndex();
    /** Proper suffixes of CSV keys (path mode): suffix → the distinct keys that end with '/' + suffix. */
    const bySuffix = new Map<string, Set<string>>();
    table.rows.forEach((row, r) => {
      columns.forEach((col, c) => {
        const file = row[col];
        if (!file) return;
        const folder = mode === 'path' && folders.length ? (row[folders[Math.min(c, folders.length - 1)]] ?? '') : '';
        const raw = folder ? `${folder}/${file}` : file;
        const k = norm(raw);
        if (k === '') return;
        if (!rowKey[r]) rowKey[r] = normalisePath(raw);
        index.add(k, r, table.lines[r], normalisePath(raw));
        if (mode === 'path') {
          const parts = k.split('/');
          for (let s = 1; s < parts.length; s++) {
            const suffix = parts.slice(s).join('/');
            const set = bySuffix.get(suffix) ?? new Set<string>();
            set.add(k);
            bySuffix.set(suffix, set);
          }
        }
      });
      if (!rowKey[r]) problems.push({ line: table.lines[r], message: `no file name in ${columns.map((c) => `'${c}'`).join(' / ')}; row not used` });
    });
    const lookup = (k: string, image: string): number | null | 'ambiguous' => {
      const exact = index.first.get(k);
      if (exact !== undefined) return exact;
      if (mode === 'basename') return null;
      const longer = bySuffix.get(k);
      if (longer && longer.size === 1) return index.first.get([...longer][0]) as number;
      if (longer && longer.size > 1) {
        ambiguous.push({ image, lines: [...longer].map((x) => table.lines[index.first.get(x) as number]) });
        return 'ambiguous';
      }
      const parts = k.split('/');
      for (let s = 1; s < parts.length; s++) {
        const hit = index.first.get(parts.slice(s).join('/'));
        if (hit !== undefined) return hit;
      }
      return null;
    };
    images.forEach((image, i) => {
      const candidates = key.imageKey ? asList(key.imageKey(image)) : [image];
      for (const cand of candidates) {
        const hit = lookup(norm(cand), image);
        if (hit === 'ambiguous') break;
        if (hit !== null) {
          rowIndex[i] = hit;
          break;
        }
      }
    });
  } else {
    const ci = key.caseInsensitive ?? true;
    const plateOf = (v: string): string => {
      const p = v.trim().normalize('NFC');
      return ci ? p.toLowerCase() : p;
    };
    const compose = (plate: string | undefined, well: string, site: string | undefined): string =>
      [key.plateColumn !== undefined ? plateOf(plate ?? '') : '', well, key.siteColumn !== undefined ? siteKey(site ?? '') : ''].join('\u0000');
    const show = (plate: string | undefined, well: string, site: string | undefined): string =>
      [key.plateColumn !== undefined ? plate : undefined, well, key.siteColumn !== undefined ? `site ${site}` : undefined].filter((x) => x !== undefined).join(' / ');
    index = new KeyIndex();
    table.rows.forEach((row, r) => {
      const well = normaliseWell(row[key.wellColumn] ?? '');
      const plate = key.plateColumn !== undefined ? row[key.plateColumn] : undefined;
      const site = key.siteColumn !== undefined ? row[key.siteColumn] : undefined;
      if (well === null || (key.plateColumn !== undefined && !plate) || (key.siteColumn !== undefined && !site)) {
        problems.push({ line: table.lines[r], message: well === null ? `'${row[key.wellColumn] ?? ''}' in '${key.wellColumn}' is not a well; row not used` : 'plate or site is empty; row not used' });
        return;
      }
      rowKey[r] = show(plate, well, site);
      index.add(compose(plate, well, site), r, table.lines[r], rowKey[r]);
    });
    const meta = options.imageMetadata as readonly Record<string, string>[];
    images.forEach((_, i) => {
      const m = meta[i] ?? {};
      const well = m.well !== undefined ? normaliseWell(m.well) : null;
      if (well === null || (key.plateColumn !== undefined && !m.plate) || (key.siteColumn !== undefined && m.site === undefined)) return;
      const hit = index.first.get(compose(m.plate, well, m.site));
      if (hit !== undefined) rowIndex[i] = hit;
    });
  }

  const used = new Set<number>();
  for (const r of rowIndex) if (r !== null) used.add(r);
  const copy = options.columns ? options.columns.filter((c) => table.columns.includes(c)) : table.columns;
  for (const c of options.columns ?? []) if (!table.columns.includes(c)) problems.push({ line: headerLine, message: `column '${c}' not found; not copied` });
  const rows = images.map((_, i) => {
    const out: Record<string, string> = { ...(options.imageMetadata?.[i] ?? {}) };
    const r = rowIndex[i];
    if (r !== null) for (const c of copy) out[c] = table.rows[r][c];
    return out;
  });
  problems.sort((a, b) => a.line - b.line);
  return {
    rows,
    rowIndex,
    imagesWithoutRow: images.filter((_, i) => rowIndex[i] === null),
    rowsWithoutImage: table.rows.flatMap((_, r) => (used.has(r) ? [] : [{ line: table.lines[r], key: rowKey[r] }])),
    duplicateKeys: index.duplicates(),
    ambiguous,
    problems,
    table,
  };
}

// ---------------------------------------------------------------------------------------------
// Row-to-table lookups (e.g. compound + concentration → mechanism of action)

export interface LookupColumn {
  /** Column in the rows being annotated. */
  left: string;
  /** Column in the lookup table. */
  right: string;
  /** Compare as numbers (`0.3` = `0.300000`; default false: as text). */
  numeric?: boolean;
}

export interface LookupOptions {
  on: readonly LookupColumn[];
  /** Table columns to copy (default: all but the `right` join columns). */
  columns?: readonly string[];
  /** Compare text ignoring case (default true). */
  caseInsensitive?: boolean;
}

export interface LookupResult {
  /** Input rows with the matched table row's columns added (input values win on a name clash). */
  rows: Record<string, string>[];
  /** Per input row: index of the table row, or null. */
  rowIndex: (number | null)[];
  /** Table rows no input row uses. */
  unusedLines: number[];
  duplicateKeys: { key: string; lines: number[] }[];
}

/**
 * Adds columns from a lookup table to rows that share key values — a many-to-one join such as
 * BBBC021's compound + concentration → mechanism of action.
 */
export function lookupJoin(rows: readonly Record<string, string>[], table: CsvTable, options: LookupOptions): LookupResult {
  const ci = options.caseInsensitive ?? true;
  const cell = (v: string | undefined, numeric: boolean | undefined): string | null => {
    const t = (v ?? '').trim().normalize('NFC');
    if (t === '') return null;
    if (numeric) {
      const x = Number(t);
      return Number.isFinite(x) ? String(x) : null;
    }
    return ci ? t.toLowerCase() : t;
  };
  const keyOf = (row: Record<string, string>, side: 'left' | 'right'): string | null => {
    const parts: string[] = [];
    for (const c of options.on) {
      const v = cell(row[c[side]], c.numeric);
      if (v === null) return null;
      parts.push(v);
    }
    return parts.join('\u0000');
  };
  const index = new KeyIndex();
  table.rows.forEach((r, i) => {
    const k = keyOf(r, 'right');
    if (k !== null) index.add(k, i, table.lines[i], options.on.map((c) => r[c.right]).join(' / '));
  });
  const joinCols = new Set(options.on.map((c) => c.right));
  const copy = options.columns ?? table.columns.filter((c) => !joinCols.has(c));
  const rowIndex = rows.map((r) => {
    const k = keyOf(r, 'left');
    return k === null ? null : (index.first.get(k) ?? null);
  });
  const used = new Set(rowIndex.filter((r): r is number => r !== null));
  return {
    rows: rows.map((r, i) => {
      const t = rowIndex[i];
      if (t === null) return { ...r };
      const out: Record<string, string> = { ...r };
      for (const c of copy) if (table.rows[t][c] !== undefined && !(c in out)) out[c] = table.rows[t][c];
      return out;
    }),
    rowIndex,
    unusedLines: table.rows.flatMap((_, i) => (used.has(i) ? [] : [table.lines[i]])),
    duplicateKeys: index.duplicates(),
  };
}

// ---------------------------------------------------------------------------------------------
// BBBC021

/** Columns of `BBBC021_v1_image.csv` used by the preset. */
export const BBBC021_IMAGE_COLUMNS = {
  fileNames: ['Image_FileName_DAPI', 'Image_FileName_Tubulin', 'Image_FileName_Actin'],
  pathNames: ['Image_PathName_DAPI', 'Image_PathName_Tubulin', 'Image_PathName_Actin'],
  plate: 'Image_Metadata_Plate_DAPI',
  well: 'Image_Metadata_Well_DAPI',
  compound: 'Image_Metadata_Compound',
  concentration: 'Image_Metadata_Concentration',
  replicate: 'Replicate',
  imageNumber: 'ImageNumber',
} as const;

/**
 * Image-key candidates for BBBC021 files: the name itself, then the name without a trailing
 * `_<index>` (single-cell crops are named `<source image>_<index>.<ext>`).
 */
export function bbbc021ImageKey(path: string): string[] {
  const name = basename(normalisePath(path));
  const stripped = name.replace(/_\d+(\.[^.]*)?$/, '$1');
  return stripped !== name ? [name, stripped] : [name];
}

export interface Bbbc021Join {
  /**
   * Per image: `plate`, `well`, `site`, `replicate`, `compound`, `concentration`, `image_number`,
   * and `moa` when the MoA table annotates that compound + concentration; `{}` for an image with
   * no row.
   */
  rows: Record<string, string>[];
  imagesWithoutRow: string[];
  /** Images with an image-table row but no MoA annotation (most BBBC021 compounds have none). */
  imagesWithoutMoa: string[];
  /** Image-table rows that no image uses (normal when only part of the set is loaded). */
  rowsWithoutImage: { line: number; key: string }[];
  duplicateKeys: { key: string; lines: number[] }[];
  problems: { line: number; message: string }[];
}

/**
 * Annotates BBBC021 images or single-cell crops from `BBBC021_v1_image.csv` (matched by any of
 * the DAPI / Tubulin / Actin file names, extension-insensitive) and, when given,
 * `BBBC021_v1_moa.csv` (by compound + numeric concentration, so `0.3` matches `0.300000`).
 */
export function joinBbbc021(images: readonly string[], imageCsv: string | CsvTable, moaCsv?: string | CsvTable): Bbbc021Join {
  const C = BBBC021_IMAGE_COLUMNS;
  const joined = joinCsv(images, imageCsv, { key: { by: 'file', column: C.fileNames, ignoreExtension: true, imageKey: bbbc021ImageKey } });
  const problems = [...joined.problems];
  let rows = joined.rows.map((_, i) => {
    const r = joined.rowIndex[i];
    if (r === null) return {};
    const src = joined.table.rows[r];
    const out: Record<string, string> = {
      plate: src[C.plate] ?? '',
      well: normaliseWell(src[C.well] ?? '') ?? src[C.well] ?? '',
      site: /_s(\d+)_/i.exec(src[C.fileNames[0]] ?? '')?.[1] ?? '',
      replicate: src[C.replicate] ?? '',
      compound: src[C.compound] ?? '',
      concentration: src[C.concentration] ?? '',
      image_number: src[C.imageNumber] ?? '',
    };
    return out;
  });
  let imagesWithoutMoa: string[] = [];
  if (moaCsv !== undefined) {
    const moa = typeof moaCsv === 'string' ? parseCsv(moaCsv) : moaCsv;
    problems.push(...moa.problems.map((p) => ({ line: p.line, message: `MoA table: ${p.message}` })));
    const need = ['compound', 'concentration', 'moa'].filter((c) => !moa.columns.includes(c));
    if (need.length) problems.push({ line: moa.headerLine, message: `MoA table lacks column${need.length > 1 ? 's' : ''} ${need.map((c) => `'${c}'`).join(', ')}` });
    else {
      const lk = lookupJoin(rows, moa, { on: [{ left: 'compound', right: 'compound' }, { left: 'concentration', right: 'concentration', numeric: true }], columns: ['moa'] });
      rows = lk.rows.map((r, i) => (joined.rowIndex[i] === null ? {} : r));
      imagesWithoutMoa = images.filter((_, i) => joined.rowIndex[i] !== null && lk.rowIndex[i] === null);
      for (const d of lk.duplicateKeys) problems.push({ line: d.lines[1], message: `MoA table: '${d.key}' repeats line ${d.lines[0]}; the first is used` });
    }
  }
  return {
    rows,
    imagesWithoutRow: joined.imagesWithoutRow,
    imagesWithoutMoa,
    rowsWithoutImage: joined.rowsWithoutImage,
    duplicateKeys: joined.duplicateKeys,
    problems: problems.sort((a, b) => a.line - b.line),
  };
}
