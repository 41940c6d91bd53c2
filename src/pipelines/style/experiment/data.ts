/**
 * Data for the domain-shift experiments: a dropped folder laid out `domain/class/<file>` becomes
 * per-domain image lists, and the images become RGB squares of the configured size.
 *
 * - Layout: paths are normalised and the folder prefix every image shares is stripped (so
 *   `pacs/photo/dog/x.jpg` and `photo/dog/x.jpg` read the same); what remains must be exactly
 *   `domain/class/file`. Other files are reported, not guessed at.
 * - Pixels: any decoded layout (gray, gray+alpha, RGB, RGBA, 8/16-bit) → RGB in [0, 1]; the
 *   shorter side is resized to the target size (antialiased bilinear: a triangle filter widened
 *   by the downscale factor) and the centre square cropped. Images are kept as 8-bit RGB
 *   (`Uint8Array`, length size²·3) so a 224² PACS-sized experiment fits in memory; batches are
 *   built from them on demand.
 */
import type { DecodedImage } from '../../../core/data/types';
import { basename, normalisePath } from '../../../core/data/path';
import { isLikelyImagePath } from '../../../core/data/sniff';

/** Decodes one image file; the browser passes `decodeWithCanvas`, Node `decodeImageNode`. */
export type ImageDecoder = (bytes: Uint8Array, path: string) => Promise<DecodedImage>;

export interface ExperimentFile {
  path: string;
  blob: Blob;
}

export interface Problem {
  path: string;
  message: string;
}

export interface LabelledFile {
  /** Path after normalising and stripping the common prefix: `domain/class/file`. */
  path: string;
  domain: string;
  className: string;
  blob: Blob;
}

export interface DomainLayout {
  /** Sorted domain names. */
  domains: string[];
  /** Sorted class names over all domains. */
  classes: string[];
  /** Files per domain, sorted by path. */
  byDomain: Map<string, LabelledFile[]>;
  /** Images per domain and class. */
  counts: Record<string, Record<string, number>>;
  problems: Problem[];
}

/**
 * The folder prefix to strip: the prefix all image paths share, but at most (typical depth − 2)
 * levels, where the typical depth is the most common number of folders above an image, so that
 * `domain/class` survives on most files even when a few stray files sit higher or lower.
 */
export function layoutRoot(paths: readonly string[]): string {
  if (paths.length === 0) return '';
  const split = paths.map((p) => p.split('/').slice(0, -1));
  const depthCount = new Map<number, number>();
  for (const s of split) depthCount.set(s.length, (depthCount.get(s.length) ?? 0) + 1);
  const typical = [...depthCount].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0][0];
  const minDepth = Math.min(...split.map((s) => s.length));
  let common = 0;
  while (common < minDepth && split.every((s) => s[common] === split[0][common])) common++;
  return split[0].slice(0, Math.max(0, Math.min(common, typical - 2))).join('/');
}

/** Files that ride along in dropped folders and are skipped without a report. */
const JUNK = new Set(['.ds_store', 'thumbs.db', 'desktop.ini']);

