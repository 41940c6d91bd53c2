/**
 * Large inputs through ingestion without exhausting memory:
 *
 * - a 4096×4096 16-bit grayscale TIFF through the job worker's decode path (decodeImageFile, the
 *   geotiff reader) and through ingestion's per-file analysis (decode → display mapping →
 *   thumbnail), with the memory in use measured before, right after (garbage included: a lower
 *   bound of the peak) and after the result is dropped;
 * - a 10,000-image folder of tiny PNGs through the ingest job on fake-indexeddb: it completes,
 *   counts right, and memory grows by far less than the decoded pixels would take if any were
 *   kept per item.
 *
 * Garbage collection is forced where it matters: V8's gc() is exposed at run time
 * (v8.setFlagsFromString + vm), so the file needs no special vitest or Node flags.
 */
import 'fake-indexeddb/auto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { encode as encodePng } from 'fast-png';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runJob } from '../jobs/protocol';
import { getErrors, getItems, getThumb, openWorkbenchDb } from '../storage/db';
import { decodeImageFile } from './decode';
import { analyseFile, ingestJob, type IngestEntry, type IngestParams, type IngestSummary } from './ingest';
import { decodeImageNode } from './nodeDecode';
import { canvasStandIns } from './testdata/canvasStandIns';
import { writeTiff } from './testdata/writeTiff';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Bytes in use now by JavaScript objects and array buffers, garbage included. */
function inUse(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Bytes in use once garbage is collected. A macrotask first: the value an async function last
 * awaited stays reachable until its continuation has finished.
 */
async function live(): Promise<number> {
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  gc();
  return inUse();
}

const MiB = 2 ** 20;
const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
const signedMib = (n: number) => `${n < 0 ? '−' : '+'}${mib(Math.abs(n))}`;

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('a 4096×4096 16-bit grayscale TIFF', () => {
  const SIDE = 4096;
  const RAW = SIDE * SIDE * 2;
  /** The sample at (x, y): a ramp that uses the whole 16-bit range. */
  const sample = (x: number, y: number) => (x * 16 + y) & 0xffff;

  function bigTiff(): Uint8Array {
    const data = new Uint16Array(SIDE * SIDE);
    for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) data[y * SIDE + x] = sample(x, y);
    // 64 rows per strip (256 strips of 512 KiB): a typical microscope export layout.
    return writeTiff([{ width: SIDE, height: SIDE, samplesPerPixel: 1, data, rowsPerStrip: 64 }]);
  }

  it('decodes through the worker path at full size and depth; memory stays within 2.5× the raw pixels and returns when the result is dropped', async () => {
    const file = bigTiff();
    const start = await live();
    let img: Awaited<ReturnType<typeof decodeImageFile>> | null = await decodeImageFile(file, 'big.tif', decodeImageNode);
    const peak = inUse() - start;
    const held = (await live()) - start;
    expect(img.width).toBe(SIDE);
    expect(img.height).toBe(SIDE);
    expect(img.channels).toBe(1);
    expect(img.bitDepth).toBe(16);
    expect(img.sampleFormat).toBe('uint');
    expect(img.data).toBeInstanceOf(Uint16Array);
    expect(img.data.length).toBe(SIDE * SIDE);
    for (const [x, y] of [[0, 0], [4095, 0], [17, 2048], [4095, 4095]]) expect(img.data[y * SIDE + x]).toBe(sample(x, y));
    img = null;
    const after = (await live()) - start;
    console.log(`decodeImageFile 4096² 16-bit (raw ${mib(RAW)}): ${signedMib(peak)} right after decode, ${signedMib(held)} held by the result, ${signedMib(after)} after dropping it`);
    // The file's bytes are read in place; the result and geotiff's strip copies: about 2× the raw pixels.
    expect(peak).toBeLessThan(2.5 * RAW);
    // The result is the raw samples and little else.
    expect(held).toBeGreaterThan(0.9 * RAW);
    expect(held).toBeLessThan(1.25 * RAW);
    expect(after).toBeLessThan(0.1 * RAW);
  });

  it('goes through ingestion analysis (decode, display mapping, 128 px thumbnail) within 6× the raw pixels; only the thumbnail is kept', async () => {
    const { globals } = canvasStandIns();
    for (const [k, v] of Object.entries(globals)) vi.stubGlobal(k, v);
    // The dropped file (Node keeps a Blob's bytes in memory, so it is part of the baseline).
    const blob = new Blob([bigTiff() as Uint8Array<ArrayBuffer>], { type: 'image/tiff' });
    const start = await live();
    let analysed: Awaited<ReturnType<typeof analyseFile>> | null = await analyseFile({ path: 'plate/big.tif', file: blob }, { thumbSize: 128, maxFileBytes: 2 ** 30, maxPixels: 20000 * 20000 });
    const peak = inUse() - start;
    const held = (await live()) - start;
    expect(analysed.item).toMatchObject({ format: 'tiff', width: SIDE, height: SIDE, channels: 1, bitDepth: 16, pages: 1 });
    // The thumbnail: 128² RGBA, gray (R = G = B), opaque, brighter to the right like the ramp.
    const thumb = new Uint8Array(await analysed.thumb.arrayBuffer());
    expect(thumb.length).toBe(128 * 128 * 4);
    const px = (x: number, y: number) => Array.from(thumb.subarray((y * 128 + x) * 4, (y * 128 + x) * 4 + 4));
    expect(px(64, 64)[0]).toBe(px(64, 64)[1]);
    expect(px(64, 64)[0]).toBe(px(64, 64)[2]);
    expect(px(64, 64)[3]).toBe(255);
    expect(px(120, 64)[0]).toBeGreaterThan(px(8, 64)[0]);
    analysed = null;
    const after = (await live()) - start;
    console.log(`analyseFile 4096² 16-bit TIFF (raw ${mib(RAW)}): ${signedMib(peak)} right after, ${signedMib(held)} held (thumbnail), ${signedMib(after)} after dropping it`);
    // The file's bytes, the decoded samples, geotiff's strip copies and the full-size RGBA display
    // mapping (2× the raw 16-bit samples) before the downscale: about 5.25× the raw pixels.
    expect(peak).toBeLessThan(6 * RAW);
    expect(held).toBeLessThan(0.05 * RAW);
    expect(after).toBeLessThan(0.05 * RAW);
    expect(blob.size).toBeGreaterThan(RAW);
  });
});

