/** Building the panel's profile table from cached CNN features and the dataset's items. */
import type { DatasetItem } from '../../../core/data/types';
import type { FeatureRecord } from '../../../core/storage/db';
import type { ProfileTable } from './phenotypeStore';

/** Metadata columns in a stable order: plate layout first, then treatment, then the rest by name. */
const PREFERRED = ['plate', 'well', 'row', 'column', 'site', 'channel', 'compound', 'concentration', 'moa', 'phenotype'];

export function orderColumns(keys: Iterable<string>): string[] {
  const all = [...new Set(keys)];
  const rank = (k: string) => {
    const i = PREFERRED.indexOf(k.toLowerCase());
    return i < 0 ? PREFERRED.length : i;
  };
  return all.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * One row per featurised item, with the item's labels (plate metadata, joined CSV columns) as
 * metadata; items the features job could not read are absent (their reasons are in the record).
 */
export function profileFromFeatures(record: FeatureRecord, items: readonly DatasetItem[], datasetName: string): ProfileTable {
  const byId = new Map(items.map((i) => [i.id, i]));
  const metadata = record.itemIds.map((id) => Object.fromEntries(Object.entries(byId.get(id)?.labels ?? {}).filter(([k]) => !k.startsWith('exif_'))));
  const labels = record.itemIds.map((id) => byId.get(id)?.path ?? `item ${id}`);
  const featureNames: string[] = [];
  for (const l of record.layerDims) for (let c = 0; c < l.channels; c++) featureNames.push(`${l.name}_${c}`);
  const notes = record.failures.length > 0 ? [`${record.failures.length} image(s) could not be featurised: ${record.failures.slice(0, 5).map((f) => `${f.path} (${f.reason})`).join('; ')}${record.failures.length > 5 ? ' …' : ''}`] : [];
  return {
    name: datasetName,
    kind: 'features',
    datasetId: record.datasetId,
    featureKey: record.key,
    n: record.n,
    d: record.dim,
    data: record.data,
    featureNames: featureNames.length === record.dim ? featureNames : undefined,
    itemIds: [...record.itemIds],
    labels,
    metadata,
    columns: orderColumns(metadata.flatMap((m) => Object.keys(m))),
    notes,
    spec: { ...record.spec, featureKey: record.key },
  };
}
