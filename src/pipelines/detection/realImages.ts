/**
 * Real annotated image sets for evaluating or fine-tuning the counting detector (thesis ch. 3 trains
 * on synthetic SIMCEP images; these loaders bring real microscopy in). Framework-free: runs in the
 * job worker (decode = createImageBitmap + OffscreenCanvas, injected) and in Node tests (decode =
 * a small zlib PNG decoder, injected). TIFF is always decoded here with `decodeTiff`, since
 * browsers cannot decode it; the injected `decode` sees every other format.
 *
 * Layouts, detected per image in this order of precedence:
 * 1. JSON annotations anywhere in the folder: COCO (`images` + `annotations`) or the box-list JSON
 *    of the DSB2018 subset (`images[{file, width, height, boxes}]`). Entries are matched to image
 *    files by path relative to the JSON file, then as written, then by unique base name.
 * 2. DSB2018 stage-1 folders: `<id>/images/<id>.png` + `<id>/masks/*.png`, one binary mask per
 *    object; each non-empty mask becomes its tight box (masks in sorted name order).
 * 3. Counts in file names, `_C<n>_` (BBBC005): count only, `boxes` is null.
 * Images with none of these are reported and skipped.
 *
 * Samples are gray (mean of the colour channels) and percentile-normalised per image to [0, 1],
 * the range of the SIMCEP training images; by default, images with a bright background (brightfield,
 * H&E) are inverted so objects are bright on dark as in fluorescence.
 */
import type { DecodedImage } from '../../core/data/types';
import { isLikelyImagePath } from '../../core/data/sniff';
import { decodeImageFile, type DecodeFn } from '../../core/data/decode';
import { normalisePath, basename, extension } from '../../core/data/path';
import { defaultAlphaChannel, percentiles } from '../../core/data/display';
import type { Box } from './boxes';
import { boxFromMask, countFromFileName, parseAnnotationJson, type AnnotatedImage, type CocoOptions } from './annotations';


export interface FolderFile {
  /** Path relative to the dropped root (any slashes; normalised here). */
  path: string;
  blob: Blob;
}

/** Where a sample's labels came from. */
export type LabelSource = 'coco' | 'box-list' | 'masks' | 'file-name';

export interface RealSample {
  /** Normalised path of the image file. */
  path: string;
  /** Row-major gray image in [0, 1], length width·height. */
  image: Float32Array;
  width: number;
  height: number;
  /** Corner boxes (boxes.ts convention) or null for count-only samples. */
  boxes: Box[] | null;
  /** Number of objects: boxes.length when there are boxes, else the count from the file name. */
  count: number | null;
  source: LabelSource;
  /** The annotation file, mask folder or (for file-name counts) the image itself. */
  labelPath: string;
  /** True when the image was inverted (bright background). */
  inverted: boolean;
}

export interface FolderProblem {
  path: string;
  message: string;
}

export interface LoadedFolder {
  samples: RealSample[];
  problems: FolderProblem[];
  /** Label sources found in the folder (before `limit`), in precedence order. */
  layouts: LabelSource[];
  /** Images that had labels (the number of samples without `limit` and decode failures). */
  annotatedImages: number;
}

