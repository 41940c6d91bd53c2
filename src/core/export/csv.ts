/**
 * CSV writer: RFC 4180 quoting, plus spreadsheet formula-injection guarding (OWASP "CSV
 * injection"): text starting with = + - @ TAB or CR is prefixed with a single quote so Excel,
 * LibreOffice and Sheets show it as text instead of evaluating it. Real numbers (typeof number or
 * bigint, e.g. -3.5) are written as numbers; numeric-looking *strings* are text and get the prefix.
 */

export type CsvRow = Record<string, unknown>;
export type CsvTable = { columns: string[]; rows: (readonly unknown[] | CsvRow)[] };

export interface CsvOptions {
  /** Field separator (default ','). */
  delimiter?: string;
  /** Record separator (default CRLF, as RFC 4180 specifies). */
  newline?: string;
  /** Prepend a UTF-8 BOM so Excel detects the encoding (default false). */
  bom?: boolean;
  /** Write the header record (default true). */
  header?: boolean;
}

const FORMULA_START = /^[=+\-@\t\r]/;

/** Text of one value, before quoting. */
function cellText(v: unknown): { text: string; numeric: boolean } {
  if (v === null || v === undefined) return { text: '', numeric: false };
  if (typeof v === 'number' || typeof v === 'bigint') return { text: String(v), numeric: true };
  if (typeof v === 'string') return { text: v, numeric: false };
  if (typeof v === 'boolean') return { text: v ? 'true' : 'false', numeric: false };
  if (v instanceof Date) return { text: Number.isNaN(v.getTime()) ? '' : v.toISOString(), numeric: false };
  return { text: JSON.stringify(v) ?? '', numeric: false };
}

/** One CSV field: neutralised if it could be read as a formula, quoted if it needs to be. */
export function csvField(v: unknown, delimiter = ','): string {
  const { text, numeric } = cellText(v);
  const safe = !numeric && FORMULA_START.test(text) ? `'${text}` : text;
  return safe.includes('"') || safe.includes(delimiter) || /[\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Columns of an array of records: every key, in first-seen order. */
function columnsOf(rows: readonly CsvRow[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

/**
 * Serialise records (`[{a: 1, b: 'x'}]`, columns = union of keys) or a `{columns, rows}` table
 * whose rows are arrays (by position) or records (by column name).
 */
export function toCsv(input: readonly CsvRow[] | CsvTable, options: CsvOptions = {}): string {
  const delimiter = options.delimiter ?? ',';
  const newline = options.newline ?? '\r\n';
  if (delimiter.length === 0 || /["\r\n]/.test(delimiter)) throw new Error('CSV delimiter must be non-empty and contain no quote or line break');
  const table: CsvTable = Array.isArray(input) ? { columns: columnsOf(input as readonly CsvRow[]), rows: input as CsvRow[] } : (input as CsvTable);
  if (table.columns.length === 0) return ''; // no columns: an empty header line would read as one empty field
  const lines: string[] = [];
  if (options.header ?? true) lines.push(table.columns.map((c) => csvField(c, delimiter)).join(delimiter));
  for (const row of table.rows) {
    const values = Array.isArray(row) ? table.columns.map((_, i) => row[i]) : table.columns.map((c) => (row as CsvRow)[c]);
    lines.push(values.map((v) => csvField(v, delimiter)).join(delimiter));
  }
  return (options.bom ? '\uFEFF' : '') + lines.join(newline) + (lines.length ? newline : '');
}
