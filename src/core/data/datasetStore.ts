/** Datasets in the open project: list, selection, ingestion and relabelling actions. */
import { create } from 'zustand';
import type { DatasetItem, DatasetMeta, FileError, LabelTemplateId } from './types';
import { deleteDataset, getErrors, getItems, listDatasets, openWorkbenchDb, putDataset, updateLabels } from '../storage/db';
import { startJob } from '../jobs/jobStore';
import type { JobOutcome } from '../jobs/protocol';
import type { IngestEntry, IngestSummary } from './ingest';
import { countLabels, labelsForPaths } from './labels';
import { joinManifest, parseManifest } from './manifest';

interface DatasetState {
  datasets: DatasetMeta[];
  selectedId: string | null;
  items: DatasetItem[];
  errors: FileError[];
  activeJobId: string | null;
  /** Why the last ingest or generation job failed (e.g. storage full), naming the dataset. */
  jobError: string | null;
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

/**
 * After an ingest or generation job: show the new dataset, or, when the job failed before saving
 * any of it (e.g. storage full), say why and go back to the dataset shown before.
 */
async function finishDatasetJob(outcome: JobOutcome, name: string, datasetId: string, previous: string | null): Promise<void> {
  const st = useDatasets.getState();
  if (outcome.status === 'error') useDatasets.setState({ jobError: `Could not finish '${name}': ${outcome.message}` });
  await st.refreshList();
  const saved = useDatasets.getState().datasets.some((d) => d.id === datasetId);
  await st.select(saved || !previous ? datasetId : previous);
}

const newId = () => `ds-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

export const useDatasets = create<DatasetState>((set, get) => ({
  datasets: [],
  selectedId: null,
  items: [],
  errors: [],
  activeJobId: null,
  jobError: null,
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
    const previous = get().selectedId;
    set({ selectedId: datasetId, items: [], errors: [], jobError: null });
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
    await finishDatasetJob(outcome, name, datasetId, previous);
    return outcome.status === 'done' ? outcome.result : null;
  },
  async generateSynthetic(perClass = 30, seed) {
    const datasetId = newId();
    const previous = get().selectedId;
    const name = `Synthetic shapes (${perClass}/class)`;
    set({ jobError: null });
    const { id, done } = startJob({
      kind: 'synthetic-dataset',
      title: `Generate synthetic shapes (${perClass * 3} images)`,
      params: { datasetId, name, perClass, size: 64 },
      seed,
      onPartial: () => void get().refreshList(),
    });
    set({ activeJobId: id, selectedId: datasetId });
    const outcome = await done;
    set({ activeJobId: null });
    await finishDatasetJob(outcome, name, datasetId, previous);
  },
  async applyTemplate(template) {
    const { selectedId, items, datasets } = get();
    if (!selectedId) return;
    const db = await openWorkbenchDb();
    const updates = new Map<number, Record<string, string>>();
    const problems: FileError[] = [];
    const fromPaths = labelsForPaths(items.map((it) => it.path), template);
    const next = items.map((it, i) => {
      const keep = Object.fromEntries(Object.entries(it.labels).filter(([key]) => key.startsWith('exif_') || key.startsWith('manifest_')));
      const r = fromPaths[i];
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
      for (const a of joined.ambiguous.slice(0, 10)) {
        report.push(a.files.length > 1
          ? `manifest row '${a.row}' fits ${a.files.length} files (${a.files.slice(0, 5).join(', ')}${a.files.length > 5 ? ', …' : ''}); not applied: give more of its folder path.`
          : `manifest row '${a.row}' fits '${a.files[0]}', which another row also fits; not applied: give more of the file's folder path.`);
      }
      if (joined.ambiguous.length > 10) report.push(`… and ${joined.ambiguous.length - 10} more ambiguous manifest rows.`);
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