export interface LoadOptions {
  /** Decode at most this many samples, the first in sorted path order (default: all). */
  limit?: number;
  /** Percentiles mapped to 0 and 1 (defaults 1 and 99.5); values outside are clipped. */
  lowPct?: number;
  highPct?: number;
  /** 'auto' (default): invert when the normalised median exceeds 0.5 (bright background). */
  invert?: 'auto' | boolean;
  /** COCO category filter (default: all categories). */
  cocoCategories?: CocoOptions['categories'];
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** Lists of more than this many paths are reported as one summarised problem. */
const LIST_LIMIT = 20;

// ---------------------------------------------------------------------------------------------
// Pixels

function colourChannels(img: Pick<DecodedImage, 'channels' | 'hasAlpha'>): number[] {
  const alpha = defaultAlphaChannel(img);
  const used: number[] = [];
  for (let c = 0; c < img.channels; c++) if (c !== alpha) used.push(c);
  return used.length > 0 ? used : [0];
}

/** Sum of the colour channels per pixel into `out` (a plain loop per common layout: this runs per pixel). */
function sumColour(img: DecodedImage, used: readonly number[], out: Float32Array | Uint16Array): void {
  const { channels, data } = img;
  const n = img.width * img.height;
  if (used.length === 1) {
    const c = used[0];
    for (let p = 0, i = c; p < n; p++, i += channels) out[p] = data[i];
  } else if (used.length === 3 && used[0] === 0 && used[1] === 1 && used[2] === 2) {
    for (let p = 0, i = 0; p < n; p++, i += channels) out[p] = data[i] + data[i + 1] + data[i + 2];
  } else {
    for (let p = 0, i = 0; p < n; p++, i += channels) {
      let s = 0;
      for (const c of used) s += data[i + c];
      out[p] = s;
    }
  }
}

/** Mean of the colour channels (alpha excluded) per pixel, in the source's units. */
export function toGray(img: DecodedImage): Float32Array {
  const used = colourChannels(img);
  const out = new Float32Array(img.width * img.height);
  sumColour(img, used, out);
  if (used.length > 1) for (let p = 0; p < out.length; p++) out[p] /= used.length;
  return out;
}

/** Foreground of a decoded mask: 1 where any colour channel is non-zero. */
export function maskForeground(img: DecodedImage): Uint8Array {
  const { width, height, channels, data } = img;
  const used = colourChannels(img);
  const out = new Uint8Array(width * height);
  for (let p = 0, i = 0; p < out.length; p++, i += channels) {
    for (const c of used) {
      if (data[i + c] !== 0) {
        out[p] = 1;
        break;
      }
    }
  }
  return out;
}

/**
 * Map `lo`..`hi` to [0, 1] in place with clipping; constant ranges give zeros. `median` (in source
 * units) decides 'auto' inversion. Returns whether the image was inverted.
 */
function applyNormalisation(gray: Float32Array, lo: number, hi: number, median: number, invert: 'auto' | boolean): boolean {
  if (!(hi > lo)) {
    gray.fill(0);
    return false;
  }
  const scale = 1 / (hi - lo);
  for (let i = 0; i < gray.length; i++) {
    const t = (gray[i] - lo) * scale;
    gray[i] = t <= 0 ? 0 : t >= 1 ? 1 : t;
  }
  const flip = invert === 'auto' ? Math.min(1, Math.max(0, (median - lo) * scale)) > 0.5 : invert;
  if (flip) for (let i = 0; i < gray.length; i++) gray[i] = 1 - gray[i];
  return flip;
}

/** [lo, hi, median] with the min–max fallback when the percentiles coincide. */
function normalisationRange(values: ArrayLike<number>, lowPct: number, highPct: number): [number, number, number] {
  const [lo, hi, median, min, max] = percentiles(values, [lowPct, highPct, 50, 0, 100]);
  return hi > lo ? [lo, hi, median] : [min, max, median];
}

/**
 * Map [lowPct, highPct] percentiles to [0, 1] in place, clipping outside. Falls back to min–max
 * when the percentiles coincide, and to all zeros for a constant image. `invert` 'auto' flips
 * images whose normalised median exceeds 0.5. Returns whether the image was inverted.
 */
export function normaliseInPlace(gray: Float32Array, lowPct = 1, highPct = 99.5, invert: 'auto' | boolean = 'auto'): boolean {
  if (gray.length === 0) return false;
  const [lo, hi, median] = normalisationRange(gray, lowPct, highPct);
  return applyNormalisation(gray, lo, hi, median, invert);
}

/**
 * `toGray` then `normaliseInPlace`, with the same result up to float rounding, but percentiles of 8-bit (and 16-bit
 * single-channel) images come from a histogram of integer channel sums instead of a sort.
 */
export function toNormalisedGray(img: DecodedImage, lowPct = 1, highPct = 99.5, invert: 'auto' | boolean = 'auto'): { image: Float32Array; inverted: boolean } {
  const used = colourChannels(img);
  const n = img.width * img.height;
  const maxSample = img.data instanceof Uint8Array || img.data instanceof Uint8ClampedArray ? 255 : img.data instanceof Uint16Array ? 65535 : Infinity;
  if (n === 0 || maxSample * used.length > 65535) {
    const image = toGray(img);
    return { image, inverted: normaliseInPlace(image, lowPct, highPct, invert) };
  }
  const sums = new Uint16Array(n);
  sumColour(img, used, sums);
  const k = used.length;
  const [lo, hi, median] = normalisationRange(sums, lowPct, highPct).map((v) => v / k);
  const image = new Float32Array(n);
  for (let p = 0; p < n; p++) image[p] = sums[p] / k;
  return { image, inverted: applyNormalisation(image, lo, hi, median, invert) };
}

export interface Padded {
  image: Float32Array;
  width: number;
  height: number;
  padRight: number;
  padBottom: number;
}

/**
 * Pad on the right and bottom to the next multiple of `multiple` (32: the detector's total
 * stride). Boxes stay valid unchanged because the origin does not move. 'zero' fills with 0 (the
 * dark background of normalised fluorescence), 'edge' repeats the last column/row. When no
 * padding is needed the input array itself is returned.
 */
export function padToMultipleOf32(image: Float32Array, width: number, height: number, mode: 'zero' | 'edge' = 'zero', multiple = 32): Padded {
  if (image.length !== width * height) throw new RangeError(`image has ${image.length} values, expected ${width}×${height}`);
  if (!(Number.isInteger(multiple) && multiple > 0)) throw new RangeError(`multiple must be a positive integer, got ${multiple}`);
  const W = Math.max(multiple, Math.ceil(width / multiple) * multiple);
  const H = Math.max(multiple, Math.ceil(height / multiple) * multiple);
  if (W === width && H === height) return { image, width, height, padRight: 0, padBottom: 0 };
  const out = new Float32Array(W * H);
  for (let y = 0; y < height; y++) {
    out.set(image.subarray(y * width, (y + 1) * width), y * W);
    if (mode === 'edge' && width > 0) out.fill(image[y * width + width - 1], y * W + width, (y + 1) * W);
  }
  if (mode === 'edge' && height > 0) {
    const last = out.subarray((height - 1) * W, height * W);
    for (let y = height; y < H; y++) out.set(last, y * W);
  }
  return { image: out, width: W, height: H, padRight: W - width, padBottom: H - height };
}

export interface Resized {
  image: Float32Array;
  width: number;
  height: number;
  /** New size / old size per axis: a source coordinate x maps to x · scaleX. */
  scaleX: number;
  scaleY: number;
  boxes: Box[] | null;
}

/**
 * Bilinear resample to the multiple of 32 nearest to size · `scale` on each axis (at least 32),
 * pixel-centre aligned, with boxes scaled to match. Use `scale` < 1 to bring large images (e.g.
 * 1388 × 1040) nearer the object sizes the detector was trained on; downscaling by more than 2
 * aliases, so prefer tiling or padding there.
 */
export function resizeNearestMultipleOf32(image: Float32Array, width: number, height: number, boxes: readonly Box[] | null = null, scale = 1): Resized {
  if (image.length !== width * height || width <= 0 || height <= 0) throw new RangeError(`image has ${image.length} values, expected ${width}×${height} > 0`);
  if (!(scale > 0 && Number.isFinite(scale))) throw new RangeError(`scale must be positive, got ${scale}`);
  const W = Math.max(32, Math.round((width * scale) / 32) * 32);
  const H = Math.max(32, Math.round((height * scale) / 32) * 32);
  const sx = W / width;
  const sy = H / height;
  let out = image;
  if (W !== width || H !== height) {
    out = new Float32Array(W * H);
    const x0 = new Int32Array(W);
    const x1 = new Int32Array(W);
    const fx = new Float32Array(W);
    for (let X = 0; X < W; X++) {
      const s = Math.min(width - 1, Math.max(0, (X + 0.5) / sx - 0.5));
      x0[X] = Math.floor(s);
      x1[X] = Math.min(width - 1, x0[X] + 1);
      fx[X] = s - x0[X];
    }
    for (let Y = 0; Y < H; Y++) {
      const t = Math.min(height - 1, Math.max(0, (Y + 0.5) / sy - 0.5));
      const r0 = Math.floor(t) * width;
      const r1 = Math.min(height - 1, Math.floor(t) + 1) * width;
      const fy = t - Math.floor(t);
      for (let X = 0; X < W; X++) {
        const top = image[r0 + x0[X]] + (image[r0 + x1[X]] - image[r0 + x0[X]]) * fx[X];
        const bottom = image[r1 + x0[X]] + (image[r1 + x1[X]] - image[r1 + x0[X]]) * fx[X];
        out[Y * W + X] = top + (bottom - top) * fy;
      }
    }
  }
  const scaled = boxes ? boxes.map((b) => ({ x1: b.x1 * sx, y1: b.y1 * sy, x2: b.x2 * sx, y2: b.y2 * sy })) : null;
  return { image: out, width: W, height: H, scaleX: sx, scaleY: sy, boxes: scaled };
}

// ---------------------------------------------------------------------------------------------
// Folder layout

function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** Join and resolve '.'/'..' segments; null when '..' climbs above the root. */
function joinPath(dir: string, rel: string): string | null {
  const parts: string[] = [];
  for (const seg of `${dir}/${normalisePath(rel)}`.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) return null;
      parts.pop();
    } else parts.push(seg);
  }
  return parts.join('/');
}

