/**
 * IndexedDB persistence for the open project: settings, datasets (metadata, items, thumbnails and
 * the original file bytes, so pipelines can re-read pixels after a reload), checkpoints, job
 * records and results (each with its seed). Wrapped with `idb`. Works on the main thread and in
 * workers; tests run it on fake-indexeddb.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { DatasetItem, DatasetMeta, FileError } from '../data/types';

export const DB_NAME = 'cv-workbench';
export const DB_VERSION = 2;

export interface CheckpointRecord {
  id: string;
  name: string;
  pipeline: string;
  createdAt: number;
  /** tfjs model artifacts as a zip (model.json + weights.bin). */
  zip: Blob;
  meta: Record<string, unknown>;
}

export interface JobRecord {
  id: string;
  kind: string;
  title: string;
  /** 'interrupted': it was running when the page closed or reloaded (set when the project reopens). */
  status: 'queued' | 'running' | 'done' | 'error' | 'cancelled' | 'interrupted';
  seed: number;
  params: unknown;
  startedAt: number;
  endedAt?: number;
  message?: string;
  fraction: number;
  result?: unknown;
}

/**
 * Cached CNN features of a dataset: one row per ingested item, keyed by what produced them
 * (dataset, backbone, layers, preprocessing), so re-running an analysis never re-extracts.
 */
export interface FeatureRecord {
  /** Cache key: see phenotype/features cacheKey(). */
  key: string;
  datasetId: string;
  createdAt: number;
  /** Backbone, layers, preprocessing and model hashes, as recorded with the result. */
  spec: Record<string, unknown>;
  /** Dataset item ids, in row order. */
  itemIds: number[];
  /** Per-layer channel counts, in concatenation order. */
  layerDims: { name: string; channels: number }[];
  n: number;
  dim: number;
  /** n × dim row-major. */
  data: Float32Array;
  /** Items that could not be featurised, with the reason. */
  failures: { id: number; path: string; reason: string }[];
}

export interface ResultRecord {
  id: string;
  pipeline: string;
  kind: string;
  createdAt: number;
  seed: number;
  params: unknown;
  data: unknown;
}

interface WorkbenchDB extends DBSchema {
  settings: { key: string; value: unknown };
  datasets: { key: string; value: DatasetMeta };
  items: { key: [string, number]; value: DatasetItem & { datasetId: string }; indexes: { byDataset: string } };
  errors: { key: [string, number]; value: FileError & { datasetId: string; seq: number }; indexes: { byDataset: string } };
  thumbs: { key: [string, number]; value: Blob };
  files: { key: [string, number]; value: Blob };
  checkpoints: { key: string; value: CheckpointRecord };
  jobs: { key: string; value: JobRecord };
  results: { key: string; value: ResultRecord };
  features: { key: string; value: FeatureRecord; indexes: { byDataset: string } };
}

export type WorkbenchDb = IDBPDatabase<WorkbenchDB>;

let dbPromise: Promise<WorkbenchDb> | null = null;

export function openWorkbenchDb(name = DB_NAME): Promise<WorkbenchDb> {
  if (name !== DB_NAME) return open(name);
  dbPromise ??= open(name);
  return dbPromise;
}

function open(name: string): Promise<WorkbenchDb> {
  return openDB<WorkbenchDB>(name, DB_VERSION, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) createV1Stores(db);
      if (oldVersion < 2) db.createObjectStore('features', { keyPath: 'key' }).createIndex('byDataset', 'datasetId');
    },
  });
}

function createV1Stores(db: IDBPDatabase<WorkbenchDB>): void {
  db.createObjectStore('settings');
  db.createObjectStore('datasets', { keyPath: 'id' });
  db.createObjectStore('items', { keyPath: ['datasetId', 'id'] }).createIndex('byDataset', 'datasetId');
  db.createObjectStore('errors', { keyPath: ['datasetId', 'seq'] }).createIndex('byDataset', 'datasetId');
  db.createObjectStore('thumbs');
  db.createObjectStore('files');
  db.createObjectStore('checkpoints', { keyPath: 'id' });
  db.createObjectStore('jobs', { keyPath: 'id' });
  db.createObjectStore('results', { keyPath: 'id' });
}

/** Thrown when the browser refuses to store more (quota); the message says what was not saved. */
export class StorageFullError extends Error {
  constructor(what: string, cause: unknown) {
    const message = (cause as { message?: unknown } | null)?.message;
    const detail = typeof message === 'string' ? message : String(cause ?? '');
    super(`Storage is full: could not save ${what}. Free space by deleting datasets or checkpoints.${detail ? ` (${detail})` : ''}`);
    this.name = 'StorageFullError';
  }
}

export function isQuotaError(e: unknown): boolean {
  const name = (e as { name?: string })?.name ?? '';
  return name === 'QuotaExceededError' || /quota/i.test((e as Error)?.message ?? '');
}

async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isQuotaError(e)) throw new StorageFullError(what, e);
    throw e;
  }
}

export async function getSetting<T>(db: WorkbenchDb, key: string, fallback: T): Promise<T> {
  const v = await db.get('settings', key);
  return v === undefined ? fallback : (v as T);
}

export function putSetting(db: WorkbenchDb, key: string, value: unknown): Promise<string> {
  return guard(`setting '${key}'`, () => db.put('settings', value, key));
}

export function putDataset(db: WorkbenchDb, meta: DatasetMeta): Promise<string> {
  return guard(`dataset '${meta.name}'`, () => db.put('datasets', meta));
}

