/** Datasets in the open project: list, selection, ingestion and relabelling actions. */
import { create } from 'zustand';
import type { DatasetItem, DatasetMeta, FileError, LabelTemplateId } from './types';
import { deleteDataset, getErrors, getItems, listDatasets, openWorkbenchDb, putDataset, updateLabels } from '../storage/db';
import { startJob } from '../jobs/jobStore';
import type { IngestEntry, IngestSummary } from './ingest';
import { countLabels, labelsFromPath } from './labels';
import { joinManifest, parseManifest } from './manifest';

interface DatasetState {
  datasets: DatasetMeta[];
  selectedId: string | null;
  items: DatasetItem[];
  errors: FileError[];
  activeJobId: string | null;
  manifestReport: string[] | null;
  refresh: () => Promise<void>;
  /** Re-read only the datasets' metadata (cheap; used while a job is adding images). */
  refreshList: () => Promise<void>;
  select: (id: string | null) => Promise<void>;
  ingest: (name: string, template: LabelTemplateId, entries: IngestEntry[]) => Promise<IngestSummary | null>;
  generateSynthetic: (perClass?: number, seed?: number) => Promise<void>;
  applyTemplate: (template: LabelTemplateId) => Promise<void>;
  applyManifest: (name: string, text: string) => Promise<void>;
  remove: (id: string) => Promise<void>;
}

const newId = () => `ds-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

export const useDatasets = create<DatasetState>((set, get) => ({
  datasets: [],
  selectedId: null,
  items: [],
  errors: [],
  activeJobId: null,
  manifestReport: null,
  async refresh() {
    const db = await openWorkbenchDb();
    const datasets = await listDatasets(db);
    set({ datasets });
    const sel = get().selectedId;
    if (sel && datasets.some((d) => d.id === sel)) await get().select(sel);
    else if (!sel && datasets.length > 0) await get().select(datasets[datasets.length - 1].id);
  },
  async refreshList() {
    set({ datasets: await listDatasets(await openWorkbenchDb()) });
  },
  async select(id) {
    if (!id) {
      set({ selectedId: null, items: [], errors: [] });
      return;
    }
    const db = await openWorkbenchDb();
    const [items, errors] = await Promise.all([getItems(db, id), getErrors(db, id)]);
    set({ selectedId: id, items, errors, manifestReport: null });
  },
  async ingest(name, template, entries) {
    const datasetId = newId();
    set({ selectedId: datasetId, items: [], errors: [] });
    let last = 0;
    const { id, done } = startJob<{ datasetId: string; name: string; template: LabelTemplateId; entries: IngestEntry[] }, IngestSummary>({
      kind: 'ingest',
      title: `Ingest ${name} (${entries.length} files)`,
      params: { datasetId, name, template, entries },
      onPartial: () => {
        const now = Date.now();
        if (now - last > 700) {
          last = now;
          void get().refreshList();
        }
      },
    });
    set({ activeJobId: id });
    const outcome = await done;
    set({ activeJobId: null });
    await get().refreshList();
    await get().select(datasetId);
    return outcome.status === 'done' ? outcome.result : null;
  },
  async generateSynthetic(perClass = 30, seed) {
    const datasetId = newId();
    const { id, done } = startJob({
      kind: 'synthetic-dataset',
      title: `Generate synthetic shapes (${perClass * 3} images)`,
      params: { datasetId, name: `Synthetic shapes (${perClass}/class)`, perClass, size: 64 },
      seed,
      onPartial: () => void get().refreshList(),
    });
    set({ activeJobId: id, selectedId: datasetId });
    await done;
    set({ activeJobId: null });
    await get().refreshList();
    await get().select(datasetId);
  },
  async applyTemplate(template) {
    const { selectedId, items, datasets } = get();
    if (!selectedId) return;
    const db = await openWorkbenchDb();
    const updates = new Map<number, Record<string, string>>();
    const problems: FileError[] = [];
    const next = items.map((it) => {
      const keep = Object.fromEntries(Object.entries(it.labels).filter(([key]) => key.startsWith('exif_') || key.startsWith('manifest_')));
      const r = labelsFromPath(it.path, template);
      if ('error' in r) problems.push({ path: it.path, reason: `labels: ${r.error}`, severity: 'warning' });
      const labels = { ...keep, ...('labels' in r ? r.labels : {}) };
      updates.set(it.id, labels);
      return { ...it, labels };
    });
    await updateLabels(db, selectedId, updates);
    const meta = datasets.find((d) => d.id === selectedId);
    if (meta) await putDataset(db, { ...meta, template, labelCounts: countLabels(next) });
    set({ items: next, manifestReport: problems.length ? problems.slice(0, 200).map((p) => `${p.path}: ${p.reason}`) : [`Template '${template}' applied to ${items.length} files.`] });
    await get().refreshList();
  },
  async applyManifest(name, text) {
    const { selectedId, items, datasets } = get();
    if (!selectedId) return;
    const parsed = parseManifest(text, name);
    const report: string[] = parsed.problems.map((p) => `${name} line ${p.line}: ${p.message}`);
    if (parsed.rows.size > 0) {
      const joined = joinManifest(items.map((i) => i.path), parsed);
      const updates = new Map<number, Record<string, string>>();
      const next = items.map((it, k) => {
        const extra = joined.labels[k];
        if (!extra) return it;
        const labels = { ...it.labels, ...extra };
        updates.set(it.id, labels);
        return { ...it, labels };
      });
      const db = await openWorkbenchDb();
      await updateLabels(db, selectedId, updates);
      const meta = datasets.find((d) => d.id === selectedId);
      if (meta) await putDataset(db, { ...meta, labelCounts: countLabels(next) });
      report.unshift(`${name}: labelled ${updates.size} of ${items.length} files.`);
      if (joined.unknownInManifest.length) report.push(`${joined.unknownInManifest.length} manifest rows match no file: ${joined.unknownInManifest.slice(0, 10).join(', ')}${joined.unknownInManifest.length > 10 ? ', …' : ''}`);
      if (joined.unlabelled.length) report.push(`${joined.unlabelled.length} files have no manifest row.`);
      set({ items: next });
    }
    set({ manifestReport: report });
    await get().refreshList();
  },
  async remove(id) {
    const db = await openWorkbenchDb();
    await deleteDataset(db, id);
    if (get().selectedId === id) set({ selectedId: null, items: [], errors: [] });
    await get().refresh();
  },
}));
