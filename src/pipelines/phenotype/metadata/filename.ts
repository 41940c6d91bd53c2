/**
 * Plate metadata from image file names. High-content imagers encode plate, well, site (field),
 * channel and more in their file names; a regular expression with named groups pulls them out, and
 * the values are normalised so that files from different instruments line up (wells as a row
 * letter plus two digits, `A1` → `A01`, row 27 → `AA`; site/channel/plane numbers without leading
 * zeros). Presets cover common naming schemes and `detectPreset` picks the best one for a folder.
 *
 * Recognised group names: `plate`, `well`, `row`, `column` (alias `col`), `site` (alias `field`),
 * `channel`, `plane`, `timepoint`. Any other named group is passed through unchanged.
 */
import { basename, normalisePath } from '../../../core/data/path';

/** A naming scheme: regex source with named groups, plus how to apply it. */
export interface FilenamePattern {
  /** Regular-expression source (or a RegExp; its `g`/`y` flags are ignored). */
  regex: string | RegExp;
  /** Flags for a string `regex` (default `'i'`: file names differ in case across systems). */
  flags?: string;
  /** Match the file name only (default) or the whole relative path. */
  target?: 'name' | 'path';
  /**
   * Where the plate comes from: the `plate` group only (`'name'`, default), the parent folder's
   * name only (`'folder'`), or the group with the folder as a fallback (`'name-or-folder'`).
   */
  plateFrom?: 'name' | 'folder' | 'name-or-folder';
}

export type FilenamePresetName = 'imagexpress' | 'opera' | 'cellomics' | 'demo' | 'generic';

export interface FilenamePreset extends FilenamePattern {
  name: FilenamePresetName;
  label: string;
  /** An example file name this preset reads, with what it yields. */
  example: { name: string; fields: Record<string, string> };
}

const WELL = '[A-Za-z]{1,2}\\d{1,3}';
const GUID = '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}';
const EXT = '\\.[A-Za-z0-9]+';

/**
 * Built-in naming schemes, most specific first (ties in `detectPreset` go to the earlier one).
 *
 * - `imagexpress` — Molecular Devices ImageXpress / MetaXpress: `<plate>_<well>_s<site>_w<channel>[<GUID>].tif`,
 *   e.g. BBBC021's `Week1_150607_B02_s1_w107447158-AC76-4844-8431-E6A954BD1174.tif` → plate
 *   `Week1_150607`, well `B02`, site `1`, channel `1`. The plate prefix is optional, and a trailing
 *   `_<n>` (a single-cell crop index, as in crops cut from BBBC021 images) is read as `object`.
 *   The name prefix is not always the plate barcode (BBBC021 keeps that in the folder name,
 *   `Week1_22123/`); use `plateFrom: 'folder'` then.
 * - `opera` — PerkinElmer/Revvity Opera Phenix / Operetta (Harmony export):
 *   `r01c01f01p01-ch1sk1fk1fl1.tiff` → well `A01` (row 1, column 1), site (field) `1`, plane `1`,
 *   channel `1`, timepoint `1` (`sk`); `fk` and `fl` are kept as they are.
 * - `cellomics` — Thermo Cellomics / CellInsight: `<plate>_<well>f<field>d<channel>.TIF`, e.g.
 *   `MFGTMP_140206180002_A01f00d0.TIF` → plate `MFGTMP_140206180002`, well `A01`, site `0`, channel `0`
 *   (both 0-based in this scheme, kept as written).
 * - `demo` — the app's demo plates: `<plate>_<well>_s<site>.png`, e.g. `DEMO1_B03_s2.png` → plate
 *   `DEMO1`, well `B03`, site `2`.
 * - `generic` — `<anything>_<well>_<site>`, e.g. `screen7_H12_3.tif` → plate `screen7`, well `H12`,
 *   site `3` (the site may carry an `s`, `site`, `f` or `field` prefix).
 */