export async function listDatasets(db: WorkbenchDb): Promise<DatasetMeta[]> {
  return (await db.getAll('datasets')).sort((a, b) => a.createdAt - b.createdAt);
}

/** Store a batch of ingested items (metadata, thumbnail, original bytes) in one transaction. */
export async function putItems(
  db: WorkbenchDb,
  datasetId: string,
  batch: { item: DatasetItem; thumb?: Blob; file?: Blob }[],
): Promise<void> {
  await guard(`${batch.length} images of dataset ${datasetId}`, async () => {
    const tx = db.transaction(['items', 'thumbs', 'files'], 'readwrite');
    for (const { item, thumb, file } of batch) {
      void tx.objectStore('items').put({ ...item, datasetId });
      if (thumb) void tx.objectStore('thumbs').put(thumb, [datasetId, item.id]);
      if (file) void tx.objectStore('files').put(file, [datasetId, item.id]);
    }
    await tx.done;
  });
}

export async function putErrors(db: WorkbenchDb, datasetId: string, errors: (FileError & { seq: number })[]): Promise<void> {
  if (errors.length === 0) return;
  await guard(`error list of dataset ${datasetId}`, async () => {
    const tx = db.transaction('errors', 'readwrite');
    for (const e of errors) void tx.store.put({ ...e, datasetId });
    await tx.done;
  });
}

export async function getItems(db: WorkbenchDb, datasetId: string): Promise<DatasetItem[]> {
  const rows = await db.getAllFromIndex('items', 'byDataset', datasetId);
  return rows.map(({ datasetId: _d, ...item }) => item).sort((a, b) => a.id - b.id);
}

export async function getErrors(db: WorkbenchDb, datasetId: string): Promise<FileError[]> {
  const rows = await db.getAllFromIndex('errors', 'byDataset', datasetId);
  // Severity must survive the round trip: without it a warning reads as an error.
  return rows.sort((a, b) => a.seq - b.seq).map(({ path, reason, severity }) => (severity ? { path, reason, severity } : { path, reason }));
}

export function getThumb(db: WorkbenchDb, datasetId: string, id: number): Promise<Blob | undefined> {
  return db.get('thumbs', [datasetId, id]);
}

export function getFile(db: WorkbenchDb, datasetId: string, id: number): Promise<Blob | undefined> {
  return db.get('files', [datasetId, id]);
}

/** Update labels of many items (after a manifest join or a template change). */
export async function updateLabels(db: WorkbenchDb, datasetId: string, labels: Map<number, Record<string, string>>): Promise<void> {
  await guard(`labels of dataset ${datasetId}`, async () => {
    const tx = db.transaction('items', 'readwrite');
    for (const [id, l] of labels) {
      const row = await tx.store.get([datasetId, id]);
      if (row) await tx.store.put({ ...row, labels: l });
    }
    await tx.done;
  });
}

export async function deleteDataset(db: WorkbenchDb, datasetId: string): Promise<void> {
  const range = IDBKeyRange.bound([datasetId, -Infinity], [datasetId, Infinity]);
  const tx = db.transaction(['datasets', 'items', 'errors', 'thumbs', 'files', 'features'], 'readwrite');
  for (const key of await tx.objectStore('features').index('byDataset').getAllKeys(datasetId)) void tx.objectStore('features').delete(key);
  void tx.objectStore('datasets').delete(datasetId);
  void tx.objectStore('items').delete(range);
  void tx.objectStore('errors').delete(range);
  void tx.objectStore('thumbs').delete(range);
  void tx.objectStore('files').delete(range);
  await tx.done;
}

export function putCheckpoint(db: WorkbenchDb, c: CheckpointRecord): Promise<string> {
  return guard(`checkpoint '${c.name}'`, () => db.put('checkpoints', c));
}

export function getCheckpoint(db: WorkbenchDb, id: string): Promise<CheckpointRecord | undefined> {
  return db.get('checkpoints', id);
}

export async function listCheckpoints(db: WorkbenchDb): Promise<CheckpointRecord[]> {
  return (await db.getAll('checkpoints')).sort((a, b) => b.createdAt - a.createdAt);
}

export function putJob(db: WorkbenchDb, j: JobRecord): Promise<string> {
  return guard(`job record '${j.title}'`, () => db.put('jobs', j));
}

export async function listJobs(db: WorkbenchDb): Promise<JobRecord[]> {
  return (await db.getAll('jobs')).sort((a, b) => b.startedAt - a.startedAt);
}

export function putResult(db: WorkbenchDb, r: ResultRecord): Promise<string> {
  return guard(`result '${r.kind}'`, () => db.put('results', r));
}

export async function listResults(db: WorkbenchDb, pipeline?: string): Promise<ResultRecord[]> {
  const all = await db.getAll('results');
  return all.filter((r) => !pipeline || r.pipeline === pipeline).sort((a, b) => b.createdAt - a.createdAt);
}

export function putFeatures(db: WorkbenchDb, f: FeatureRecord): Promise<string> {
  return guard(`features of dataset ${f.datasetId} (${f.n}×${f.dim})`, () => db.put('features', f));
}

export function getFeatures(db: WorkbenchDb, key: string): Promise<FeatureRecord | undefined> {
  return db.get('features', key);
}

/** Feature sets of one dataset, newest first. */
export async function listFeatures(db: WorkbenchDb, datasetId: string): Promise<FeatureRecord[]> {
  return (await db.getAllFromIndex('features', 'byDataset', datasetId)).sort((a, b) => b.createdAt - a.createdAt);
}
