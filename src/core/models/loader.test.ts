import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { MemoryModelCache } from './cache';
import { joinUrl, loadModelFiles, ModelLoadError, type LoadProgress } from './loader';
import type { ModelEntry } from './registry';

const A = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
const B = new Uint8Array([11, 12, 13, 14, 15, 16]);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

function toyEntry(overrides: Partial<ModelEntry['files'][number]>[] = []): ModelEntry {
  const files = [
    { name: 'a.bin', bytes: 10, sha256: sha(A), urls: ['https://m1.test/toy/a.bin', 'https://m2.test/toy/a.bin'] },
    { name: 'b.bin', bytes: 6, sha256: sha(B), urls: ['https://m1.test/toy/b.bin'] },
  ].map((f, i) => ({ ...f, ...overrides[i] }));
  return { id: 'toy', name: 'Toy', task: 'classification', format: 'tfjs-layers', licence: 'none', description: 'test', localPath: 'toy', inputs: [{ shape: [1] }], files };
}

/** Serves `routes` in `chunk`-byte pieces; a route may be a status code or an Error to throw. */
function fakeFetch(routes: Record<string, Uint8Array | number | Error>, chunk = 4) {
  const calls: string[] = [];
  const fetchImpl = async (url: string, init?: RequestInit): Promise<Response> => {
    calls.push(url);
    const r = routes[url];
    if (r === undefined) return new Response('not found', { status: 404, statusText: 'Not Found' });
    if (r instanceof Error) throw r;
    if (typeof r === 'number') return new Response('err', { status: r, statusText: 'Err' });
    let i = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (init?.signal?.aborted) { c.error(init.signal.reason); return; }
        if (i >= r.length) { c.close(); return; }
        c.enqueue(r.slice(i, i + chunk));
        i += chunk;
      },
    });
    return new Response(body, { status: 200 });
  };
  return { fetchImpl, calls };
}

const bytesOf = (buf: ArrayBuffer | undefined) => [...new Uint8Array(buf ?? new ArrayBuffer(0))];