export const FILENAME_PRESETS: readonly FilenamePreset[] = [
  {
    name: 'opera',
    label: 'Opera Phenix / Operetta (Harmony)',
    regex: `^r(?<row>\\d{1,2})c(?<column>\\d{1,2})f(?<site>\\d{1,3})p(?<plane>\\d{1,3})-ch(?<channel>\\d{1,2})(?:sk(?<timepoint>\\d+))?(?:fk(?<fk>\\d+))?(?:fl(?<fl>\\d+))?${EXT}$`,
    flags: 'i',
    example: { name: 'r01c01f01p01-ch1sk1fk1fl1.tiff', fields: { well: 'A01', row: 'A', column: '1', site: '1', plane: '1', channel: '1', timepoint: '1', fk: '1', fl: '1' } },
  },
  {
    name: 'cellomics',
    label: 'Cellomics / CellInsight',
    regex: `^(?<plate>.+)_(?<well>[A-Za-z]{1,2}\\d{2})f(?<site>\\d{2,})d(?<channel>\\d)${EXT}$`,
    flags: 'i',
    example: { name: 'MFGTMP_140206180002_A01f00d0.TIF', fields: { plate: 'MFGTMP_140206180002', well: 'A01', row: 'A', column: '1', site: '0', channel: '0' } },
  },
  {
    name: 'imagexpress',
    label: 'ImageXpress / MetaXpress',
    regex: `^(?:(?<plate>.+)_)?(?<well>${WELL})_s(?<site>\\d+)_w(?<channel>\\d+?)(?<guid>${GUID})?(?:_(?<object>\\d+))?${EXT}$`,
    flags: 'i',
    example: {
      name: 'Week1_150607_B02_s1_w107447158-AC76-4844-8431-E6A954BD1174.tif',
      fields: { plate: 'Week1_150607', well: 'B02', row: 'B', column: '2', site: '1', channel: '1', guid: '07447158-AC76-4844-8431-E6A954BD1174' },
    },
  },
  {
    name: 'demo',
    label: 'Demo plate (<plate>_<well>_s<site>)',
    regex: `^(?<plate>.+)_(?<well>${WELL})_s(?<site>\\d+)${EXT}$`,
    flags: 'i',
    example: { name: 'DEMO1_B03_s2.png', fields: { plate: 'DEMO1', well: 'B03', row: 'B', column: '3', site: '2' } },
  },
  {
    name: 'generic',
    label: 'Generic (<anything>_<well>_<site>)',
    regex: `^(?:(?<plate>.+)_)?(?<well>${WELL})_(?:s|site|f|field)?(?<site>\\d+)(?:${EXT})?$`,
    flags: 'i',
    example: { name: 'screen7_H12_3.tif', fields: { plate: 'screen7', well: 'H12', row: 'H', column: '12', site: '3' } },
  },
];

/** The preset with this name (undefined for an unknown name). */
export function filenamePreset(name: string): FilenamePreset | undefined {
  return FILENAME_PRESETS.find((p) => p.name === name);
}

// ---------------------------------------------------------------------------------------------
// Wells

