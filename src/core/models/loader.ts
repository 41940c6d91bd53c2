/**
 * Fetches a registry model's files from its official URLs, a local base URL, or a folder the user
 * picked; streams them with progress, checks size and hash, and caches only a model whose every
 * requested file verified. Files are returned as bytes: nothing here evaluates model content.
 */
import { cacheKey, purgeModel, type ModelCache } from './cache';
import { md5Hex } from './md5';
import type { ModelEntry, ModelFileSpec } from './registry';
import { sha256Hex } from './sha256';

export type ModelSource =
  | { kind: 'official' }
  /** Files at `<url>/<entry.localPath>/<file name>`, e.g. the dev server's `/local-models/`. */
  | { kind: 'baseUrl'; url: string }
  /** A picked folder: keys are file names or relative paths (`webkitRelativePath`). */
  | { kind: 'localFiles'; files: Map<string, Blob> };

export interface LoadProgress {
  modelId: string;
  file: string;
  fileLoaded: number;
  fileTotal: number;
  /** Bytes of all requested files so far (cached files count as loaded). */
  loaded: number;
  total: number;
  /** 'download' while bytes arrive; 'cache' when served from cache; 'verified' once its hash matched. */
  phase: 'download' | 'cache' | 'verified';
}

export interface LoadOptions {
  onProgress?: (p: LoadProgress) => void;
  signal?: AbortSignal;
  cache?: ModelCache;
  /** Injected for tests; defaults to the global fetch. */
  fetchImpl?: (url: string, init?: RequestInit) => Promise<Response>;
  /** Load just these files (e.g. model.json plus the shards a truncated model needs). */
  only?: readonly string[];
  /** SHA-256 for files the registry has none for (or to pin a different build), by file name. */
  sha256Overrides?: Readonly<Record<string, string>>;
  /** Files fetched at once (default 4). */
  concurrency?: number;
  /** Told when the verified files could not be cached (e.g. storage full); the load still succeeds. */
  onCacheError?: (error: unknown) => void;
}

export type ModelLoadErrorCode = 'unknown-file' | 'no-hash' | 'missing' | 'http' | 'network' | 'truncated' | 'oversize' | 'integrity' | 'all-sources-failed';

