/**
 * Samples and datasets of the simulated camera-bias task: a batch code printed by one of two
 * manufacturers' printers, photographed by one of five cameras.
 *
 * Determinism: everything follows from (seed, index) plus the chosen manufacturer, camera,
 * size and traits. Streams: root = Rng(seed).fork('sample').fork(index), then 'scene' (object and
 * code string), 'printer' (dot jitter) and 'noise' (sensor noise). None of them depends on the
 * manufacturer or the camera, so the same index printed by m1 and m2 carries the same code, and
 * photographed by two cameras differs only through the cameras. The PRNU pattern depends only on
 * camera id + size + `sensorSeed` (camera.ts). A sample can therefore be regenerated alone from
 * the numbers in its path and options.
 *
 * Datasets: every manufacturer × camera cell gets `perCell` samples, yielded round-robin over the
 * cells (a partial run stays balanced), at paths `m1/cam-A/000123.png` (template 'class/camera').
 * Indices are unique across the dataset (cell c, k-th sample → c·perCell + k) so no two files show
 * the same object; `sharedScenes: true` gives every cell the same objects (index k) instead, for
 * controlled comparisons.
 */
import { encode as encodePng } from 'fast-png';
import { Rng } from '../../../core/rng/rng';
import type { LabelTemplateId } from '../../../core/data/types';
import { applyCamera, CAMERAS, getCamera, resolveTraits, DEFAULT_SENSOR_SEED, type CameraProfile, type JpegCodec, type TraitSwitches } from './camera';
import { drawScene, getPrinter, MANUFACTURER_PRINTERS, renderScene, viewScene, type PrinterProfile, type SceneSpec } from './scene';

/** Image side in pixels of the thesis data. */
export const DEFAULT_SIZE = 1024;
/** Folder template of generated datasets: manufacturer (class) / camera. */
export const DATASET_TEMPLATE: LabelTemplateId = 'class/camera';

export interface SampleOptions {
  manufacturer: string | PrinterProfile;
  camera: string | CameraProfile;
  index: number;
  /** Image side in pixels (default 1024; at least 8). */
  size?: number;
  seed: number;
  traits?: Partial<TraitSwitches>;
  sensorSeed?: number;
  /** JPEG stage: pixel-domain simulation (default) or the real jpeg-js codec (slower, 4:4:4 only). */
  jpegCodec?: JpegCodec;
  /** Fraction of the thesis crop shown, centred on the code (default 1; see scene.ts viewScene). */
  fieldOfView?: number;
}

export interface SampleMeta {
  manufacturer: string;
  camera: string;
  cameraLabel: string;
  /** The two code lines joined by '\n'. */
  code: string;
  seed: number;
  index: number;
  size: number;
  fieldOfView: number;
  traits: TraitSwitches;
}

export interface Sample {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
  meta: SampleMeta;
}

function printerOf(m: string | PrinterProfile): PrinterProfile {
  return typeof m === 'string' ? getPrinter(m) : m;
}
function cameraOf(c: string | CameraProfile): CameraProfile {
  return typeof c === 'string' ? getCamera(c) : c;
}

/** The per-sample streams (see the module comment). */
export function sampleStreams(seed: number, index: number): { scene: Rng; printer: Rng; noise: Rng } {
  const root = new Rng(seed).fork('sample').fork(index);
  return { scene: root.fork('scene'), printer: root.fork('printer'), noise: root.fork('noise') };
}

/** The object of sample `index` (independent of manufacturer and camera). */
export function sampleScene(seed: number, index: number): SceneSpec {
  return drawScene(sampleStreams(seed, index).scene);
}