describe('loadModelFiles (official URLs)', () => {
  it('streams, verifies, reports progress per file and overall, and caches', async () => {
    const { fetchImpl, calls } = fakeFetch({ 'https://m1.test/toy/a.bin': A, 'https://m1.test/toy/b.bin': B });
    const cache = new MemoryModelCache();
    const events: LoadProgress[] = [];
    const files = await loadModelFiles(toyEntry(), { kind: 'official' }, { fetchImpl, cache, concurrency: 1, onProgress: (p) => events.push(p) });

    expect([...files.keys()]).toEqual(['a.bin', 'b.bin']);
    expect(bytesOf(files.get('a.bin'))).toEqual([...A]);
    expect(bytesOf(files.get('b.bin'))).toEqual([...B]);
    expect(calls).toEqual(['https://m1.test/toy/a.bin', 'https://m1.test/toy/b.bin']);
    expect(events.map((e) => [e.file, e.phase, e.fileLoaded, e.fileTotal, e.loaded, e.total])).toEqual([
      ['a.bin', 'download', 4, 10, 4, 16],
      ['a.bin', 'download', 8, 10, 8, 16],
      ['a.bin', 'download', 10, 10, 10, 16],
      ['a.bin', 'verified', 10, 10, 10, 16],
      ['b.bin', 'download', 4, 6, 14, 16],
      ['b.bin', 'download', 6, 6, 16, 16],
      ['b.bin', 'verified', 6, 6, 16, 16],
    ]);
    expect((await cache.keys()).sort()).toEqual([`toy/a.bin#${sha(A)}`, `toy/b.bin#${sha(B)}`]);

    // A second load is served from the cache without any request.
    const again = fakeFetch({});
    const phases: string[] = [];
    const cached = await loadModelFiles(toyEntry(), { kind: 'official' }, { fetchImpl: again.fetchImpl, cache, concurrency: 1, onProgress: (p) => phases.push(`${p.file}:${p.phase}:${p.loaded}`) });
    expect(again.calls).toEqual([]);
    expect(bytesOf(cached.get('b.bin'))).toEqual([...B]);
    expect(phases).toEqual(['a.bin:cache:10', 'b.bin:cache:16']);
  });

  it('rejects a hash mismatch naming file, expected and actual hash, and leaves nothing cached', async () => {
    const bad = new Uint8Array([11, 12, 13, 14, 15, 99]);
    const { fetchImpl } = fakeFetch({ 'https://m1.test/toy/a.bin': A, 'https://m1.test/toy/b.bin': bad });
    const cache = new MemoryModelCache();
    await cache.put(`toy/old.bin#${sha(A)}`, A.buffer); // stale entry of the same model: purged too
    await cache.put('other/x.bin#00', A.buffer); // other models are untouched
    const err = await loadModelFiles(toyEntry(), { kind: 'official' }, { fetchImpl, cache, concurrency: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    const e = err as ModelLoadError;
    expect(e.code).toBe('integrity');
    expect(e.fileName).toBe('b.bin');
    expect(e.message).toBe(`sha256 mismatch for "b.bin" (model toy) from https://m1.test/toy/b.bin: expected ${sha(B)}, got ${sha(bad)}`);
    expect(await cache.keys()).toEqual(['other/x.bin#00']);
  });

  it('rejects a truncated body and an oversized one', async () => {
    const short = fakeFetch({ 'https://m1.test/toy/b.bin': B.slice(0, 5) });
    await expect(loadModelFiles(toyEntry(), { kind: 'official' }, { fetchImpl: short.fetchImpl, only: ['b.bin'] }))
      .rejects.toThrow('"b.bin" from https://m1.test/toy/b.bin is truncated: got 5 of 6 bytes');
    const long = fakeFetch({ 'https://m1.test/toy/b.bin': new Uint8Array(9) });
    await expect(loadModelFiles(toyEntry(), { kind: 'official' }, { fetchImpl: long.fetchImpl, only: ['b.bin'] }))
      .rejects.toMatchObject({ code: 'oversize', fileName: 'b.bin' });
  });

  it('names an HTML page served in place of a model file (a web app\'s fallback) instead of calling it truncated', async () => {
    const fetchImpl = async () => new Response('<!doctype html><title>app</title>', { status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8' } });
    await expect(loadModelFiles(toyEntry(), { kind: 'baseUrl', url: '/local-models' }, { fetchImpl, only: ['b.bin'] })).rejects.toMatchObject({
      code: 'missing', fileName: 'b.bin', message: '"b.bin": /local-models/toy/b.bin answered with an HTML page, not the model file (no such file on that server?)',
    });
  });

  it('falls back to the next URL when one fails, and reports every failure when all do', async () => {
    const ok = fakeFetch({ 'https://m1.test/toy/a.bin': new TypeError('connection reset'), 'https://m2.test/toy/a.bin': A });
    const files = await loadModelFiles(toyEntry(), { kind: 'official' }, { fetchImpl: ok.fetchImpl, only: ['a.bin'] });
    expect(ok.calls).toEqual(['https://m1.test/toy/a.bin', 'https://m2.test/toy/a.bin']);
    expect(bytesOf(files.get('a.bin'))).toEqual([...A]);

    const bad = fakeFetch({ 'https://m1.test/toy/a.bin': 503, 'https://m2.test/toy/a.bin': A.slice(0, 3) });
    const err = (await loadModelFiles(toyEntry(), { kind: 'official' }, { fetchImpl: bad.fetchImpl, only: ['a.bin'] }).catch((e: unknown) => e)) as ModelLoadError;
    expect(err.code).toBe('all-sources-failed');
    expect(err.attempts.map((a) => a.code)).toEqual(['http', 'truncated']);
    expect(err.message).toBe('Could not load "a.bin" (model toy) from any of 2 URLs:\n'
      + '  - "a.bin": HTTP 503 Err from https://m1.test/toy/a.bin\n'
      + '  - "a.bin" from https://m2.test/toy/a.bin is truncated: got 3 of 10 bytes');
  });

  it('refuses a file without a known hash before any request, unless one is supplied', async () => {
    const entry = toyEntry([{}, { sha256: null, note: 'not published' }]);
    const { fetchImpl, calls } = fakeFetch({ 'https://m1.test/toy/a.bin': A, 'https://m1.test/toy/b.bin': B });
    await expect(loadModelFiles(entry, { kind: 'official' }, { fetchImpl })).rejects.toMatchObject({ code: 'no-hash', fileName: 'b.bin' });
    expect(calls).toEqual([]);
    const files = await loadModelFiles(entry, { kind: 'official' }, { fetchImpl, sha256Overrides: { 'b.bin': sha(B).toUpperCase() } });
    expect(bytesOf(files.get('b.bin'))).toEqual([...B]);
  });

  it('verifies the official MD5 where no SHA-256 is known', async () => {
    const { fetchImpl } = fakeFetch({ 'https://m1.test/toy/b.bin': B });
    const good = toyEntry([{}, { sha256: null, note: 'md5 only', md5: md5(B) }]);
    expect(bytesOf((await loadModelFiles(good, { kind: 'official' }, { fetchImpl, only: ['b.bin'] })).get('b.bin'))).toEqual([...B]);
    const wrong = toyEntry([{}, { sha256: null, note: 'md5 only', md5: md5(A) }]);
    await expect(loadModelFiles(wrong, { kind: 'official' }, { fetchImpl, only: ['b.bin'] }))
      .rejects.toThrow(`md5 mismatch for "b.bin" (model toy) from https://m1.test/toy/b.bin: expected ${md5(A)}, got ${md5(B)}`);
  });

  it('re-downloads a corrupted cache entry', async () => {
    const cache = new MemoryModelCache();
    await cache.put(`toy/b.bin#${sha(B)}`, new Uint8Array([0, 0, 0, 0, 0, 0]).buffer);
    const { fetchImpl, calls } = fakeFetch({ 'https://m1.test/toy/b.bin': B });
    const files = await loadModelFiles(toyEntry(), { kind: 'official' }, { fetchImpl, cache, only: ['b.bin'] });
    expect(calls).toEqual(['https://m1.test/toy/b.bin']);
    expect(bytesOf(files.get('b.bin'))).toEqual([...B]);
    expect(bytesOf(await cache.get(`toy/b.bin#${sha(B)}`))).toEqual([...B]);
  });

  it('still returns verified files when the cache is full, says so, and leaves no partial cache', async () => {
    const { fetchImpl } = fakeFetch({ 'https://m1.test/toy/a.bin': A, 'https://m1.test/toy/b.bin': B });
    const cache = new MemoryModelCache();
    let puts = 0;
    const put = cache.put.bind(cache);
    cache.put = async (key, data) => {
      if (++puts > 1) throw new DOMException('', 'QuotaExceededError');
      return put(key, data);
    };
    const errors: unknown[] = [];
    const files = await loadModelFiles(toyEntry(), { kind: 'official' }, { fetchImpl, cache, concurrency: 1, onCacheError: (e) => errors.push(e) });
    expect(bytesOf(files.get('a.bin'))).toEqual([...A]);
    expect(bytesOf(files.get('b.bin'))).toEqual([...B]);
    expect(errors.map((e) => (e as DOMException).name)).toEqual(['QuotaExceededError']);
    expect(await cache.keys()).toEqual([]);
  });

  it('stops on abort and caches nothing', async () => {
    const ac = new AbortController();
    const { fetchImpl } = fakeFetch({ 'https://m1.test/toy/a.bin': A, 'https://m1.test/toy/b.bin': B }, 2);
    const cache = new MemoryModelCache();
    const p = loadModelFiles(toyEntry(), { kind: 'official' }, {
      fetchImpl, cache, concurrency: 1, signal: ac.signal,
      onProgress: (e) => { if (e.file === 'a.bin' && e.fileLoaded === 4) ac.abort(new Error('user cancelled')); },
    });
    await expect(p).rejects.toThrow('user cancelled');
    expect(await cache.keys()).toEqual([]);
  });

  it('still returns verified files when the cache cannot store them, leaving no partial entries', async () => {
    const cache = new MemoryModelCache();
    let puts = 0;
    const put = cache.put.bind(cache);
    cache.put = async (key, data) => { if (++puts === 2) throw new Error('QuotaExceededError'); return put(key, data); };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { fetchImpl } = fakeFetch({ 'https://m1.test/toy/a.bin': A, 'https://m1.test/toy/b.bin': B });
    const files = await loadModelFiles(toyEntry(), { kind: 'official' }, { fetchImpl, cache });
    expect(bytesOf(files.get('b.bin'))).toEqual([...B]);
    expect(await cache.keys()).toEqual([]);
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
  });

  it('rejects an unknown file in `only`', async () => {
    await expect(loadModelFiles(toyEntry(), { kind: 'official' }, { only: ['nope.bin'] })).rejects.toThrow('Model toy has no file "nope.bin"');
  });
});

describe('loadModelFiles (base URL and picked folder)', () => {
  it('fetches <base>/<localPath>/<name>', async () => {
    const { fetchImpl, calls } = fakeFetch({ 'http://localhost:5173/local-models/toy/a.bin': A, 'http://localhost:5173/local-models/toy/b.bin': B });
    const files = await loadModelFiles(toyEntry(), { kind: 'baseUrl', url: 'http://localhost:5173/local-models/' }, { fetchImpl, concurrency: 1 });
    expect(calls).toEqual(['http://localhost:5173/local-models/toy/a.bin', 'http://localhost:5173/local-models/toy/b.bin']);
    expect(bytesOf(files.get('a.bin'))).toEqual([...A]);
  });

  it('reads picked files by name, relative path or alias, verified and with progress', async () => {
    const entry = toyEntry([{ aliases: ['published_a.bin'] }]);
    const picked = new Map<string, Blob>([
      ['models/toy/b.bin', new Blob([B])],
      ['published_a.bin', new Blob([A])],
      ['models/other/b.bin', new Blob([A])],
    ]);
    const last = new Map<string, number>();
    const files = await loadModelFiles(entry, { kind: 'localFiles', files: picked }, { onProgress: (p) => last.set(p.file, p.loaded) });
    expect(bytesOf(files.get('a.bin'))).toEqual([...A]);
    expect(bytesOf(files.get('b.bin'))).toEqual([...B]);
    expect(Math.max(...last.values())).toBe(16);

    await expect(loadModelFiles(entry, { kind: 'localFiles', files: new Map([['a.bin', new Blob([A])]]) }))
      .rejects.toThrow('"b.bin" (model toy) is not among the picked files');
    await expect(loadModelFiles(entry, { kind: 'localFiles', files: new Map([['b.bin', new Blob([B.slice(0, 4)])], ['a.bin', new Blob([A])]]) }))
      .rejects.toThrow('"b.bin" from the picked folder is truncated: got 4 of 6 bytes');
    await expect(loadModelFiles(entry, { kind: 'localFiles', files: new Map([['b.bin', new Blob([A.slice(0, 6)])], ['a.bin', new Blob([A])]]) }))
      .rejects.toMatchObject({ code: 'integrity', fileName: 'b.bin' });
  });
});

describe('joinUrl', () => {
  it('joins with single slashes and encodes segments', () => {
    expect(joinUrl('/local-models/', 'mobilenet_v1_1.0_224', 'model.json')).toBe('/local-models/mobilenet_v1_1.0_224/model.json');
    expect(joinUrl('https://h.test/m', 'a b/c', '#x')).toBe('https://h.test/m/a%20b/c/%23x');
  });
});