/** Parse a dropped folder into domains and classes (no decoding). */
export function parseDomainLayout(files: readonly ExperimentFile[]): DomainLayout {
  const problems: Problem[] = [];
  const images: { path: string; blob: Blob }[] = [];
  for (const f of files) {
    const p = normalisePath(f.path);
    const name = basename(p).toLowerCase();
    if (JUNK.has(name) || name.startsWith('._') || p.split('/').includes('__MACOSX')) continue;
    if (!isLikelyImagePath(p)) {
      problems.push({ path: p, message: 'not an image file (skipped)' });
      continue;
    }
    images.push({ path: p, blob: f.blob });
  }
  const root = layoutRoot(images.map((f) => f.path));
  const cut = root === '' ? 0 : root.length + 1;
  const byDomain = new Map<string, LabelledFile[]>();
  for (const f of images) {
    const rel = f.path.slice(cut);
    const parts = rel.split('/');
    if (parts.length !== 3) {
      problems.push({ path: f.path, message: `expected domain/class/<file>${root ? ` below '${root}'` : ''}, found ${parts.length - 1} folder level${parts.length === 2 ? '' : 's'}` });
      continue;
    }
    const [domain, className] = parts;
    let list = byDomain.get(domain);
    if (!list) byDomain.set(domain, (list = []));
    list.push({ path: rel, domain, className, blob: f.blob });
  }
  const domains = [...byDomain.keys()].sort();
  const classSet = new Set<string>();
  const counts: Record<string, Record<string, number>> = {};
  for (const d of domains) {
    const list = byDomain.get(d)!;
    list.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    counts[d] = {};
    for (const f of list) {
      classSet.add(f.className);
      counts[d][f.className] = (counts[d][f.className] ?? 0) + 1;
    }
  }
  const classes = [...classSet].sort();
  for (const d of domains) {
    const missing = classes.filter((c) => !counts[d][c]);
    if (missing.length) problems.push({ path: d, message: `domain '${d}' has no images of class${missing.length > 1 ? 'es' : ''} ${missing.join(', ')}` });
  }
  return { domains, classes, byDomain, counts, problems };
}

export interface SplitRequest {
  trainDomains: readonly string[];
  targetDomain: string;
}

/**
 * Check a train/target choice against the layout; throws with the reason when it cannot run.
 * (The refusal about the shipped style statistics lives in the job, which knows the arms.)
 */
export function checkSplit(layout: DomainLayout, req: SplitRequest): void {
  const have = layout.domains.length ? layout.domains.join(', ') : 'none';
  if (layout.domains.length === 0) throw new Error('No images in domain/class/<file> layout were found');
  if (req.trainDomains.length === 0) throw new Error('Choose at least one training domain');
  if (new Set(req.trainDomains).size !== req.trainDomains.length) throw new Error(`A training domain is listed twice: ${req.trainDomains.join(', ')}`);
  for (const d of [...req.trainDomains, req.targetDomain]) {
    if (!layout.byDomain.has(d)) throw new Error(`Domain '${d}' is not in the folder (domains found: ${have})`);
  }
  if (req.trainDomains.includes(req.targetDomain)) {
    throw new Error(`The target domain '${req.targetDomain}' is also a training domain: the experiment measures generalisation to an unseen domain`);
  }
}

// ---------------------------------------------------------------------------------------------
// Pixels

/** Sample → [0, 1] scale of a decoded image (floats are taken as already in [0, 1]). */
function sampleScale(img: DecodedImage): number {
  if (img.sampleFormat === 'float') return 1;
  return 1 / (2 ** img.bitDepth - 1);
}

/** The RGB channel indices of a decoded image (gray is repeated; alpha is dropped). */
function rgbChannels(img: DecodedImage): [number, number, number] {
  if (img.channels <= 2) return [0, 0, 0];
  return [0, 1, 2];
}

/**
 * Antialiased linear resampling weights (PIL-style BILINEAR with support widened by the
 * downscale factor): output sample j of `outLen` covers source [j·s, (j+1)·s) where
 * s = inLen/outLen, centred at (j + ½)·s − ½ in source pixel coordinates, offset by `start`.
 */
export function resampleWeights(inLen: number, outLen: number, start = 0, span = inLen): { first: Int32Array; count: Int32Array; weights: Float32Array; taps: number } {
  const scale = span / outLen;
  const support = Math.max(1, scale);
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outLen);
  const count = new Int32Array(outLen);
  const weights = new Float32Array(outLen * taps);
  for (let j = 0; j < outLen; j++) {
    const centre = start + (j + 0.5) * scale - 0.5;
    const lo = Math.max(0, Math.ceil(centre - support));
    const hi = Math.min(inLen - 1, Math.floor(centre + support));
    let sum = 0;
    let n = 0;
    for (let i = lo; i <= hi && n < taps; i++, n++) {
      const w = Math.max(0, 1 - Math.abs(i - centre) / support);
      weights[j * taps + n] = w;
      sum += w;
    }
    if (sum === 0) {
      // Centre exactly between samples with zero weight on both: nearest sample.
      first[j] = Math.min(inLen - 1, Math.max(0, Math.round(centre)));
      count[j] = 1;
      weights[j * taps] = 1;
      continue;
    }
    for (let k = 0; k < n; k++) weights[j * taps + k] /= sum;
    first[j] = lo;
    count[j] = n;
  }
  return { first, count, weights, taps };
}