/** Renders one photo. Same options → identical bytes. */
export function renderSample(o: SampleOptions): Sample {
  const size = o.size ?? DEFAULT_SIZE;
  if (!Number.isInteger(size) || size < 8) throw new Error(`size must be an integer ≥ 8, got ${size}`);
  if (!Number.isInteger(o.index) || o.index < 0) throw new Error(`index must be a non-negative integer, got ${o.index}`);
  const printer = printerOf(o.manufacturer);
  const camera = cameraOf(o.camera);
  const traits = resolveTraits(o.traits);
  const streams = sampleStreams(o.seed, o.index);
  const fieldOfView = o.fieldOfView ?? 1;
  const spec = drawScene(streams.scene);
  const { radiance } = renderScene(viewScene(spec, fieldOfView), printer, size, size, streams.printer);
  const rgba = applyCamera(radiance, size, size, camera, { traits, noiseRng: streams.noise, sensorSeed: o.sensorSeed ?? DEFAULT_SENSOR_SEED, jpegCodec: o.jpegCodec });
  return {
    rgba, width: size, height: size,
    meta: { manufacturer: printer.id, camera: camera.id, cameraLabel: camera.label, code: spec.lines.join('\n'), seed: o.seed, index: o.index, size, fieldOfView, traits },
  };
}

/** Dataset path of a sample: `m1/cam-A/000123.png`. */
export function samplePath(manufacturer: string, camera: string, index: number): string {
  return `${manufacturer}/${camera}/${String(index).padStart(6, '0')}.png`;
}

export interface DatasetOptions {
  perCell: number;
  size?: number;
  seed: number;
  traits?: Partial<TraitSwitches>;
  /** Cameras to include (default all five), ids or profiles. */
  cameras?: readonly (string | CameraProfile)[];
  /** Manufacturers to include (default both), ids or profiles. */
  manufacturers?: readonly (string | PrinterProfile)[];
  sensorSeed?: number;
  /** Same objects (index k) in every cell instead of unique ones. */
  sharedScenes?: boolean;
  jpegCodec?: JpegCodec;
  fieldOfView?: number;
}

export interface DatasetSample extends Sample {
  path: string;
}

/** The cells in order (manufacturer-major) with the sample indices each gets. */
export function datasetPlan(o: DatasetOptions): { manufacturer: string; camera: string; indices: number[] }[] {
  const ms = (o.manufacturers ?? MANUFACTURER_PRINTERS).map(printerOf);
  const cs = (o.cameras ?? CAMERAS).map(cameraOf);
  const plan: { manufacturer: string; camera: string; indices: number[] }[] = [];
  for (const m of ms) {
    for (const c of cs) {
      const cell = plan.length;
      plan.push({ manufacturer: m.id, camera: c.id, indices: Array.from({ length: o.perCell }, (_, k) => (o.sharedScenes ? k : cell * o.perCell + k)) });
    }
  }
  return plan;
}

/** Number of samples `generateDataset` yields. */
export function datasetCount(o: DatasetOptions): number {
  return (o.manufacturers ?? MANUFACTURER_PRINTERS).length * (o.cameras ?? CAMERAS).length * o.perCell;
}

/** Yields every sample of the dataset, round-robin over the cells. */
export function* generateDataset(o: DatasetOptions): Generator<DatasetSample> {
  const ms = (o.manufacturers ?? MANUFACTURER_PRINTERS).map(printerOf);
  const cs = (o.cameras ?? CAMERAS).map(cameraOf);
  const plan = datasetPlan(o);
  for (let k = 0; k < o.perCell; k++) {
    for (let cell = 0; cell < plan.length; cell++) {
      const m = ms[Math.floor(cell / cs.length)], c = cs[cell % cs.length];
      const index = plan[cell].indices[k];
      const s = renderSample({ manufacturer: m, camera: c, index, size: o.size, seed: o.seed, traits: o.traits, sensorSeed: o.sensorSeed, jpegCodec: o.jpegCodec, fieldOfView: o.fieldOfView });
      yield { ...s, path: samplePath(m.id, c.id, index) };
    }
  }
}

/** PNG bytes (8-bit RGB) of a sample, for writing a dataset folder or zip. */
export function encodeSamplePng(s: Sample): Uint8Array {
  const n = s.width * s.height;
  const rgb = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) {
    rgb[3 * i] = s.rgba[4 * i];
    rgb[3 * i + 1] = s.rgba[4 * i + 1];
    rgb[3 * i + 2] = s.rgba[4 * i + 2];
  }
  return encodePng({ width: s.width, height: s.height, data: rgb, channels: 3, depth: 8 });
}
