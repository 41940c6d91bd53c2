/**
 * Ingestion: dropped files → dataset items, thumbnails and per-file errors, written to IndexedDB
 * in batches from the job worker. Decoding is lazy and streaming: a few files are in flight at a
 * time, each decoded straight to thumbnail size and released, so a 10,000-file folder never sits
 * decoded in memory.
 */
import type { JobHandler } from '../jobs/protocol';
import type { DatasetItem, DatasetMeta, FileError, ImageFormat, LabelTemplateId, Labels } from './types';
import { sniffFormat, readHeader, extensionMismatch } from './sniff';
import { checkComplete } from './integrity';
import { decodeTiff, tiffHeader } from './tiff';
import { toRgba8, downscaleRgba } from './display';
import { labelsForPaths, countLabels } from './labels';
import { normalisePath, safeRelativePath } from './path';
import { readCamera } from './exif';
import { openWorkbenchDb, putDataset, putErrors, putItems, type WorkbenchDb } from '../storage/db';

export interface IngestEntry {
  path: string;
  file: Blob;
}

export interface IngestParams {
  datasetId: string;
  name: string;
  template: LabelTemplateId;
  entries: IngestEntry[];
  thumbSize?: number;
  /** Files larger than this are refused with a message (default 1 GiB). */
  maxFileBytes?: number;
  /** Images with more pixels than this are refused (default 20000² = 400 MP). */
  maxPixels?: number;
}

export interface IngestSummary {
  datasetId: string;
  itemCount: number;
  errorCount: number;
  warningCount: number;
  labelCounts: Record<string, Record<string, number>>;
}

const CONCURRENCY = 4;
const BATCH = 64;
const HEAD_BYTES = 128 * 1024;
const TAIL_BYTES = 64;

interface Analysed {
  item: Omit<DatasetItem, 'id' | 'labels'> & { labels: Labels };
  thumb: Blob;
  warnings: string[];
}

async function encodeThumb(rgba: Uint8ClampedArray, w: number, h: number): Promise<Blob> {
  const canvas = new OffscreenCanvas(w, h);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas context for thumbnails');
  ctx.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, w, h), 0, 0);
  return canvas.convertToBlob({ type: 'image/webp', quality: 0.85 });
}

