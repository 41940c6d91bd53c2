/**
 * Helpers of the camera-bias benchmark (bench/camera.ts): reading the real camera crops
 * (../shared/data/camera-dresden, camera-phones: labels.csv + crops/*.png), a held-out split by
 * photo, the goal lines of the simulated experiments and number formatting.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { decode as decodePng } from 'fast-png';
import Papa from 'papaparse';
import { Rng } from '../../src/core/rng/rng';

export interface RealPhoto {
  file: string;
  /** The label column's value (device or camera model). */
  label: string;
  width: number;
  height: number;
  /** Interleaved 8-bit RGB. */
  rgb: Uint8Array;
}

export interface RealDataset {
  name: string;
  labelColumn: string;
  labels: string[];
  photos: RealPhoto[];
}

/** Rows of a CSV with a header line. */
export function parseCsv(text: string): Record<string, string>[] {
  const parsed = Papa.parse<Record<string, string>>(text.trim(), { header: true, skipEmptyLines: true });
  if (parsed.errors.length) throw new Error(`CSV: ${parsed.errors[0].message} (row ${parsed.errors[0].row})`);
  return parsed.data;
}

/** Why a real dataset folder cannot be used, or null when labels.csv and its crops are there. */
export function realDatasetProblem(dir: string): string | null {
  if (!existsSync(dir)) return `${dir} not found`;
  if (!existsSync(resolve(dir, 'labels.csv'))) return `${resolve(dir, 'labels.csv')} not found`;
  return null;
}

/**
 * The photos of a real dataset with one label column; `label` may join several columns
 * (e.g. ['exif_make', 'exif_model']).
 */
export function readRealDataset(dir: string, name: string, label: string | string[]): RealDataset {
  const rows = parseCsv(readFileSync(resolve(dir, 'labels.csv'), 'utf8'));
  const cols = Array.isArray(label) ? label : [label];
  for (const c of ['file', ...cols]) if (rows.length && !(c in rows[0])) throw new Error(`${name}: labels.csv has no column '${c}'`);
  const photos: RealPhoto[] = rows.map((r) => {
    const png = decodePng(readFileSync(resolve(dir, r.file)));
    if (png.depth !== 8 || (png.channels !== 3 && png.channels !== 4)) throw new Error(`${name}: ${r.file} is not 8-bit RGB(A)`);
    const n = png.width * png.height;
    const rgb = new Uint8Array(n * 3);
    const src = png.data as Uint8Array;
    for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) rgb[p * 3 + c] = src[p * png.channels + c];
    return { file: r.file, label: cols.map((c) => r[c]).join(' '), width: png.width, height: png.height, rgb };
  });
  const labels = [...new Set(photos.map((p) => p.label))].sort();
  return { name, labelColumn: cols.join('+'), labels, photos };
}

/**
 * Held-out split by photo: per label, ⌈fraction · count⌉ photos (at least 1, and at least 1 left
 * for training) go to the test set, chosen by a seeded shuffle of the label's photos sorted by
 * index. Returns photo indices.
 */
export function splitByPhoto(labels: readonly string[], fraction: number, seed: number): { train: number[]; test: number[] } {
  if (!(fraction > 0 && fraction < 1)) throw new Error(`test fraction must be in (0, 1), got ${fraction}`);
  const by = new Map<string, number[]>();
  labels.forEach((l, i) => {
    if (!by.has(l)) by.set(l, []);
    by.get(l)!.push(i);
  });
  const train: number[] = [];
  const test: number[] = [];
  for (const l of [...by.keys()].sort()) {
    const idx = by.get(l)!;
    if (idx.length < 2) throw new Error(`label '${l}' has ${idx.length} photo; a held-out split needs at least 2`);
    const shuffled = new Rng(seed).fork(l).shuffle([...idx]);
    const k = Math.min(idx.length - 1, Math.max(1, Math.ceil(fraction * idx.length)));
    test.push(...shuffled.slice(0, k));
    train.push(...shuffled.slice(k));
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}

export interface Goal {
  name: string;
  value: number;
  op: '>=' | '<=';
  threshold: number;
  met: boolean;
}

/** The benchmark's goals: camera ≥ 0.95, Balanced ≥ 0.9, Disjoint ≤ 0.65 (mean test accuracy). */
export function goals(camera: number, balanced: number, disjoint: number): Goal[] {
  const g = (name: string, value: number, op: Goal['op'], threshold: number): Goal => ({ name, value, op, threshold, met: Number.isFinite(value) && (op === '>=' ? value >= threshold : value <= threshold) });
  return [g('camera accuracy', camera, '>=', 0.95), g('Balanced manufacturer accuracy', balanced, '>=', 0.9), g('Disjoint manufacturer accuracy', disjoint, '<=', 0.65)];
}

export function goalLine(g: Goal): string {
  return `${g.name} ${g.op === '>=' ? '≥' : '≤'} ${g.threshold}: ${Number.isFinite(g.value) ? g.value.toFixed(3) : 'n/a'} → ${g.met ? 'MET' : 'NOT MET'}`;
}

/** "0.974 ± 0.012" (std omitted for one run). */
export function pm(mean: number, std: number, runs: number): string {
  if (!Number.isFinite(mean)) return 'n/a';
  return runs > 1 ? `${mean.toFixed(3)} ± ${std.toFixed(3)}` : mean.toFixed(3);
}

/** Mean per-label recall (the accuracy a label-balanced test set would give). */
export function balancedAccuracy(perLabel: readonly { n: number; accuracy: number }[]): number {
  const used = perLabel.filter((g) => g.n > 0);
  return used.length ? used.reduce((s, g) => s + g.accuracy, 0) / used.length : NaN;
}
