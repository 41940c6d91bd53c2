/**
 * Storage for verified model files. Keys are `<model id>/<file name>#<hash>`: a registry update
 * that changes a hash never serves stale bytes, and a whole model can be purged by id prefix.
 */

export interface ModelCache {
  get(key: string): Promise<ArrayBuffer | undefined>;
  put(key: string, data: ArrayBuffer): Promise<void>;
  delete(key: string): Promise<boolean>;
  keys(): Promise<string[]>;
}

export function cacheKey(modelId: string, fileName: string, hash: string): string {
  return `${modelId}/${fileName}#${hash}`;
}

/** Remove every cached file of a model; returns how many entries went. */
export async function purgeModel(cache: ModelCache, modelId: string): Promise<number> {
  const prefix = `${modelId}/`;
  const keys = (await cache.keys()).filter((k) => k.startsWith(prefix));
  await Promise.all(keys.map((k) => cache.delete(k)));
  return keys.length;
}

/** In-memory cache for tests and for environments without Cache Storage. */
export class MemoryModelCache implements ModelCache {
  private readonly map = new Map<string, ArrayBuffer>();

  async get(key: string): Promise<ArrayBuffer | undefined> {
    const v = this.map.get(key);
    return v ? v.slice(0) : undefined; // copies: callers may transfer/detach what they get
  }

  async put(key: string, data: ArrayBuffer): Promise<void> {
    this.map.set(key, data.slice(0));
  }

  async delete(key: string): Promise<boolean> {
    return this.map.delete(key);
  }

  async keys(): Promise<string[]> {
    return [...this.map.keys()];
  }
}

// Cache Storage only accepts http(s) request URLs; this host is reserved (RFC 2606) and never fetched.
const KEY_ORIGIN = 'https://workbench-models.invalid/';

/** Cache Storage (`caches.open('workbench-models')`), shared by the page and its workers. */
export class CacheStorageModelCache implements ModelCache {
  private cache: Promise<Cache> | undefined;

  constructor(private readonly cacheName = 'workbench-models') {}

  private open(): Promise<Cache> {
    if (typeof caches === 'undefined') throw new Error('Cache Storage is unavailable in this environment');
    this.cache ??= caches.open(this.cacheName);
    return this.cache;
  }

  async get(key: string): Promise<ArrayBuffer | undefined> {
    const res = await (await this.open()).match(KEY_ORIGIN + encodeURIComponent(key));
    return res ? res.arrayBuffer() : undefined;
  }

  async put(key: string, data: ArrayBuffer): Promise<void> {
    const res = new Response(data, { headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(data.byteLength) } });
    await (await this.open()).put(KEY_ORIGIN + encodeURIComponent(key), res);
  }

  async delete(key: string): Promise<boolean> {
    return (await this.open()).delete(KEY_ORIGIN + encodeURIComponent(key));
  }

  async keys(): Promise<string[]> {
    const reqs = await (await this.open()).keys();
    return reqs.filter((r) => r.url.startsWith(KEY_ORIGIN)).map((r) => decodeURIComponent(r.url.slice(KEY_ORIGIN.length)));
  }
}

/** Cache Storage where the platform has it (browsers, workers), otherwise memory. */
export function defaultModelCache(): ModelCache {
  return typeof caches !== 'undefined' ? new CacheStorageModelCache() : new MemoryModelCache();
}