/**
 * Decoded image → 8-bit RGB `size`×`size`: shorter side resized to `size`, centre square cropped
 * (the crop is applied in source coordinates, so nothing outside it is resampled).
 */
export function toRgbSquare(img: DecodedImage, size: number): Uint8Array {
  if (!(size >= 1)) throw new Error(`image size must be positive, got ${size}`);
  const { width: w, height: h, channels: ch, data } = img;
  const side = Math.min(w, h);
  const x0 = (w - side) / 2;
  const y0 = (h - side) / 2;
  const cols = resampleWeights(w, size, x0, side);
  const rows = resampleWeights(h, size, y0, side);
  const scale = sampleScale(img);
  const [cr, cg, cb] = rgbChannels(img);
  // Horizontal pass over every source row: [h, size, 3] floats.
  const tmp = new Float32Array(h * size * 3);
  for (let y = 0; y < h; y++) {
    const rowBase = y * w;
    for (let j = 0; j < size; j++) {
      let r = 0, g = 0, b = 0;
      const f = cols.first[j];
      for (let k = 0; k < cols.count[j]; k++) {
        const wt = cols.weights[j * cols.taps + k];
        const o = (rowBase + f + k) * ch;
        r += wt * data[o + cr];
        g += wt * data[o + cg];
        b += wt * data[o + cb];
      }
      const t = (y * size + j) * 3;
      tmp[t] = r;
      tmp[t + 1] = g;
      tmp[t + 2] = b;
    }
  }
  const out = new Uint8Array(size * size * 3);
  for (let i = 0; i < size; i++) {
    const f = rows.first[i];
    for (let j = 0; j < size; j++) {
      let r = 0, g = 0, b = 0;
      for (let k = 0; k < rows.count[i]; k++) {
        const wt = rows.weights[i * rows.taps + k];
        const t = ((f + k) * size + j) * 3;
        r += wt * tmp[t];
        g += wt * tmp[t + 1];
        b += wt * tmp[t + 2];
      }
      const o = (i * size + j) * 3;
      out[o] = Math.round(Math.min(1, Math.max(0, r * scale)) * 255);
      out[o + 1] = Math.round(Math.min(1, Math.max(0, g * scale)) * 255);
      out[o + 2] = Math.round(Math.min(1, Math.max(0, b * scale)) * 255);
    }
  }
  return out;
}

/** A decoded set of images at one size, with integer labels. */
export interface ImageSet {
  size: number;
  /** 8-bit RGB per image, length size²·3. */
  pixels: Uint8Array[];
  labels: Int32Array;
  paths: string[];
  domains: string[];
}

export function emptyImageSet(size: number): ImageSet {
  return { size, pixels: [], labels: new Int32Array(0), paths: [], domains: [] };
}

/** Images `indices` of a set as a float32 [N, size, size, 3] array in [0, 1]. */
export function batchArray(set: ImageSet, indices: readonly number[], pixels: (i: number, position: number) => Uint8Array = (i) => set.pixels[i]): Float32Array {
  const per = set.size * set.size * 3;
  const out = new Float32Array(indices.length * per);
  for (let b = 0; b < indices.length; b++) {
    const src = pixels(indices[b], b);
    const o = b * per;
    for (let k = 0; k < per; k++) out[o + k] = src[k] / 255;
  }
  return out;
}