async function bitmapThumb(blob: Blob, width: number, height: number, size: number): Promise<Blob> {
  const scale = Math.min(1, size / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  let bmp: ImageBitmap;
  try {
    bmp = await createImageBitmap(blob, { resizeWidth: w, resizeHeight: h, resizeQuality: 'medium' });
  } catch {
    throw new Error('the browser could not decode it (corrupt or unsupported encoding)');
  }
  const canvas = new OffscreenCanvas(w, h);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas context for thumbnails');
  ctx.drawImage(bmp, 0, 0);
  bmp.close();
  return canvas.convertToBlob({ type: 'image/webp', quality: 0.85 });
}

function formatName(f: ImageFormat): string {
  return f === 'jpeg' ? 'JPEG' : f.toUpperCase();
}

/** Inspect one file; throws an Error whose message is the per-file reason shown to the user. */
export async function analyseFile(entry: IngestEntry, params: Required<Pick<IngestParams, 'thumbSize' | 'maxFileBytes' | 'maxPixels'>>): Promise<Analysed> {
  const { file, path } = entry;
  if (file.size === 0) throw new Error('empty file (0 bytes)');
  if (file.size > params.maxFileBytes) throw new Error(`file is too large (${(file.size / 2 ** 20).toFixed(0)} MiB; limit ${(params.maxFileBytes / 2 ** 20).toFixed(0)} MiB)`);
  const head = new Uint8Array(await file.slice(0, HEAD_BYTES).arrayBuffer());
  const format = sniffFormat(head);
  if (!format) throw new Error('not an image: content is not PNG, JPEG, WebP, BMP, GIF or TIFF');
  const tail = new Uint8Array(await file.slice(Math.max(0, file.size - TAIL_BYTES)).arrayBuffer());
  const complete = checkComplete(format, head, tail, file.size);
  if (!complete.ok) throw new Error(complete.reason);
  const warnings: string[] = [];
  const mismatch = extensionMismatch(path, format);
  if (mismatch) warnings.push(mismatch);

  let width: number, height: number, channels = 4, bitDepth = 8, pages = 1;
  let thumb: Blob;
  let exifSource: Uint8Array | ArrayBuffer = head;
  if (format === 'tiff') {
    const buf = await file.arrayBuffer();
    exifSource = buf; // TIFF tag blocks may follow the pixel data
    const hdr = await tiffHeader(buf);
    if (hdr.width * hdr.height > params.maxPixels) throw new Error(`image is too large (${hdr.width}×${hdr.height} pixels)`);
    const img = await decodeTiff(buf, 0);
    ({ width, height, channels, bitDepth } = img);
    pages = img.pages;
    const rgba = toRgba8(img, {});
    const small = downscaleRgba(rgba, width, height, params.thumbSize);
    thumb = await encodeThumb(small.data, small.width, small.height);
  } else {
    // JPEG frame headers can sit behind large ICC/XMP blocks: retry on the whole file.
    const hdr = readHeader(head) ?? (file.size > HEAD_BYTES ? readHeader(new Uint8Array(await file.arrayBuffer())) : null);
    if (!hdr) throw new Error(`${formatName(format)} header is corrupt (no image dimensions found)`);
    if (hdr.width * hdr.height > params.maxPixels) throw new Error(`image is too large (${hdr.width}×${hdr.height} pixels)`);
    width = hdr.width;
    height = hdr.height;
    channels = hdr.channels ?? 4;
    bitDepth = hdr.bitDepth ?? 8;
    try {
      thumb = await bitmapThumb(file, width, height, params.thumbSize);
    } catch (e) {
      throw new Error(`${formatName(format)} could not be decoded: ${(e as Error).message}`);
    }
  }
  const labels: Labels = {};
  if (format === 'jpeg' || format === 'tiff' || format === 'png' || format === 'webp') {
    const cam = await readCamera(exifSource);
    if (cam.camera) labels.exif_camera = cam.camera;
  }
  return { item: { path, bytes: file.size, format, width, height, channels, bitDepth, pages, labels }, thumb, warnings };
}

export const ingestJob: JobHandler<IngestParams, IngestSummary> = async (params, ctx) => {
  const db: WorkbenchDb = await openWorkbenchDb();
  const opts = { thumbSize: params.thumbSize ?? 128, maxFileBytes: params.maxFileBytes ?? 2 ** 30, maxPixels: params.maxPixels ?? 20000 * 20000 };
  // Paths are kept as dropped (root folder included) but can never climb out of it: '..' segments
  // of crafted names are resolved inside the root. Labels use the last folder levels.
  const safe = params.entries.map((e) => safeRelativePath(e.path));
  const paths = safe.map((s) => s.path);
  const fromPaths = labelsForPaths(paths, params.template);
  const pathProblem = new Map<number, string>();
  const firstWithPath = new Map<string, number>();
  paths.forEach((p, i) => {
    const asGiven = normalisePath(params.entries[i].path);
    if (p === '') pathProblem.set(i, `file name '${asGiven}' names no file inside the dropped folder`);
    else if (firstWithPath.has(p)) pathProblem.set(i, `another file of this drop has the same path '${p}'${safe[i].climbed ? " after resolving '..' segments" : ''}; skipped`);
    else firstWithPath.set(p, i);
  });
  const total = params.entries.length;
  const meta: DatasetMeta = {
    id: params.datasetId, name: params.name, createdAt: Date.now(), template: params.template,
    itemCount: 0, errorCount: 0, labelCounts: {}, source: 'folder', seed: ctx.seed,
  };
  await putDataset(db, meta);

  const allItems: DatasetItem[] = [];
  let pendingItems: { item: DatasetItem; thumb: Blob; file: Blob }[] = [];
  let pendingErrors: (FileError & { seq: number })[] = [];
  let errSeq = 0, errorCount = 0, warningCount = 0, processed = 0, nextId = 0, next = 0;

  const flush = async () => {
    const items = pendingItems, errors = pendingErrors;
    pendingItems = [];
    pendingErrors = [];
    await putItems(db, params.datasetId, items);
    await putErrors(db, params.datasetId, errors);
    meta.itemCount = allItems.length;
    meta.errorCount = errorCount;
    meta.labelCounts = countLabels(allItems);
    await putDataset(db, meta);
    ctx.partial({ datasetId: params.datasetId, itemCount: allItems.length, errorCount });
  };

  const worker = async () => {
    while (next < total) {
      const index = next++;
      const entry = params.entries[index];
      const path = paths[index] || normalisePath(entry.path);
      try {
        const refused = pathProblem.get(index);
        if (refused) throw new Error(refused);
        const a = await analyseFile({ path, file: entry.file }, opts);
        if (safe[index].climbed) a.warnings.push(`name '${normalisePath(entry.path)}' has '..' segments; stored as '${path}' inside the dropped folder`);
        const fromPath = fromPaths[index];
        const labels: Labels = { ...a.item.labels };
        if ('labels' in fromPath) Object.assign(labels, fromPath.labels);
        else a.warnings.push(`labels: ${fromPath.error}`);
        if (labels.exif_camera && !labels.camera) labels.camera = labels.exif_camera;
        const item: DatasetItem = { ...a.item, labels, id: nextId++ };
        allItems.push(item);
        pendingItems.push({ item, thumb: a.thumb, file: entry.file });
        for (const w of a.warnings) {
          warningCount++;
          pendingErrors.push({ seq: errSeq++, path, reason: w, severity: 'warning' });
        }
      } catch (e) {
        errorCount++;
        pendingErrors.push({ seq: errSeq++, path, reason: (e as Error).message, severity: 'error' });
      }
      processed++;
      ctx.progress(processed, total, path);
      if (pendingItems.length + pendingErrors.length >= BATCH) await flush();
      await ctx.checkpoint();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, total) }, worker));
  } finally {
    // Whatever was analysed is saved, also when the job is cancelled or fails.
    await flush();
  }
  return { datasetId: params.datasetId, itemCount: allItems.length, errorCount, warningCount, labelCounts: meta.labelCounts };
};