describe('a 10,000-image folder of tiny PNGs through the ingest job', () => {
  const IMAGES = 10_000;
  const SIDE = 128; // decodes to 64 KiB of RGBA; the PNG file is about 1 KiB
  const CLASSES = 10;

  /** Distinct PNG bytes per class: 16 px blocks whose red level encodes the class. */
  function classPng(k: number): Uint8Array {
    const data = new Uint8Array(SIDE * SIDE * 3);
    for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) data.set([k * 25, (x >> 4) * 32, (y >> 4) * 32], (y * SIDE + x) * 3);
    return encodePng({ width: SIDE, height: SIDE, data, channels: 3, depth: 8 });
  }

  it('completes with every image and error counted; memory bounded, no decoded pixels kept per item', async () => {
    const { globals, bitmaps } = canvasStandIns();
    for (const [k, v] of Object.entries(globals)) vi.stubGlobal(k, v);
    const pngs = Array.from({ length: CLASSES }, (_, k) => classPng(k));
    const entries: IngestEntry[] = [];
    for (let i = 0; i < IMAGES; i++) {
      const k = i % CLASSES;
      entries.push({ path: `cells/class${k}/img${String(i).padStart(5, '0')}.png`, file: new Blob([pngs[k] as Uint8Array<ArrayBuffer>], { type: 'image/png' }) });
    }
    // Bad files among them: each gets its own message and the rest goes on.
    const truncated = pngs[0].slice(0, pngs[0].length - 20);
    entries.splice(500, 0, { path: 'cells/class0/cut.png', file: new Blob([truncated]) });
    entries.splice(5000, 0, { path: 'cells/class1/notes.png', file: new Blob(['not an image']) });
    entries.splice(9000, 0, { path: 'cells/class2/empty.png', file: new Blob([]) });
    const params: IngestParams = { datasetId: 'big-folder', name: 'big folder', template: 'class', entries, thumbSize: 16 };

    const start = await live();
    const t0 = performance.now();
    let peak = 0;
    const outcome = await runJob(ingestJob, params, 1, { cancelled: false }, { onProgress: () => void (peak = Math.max(peak, inUse() - start)) });
    const seconds = (performance.now() - t0) / 1000;
    const grown = (await live()) - start;
    expect(outcome.status).toBe('done');
    const summary = (outcome as { result: IngestSummary }).result;
    expect(summary.itemCount).toBe(IMAGES);
    expect(summary.errorCount).toBe(3);
    expect(summary.warningCount).toBe(0);
    expect(summary.labelCounts.class).toEqual(Object.fromEntries(Array.from({ length: CLASSES }, (_, k) => [`class${k}`, IMAGES / CLASSES])));

    const db = await openWorkbenchDb();
    const items = await getItems(db, 'big-folder');
    expect(items).toHaveLength(IMAGES);
    expect(new Set(items.map((it) => it.id)).size).toBe(IMAGES);
    expect(items.every((it) => it.width === SIDE && it.height === SIDE && it.format === 'png')).toBe(true);
    const errors = await getErrors(db, 'big-folder');
    expect(errors.map((e) => e.path).sort()).toEqual(['cells/class0/cut.png', 'cells/class1/notes.png', 'cells/class2/empty.png']);
    const thumb = await getThumb(db, 'big-folder', items[IMAGES - 1].id);
    expect(thumb?.size).toBe(16 * 16 * 4);

    // Every image was decoded at full size once, and every bitmap released.
    expect(bitmaps.decodedPixels).toBe(IMAGES * SIDE * SIDE);
    expect(bitmaps.opened).toBe(IMAGES);
    expect(bitmaps.closed).toBe(IMAGES);
    const decodedPerImage = SIDE * SIDE * 4;
    console.log(`ingest of ${IMAGES} PNGs (${SIDE}², thumbnails 16²): ${seconds.toFixed(1)} s; memory ${signedMib(grown)} after the job (${(grown / IMAGES / 1024).toFixed(1)} KiB per image, the fake-indexeddb store included), at most ${signedMib(peak)} in use (garbage included) during it, against ${mib(IMAGES * decodedPerImage)} of decoded pixels`);
    // What stays is the store: item records, 1 KiB thumbnails, the files (about 2.5 KiB per image
    // here). Decoded pixels kept per image would add 64 KiB each; an entry per file in a library
    // cache (exifr keeps one per options object it is given) about 6.5 KiB.
    expect(grown / IMAGES).toBeLessThan(5 * 1024);
  }, 300_000);
});
