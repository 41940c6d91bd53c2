/**
 * Reading delimited text tables (plate maps, image tables, profile exports) into header + records
 * with 1-based line numbers, so later steps can name the exact line of a problem. Handles a UTF-8
 * BOM, `,` / `;` / TAB separators (detected from the header line when not given), quoted fields
 * with separators, doubled quotes and line breaks (via papaparse), and skips blank lines (also
 * lines whose cells are all empty, such as `,,`).
 */
import Papa from 'papaparse';
import { detectDelimiter } from '../../../core/data/manifest';

export interface TableRecord {
  /** 1-based line where the record starts in the original text. */
  line: number;
  /** Cells as read (not trimmed). */
  cells: string[];
}

export interface TextTable {
  /** Header names, trimmed; empty names become `column<i>` and repeated names get a `_<i>` suffix. */
  columns: string[];
  /** Line of the header record (1 unless blank lines precede it). */
  headerLine: number;
  /** Data records in file order, blank lines left out. */
  records: TableRecord[];
  /** Separator used. */
  delimiter: string;
  /** Parser complaints (e.g. an unterminated quote) with their line. */
  problems: { line: number; message: string }[];
}

/** Removes a leading UTF-8 byte-order mark. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Splits delimited text into a header and records. An empty text (or only blank lines) gives no
 * columns and no records; callers decide whether that is an error.
 */
export function readTable(text: string, options: { delimiter?: string } = {}): TextTable {
  const body = stripBom(text);
  const delimiter = options.delimiter ?? detectDelimiter(body);
  const all: TableRecord[] = [];
  const problems: TextTable['problems'] = [];
  let pos = 0;
  let line = 1;
  // Line numbers follow the parser's cursor so quoted fields with line breaks do not skew them.
  Papa.parse<string[]>(body, {
    delimiter,
    skipEmptyLines: false,
    step: (result) => {
      const start = line;
      for (; pos < result.meta.cursor; pos++) if (body.charCodeAt(pos) === 10) line++;
      for (const e of result.errors) problems.push({ line: start, message: `malformed CSV: ${e.message}` });
      if (result.data.some((cell) => cell.trim() !== '')) all.push({ line: start, cells: result.data });
    },
  });
  if (all.length === 0) return { columns: [], headerLine: 1, records: [], delimiter, problems };
  const [header, ...records] = all;
  const columns = header.cells.map((h, i) => h.trim() || `column${i + 1}`);
  const seen = new Set<string>();
  columns.forEach((c, i) => {
    if (seen.has(c)) columns[i] = `${c}_${i + 1}`;
    seen.add(columns[i]);
  });
  return { columns, headerLine: header.line, records, delimiter, problems };
}