/** Decoded-image cache: key = path, byte size and target size (see decodeCacheKey). */
export type DecodeCache = Map<string, Uint8Array>;

export function decodeCacheKey(f: Pick<LabelledFile, 'path' | 'blob'>, size: number): string {
  return `${f.path}|${f.blob.size}|${size}`;
}

export interface LoadImagesOptions {
  size: number;
  classes: readonly string[];
  decode: ImageDecoder;
  cache?: DecodeCache;
  onProgress?: (done: number, total: number) => void;
  /** Called between files (e.g. a job's cancel checkpoint). */
  checkpoint?: () => Promise<void>;
}

/** Decode and resize files into an ImageSet; failures are reported and skipped. */
export async function loadImageSet(files: readonly LabelledFile[], opts: LoadImagesOptions): Promise<{ set: ImageSet; problems: Problem[] }> {
  const problems: Problem[] = [];
  const classIndex = new Map(opts.classes.map((c, i) => [c, i]));
  const set: ImageSet = emptyImageSet(opts.size);
  const labels: number[] = [];
  for (let i = 0; i < files.length; i++) {
    const f = files[i];
    await opts.checkpoint?.();
    const label = classIndex.get(f.className);
    if (label === undefined) {
      problems.push({ path: f.path, message: `class '${f.className}' has no training images (skipped)` });
      continue;
    }
    const key = decodeCacheKey(f, opts.size);
    let px = opts.cache?.get(key);
    if (!px) {
      try {
        const img = await opts.decode(new Uint8Array(await f.blob.arrayBuffer()), f.path);
        px = toRgbSquare(img, opts.size);
      } catch (e) {
        problems.push({ path: f.path, message: `could not be decoded: ${e instanceof Error ? e.message : String(e)}` });
        opts.onProgress?.(i + 1, files.length);
        continue;
      }
      opts.cache?.set(key, px);
    }
    set.pixels.push(px);
    labels.push(label);
    set.paths.push(f.path);
    set.domains.push(f.domain);
    opts.onProgress?.(i + 1, files.length);
  }
  set.labels = Int32Array.from(labels);
  return { set, problems };
}

/** Split a set into (train, validation): `fraction` of each class, chosen by a seeded shuffle. */
export function splitValidation(set: ImageSet, fraction: number, shuffle: <T>(xs: T[]) => T[]): { train: ImageSet; validation: ImageSet } {
  if (!(fraction > 0)) return { train: set, validation: emptyImageSet(set.size) };
  if (fraction >= 1) throw new Error(`validation fraction must be below 1, got ${fraction}`);
  const byClass = new Map<number, number[]>();
  set.labels.forEach((l, i) => {
    if (!byClass.has(l)) byClass.set(l, []);
    byClass.get(l)!.push(i);
  });
  const val = new Set<number>();
  for (const [, idx] of [...byClass].sort((a, b) => a[0] - b[0])) {
    const n = Math.round(idx.length * fraction);
    for (const i of shuffle([...idx]).slice(0, n)) val.add(i);
  }
  const pick = (keep: (i: number) => boolean): ImageSet => {
    const idx = set.pixels.map((_, i) => i).filter(keep);
    return {
      size: set.size,
      pixels: idx.map((i) => set.pixels[i]),
      labels: Int32Array.from(idx.map((i) => set.labels[i])),
      paths: idx.map((i) => set.paths[i]),
      domains: idx.map((i) => set.domains[i]),
    };
  };
  return { train: pick((i) => !val.has(i)), validation: pick((i) => val.has(i)) };
}

/** At most `perClass` files of each (domain, class), the first in path order (a deterministic subset). */
export function capPerClass(files: readonly LabelledFile[], perClass: number | undefined): LabelledFile[] {
  if (perClass === undefined) return [...files];
  const seen = new Map<string, number>();
  return files.filter((f) => {
    const k = `${f.domain}/${f.className}`;
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    return n < perClass;
  });
}
