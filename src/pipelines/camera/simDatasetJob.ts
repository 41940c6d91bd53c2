/**
 * Job 'camera-sim-dataset': renders the simulated batch-code dataset (sim/) into the project — two
 * manufacturers × the chosen cameras, `perCell` images each, at `m1/cam-A/000123.png` with class
 * and camera labels (template 'class/camera') — so every camera-bias experiment can run without
 * user files. The seed, size, field of view and camera traits are recorded on the dataset and in each item's
 * labels, so any image can be regenerated alone.
 */
import { encode as encodePng } from 'fast-png';
import { downscaleRgba } from '../../core/data/display';
import { countLabels } from '../../core/data/labels';
import type { DatasetItem, DatasetMeta } from '../../core/data/types';
import type { JobHandler } from '../../core/jobs/protocol';
import { openWorkbenchDb, putDataset, putItems } from '../../core/storage/db';
import { getCamera, type TraitSwitches } from './sim/camera';
import { datasetCount, encodeSamplePng, generateDataset } from './sim/generate';

export interface CameraSimDatasetParams {
  datasetId: string;
  name: string;
  perCell: number;
  size: number;
  seed: number;
  traits?: Partial<TraitSwitches>;
  cameras?: string[];
  /** Fraction of the thesis crop shown around the code (default 1). */
  fieldOfView?: number;
}

const THUMB = 128;

export const cameraSimDatasetJob: JobHandler<CameraSimDatasetParams, { datasetId: string; itemCount: number }> = async (p, ctx) => {
  const db = await openWorkbenchDb();
  const opts = { perCell: p.perCell, size: p.size, seed: p.seed, traits: p.traits, cameras: p.cameras, fieldOfView: p.fieldOfView };
  const total = datasetCount(opts);
  const meta: DatasetMeta = {
    id: p.datasetId, name: p.name, createdAt: Date.now(), template: 'class/camera', itemCount: 0, errorCount: 0, labelCounts: {}, source: 'synthetic', seed: p.seed,
  };
  const items: DatasetItem[] = [];
  let batch: { item: DatasetItem; thumb: Blob; file: Blob }[] = [];
  let i = 0;
  for (const s of generateDataset(opts)) {
    const png = encodeSamplePng(s);
    const small = downscaleRgba(s.rgba, s.width, s.height, THUMB);
    const thumb = encodePng({ width: small.width, height: small.height, channels: 4, depth: 8, data: small.data });
    const item: DatasetItem = {
      id: i, path: s.path, bytes: png.length, format: 'png', width: s.width, height: s.height, channels: 3, bitDepth: 8, pages: 1,
      labels: { class: s.meta.manufacturer, camera: s.meta.camera, camera_model: getCamera(s.meta.camera).label, sim_index: String(s.meta.index), sim_field_of_view: String(s.meta.fieldOfView) },
    };
    items.push(item);
    batch.push({ item, thumb: new Blob([thumb.slice()], { type: 'image/png' }), file: new Blob([png.slice()], { type: 'image/png' }) });
    i++;
    if (batch.length >= 20 || i === total) {
      await putItems(db, p.datasetId, batch);
      batch = [];
      meta.itemCount = items.length;
      meta.labelCounts = countLabels(items);
      await putDataset(db, meta);
      ctx.partial({ itemCount: items.length });
    }
    ctx.progress(i, total, s.path);
    await ctx.checkpoint();
  }
  return { datasetId: p.datasetId, itemCount: items.length };
};
