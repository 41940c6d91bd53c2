/**
 * Parsers for real annotated detection sets (pure: no DOM, no I/O).
 *
 * - COCO-style JSON: `images[{id, file_name, width, height}]`, `annotations[{image_id, bbox: [x, y, w, h], …}]`.
 * - Box-list JSON, the layout of the DSB2018 nuclei subset shipped beside the workbench
 *   (`/work/shared/data/dsb2018-nuclei/annotations.json`):
 *   `{"box_format": …, "images": [{"file", "id", "width", "height", "count", "boxes": [[x0, y0, x1, y1], …]}]}`
 *   with x1, y1 exclusive.
 * - Per-object masks (DSB2018 `masks/*.png`): `boxFromMask` gives one mask's tight box.
 * - Counts in file names (BBBC005 `…_C18_…`): `countFromFileName`.
 *
 * All boxes use the corner convention of boxes.ts: pixel column c spans [c, c+1), so a box around
 * columns c0..c1 has x1 = c0, x2 = c1 + 1. COCO boxes derived from masks use the same convention
 * (pycocotools: w = last column + 1 − first column), so `bbox` maps to x1 = x, x2 = x + w unchanged.
 *
 * Nothing here throws on bad input: every rejected or altered entry becomes a `problem` that names
 * the file and the entry, and the rest of the file is still used.
 */
import type { Box } from './boxes';

export interface AnnotatedImage {
  width: number;
  height: number;
  /** Boxes after clipping to the image; an empty list means "annotated, no objects". */
  boxes: Box[];
}

export interface AnnotationProblem {
  /** Which part of the file: `(file)`, `images[3]`, `annotations[12] (id 57)`, `images[0].boxes[4]`. */
  entry: string;
  /** Self-contained sentence that names the file and the entry. */
  message: string;
}

export type AnnotationFormat = 'coco' | 'box-list';

export interface ParsedAnnotations {
  /** Null when the file is not recognised (malformed JSON, or neither COCO nor box-list). */
  format: AnnotationFormat | null;
  /** Keyed by the file name exactly as the annotation file writes it (COCO `file_name`, box-list `file`). */
  images: Map<string, AnnotatedImage>;
  problems: AnnotationProblem[];
}

export interface CocoOptions {
  /** Keep only these `category_id`s (default: every category, since the detector has one class). */
  categories?: readonly number[];
}

/** Boxes may overshoot the image by this much (float round-off) and are clipped without a report. */
const CLIP_TOLERANCE = 1e-6;

// ---------------------------------------------------------------------------------------------
// JSON with positions

export interface JsonSyntaxError {
  offset: number;
  reason: string;
}

function isJsonSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

/**
 * Offset and reason of the first JSON syntax error, or null for valid JSON. JSON.parse's own
 * messages differ between engines and some (Node 20's V8) carry no position at all, so failures
 * are re-scanned here. Iterative, so deep nesting cannot overflow the stack.
 */
