/**
 * Data of a camera-bias experiment: simulated photos or a user dataset (centre-cropped, never
 * resampled), the balanced test set and the training sets of the rows, and the image sets the
 * trainer reads.
 */
import type { DecodedImage } from '../../../core/data/types';
import { toRgba8 } from '../../../core/data/display';
import type { CameraItem } from '../lab/labels';
import { buildTestSet, buildTrainingSet, defaultDisjointMapping, type DisjointMapping, type TestSet, type TrainingSet, type TrainSpec } from '../lab/splits';
import { CAMERAS, generateDataset, MANUFACTURER_PRINTERS, type PrinterProfile, type TraitSwitches } from '../sim';
import type { CameraImageSet } from './train';
import type { Task, TrainingKind, RowSpec } from './presets';
import type { DatasetItemInput } from './types';

// ---------------------------------------------------------------------------------------------
// Data

export interface ExperimentData {
  width: number;
  height: number;
  /** RGBA per item; items[i].id === i. */
  images: (Uint8Array | Uint8ClampedArray)[];
  items: CameraItem[];
  source: Record<string, unknown>;
  problems: { path: string; message: string }[];
}

/**
 * The two printers with Manufacturer 2's deviation from Manufacturer 1 multiplied by `k` in every
 * numeric trait (k = 1: the simulator's own printers; k = 0: identical printers).
 */
export function scaledPrinters(k: number): PrinterProfile[] {
  if (!(k >= 0 && Number.isFinite(k))) throw new Error(`printerScale must be a non-negative number, got ${k}`);
  const [m1, m2] = MANUFACTURER_PRINTERS;
  const out: Record<string, unknown> = { ...m2 };
  for (const [key, v] of Object.entries(m2)) if (typeof v === 'number') out[key] = (m1[key as keyof PrinterProfile] as number) + k * (v - (m1[key as keyof PrinterProfile] as number));
  return [m1, out as unknown as PrinterProfile];
}

/** Simulated photos: every manufacturer × camera cell, `perCell` each, round-robin. */
export async function simulatorData(opts: { seed: number; size: number; perCell: number; traits?: Partial<TraitSwitches>; cameras?: string[]; printerScale?: number; fieldOfView?: number }, hooks: { checkpoint?: () => Promise<void>; onProgress?: (done: number, total: number) => void } = {}): Promise<ExperimentData> {
  const cameras = opts.cameras ?? CAMERAS.map((c) => c.id);
  const images: Uint8ClampedArray[] = [];
  const items: CameraItem[] = [];
  const total = 2 * cameras.length * opts.perCell;
  const scale = opts.printerScale ?? 1;
  const manufacturers = scale === 1 ? undefined : scaledPrinters(scale);
  const fieldOfView = opts.fieldOfView ?? 1;
  for (const s of generateDataset({ perCell: opts.perCell, size: opts.size, seed: opts.seed, traits: opts.traits, cameras, manufacturers, fieldOfView })) {
    if (images.length % 8 === 0) await hooks.checkpoint?.();
    items.push({ id: images.length, path: s.path, cls: s.meta.manufacturer, camera: s.meta.camera });
    images.push(s.rgba);
    hooks.onProgress?.(images.length, total);
  }
  return {
    width: opts.size,
    height: opts.size,
    images,
    items,
    source: { kind: 'simulator', seed: opts.seed, size: opts.size, perCell: opts.perCell, cameras, traits: opts.traits ?? 'all on', printerScale: scale, fieldOfView },
    problems: [],
  };
}

/** Centre square of side `size` of an RGBA image (top-left rounded down to even, keeping the CFA phase). */
export function centreCrop(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, size: number): Uint8ClampedArray {
  const x0 = Math.floor((width - size) / 4) * 2, y0 = Math.floor((height - size) / 4) * 2;
  const out = new Uint8ClampedArray(size * size * 4);
  for (let y = 0; y < size; y++) out.set(rgba.subarray(((y0 + y) * width + x0) * 4, ((y0 + y) * width + x0 + size) * 4), y * size * 4);
  return out;
}