export class ModelLoadError extends Error {
  constructor(
    readonly code: ModelLoadErrorCode,
    readonly fileName: string,
    message: string,
    readonly attempts: ModelLoadError[] = [],
  ) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

interface Expected {
  algo: 'sha256' | 'md5';
  value: string;
}

function expectedHash(modelId: string, file: ModelFileSpec, overrides: Readonly<Record<string, string>> | undefined): Expected {
  const o = overrides?.[file.name];
  if (o !== undefined) {
    if (!/^[0-9a-fA-F]{64}$/.test(o)) throw new ModelLoadError('no-hash', file.name, `sha256 override for "${file.name}" is not 64 hex digits`);
    return { algo: 'sha256', value: o.toLowerCase() };
  }
  if (file.sha256) return { algo: 'sha256', value: file.sha256 };
  if (file.md5) return { algo: 'md5', value: file.md5 };
  // Refuse rather than trust unverifiable bytes; the caller can supply a hash it obtained elsewhere.
  throw new ModelLoadError('no-hash', file.name,
    `No SHA-256 is known for "${file.name}" of model ${modelId}, so it cannot be verified; pass options.sha256Overrides["${file.name}"] to load it.${file.note ? ` (${file.note})` : ''}`);
}

async function hashOf(buf: ArrayBuffer, algo: Expected['algo']): Promise<string> {
  return algo === 'sha256' ? sha256Hex(buf) : md5Hex(buf);
}

/** Join a base URL and path segments, encoding each segment. */
export function joinUrl(base: string, ...paths: string[]): string {
  const segs = paths.flatMap((p) => p.split('/')).filter((s) => s.length > 0).map(encodeURIComponent);
  return `${base.replace(/\/+$/, '')}/${segs.join('/')}`;
}

/**
 * Read a byte stream into a buffer of exactly `expected` bytes. Sizes come from the registry, not
 * Content-Length (which describes the encoded body and may be absent).
 */
async function readExactly(body: ReadableStream<Uint8Array>, expected: number, fileName: string, where: string,
  onBytes: (n: number) => void, signal: AbortSignal): Promise<ArrayBuffer> {
  const out = new Uint8Array(expected);
  const reader = body.getReader();
  let n = 0;
  try {
    for (;;) {
      signal.throwIfAborted();
      const { done, value } = await reader.read();
      if (done) break;
      if (n + value.byteLength > expected) {
        throw new ModelLoadError('oversize', fileName, `"${fileName}" from ${where} is larger than the expected ${expected} bytes: wrong file`);
      }
      out.set(value, n);
      n += value.byteLength;
      onBytes(n);
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
  if (n !== expected) {
    throw new ModelLoadError('truncated', fileName, `"${fileName}" from ${where} is truncated: got ${n} of ${expected} bytes`);
  }
  return out.buffer;
}

function findLocal(files: Map<string, Blob>, entry: ModelEntry, file: ModelFileSpec): Blob {
  const names = [file.name, ...(file.aliases ?? [])];
  for (const n of names) {
    const hit = files.get(n) ?? files.get(`${entry.localPath}/${n}`);
    if (hit) return hit;
  }
  // A picked parent folder gives paths like "models/tiny-darknet/model.json": match by suffix.
  const keys = [...files.keys()];
  for (const suffix of [...names.map((n) => `/${entry.localPath}/${n}`), ...names.map((n) => `/${n}`)]) {
    const hits = keys.filter((k) => k.endsWith(suffix));
    if (hits.length === 1) return files.get(hits[0]) as Blob;
    if (hits.length > 1) throw new ModelLoadError('missing', file.name, `"${file.name}" is ambiguous among the picked files: ${hits.join(', ')}`);
  }
  throw new ModelLoadError('missing', file.name, `"${file.name}" (model ${entry.id}) is not among the picked files`);
}

interface Ctx {
  entry: ModelEntry;
  source: ModelSource;
  fetchImpl: NonNullable<LoadOptions['fetchImpl']>;
  signal: AbortSignal;
  onBytes: (file: ModelFileSpec, n: number) => void;
}

async function verify(buf: ArrayBuffer, exp: Expected, file: ModelFileSpec, ctx: Ctx, where: string): Promise<void> {
  const actual = await hashOf(buf, exp.algo);
  if (actual !== exp.value) {
    throw new ModelLoadError('integrity', file.name,
      `${exp.algo} mismatch for "${file.name}" (model ${ctx.entry.id}) from ${where}: expected ${exp.value}, got ${actual}`);
  }
}

async function fetchOne(url: string, file: ModelFileSpec, exp: Expected, ctx: Ctx): Promise<ArrayBuffer> {
  let res: Response;
  try {
    res = await ctx.fetchImpl(url, { signal: ctx.signal });
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    throw new ModelLoadError('network', file.name, `"${file.name}": request to ${url} failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!res.ok) {
    res.body?.cancel().catch(() => undefined);
    throw new ModelLoadError('http', file.name, `"${file.name}": HTTP ${res.status} ${res.statusText} from ${url}`);
  }
  // Single-page-app servers (the dev server included) answer a missing file with index.html and 200.
  if (/^text\/html\b/i.test(res.headers.get('content-type') ?? '')) {
    res.body?.cancel().catch(() => undefined);
    throw new ModelLoadError('missing', file.name, `"${file.name}": ${url} answered with an HTML page, not the model file (no such file on that server?)`);
  }
  const body = res.body ?? new Blob([await res.arrayBuffer()]).stream();
  const buf = await readExactly(body, file.bytes, file.name, url, (n) => ctx.onBytes(file, n), ctx.signal);
  await verify(buf, exp, file, ctx, url);
  return buf;
}

async function obtain(file: ModelFileSpec, exp: Expected, ctx: Ctx): Promise<ArrayBuffer> {
  const { source, entry } = ctx;
  if (source.kind === 'localFiles') {
    const blob = findLocal(source.files, entry, file);
    const where = 'the picked folder';
    if (blob.size < file.bytes) throw new ModelLoadError('truncated', file.name, `"${file.name}" from ${where} is truncated: got ${blob.size} of ${file.bytes} bytes`);
    if (blob.size > file.bytes) throw new ModelLoadError('oversize', file.name, `"${file.name}" from ${where} is larger than the expected ${file.bytes} bytes: wrong file`);
    const buf = await readExactly(blob.stream(), file.bytes, file.name, where, (n) => ctx.onBytes(file, n), ctx.signal);
    await verify(buf, exp, file, ctx, where);
    return buf;
  }
  const urls = source.kind === 'official' ? file.urls : [joinUrl(source.url, entry.localPath, file.name)];
  if (urls.length === 0) throw new ModelLoadError('missing', file.name, `"${file.name}" (model ${entry.id}) has no official URL: load it from a base URL or a picked folder`);
  const failures: ModelLoadError[] = [];
  for (const url of urls) {
    try {
      return await fetchOne(url, file, exp, ctx);
    } catch (e) {
      // An abort ends the load; any other failure (HTTP, network, size, hash) falls through to the next mirror.
      if (ctx.signal.aborted || !(e instanceof ModelLoadError)) throw e;
      failures.push(e);
      ctx.onBytes(file, 0);
    }
  }
  if (failures.length === 1) throw failures[0];
  throw new ModelLoadError('all-sources-failed', file.name,
    `Could not load "${file.name}" (model ${entry.id}) from any of ${urls.length} URLs:\n${failures.map((f) => `  - ${f.message}`).join('\n')}`, failures);
}

function selectFiles(entry: ModelEntry, only: readonly string[] | undefined): ModelFileSpec[] {
  if (!only) return entry.files;
  return only.map((name) => {
    const f = entry.files.find((x) => x.name === name);
    if (!f) throw new ModelLoadError('unknown-file', name, `Model ${entry.id} has no file "${name}"`);
    return f;
  });
}

/**
 * Load (a subset of) a model's files, verified. Resolves to file name -> bytes. On any failure the
 * model's entries are purged from `options.cache`, so a broken load never leaves partial state.
 */
export async function loadModelFiles(entry: ModelEntry, source: ModelSource, options: LoadOptions = {}): Promise<Map<string, ArrayBuffer>> {
  const files = selectFiles(entry, options.only);
  // Check hashes are known before any byte is transferred.
  const expected = new Map(files.map((f) => [f.name, expectedHash(entry.id, f, options.sha256Overrides)]));
  const { cache, onProgress } = options;
  const total = files.reduce((s, f) => s + f.bytes, 0);
  const perFile = new Map<string, number>();
  let loaded = 0;
  const report = (file: ModelFileSpec, n: number, phase: LoadProgress['phase']) => {
    loaded += n - (perFile.get(file.name) ?? 0);
    perFile.set(file.name, n);
    onProgress?.({ modelId: entry.id, file: file.name, fileLoaded: n, fileTotal: file.bytes, loaded, total, phase });
  };

  // Internal controller: the first failing file stops the others.
  const ac = new AbortController();
  const onAbort = () => ac.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort);
  if (options.signal?.aborted) onAbort();
  const ctx: Ctx = {
    entry, source, signal: ac.signal,
    fetchImpl: options.fetchImpl ?? ((url, init) => fetch(url, init)),
    onBytes: (file, n) => report(file, n, 'download'),
  };

  const result = new Map<string, ArrayBuffer>();
  const fresh: [string, ArrayBuffer][] = [];
  let firstError: unknown;
  const queue = [...files];
  const worker = async () => {
    for (let file = queue.shift(); file && firstError === undefined; file = queue.shift()) {
      const exp = expected.get(file.name) as Expected;
      const key = cacheKey(entry.id, file.name, exp.value);
      try {
        ac.signal.throwIfAborted();
        let buf = cache ? await cache.get(key).catch(() => undefined) : undefined; // a broken cache is a miss
        if (buf && (await hashOf(buf, exp.algo)) !== exp.value) {
          await cache?.delete(key); // corrupted cache entry: fetch again
          buf = undefined;
        }
        if (buf) {
          report(file, file.bytes, 'cache');
        } else {
          buf = await obtain(file, exp, ctx);
          fresh.push([key, buf]);
          report(file, file.bytes, 'verified');
        }
        result.set(file.name, buf);
      } catch (e) {
        firstError ??= options.signal?.aborted ? options.signal.reason : e;
        ac.abort(e);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, files.length)) }, worker));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  if (firstError !== undefined) {
    if (cache) await purgeModel(cache, entry.id).catch(() => undefined);
    throw firstError;
  }
  if (cache) {
    try {
      for (const [key, buf] of fresh) await cache.put(key, buf);
    } catch (e) {
      // Caching is an optimisation (e.g. storage quota exceeded): keep the verified files, drop the partial cache.
      console.warn(`Model ${entry.id}: could not cache its files:`, e);
      await purgeModel(cache, entry.id).catch(() => undefined);
      options.onCacheError?.(e);
    }
  }
  // Map in registry (or `only`) order, whatever order the downloads finished in.
  return new Map(files.map((f) => [f.name, result.get(f.name) as ArrayBuffer]));
}
