/**
 * A small synthetic labelled image set so the Datasets view (and anything that needs a labelled
 * folder) works without user files: coloured discs, squares and triangles on a noisy background,
 * in `class/…` layout. Rendering is pure and seeded; encoding uses OffscreenCanvas in the worker.
 */
import type { JobHandler } from '../jobs/protocol';
import { Rng } from '../rng/rng';
import type { DatasetItem, DatasetMeta } from './types';
import { countLabels } from './labels';
import { openWorkbenchDb, putDataset, putItems } from '../storage/db';

export const SHAPES = ['disc', 'square', 'triangle'] as const;
export type ShapeClass = (typeof SHAPES)[number];

/** Is (x, y) inside the shape of radius r centred at (cx, cy)? */
function inside(shape: ShapeClass, x: number, y: number, cx: number, cy: number, r: number): boolean {
  const dx = x - cx, dy = y - cy;
  if (shape === 'disc') return dx * dx + dy * dy <= r * r;
  if (shape === 'square') return Math.abs(dx) <= r * 0.85 && Math.abs(dy) <= r * 0.85;
  // Upward triangle with apex at (cx, cy - r) and base at cy + r/2.
  if (dy < -r || dy > r / 2) return false;
  const halfWidth = ((dy + r) / (1.5 * r)) * r * 0.866 * 1.5;
  return Math.abs(dx) <= halfWidth;
}

export function renderShape(shape: ShapeClass, size: number, rng: Rng): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(size * size * 4);
  const bg = [rng.int(10, 80), rng.int(10, 80), rng.int(10, 80)];
  const fg = [rng.int(120, 255), rng.int(120, 255), rng.int(120, 255)];
  const r = rng.uniform(0.18, 0.32) * size;
  const cx = rng.uniform(r, size - r), cy = rng.uniform(r, size - r);
  const noise = rng.uniform(4, 16);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const o = (y * size + x) * 4;
      const c = inside(shape, x + 0.5, y + 0.5, cx, cy, r) ? fg : bg;
      for (let k = 0; k < 3; k++) rgba[o + k] = c[k] + rng.normal(0, noise);
      rgba[o + 3] = 255;
    }
  }
  return rgba;
}

export interface SyntheticParams {
  datasetId: string;
  name: string;
  perClass: number;
  size: number;
}

export const syntheticDatasetJob: JobHandler<SyntheticParams, { datasetId: string; itemCount: number }> = async (p, ctx) => {
  const db = await openWorkbenchDb();
  const total = p.perClass * SHAPES.length;
  const meta: DatasetMeta = {
    id: p.datasetId, name: p.name, createdAt: Date.now(), template: 'class', itemCount: 0, errorCount: 0,
    labelCounts: {}, source: 'synthetic', seed: ctx.seed,
  };
  const items: DatasetItem[] = [];
  let batch: { item: DatasetItem; thumb: Blob; file: Blob }[] = [];
  const canvas = new OffscreenCanvas(p.size, p.size);
  const g = canvas.getContext('2d');
  if (!g) throw new Error('no 2D canvas context available in this worker');
  for (let i = 0; i < total; i++) {
    const shape = SHAPES[i % SHAPES.length];
    const rgba = renderShape(shape, p.size, ctx.rng.fork(i));
    g.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, p.size, p.size), 0, 0);
    const png = await canvas.convertToBlob({ type: 'image/png' });
    const item: DatasetItem = {
      id: i, path: `${shape}/${shape}_${String(i).padStart(4, '0')}.png`, bytes: png.size, format: 'png',
      width: p.size, height: p.size, channels: 4, bitDepth: 8, pages: 1, labels: { class: shape },
    };
    items.push(item);
    batch.push({ item, thumb: png, file: png });
    if (batch.length >= 32 || i === total - 1) {
      await putItems(db, p.datasetId, batch);
      batch = [];
      meta.itemCount = items.length;
      meta.labelCounts = countLabels(items);
      await putDataset(db, meta);
    }
    ctx.progress(i + 1, total);
    await ctx.checkpoint();
  }
  return { datasetId: p.datasetId, itemCount: items.length };
};