/** 1-based plate row → letters: 1 → A, 26 → Z, 27 → AA, 32 → AF (1536-well plates have 32 rows). */
export function rowLetters(row: number): string {
  if (!Number.isInteger(row) || row < 1) throw new Error(`rowLetters: row must be a positive integer, got ${row}`);
  let s = '';
  for (let n = row; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** Row letters → 1-based row (A → 1, AA → 27); NaN for anything but letters. */
export function rowNumber(letters: string): number {
  if (!/^[A-Za-z]+$/.test(letters)) return NaN;
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n;
}

/** Row (letters or a 1-based number) and 1-based column → `B03`; null when either is invalid. */
export function wellFromRowColumn(row: string | number, column: string | number): string | null {
  const r = typeof row === 'number' ? row : /^\d+$/.test(row.trim()) ? Number(row.trim()) : rowNumber(row.trim());
  const c = typeof column === 'number' ? column : /^\d+$/.test(column.trim()) ? Number(column.trim()) : NaN;
  if (!Number.isInteger(r) || r < 1 || !Number.isInteger(c) || c < 1) return null;
  return `${rowLetters(r)}${String(c).padStart(2, '0')}`;
}

/**
 * Canonical well name: row letters in upper case plus a column of at least two digits.
 * Accepts `A1`, `a01`, `A001`, `B-3`, `AF 48`, and row/column forms `r02c05` / `R2C5`.
 * Returns null for text that is not a well.
 */
export function normaliseWell(well: string): string | null {
  const w = well.trim();
  const rc = /^r(\d+)c(\d+)$/i.exec(w);
  if (rc) return wellFromRowColumn(Number(rc[1]), Number(rc[2]));
  const m = /^([A-Za-z]{1,3})[\s_-]?(\d{1,3})$/.exec(w);
  return m ? wellFromRowColumn(m[1], m[2]) : null;
}

/** Splits a canonical well into its row letters and 1-based column. */
export function splitWell(well: string): { row: string; column: number } | null {
  const m = /^([A-Z]+)(\d+)$/.exec(well);
  return m ? { row: m[1], column: Number(m[2]) } : null;
}

// ---------------------------------------------------------------------------------------------
// Patterns

export interface CompiledPattern {
  regex: RegExp;
  groups: string[];
  target: 'name' | 'path';
  plateFrom: 'name' | 'folder' | 'name-or-folder';
}

export type PatternInput = FilenamePresetName | FilenamePattern | RegExp | string;

/** Named groups declared in a regex source (`(?<name>…)`, not lookbehinds `(?<=` / `(?<!`). */
function groupNames(source: string): string[] {
  const names: string[] = [];
  for (const m of source.matchAll(/\\.|\(\?<([A-Za-z_$][\w$]*)>/g)) if (m[1] !== undefined && !names.includes(m[1])) names.push(m[1]);
  return names;
}

const KNOWN_GROUPS = ['plate', 'well', 'row', 'column', 'col', 'site', 'field', 'channel', 'plane', 'timepoint'];

/**
 * Checks and compiles a pattern. A preset name selects that preset; any other string is a regex
 * source. Never throws: an invalid regex, or one without named groups, gives `{ error }` with a
 * message fit to show next to the input field.
 */
export function compilePattern(pattern: PatternInput): { pattern: CompiledPattern; error?: undefined } | { pattern?: undefined; error: string } {
  let spec: FilenamePattern;
  if (pattern instanceof RegExp) spec = { regex: pattern };
  else if (typeof pattern === 'string') spec = filenamePreset(pattern) ?? { regex: pattern };
  else spec = pattern;
  const source = spec.regex instanceof RegExp ? spec.regex.source : spec.regex;
  const flags = (spec.regex instanceof RegExp ? spec.regex.flags : (spec.flags ?? 'i')).replace(/[gy]/g, '');
  if (source.trim() === '') return { error: 'The file-name pattern is empty.' };
  let regex: RegExp;
  try {
    regex = new RegExp(source, flags);
  } catch (e) {
    const detail = e instanceof Error ? e.message.replace(/^Invalid regular expression: /, '') : String(e);
    return { error: `The file-name pattern is not a valid regular expression: ${detail}` };
  }
  const groups = groupNames(source);
  const plateFrom = spec.plateFrom ?? 'name';
  if (groups.length === 0 && plateFrom === 'name') {
    return { error: `The file-name pattern has no named groups; capture fields with names such as (?<well>[A-P]\\d{2}) or (?<site>\\d+) (known names: ${KNOWN_GROUPS.join(', ')}).` };
  }
  return { pattern: { regex, groups, target: spec.target ?? 'name', plateFrom } };
}

/** Leading zeros removed from a run of digits (`'007'` → `'7'`, `'00'` → `'0'`); other text unchanged. */
function stripZeros(v: string): string {
  return /^\d+$/.test(v) ? String(Number.parseInt(v, 10)) : v;
}

/**
 * Fields from one match: aliases resolved (`field` → `site`, `col` → `column`), numbers without
 * leading zeros, and `well` / `row` / `column` completed from each other. Null when the `well`
 * group (or `row` + `column`) does not form a valid well.
 */
function fieldsOf(groups: Record<string, string | undefined>): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(groups)) {
    if (v === undefined) continue;
    const key = k === 'field' ? 'site' : k === 'col' ? 'column' : k;
    if (key in out && (k === 'field' || k === 'col')) continue; // the canonical group wins
    out[key] = ['site', 'channel', 'plane', 'timepoint'].includes(key) ? stripZeros(v) : v;
  }
  if (out.well !== undefined) {
    const w = normaliseWell(out.well);
    if (w === null) return null;
    out.well = w;
  } else if (out.row !== undefined && out.column !== undefined) {
    const w = wellFromRowColumn(out.row, out.column);
    if (w === null) return null;
    out.well = w;
  }
  if (out.well !== undefined) {
    const parts = splitWell(out.well) as { row: string; column: number };
    out.row = parts.row;
    out.column = String(parts.column);
  }
  // Canonical fields first, in a fixed order, then the pattern's own groups as declared.
  const ordered: Record<string, string> = {};
  for (const k of FIELD_ORDER) if (out[k] !== undefined) ordered[k] = out[k];
  for (const [k, v] of Object.entries(out)) if (!(k in ordered)) ordered[k] = v;
  return ordered;
}

const FIELD_ORDER = ['plate', 'well', 'row', 'column', 'site', 'channel', 'plane', 'timepoint'];

/** Parent folder name of a normalised path ('' when there is none). */
function parentFolder(path: string): string {
  const parts = path.split('/');
  return parts.length > 1 ? parts[parts.length - 2] : '';
}

/** Applies a compiled pattern to one path; null when it does not match. */
export function parseFileName(path: string, pattern: CompiledPattern): Record<string, string> | null {
  const p = normalisePath(path);
  const m = pattern.regex.exec(pattern.target === 'path' ? p : basename(p));
  if (!m) return null;
  const fields = fieldsOf(m.groups ?? {});
  if (fields === null) return null;
  const folder = parentFolder(p);
  if (pattern.plateFrom === 'folder' || (pattern.plateFrom === 'name-or-folder' && !fields.plate)) {
    if (folder !== '') fields.plate = folder;
    else if (pattern.plateFrom === 'folder') delete fields.plate;
  }
  return fields;
}

export interface FileNameParse {
  /** Per input path, in order: the fields read from it (`{}` for a path that did not match). */
  rows: Record<string, string>[];
  /** Paths (as given) that the pattern did not match. */
  unmatched: string[];
  /** Set when the pattern itself is unusable; then every path is unmatched. */
  error?: string;
}

/**
 * Reads plate metadata from many file names. `pattern` is a preset name, a regex source, a RegExp
 * or a {@link FilenamePattern}. A bad pattern is reported in `error`, not thrown.
 */
export function parseFileNames(paths: readonly string[], pattern: PatternInput): FileNameParse {
  const compiled = compilePattern(pattern);
  if (compiled.error !== undefined) return { rows: paths.map(() => ({})), unmatched: [...paths], error: compiled.error };
  const rows: Record<string, string>[] = [];
  const unmatched: string[] = [];
  for (const path of paths) {
    const fields = parseFileName(path, compiled.pattern);
    rows.push(fields ?? {});
    if (fields === null) unmatched.push(path);
  }
  return { rows, unmatched };
}

export interface PresetDetection {
  preset: FilenamePreset;
  /** How many of the paths the preset reads. */
  matched: number;
  total: number;
  /** Matches per preset name, for showing the alternatives. */
  counts: Record<FilenamePresetName, number>;
}

/**
 * The preset that reads the most of `paths` (ties go to the more specific preset, i.e. the one
 * listed first in {@link FILENAME_PRESETS}); null when none reads any.
 */
export function detectPreset(paths: readonly string[]): PresetDetection | null {
  const counts = {} as Record<FilenamePresetName, number>;
  let best: FilenamePreset | null = null;
  for (const preset of FILENAME_PRESETS) {
    const { pattern } = compilePattern(preset);
    const n = pattern ? paths.reduce((s, p) => s + (parseFileName(p, pattern) ? 1 : 0), 0) : 0;
    counts[preset.name] = n;
    if (n > 0 && (best === null || n > counts[best.name])) best = preset;
  }
  return best === null ? null : { preset: best, matched: counts[best.name], total: paths.length, counts };
}