export function locateJsonError(text: string): JsonSyntaxError | null {
  const n = text.length;
  let i = 0;
  const stack: ('{' | '[')[] = [];
  const fail = (reason: string, at = i): JsonSyntaxError => ({ offset: at, reason });
  const skipSpace = (): void => {
    while (i < n && isJsonSpace(text[i])) i++;
  };
  const describe = (at: number): string => (at >= n ? 'end of input' : `character ${JSON.stringify(text[at])}`);

  const scanString = (): JsonSyntaxError | null => {
    const start = i;
    i++; // opening quote
    while (i < n) {
      const c = text[i];
      if (c === '"') {
        i++;
        return null;
      }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === undefined) break;
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return fail('invalid \\u escape in string (needs 4 hex digits)');
          i += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(e)) return fail(`invalid escape \\${e} in string`);
        i += 2;
        continue;
      }
      if (c.charCodeAt(0) < 0x20) return fail('unescaped control character (e.g. a raw line break) in string');
      i++;
    }
    return fail('unterminated string', start);
  };

  const scanNumber = (): JsonSyntaxError | null => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '-' || m[0] === '') return fail('invalid number');
    i += m[0].length;
    if (i < n && /[0-9.eE+-]/.test(text[i])) return fail('invalid number');
    return null;
  };

  const scanKey = (): JsonSyntaxError | null => {
    skipSpace();
    if (text[i] !== '"') return fail(`expected a property name in double quotes, found ${describe(i)}`);
    const e = scanString();
    if (e) return e;
    skipSpace();
    if (text[i] !== ':') return fail(`expected ':' after the property name, found ${describe(i)}`);
    i++;
    return null;
  };

  let expectValue = true;
  for (;;) {
    skipSpace();
    if (expectValue) {
      if (i >= n) return fail('unexpected end of input, expected a value');
      const c = text[i];
      if (c === '{') {
        i++;
        skipSpace();
        if (text[i] === '}') {
          i++;
          expectValue = false;
          continue;
        }
        stack.push('{');
        const e = scanKey();
        if (e) return e;
        continue;
      }
      if (c === '[') {
        i++;
        skipSpace();
        if (text[i] === ']') {
          i++;
          expectValue = false;
          continue;
        }
        stack.push('[');
        continue;
      }
      let e: JsonSyntaxError | null;
      if (c === '"') e = scanString();
      else if (c === '-' || (c >= '0' && c <= '9')) e = scanNumber();
      else {
        const word = ['true', 'false', 'null'].find((w) => text.startsWith(w, i));
        if (word) {
          i += word.length;
          e = null;
        } else e = fail(`unexpected ${describe(i)}, expected a value`);
      }
      if (e) return e;
      expectValue = false;
      continue;
    }
    const top = stack[stack.length - 1];
    if (top === undefined) return i < n ? fail(`unexpected ${describe(i)} after the end of the JSON value`) : null;
    const close = top === '{' ? '}' : ']';
    if (text[i] === ',') {
      i++;
      if (top === '{') {
        const e = scanKey();
        if (e) return e;
      }
      expectValue = true;
      continue;
    }
    if (text[i] === close) {
      stack.pop();
      i++;
      continue;
    }
    return fail(`expected ',' or '${close}', found ${describe(i)}`);
  }
}

/** 1-based line and column of a character offset (columns count UTF-16 code units). */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text[k] === '\n') {
      line++;
      lineStart = k + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

type JsonParse = { ok: true; value: unknown } | { ok: false; problem: AnnotationProblem };

/** JSON.parse with a message that names the file and the position (line, column, offset) of the error. */
export function parseJsonWithPosition(jsonText: string, fileName: string): JsonParse {
  const text = jsonText.charCodeAt(0) === 0xfeff ? jsonText.slice(1) : jsonText; // tolerate a UTF-8 BOM
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    const located = locateJsonError(text);
    let message: string;
    if (located) {
      const { line, column } = lineColumn(text, located.offset);
      const near = text.slice(Math.max(0, located.offset - 15), located.offset + 15).replace(/\s+/g, ' ');
      message =
        `${fileName}: invalid JSON at line ${line}, column ${column} (character offset ${located.offset}): ` +
        `${located.reason} (near ${JSON.stringify(near)})`;
    } else {
      message = `${fileName}: invalid JSON: ${err instanceof Error ? err.message : String(err)}`;
    }
    return { ok: false, problem: { entry: '(file)', message } };
  }
}

// ---------------------------------------------------------------------------------------------
// Shared validation

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPositiveInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

function fmt(v: number): string {
  return String(Math.round(v * 1000) / 1000);
}

function fmtBox(b: Box): string {
  return `[${fmt(b.x1)}, ${fmt(b.y1)}, ${fmt(b.x2)}, ${fmt(b.y2)}]`;
}

/**
 * Clip a corner box to a width × height image. Returns the box (null when dropped) and, when the
 * box was altered or dropped, the reason.
 */
