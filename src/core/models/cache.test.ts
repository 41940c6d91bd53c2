import { afterEach, describe, expect, it, vi } from 'vitest';
import { cacheKey, CacheStorageModelCache, defaultModelCache, MemoryModelCache, purgeModel } from './cache';

/** Minimal Cache Storage: one named cache over a Map of request URL -> Response. */
function fakeCaches() {
  const store = new Map<string, Response>();
  const names: string[] = [];
  const cache = {
    match: async (url: string) => store.get(url)?.clone(),
    put: async (url: string, res: Response) => { store.set(url, res); },
    delete: async (url: string) => store.delete(url),
    keys: async () => [...store.keys()].map((url) => ({ url })),
  };
  return { store, names, caches: { open: async (name: string) => { names.push(name); return cache; } } };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('model caches', () => {
  it('MemoryModelCache stores copies, lists and purges by model id', async () => {
    const c = new MemoryModelCache();
    const data = new Uint8Array([1, 2, 3]);
    await c.put(cacheKey('m1', 'a.bin', 'aa'), data.buffer);
    data[0] = 9; // the cache kept its own copy
    await c.put(cacheKey('m1', 'b.bin', 'bb'), new ArrayBuffer(1));
    await c.put(cacheKey('m10', 'a.bin', 'cc'), new ArrayBuffer(1));
    expect([...new Uint8Array((await c.get('m1/a.bin#aa')) as ArrayBuffer)]).toEqual([1, 2, 3]);
    expect(await purgeModel(c, 'm1')).toBe(2);
    expect(await c.keys()).toEqual(['m10/a.bin#cc']); // 'm10' is not a prefix match of 'm1/'
  });

  it('CacheStorageModelCache round-trips keys through request URLs of the workbench-models cache', async () => {
    const fake = fakeCaches();
    vi.stubGlobal('caches', fake.caches);
    expect(defaultModelCache()).toBeInstanceOf(CacheStorageModelCache);
    const c = new CacheStorageModelCache();
    await c.put('tiny-darknet/model.json#ab', new Uint8Array([7, 8]).buffer);
    expect(fake.names[0]).toBe('workbench-models');
    expect([...fake.store.keys()]).toEqual(['https://workbench-models.invalid/tiny-darknet%2Fmodel.json%23ab']);
    expect([...new Uint8Array((await c.get('tiny-darknet/model.json#ab')) as ArrayBuffer)]).toEqual([7, 8]);
    expect(await c.get('missing')).toBeUndefined();
    expect(await c.keys()).toEqual(['tiny-darknet/model.json#ab']);
    expect(await c.delete('tiny-darknet/model.json#ab')).toBe(true);
    expect(await c.keys()).toEqual([]);
  });

  it('falls back to memory without Cache Storage', () => {
    expect(typeof caches).toBe('undefined');
    expect(defaultModelCache()).toBeInstanceOf(MemoryModelCache);
  });
});
