import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openDB } from 'idb';
import {
  getFeatures, listFeatures, putFeatures, type FeatureRecord,
  deleteDataset, getErrors, getFile, getItems, getSetting, getThumb, isQuotaError, listDatasets,
  openWorkbenchDb, putDataset, putErrors, putItems, putSetting, updateLabels,
  StorageFullError, putCheckpoint, listCheckpoints,
} from './db';
import type { DatasetItem, DatasetMeta } from '../data/types';

const meta = (id: string, createdAt: number): DatasetMeta => ({
  id, name: id, createdAt, template: 'class', itemCount: 2, errorCount: 1, labelCounts: {}, source: 'folder',
});
const item = (id: number, cls: string): DatasetItem => ({
  id, path: `${cls}/${id}.png`, bytes: 10, format: 'png', width: 4, height: 4, channels: 4, bitDepth: 8, pages: 1, labels: { class: cls },
});

describe('workbench db', () => {
  it('round-trips settings, datasets, items, thumbnails, files and errors, isolated per dataset', async () => {
    const db = await openWorkbenchDb('test-db-1');
    expect(await getSetting(db, 'backend', 'auto')).toBe('auto');
    await putSetting(db, 'backend', 'cpu');
    expect(await getSetting(db, 'backend', 'auto')).toBe('cpu');

    await putDataset(db, meta('b', 2));
    await putDataset(db, meta('a', 1));
    expect((await listDatasets(db)).map((d) => d.id)).toEqual(['a', 'b']);

    await putItems(db, 'a', [
      { item: item(1, 'cat'), thumb: new Blob(['t1']), file: new Blob(['f1']) },
      { item: item(0, 'dog'), thumb: new Blob(['t0']) },
    ]);
    await putItems(db, 'b', [{ item: item(0, 'x') }]);
    await putErrors(db, 'a', [
      { seq: 1, path: 'z.png', reason: 'truncated' },
      { seq: 0, path: 'y.txt', reason: 'not an image' },
      { seq: 2, path: 'p.jpg', reason: 'content is PNG but extension is .jpg', severity: 'warning' },
    ]);

    const items = await getItems(db, 'a');
    expect(items.map((i) => [i.id, i.labels.class])).toEqual([[0, 'dog'], [1, 'cat']]);
    expect('datasetId' in items[0]).toBe(false);
    expect(await (await getThumb(db, 'a', 1))!.text()).toBe('t1');
    expect(await (await getFile(db, 'a', 1))!.text()).toBe('f1');
    expect(await getFile(db, 'a', 0)).toBeUndefined();
    expect(await getErrors(db, 'a')).toEqual([
      { path: 'y.txt', reason: 'not an image' },
      { path: 'z.png', reason: 'truncated' },
      { path: 'p.jpg', reason: 'content is PNG but extension is .jpg', severity: 'warning' },
    ]);

    await updateLabels(db, 'a', new Map([[0, { class: 'wolf' }]]));
    expect((await getItems(db, 'a'))[0].labels).toEqual({ class: 'wolf' });

    await deleteDataset(db, 'a');
    expect(await getItems(db, 'a')).toEqual([]);
    expect(await getThumb(db, 'a', 1)).toBeUndefined();
    expect((await getItems(db, 'b')).length).toBe(1);
    expect((await listDatasets(db)).map((d) => d.id)).toEqual(['b']);
  });

  it('stores feature sets per dataset and deletes them with their dataset', async () => {
    const db = await openWorkbenchDb('test-db-2');
    const rec = (key: string, datasetId: string, createdAt: number): FeatureRecord => ({
      key, datasetId, createdAt, spec: { backbone: 'mobilenet-v1' }, itemIds: [0, 1], layerDims: [{ name: 'l', channels: 3 }],
      n: 2, dim: 3, data: Float32Array.from([1, 2, 3, 4, 5, 6]), failures: [],
    });
    await putFeatures(db, rec('k1', 'a', 1));
    await putFeatures(db, rec('k2', 'a', 2));
    await putFeatures(db, rec('k3', 'b', 3));
    expect((await listFeatures(db, 'a')).map((f) => f.key)).toEqual(['k2', 'k1']);
    expect(Array.from((await getFeatures(db, 'k1'))!.data)).toEqual([1, 2, 3, 4, 5, 6]);
    await deleteDataset(db, 'a');
    expect(await listFeatures(db, 'a')).toEqual([]);
    expect((await listFeatures(db, 'b')).length).toBe(1);
  });

  it('upgrades a version-1 database in place, keeping its data', async () => {
    const v1 = await openDB('test-db-3', 1, {
      upgrade(db) {
        for (const s of ['settings', 'thumbs', 'files']) db.createObjectStore(s);
        for (const s of ['datasets', 'checkpoints', 'jobs', 'results']) db.createObjectStore(s, { keyPath: 'id' });
        db.createObjectStore('items', { keyPath: ['datasetId', 'id'] }).createIndex('byDataset', 'datasetId');
        db.createObjectStore('errors', { keyPath: ['datasetId', 'seq'] }).createIndex('byDataset', 'datasetId');
      },
    });
    await v1.put('datasets', meta('old', 1));
    v1.close();
    const db = await openWorkbenchDb('test-db-3');
    expect((await listDatasets(db)).map((d) => d.id)).toEqual(['old']);
    expect(await listFeatures(db, 'old')).toEqual([]);
  });

  it('recognises quota errors', () => {
    expect(isQuotaError(Object.assign(new Error('x'), { name: 'QuotaExceededError' }))).toBe(true);
    expect(isQuotaError(new Error('The quota has been exceeded.'))).toBe(true);
    expect(isQuotaError(new Error('other'))).toBe(false);
  });

  it('turns a quota failure into a message naming what was not saved, and keeps what was saved', async () => {
    const db = await openWorkbenchDb('test-db-quota');
    const ckpt = (id: string, name: string) => ({ id, name, pipeline: 'detection', createdAt: 1, zip: new Blob(['zip']), meta: {} });
    await putCheckpoint(db, ckpt('a', 'first'));
    // Browsers report a full disk as a DOMException named QuotaExceededError, often with no message.
    const put = db.put.bind(db);
    db.put = (() => Promise.reject(new DOMException('', 'QuotaExceededError'))) as typeof db.put;
    try {
      const err = await putCheckpoint(db, ckpt('b', 'second run, step 4')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageFullError);
      expect((err as Error).message).toBe("Storage is full: could not save checkpoint 'second run, step 4'. Free space by deleting datasets or checkpoints.");
      await expect(putSetting(db, 'settings', {})).rejects.toThrow("could not save setting 'settings'");
      // Other failures pass through unchanged.
      db.put = (() => Promise.reject(new DOMException('bad key', 'DataError'))) as typeof db.put;
      await expect(putCheckpoint(db, ckpt('c', 'third'))).rejects.toThrow('bad key');
    } finally {
      db.put = put;
    }
    expect((await listCheckpoints(db)).map((c) => c.name)).toEqual(['first']);
  });
});