export function clipBox(box: Box, width: number, height: number): { box: Box | null; note: string | null } {
  const { x1, y1, x2, y2 } = box;
  if (![x1, y1, x2, y2].every(Number.isFinite)) return { box: null, note: 'has a non-finite coordinate; dropped' };
  if (x2 <= x1 || y2 <= y1) return { box: null, note: `${fmtBox(box)} has zero or negative width or height; dropped` };
  const c = { x1: Math.max(0, x1), y1: Math.max(0, y1), x2: Math.min(width, x2), y2: Math.min(height, y2) };
  if (c.x2 <= c.x1 || c.y2 <= c.y1) return { box: null, note: `${fmtBox(box)} lies entirely outside the ${width}×${height} image; dropped` };
  const overshoot = Math.max(c.x1 - x1, c.y1 - y1, x2 - c.x2, y2 - c.y2);
  if (overshoot === 0) return { box, note: null };
  if (overshoot <= CLIP_TOLERANCE) return { box: c, note: null };
  return { box: c, note: `${fmtBox(box)} extends outside the ${width}×${height} image; clipped to ${fmtBox(c)}` };
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'missing';
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}…` : s;
}

// ---------------------------------------------------------------------------------------------
// COCO

type ImageId = number | string;

function idKey(id: ImageId): string {
  return typeof id === 'number' ? `n:${id}` : `s:${id}`;
}

function showId(id: ImageId): string {
  return typeof id === 'number' ? String(id) : JSON.stringify(id);
}

/**
 * COCO-style boxes. Images keep their `file_name` as key and start with an empty box list (a COCO
 * image with no annotation has zero objects). Reported: malformed JSON (with position), missing or
 * invalid fields (the entry is skipped), duplicate image ids or file names (later ones skipped),
 * annotations whose `image_id` is unknown or belongs to a skipped image, crowd regions (`iscrowd: 1`,
 * one region over several objects, skipped: that image's count becomes a lower bound), boxes that
 * leave the image (clipped) and degenerate boxes (dropped).
 */
export function parseCocoBoxes(jsonText: string, fileName: string, options: CocoOptions = {}): ParsedAnnotations {
  const parsed = parseJsonWithPosition(jsonText, fileName);
  if (!parsed.ok) return { format: null, images: new Map(), problems: [parsed.problem] };
  return cocoFromValue(parsed.value, fileName, options);
}

function cocoFromValue(root: unknown, fileName: string, options: CocoOptions): ParsedAnnotations {
  const images = new Map<string, AnnotatedImage>();
  const problems: AnnotationProblem[] = [];
  const report = (entry: string, detail: string): void => {
    problems.push({ entry, message: `${fileName}, ${entry}: ${detail}` });
  };
  if (!isRecord(root) || !Array.isArray(root.images) || !Array.isArray(root.annotations)) {
    const what = !isRecord(root) ? `the top level is ${Array.isArray(root) ? 'an array' : describeValue(root)}, not an object` : !Array.isArray(root.images) ? '"images" is not an array' : '"annotations" is not an array';
    report('(file)', `not a COCO annotation file: ${what}`);
    return { format: null, images, problems };
  }

  const byId = new Map<string, AnnotatedImage>();
  const skippedIds = new Map<string, string>();
  (root.images as unknown[]).forEach((raw, k) => {
    const entry = `images[${k}]`;
    if (!isRecord(raw)) return report(entry, `expected an object, found ${describeValue(raw)}; skipped`);
    const id = raw.id;
    const idOk = (typeof id === 'number' && Number.isFinite(id)) || (typeof id === 'string' && id !== '');
    const bad: string[] = [];
    if (!idOk) bad.push(`"id" is ${describeValue(id)}`);
    if (typeof raw.file_name !== 'string' || raw.file_name === '') bad.push(`"file_name" is ${describeValue(raw.file_name)}`);
    if (!isPositiveInteger(raw.width)) bad.push(`"width" is ${describeValue(raw.width)} (needs a positive integer)`);
    if (!isPositiveInteger(raw.height)) bad.push(`"height" is ${describeValue(raw.height)} (needs a positive integer)`);
    if (bad.length > 0) {
      if (idOk) skippedIds.set(idKey(id as ImageId), entry);
      return report(entry, `${bad.join(', ')}; image skipped`);
    }
    const key = idKey(id as ImageId);
    const name = raw.file_name as string;
    if (byId.has(key)) return report(entry, `duplicate image id ${showId(id as ImageId)}; skipped (the first entry with this id is kept)`);
    if (images.has(name)) return report(entry, `duplicate file_name ${JSON.stringify(name)}; skipped`);
    const image: AnnotatedImage = { width: raw.width as number, height: raw.height as number, boxes: [] };
    byId.set(key, image);
    images.set(name, image);
  });

  const categories = options.categories ? new Set(options.categories) : null;
  (root.annotations as unknown[]).forEach((raw, k) => {
    let entry = `annotations[${k}]`;
    if (!isRecord(raw)) return report(entry, `expected an object, found ${describeValue(raw)}; skipped`);
    if (typeof raw.id === 'number' || typeof raw.id === 'string') entry += ` (id ${showId(raw.id)})`;
    const imageId = raw.image_id;
    if (!((typeof imageId === 'number' && Number.isFinite(imageId)) || (typeof imageId === 'string' && imageId !== ''))) {
      return report(entry, `"image_id" is ${describeValue(imageId)}; skipped`);
    }
    const image = byId.get(idKey(imageId));
    if (!image) {
      const skippedAt = skippedIds.get(idKey(imageId));
      return report(entry, skippedAt ? `image id ${showId(imageId)} was skipped (see ${skippedAt}); annotation ignored` : `unknown image id ${showId(imageId)} (no entry in "images"); skipped`);
    }
    if (categories && !(typeof raw.category_id === 'number' && categories.has(raw.category_id))) return; // filtered, not a problem
    if (raw.iscrowd === 1 || raw.iscrowd === true) {
      return report(entry, `crowd region (iscrowd = 1) covers several objects and is skipped; the count for image ${showId(imageId)} is a lower bound`);
    }
    const b = raw.bbox;
    if (!Array.isArray(b) || b.length !== 4 || !b.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      return report(entry, `"bbox" is ${describeValue(b)} (needs [x, y, width, height]); skipped`);
    }
    const [x, y, w, h] = b as number[];
    const { box, note } = clipBox({ x1: x, y1: y, x2: x + w, y2: y + h }, image.width, image.height);
    if (note) report(entry, `bbox [${b.map(fmt).join(', ')}] as corners ${note}`);
    if (box) image.boxes.push(box);
  });
  return { format: 'coco', images, problems };
}

// ---------------------------------------------------------------------------------------------
// Box list (DSB2018 subset)

/**
 * The box-list JSON of /work/shared/data/dsb2018-nuclei: `images[{file, width, height, boxes:
 * [[x0, y0, x1, y1], …], count?, id?}]`, corners with x1, y1 exclusive. A `count` that disagrees
 * with the number of boxes is reported and the boxes win.
 */
export function parseBoxListJson(jsonText: string, fileName: string): ParsedAnnotations {
  const parsed = parseJsonWithPosition(jsonText, fileName);
  if (!parsed.ok) return { format: null, images: new Map(), problems: [parsed.problem] };
  return boxListFromValue(parsed.value, fileName);
}

function boxListFromValue(root: unknown, fileName: string): ParsedAnnotations {
  const images = new Map<string, AnnotatedImage>();
  const problems: AnnotationProblem[] = [];
  const report = (entry: string, detail: string): void => {
    problems.push({ entry, message: `${fileName}, ${entry}: ${detail}` });
  };
  if (!isRecord(root) || !Array.isArray(root.images)) {
    report('(file)', `not a box-list annotation file: ${isRecord(root) ? '"images" is not an array' : 'the top level is not an object'}`);
    return { format: null, images, problems };
  }
  (root.images as unknown[]).forEach((raw, k) => {
    let entry = `images[${k}]`;
    if (!isRecord(raw)) return report(entry, `expected an object, found ${describeValue(raw)}; skipped`);
    if (typeof raw.file === 'string') entry += ` (${raw.file})`;
    const bad: string[] = [];
    if (typeof raw.file !== 'string' || raw.file === '') bad.push(`"file" is ${describeValue(raw.file)}`);
    if (!isPositiveInteger(raw.width)) bad.push(`"width" is ${describeValue(raw.width)} (needs a positive integer)`);
    if (!isPositiveInteger(raw.height)) bad.push(`"height" is ${describeValue(raw.height)} (needs a positive integer)`);
    if (!Array.isArray(raw.boxes)) bad.push(`"boxes" is ${describeValue(raw.boxes)} (needs an array of [x0, y0, x1, y1])`);
    if (bad.length > 0) return report(entry, `${bad.join(', ')}; image skipped`);
    const file = raw.file as string;
    if (images.has(file)) return report(entry, `duplicate file ${JSON.stringify(file)}; skipped`);
    const width = raw.width as number;
    const height = raw.height as number;
    const boxes: Box[] = [];
    (raw.boxes as unknown[]).forEach((b, j) => {
      const boxEntry = `images[${k}].boxes[${j}] (${file})`;
      if (!Array.isArray(b) || b.length !== 4 || !b.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        return report(boxEntry, `box is ${describeValue(b)} (needs [x0, y0, x1, y1]); skipped`);
      }
      const { box, note } = clipBox({ x1: b[0], y1: b[1], x2: b[2], y2: b[3] }, width, height);
      if (note) report(boxEntry, note);
      if (box) boxes.push(box);
    });
    if (raw.count !== undefined && raw.count !== (raw.boxes as unknown[]).length) {
      report(entry, `"count" is ${describeValue(raw.count)} but ${(raw.boxes as unknown[]).length} boxes are listed; the boxes are used`);
    }
    images.set(file, { width, height, boxes });
  });
  return { format: 'box-list', images, problems };
}

// ---------------------------------------------------------------------------------------------
// Auto-detection

/**
 * Parse a JSON annotation file of either supported format: COCO when the top level has an
 * `annotations` array, box-list when its `images` entries carry `boxes`. Otherwise `format` is null
 * and one problem explains what was expected.
 */
export function parseAnnotationJson(jsonText: string, fileName: string, options: CocoOptions = {}): ParsedAnnotations {
  const parsed = parseJsonWithPosition(jsonText, fileName);
  if (!parsed.ok) return { format: null, images: new Map(), problems: [parsed.problem] };
  const root = parsed.value;
  if (isRecord(root) && Array.isArray(root.annotations)) return cocoFromValue(root, fileName, options);
  if (isRecord(root) && Array.isArray(root.images) && (root.images.length === 0 || root.images.some((e) => isRecord(e) && 'boxes' in e))) {
    return boxListFromValue(root, fileName);
  }
  return {
    format: null,
    images: new Map(),
    problems: [
      {
        entry: '(file)',
        message:
          `${fileName}: not a recognised annotation file; expected COCO ({"images": [...], "annotations": [{"image_id", "bbox": [x, y, w, h]}]}) ` +
          `or a box list ({"images": [{"file", "width", "height", "boxes": [[x0, y0, x1, y1]]}]})`,
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Masks and file names

/**
 * Tight corner box of the non-zero pixels of a row-major width × height mask (one value per pixel),
 * or null when the mask is empty. A mask covering columns 3..5 and row 7 gives {x1: 3, x2: 6, y1: 7, y2: 8}.
 */
export function boxFromMask(mask: ArrayLike<number>, width: number, height: number): Box | null {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 0 && height >= 0)) {
    throw new RangeError(`mask size must be non-negative integers, got ${width}×${height}`);
  }
  if (mask.length !== width * height) throw new RangeError(`mask has ${mask.length} values, expected ${width}×${height} = ${width * height}`);
  let x1 = width;
  let x2 = -1;
  let y1 = -1;
  let y2 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let first = -1;
    for (let x = 0; x < width; x++) {
      const v = mask[row + x];
      if (v > 0 || v < 0) {
        first = x;
        break;
      }
    }
    if (first < 0) continue;
    let last = first;
    for (let x = width - 1; x > first; x--) {
      const v = mask[row + x];
      if (v > 0 || v < 0) {
        last = x;
        break;
      }
    }
    if (y1 < 0) y1 = y;
    y2 = y;
    if (first < x1) x1 = first;
    if (last > x2) x2 = last;
  }
  return y1 < 0 ? null : { x1, y1, x2: x2 + 1, y2: y2 + 1 };
}

/**
 * Object count encoded in a file name as `_C<n>_` (BBBC005: `SIMCEP_images_A05_C18_F1_s05_w1.TIF` → 18).
 * Only the last path segment is read. Null when there is no such token, or when several disagree.
 */
export function countFromFileName(name: string): number | null {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  let found: number | null = null;
  for (const m of base.matchAll(/_C([0-9]+)(?=_)/g)) {
    const n = Number(m[1]);
    if (!Number.isSafeInteger(n)) return null;
    if (found !== null && found !== n) return null;
    found = n;
  }
  return found;
}