function isJunk(path: string): boolean {
  return basename(path).startsWith('._') || path.split('/').includes('__MACOSX');
}

function summarise(paths: readonly string[]): string {
  const shown = paths.slice(0, 5).join(', ');
  return paths.length > 5 ? `${shown} and ${paths.length - 5} more` : shown;
}

interface Plan {
  path: string;
  file: FolderFile;
  source: LabelSource;
  labelPath: string;
  annotated?: AnnotatedImage;
  masks?: FolderFile[];
  count?: number;
}

async function bytesOf(blob: Blob): Promise<Uint8Array> {
  return new Uint8Array(await blob.arrayBuffer());
}

/**
 * Load every annotated image of a dropped folder (see the module comment for layouts). Problems
 * (bad annotation entries, unmatched files, decode failures, size mismatches, empty masks, images
 * without labels) are collected with the path they concern; nothing throws except an abort.
 */
export async function loadAnnotatedFolder(files: readonly FolderFile[], decode: DecodeFn, options: LoadOptions = {}): Promise<LoadedFolder> {
  const problems: FolderProblem[] = [];
  const report = (path: string, message: string): void => {
    problems.push({ path, message });
  };
  const reportList = (path: string, paths: string[], what: string): void => {
    if (paths.length === 0) return;
    if (paths.length <= LIST_LIMIT) for (const p of paths) report(p, what);
    else report(path, `${paths.length} images: ${what}: ${summarise(paths)}`);
  };

  const byPath = new Map<string, FolderFile>();
  for (const f of files) {
    const path = normalisePath(f.path);
    if (path === '' || isJunk(path)) continue;
    if (byPath.has(path)) {
      report(path, 'listed twice; the first copy is used');
      continue;
    }
    byPath.set(path, { path, blob: f.blob });
  }
  const paths = [...byPath.keys()].sort();
  const imagePaths = paths.filter((p) => isLikelyImagePath(p));
  const jsonPaths = paths.filter((p) => extension(p) === 'json');

  // DSB2018 stage-1 groups: <group>/images/* and <group>/masks/*, masks only when images/ exists.
  const groupImages = new Map<string, string[]>();
  const groupMasks = new Map<string, string[]>();
  for (const p of imagePaths) {
    const segs = p.split('/');
    if (segs.length < 3) continue;
    const kind = segs[segs.length - 2];
    const group = segs.slice(0, -2).join('/');
    if (kind === 'images') groupImages.set(group, [...(groupImages.get(group) ?? []), p]);
    else if (kind === 'masks') groupMasks.set(group, [...(groupMasks.get(group) ?? []), p]);
  }
  const maskFiles = new Set<string>();
  for (const [group, masks] of groupMasks) if (groupImages.has(group)) for (const m of masks) maskFiles.add(m);
  const candidates = imagePaths.filter((p) => !maskFiles.has(p));

  // JSON annotations.
  const annotated = new Map<string, { image: AnnotatedImage; source: LabelSource; labelPath: string }>();
  const byBase = new Map<string, string[]>();
  for (const p of candidates) byBase.set(basename(p), [...(byBase.get(basename(p)) ?? []), p]);
  const candidateSet = new Set(candidates);
  for (const jsonPath of jsonPaths) {
    let text: string;
    try {
      text = await byPath.get(jsonPath)!.blob.text();
    } catch (err) {
      report(jsonPath, `could not be read: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    const parsed = parseAnnotationJson(text, jsonPath, { categories: options.cocoCategories });
    for (const p of parsed.problems) report(jsonPath, p.message);
    if (parsed.format === null) continue;
    const missing: string[] = [];
    for (const [name, image] of parsed.images) {
      const relative = joinPath(dirname(jsonPath), name);
      const asWritten = normalisePath(name);
      let target: string | null = null;
      if (relative !== null && candidateSet.has(relative)) target = relative;
      else if (candidateSet.has(asWritten)) target = asWritten;
      else {
        const same = byBase.get(basename(asWritten)) ?? [];
        if (same.length === 1) target = same[0];
        else if (same.length > 1) {
          report(jsonPath, `${JSON.stringify(name)} matches ${same.length} files by name (${summarise(same)}) and none by path; skipped`);
          continue;
        }
      }
      if (target === null) {
        missing.push(name);
        continue;
      }
      if (annotated.has(target)) {
        report(target, `annotated in both ${annotated.get(target)!.labelPath} and ${jsonPath}; the first is used`);
        continue;
      }
      annotated.set(target, { image, source: parsed.format, labelPath: jsonPath });
    }
    if (missing.length > 0) {
      report(jsonPath, `${missing.length} annotated image${missing.length === 1 ? ' is' : 's are'} not among the files: ${summarise(missing)}`);
    }
  }

  // One plan per labelled image, by precedence; the rest are reported.
  const plans: Plan[] = [];
  const unlabelled: string[] = [];
  const layouts = new Set<LabelSource>();
  for (const path of candidates) {
    const file = byPath.get(path)!;
    const ann = annotated.get(path);
    if (ann) {
      plans.push({ path, file, source: ann.source, labelPath: ann.labelPath, annotated: ann.image });
      layouts.add(ann.source);
      continue;
    }
    const segs = path.split('/');
    const group = segs.slice(0, -2).join('/');
    if (segs.length >= 3 && segs[segs.length - 2] === 'images' && groupMasks.has(group)) {
      const siblings = groupImages.get(group)!;
      if (siblings.length > 1) {
        report(path, `${group}/images/ holds ${siblings.length} images, so ${group}/masks/ cannot be assigned to one of them; skipped`);
        continue;
      }
      const masks = groupMasks.get(group)!.map((m) => byPath.get(m)!);
      plans.push({ path, file, source: 'masks', labelPath: `${group}/masks`, masks });
      layouts.add('masks');
      continue;
    }
    const count = countFromFileName(path);
    if (count !== null) {
      plans.push({ path, file, source: 'file-name', labelPath: path, count });
      layouts.add('file-name');
      continue;
    }
    unlabelled.push(path);
  }
  if (plans.length === 0 && candidates.length > 0) {
    report(
      '(folder)',
      `no labels found for any of ${candidates.length} images: expected a COCO or box-list JSON file, ` +
        '<id>/images/ + <id>/masks/ folders (DSB2018), or counts in file names (_C<n>_, BBBC005)',
    );
  } else {
    reportList('(folder)', unlabelled, 'no labels (not in any annotation JSON, no masks/ folder, no _C<n>_ in the name); skipped');
  }

  const todo = options.limit === undefined ? plans : plans.slice(0, Math.max(0, options.limit));
  const samples: RealSample[] = [];
  for (let k = 0; k < todo.length; k++) {
    options.signal?.throwIfAborted();
    try {
      const sample = await loadSample(todo[k], decode, options, report);
      if (sample) samples.push(sample);
    } catch (err) {
      report(todo[k].path, `could not be loaded: ${err instanceof Error ? err.message : String(err)}`);
    }
    options.onProgress?.(k + 1, todo.length);
  }
  const order: LabelSource[] = ['coco', 'box-list', 'masks', 'file-name'];
  return { samples, problems, layouts: order.filter((s) => layouts.has(s)), annotatedImages: plans.length };
}

/** The error for a folder that yielded no sample: what was expected, and its first problems. */
export function noAnnotatedImagesError(folder: LoadedFolder, expected: string): Error {
  const why = folder.problems.slice(0, 5).map((p) => `${p.path}: ${p.message}`).join('; ');
  return new Error(`No annotated images found (expected ${expected})${why ? `: ${why}` : ''}`);
}

async function loadSample(plan: Plan, decode: DecodeFn, options: LoadOptions, report: (path: string, message: string) => void): Promise<RealSample | null> {
  const img = await decodeImageFile(await bytesOf(plan.file.blob), plan.path, decode);
  const { width, height } = img;
  let boxes: Box[] | null = null;
  let count: number | null = null;
  if (plan.annotated) {
    const a = plan.annotated;
    if (a.width !== width || a.height !== height) {
      report(plan.path, `${plan.labelPath} says ${a.width}×${a.height} but the image is ${width}×${height}; skipped`);
      return null;
    }
    boxes = a.boxes.slice();
  } else if (plan.masks) {
    boxes = [];
    for (const m of plan.masks) {
      const mask = await decodeImageFile(await bytesOf(m.blob), m.path, decode);
      if (mask.width !== width || mask.height !== height) {
        report(m.path, `mask is ${mask.width}×${mask.height} but its image ${plan.path} is ${width}×${height}; sample skipped`);
        return null;
      }
      const box = boxFromMask(maskForeground(mask), width, height);
      if (box) boxes.push(box);
      else report(m.path, 'empty mask (no non-zero pixel); not counted');
    }
  } else {
    count = plan.count ?? null;
  }
  if (boxes) count = boxes.length;
  const { image, inverted } = toNormalisedGray(img, options.lowPct ?? 1, options.highPct ?? 99.5, options.invert ?? 'auto');
  return { path: plan.path, image, width, height, boxes, count, source: plan.source, labelPath: plan.labelPath, inverted };
}
