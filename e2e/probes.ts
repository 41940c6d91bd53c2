/**
 * What the reliability tests look at: the model registry, the app's Cache Storage and IndexedDB,
 * and requests that scripts planted in imported files would make if anything ran them.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from '@playwright/test';

const ROOT = resolve(import.meta.dirname, '..');

export const SHIPPED_DETECTOR = resolve(ROOT, 'models/detector-small/detector-small.zip');

export interface RegistryFile { name: string; bytes: number; sha256: string | null; urls: string[] }
export const REGISTRY = JSON.parse(readFileSync(resolve(ROOT, 'models/registry.json'), 'utf8')) as {
  models: { id: string; localPath: string; files: RegistryFile[] }[];
};

export function registryFile(modelId: string, name: string) {
  const model = REGISTRY.models.find((x) => x.id === modelId)!;
  return { model, file: model.files.find((f) => f.name === name)! };
}

/** Keys of the model cache (Cache Storage 'workbench-models', see src/core/models/cache.ts) under `modelId/`. */
export function cachedFiles(page: Page, modelId: string): Promise<string[]> {
  return page.evaluate(async (id) => {
    const cache = await caches.open('workbench-models');
    const origin = 'https://workbench-models.invalid/';
    return (await cache.keys()).map((r) => decodeURIComponent(r.url.slice(origin.length))).filter((k) => k.startsWith(`${id}/`));
  }, modelId);
}

/** Put an entry in the model cache, as an earlier load would have. */
export function putCached(page: Page, key: string): Promise<void> {
  return page.evaluate(async (k) => {
    const cache = await caches.open('workbench-models');
    await cache.put(`https://workbench-models.invalid/${encodeURIComponent(k)}`, new Response(new Uint8Array([1, 2, 3])));
  }, key);
}

/** Primary keys of an object store of the app's IndexedDB database (call once the app has opened it). */
export function storeKeys(page: Page, store: string): Promise<string[]> {
  return page.evaluate((s) => new Promise<string[]>((resolveKeys, reject) => {
    const open = indexedDB.open('cv-workbench');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const req = db.transaction(s).objectStore(s).getAllKeys();
      req.onsuccess = () => { db.close(); resolveKeys(req.result.map(String)); };
      req.onerror = () => { db.close(); reject(req.error); };
    };
  }), store);
}

/**
 * Requests (from the page or its workers) to paths starting with /pwned: the scripts the tests
 * plant in model files and zips fetch such a path, so any entry means one of them ran.
 */
export function watchForPlantedCode(page: Page): string[] {
  const hits: string[] = [];
  page.context().on('request', (r) => { if (new URL(r.url()).pathname.startsWith('/pwned')) hits.push(r.url()); });
  return hits;
}