/** User items → one image size (centre crops of side min(size, smallest side)); unusable items become problems. */
export async function datasetData(inputs: readonly DatasetItemInput[], size: number, deps: { decode?: (bytes: Uint8Array, path: string) => Promise<DecodedImage>; checkpoint?: () => Promise<void>; onProgress?: (done: number, total: number) => void } = {}): Promise<ExperimentData> {
  const problems: { path: string; message: string }[] = [];
  const decoded: { rgba: Uint8Array | Uint8ClampedArray; width: number; height: number; input: DatasetItemInput; path: string }[] = [];
  for (let i = 0; i < inputs.length; i++) {
    await deps.checkpoint?.();
    const it = inputs[i];
    const path = it.path ?? `item ${i}`;
    try {
      if (typeof it.cls !== 'string' || !it.cls || typeof it.camera !== 'string' || !it.camera) throw new Error('needs a class and a camera label');
      if (it.rgba) {
        if (!it.width || !it.height || it.rgba.length !== it.width * it.height * 4) throw new Error(`RGBA pixels need width × height × 4 samples`);
        decoded.push({ rgba: it.rgba, width: it.width, height: it.height, input: it, path });
      } else if (it.file) {
        if (!deps.decode) throw new Error('no image decoder available');
        const img = await deps.decode(new Uint8Array(await it.file.arrayBuffer()), path);
        decoded.push({ rgba: toRgba8(img), width: img.width, height: img.height, input: it, path });
      } else throw new Error('has neither pixels nor a file');
    } catch (e) {
      problems.push({ path, message: e instanceof Error ? e.message : String(e) });
    }
    deps.onProgress?.(i + 1, inputs.length);
  }
  if (decoded.length === 0) throw new Error(`None of the ${inputs.length} dataset items could be used${problems.length ? `: ${problems[0].path}: ${problems[0].message}` : ''}`);
  const side = Math.min(size, ...decoded.map((d) => Math.min(d.width, d.height)));
  if (side < 64) throw new Error(`The smallest image is ${side} px on a side; the experiments need at least 64`);
  if (side < size) problems.push({ path: '', message: `images are centre-cropped to ${side}² (the smallest image), not ${size}²` });
  const images = decoded.map((d) => (d.width === side && d.height === side ? d.rgba : centreCrop(d.rgba, d.width, d.height, side)));
  const items = decoded.map((d, id) => ({ id, path: d.path, cls: d.input.cls, camera: d.input.camera }));
  return { width: side, height: side, images, items, source: { kind: 'dataset', items: inputs.length, used: items.length, side }, problems };
}

// ---------------------------------------------------------------------------------------------
// Splits and sets

export interface ExperimentSplits {
  test: TestSet;
  trainings: Record<TrainingKind, TrainingSet | null>;
  classes: string[];
  cameras: string[];
}

/** The balanced test set and the training sets the rows need. */
export function experimentSplits(data: ExperimentData, rows: readonly RowSpec[], opts: { seed: number; testPerCell?: number; trainPerCell?: number; disjointMapping?: DisjointMapping; partialCameras?: string[] }): ExperimentSplits {
  const test = buildTestSet(data.items, opts.testPerCell !== undefined ? { seed: opts.seed, perCell: opts.testPerCell } : { seed: opts.seed, fraction: 0.1 });
  const { classes, cameras } = test;
  const perCell = opts.trainPerCell;
  const trainings: Record<TrainingKind, TrainingSet | null> = { balanced: null, partial: null, disjoint: null };
  const needed = new Set(rows.map((r) => r.training));
  const spec = (kind: TrainingKind): TrainSpec => {
    if (kind === 'balanced') return { kind, perCell };
    if (kind === 'disjoint') return { kind, perCell, ...(opts.disjointMapping ? { mapping: opts.disjointMapping } : {}) };
    const mapping = opts.disjointMapping ?? defaultDisjointMapping(classes, cameras);
    return { kind, perCell, cameras: opts.partialCameras ?? mapping[classes[0]] };
  };
  for (const kind of ['balanced', 'partial', 'disjoint'] as const) {
    if (needed.has(kind)) trainings[kind] = buildTrainingSet(data.items, test, spec(kind), opts.seed);
  }
  return { test, trainings, classes, cameras };
}

/** A CameraImageSet of items for a task (labels: camera or class index). */
export function imageSet(data: ExperimentData, items: readonly CameraItem[], task: Task, classes: readonly string[], cameras: readonly string[]): CameraImageSet {
  const ci = new Map(classes.map((c, i) => [c, i]));
  const ki = new Map(cameras.map((c, i) => [c, i]));
  const cls = Int32Array.from(items, (it) => ci.get(it.cls)!);
  const cam = Int32Array.from(items, (it) => ki.get(it.camera)!);
  return { width: data.width, height: data.height, images: items.map((it) => data.images[it.id]), labels: task === 'camera' ? cam : cls, cameras: cam, classes: cls };
}
