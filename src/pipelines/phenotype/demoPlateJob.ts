/**
 * Job 'phenotype-demo-plate': renders the built-in synthetic screening plate (demo/plate.ts) into a
 * dataset, so the phenotype panel works without user files. Each image is stored as a PNG with
 * its plate metadata (plate, well, site, compound, concentration, MoA and the generating
 * phenotype) as labels; the plate seed is recorded on the dataset.
 */
import { encode as encodePng } from 'fast-png';
import type { JobHandler } from '../../core/jobs/protocol';
import { countLabels } from '../../core/data/labels';
import type { DatasetItem, DatasetMeta } from '../../core/data/types';
import { openWorkbenchDb, putDataset, putItems } from '../../core/storage/db';
import { demoImageCount, generateDemoImage, type DemoPlateOptions } from './demo/plate';

export interface DemoPlateParams {
  datasetId: string;
  name: string;
  options: DemoPlateOptions;
}

/** Dataset labels of one demo image. */
export function demoLabels(m: { plate: string; well: string; site: number; compound: string; concentration: number; moa: string; phenotype: string }): Record<string, string> {
  return { plate: m.plate, well: m.well, site: String(m.site), compound: m.compound, concentration: String(m.concentration), moa: m.moa, phenotype: m.phenotype };
}

export const demoPlateJob: JobHandler<DemoPlateParams, { datasetId: string; itemCount: number }> = async (p, ctx) => {
  const db = await openWorkbenchDb();
  const options = { ...p.options, seed: p.options.seed ?? ctx.seed };
  const total = demoImageCount(options);
  const meta: DatasetMeta = {
    id: p.datasetId, name: p.name, createdAt: Date.now(), template: 'none', itemCount: 0, errorCount: 0, labelCounts: {}, source: 'synthetic', seed: options.seed,
  };
  const items: DatasetItem[] = [];
  let batch: { item: DatasetItem; thumb: Blob; file: Blob }[] = [];
  for (let i = 0; i < total; i++) {
    const img = generateDemoImage(options, i);
    const png = new Blob([encodePng({ width: img.width, height: img.height, channels: 4, depth: 8, data: img.rgb }).slice()], { type: 'image/png' });
    const item: DatasetItem = {
      id: i, path: img.fileName, bytes: png.size, format: 'png', width: img.width, height: img.height, channels: 4, bitDepth: 8, pages: 1,
      labels: demoLabels(img.metadata),
    };
    items.push(item);
    batch.push({ item, thumb: png, file: png });
    if (batch.length >= 48 || i === total - 1) {
      await putItems(db, p.datasetId, batch);
      batch = [];
      meta.itemCount = items.length;
      meta.labelCounts = countLabels(items);
      await putDataset(db, meta);
      ctx.partial({ itemCount: items.length });
    }
    ctx.progress(i + 1, total, `Rendering ${img.fileName}`);
    await ctx.checkpoint();
  }
  return { datasetId: p.datasetId, itemCount: items.length };
};
