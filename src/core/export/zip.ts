/**
 * Zip archives (fflate) with entry names made safe to extract anywhere: no absolute paths, no
 * drive letters, no `..` traversal ("zip slip"), no control characters, nothing Windows refuses,
 * and no two entries that would land on the same file on a case-insensitive file system.
 */
import { strToU8, unzipSync, zipSync, type Zippable } from 'fflate';

export interface ZipInputEntry {
  name: string;
  data: Uint8Array | string;
}

export interface MakeZipOptions {
  /** Deflate level 0 (store) .. 9 (default 6). */
  level?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
  /** Modification time stamped on every entry (default now); fix it for reproducible archives. */
  mtime?: Date;
}

export interface ReadZipOptions {
  /** Refuse archives declaring more uncompressed bytes than this (default 1 GiB). */
  maxTotalBytes?: number;
  /** Refuse archives with more entries than this (default 100,000). */
  maxEntries?: number;
}

// Control characters (C0, DEL, C1) never belong in a file name.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const WINDOWS_FORBIDDEN = /[<>:"|?*]/g;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$/i;

/**
 * A relative, forward-slash path that stays inside the extraction folder. Pure; may return
 * 'file' when nothing usable is left. Does not de-duplicate (see uniqueEntryNames).
 */
export function sanitiseEntryName(name: string): string {
  let s = name.replace(/\\/g, '/').replace(CONTROL, '');
  s = s.replace(/^[A-Za-z]:/, ''); // "C:\x" / "C:x": drive letter, before ':' becomes '_'
  const segments = s.split('/')
    .map((seg) => seg.replace(/[. ]+$/, '')) // Windows drops trailing dots/spaces; this also empties '.' and '..'
    .filter((seg) => seg.length > 0)
    .map((seg) => seg.replace(WINDOWS_FORBIDDEN, '_'))
    .map((seg) => (WINDOWS_DEVICE.test(seg) ? `_${seg}` : seg));
  return segments.length ? segments.join('/') : 'file';
}

/** "dir/name.ext" -> "dir/name (n).ext" */
function withSuffix(name: string, n: number): string {
  const slash = name.lastIndexOf('/');
  const dot = name.lastIndexOf('.');
  const cut = dot > slash + 1 ? dot : name.length; // ".bashrc" has no extension
  return `${name.slice(0, cut)} (${n})${name.slice(cut)}`;
}

/** Sanitise every name and suffix collisions (compared case-insensitively): pure, order-preserving. */
export function uniqueEntryNames(names: readonly string[]): string[] {
  const taken = new Set<string>();
  return names.map((raw) => {
    const base = sanitiseEntryName(raw);
    let name = base;
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = withSuffix(base, n);
    taken.add(name.toLowerCase());
    return name;
  });
}

/** Build a zip; entry names are sanitised and de-duplicated. */
export function makeZip(entries: readonly ZipInputEntry[], options: MakeZipOptions = {}): Uint8Array {
  const names = uniqueEntryNames(entries.map((e) => e.name));
  const files: Zippable = {};
  entries.forEach((e, i) => {
    files[names[i]] = typeof e.data === 'string' ? strToU8(e.data) : e.data;
  });
  return zipSync(files, { level: options.level ?? 6, mtime: options.mtime ?? new Date() });
}

/**
 * Read a zip into name -> bytes (directory entries skipped). Names are sanitised like makeZip's,
 * so a hostile archive cannot smuggle traversal paths or prototype keys to the caller: the result
 * has no prototype.
 */
export function readZip(bytes: Uint8Array, options: ReadZipOptions = {}): Record<string, Uint8Array> {
  const maxTotal = options.maxTotalBytes ?? 1024 ** 3;
  const maxEntries = options.maxEntries ?? 100_000;
  let total = 0;
  let count = 0;
  const raw = unzipSync(bytes, {
    filter: (f) => {
      if (f.name.endsWith('/')) return false;
      total += f.originalSize;
      if (++count > maxEntries) throw new Error(`Zip has more than ${maxEntries} entries`);
      if (total > maxTotal) throw new Error(`Zip expands to more than ${maxTotal} bytes`);
      return true;
    },
  });
  const names = Object.keys(raw);
  const safe = uniqueEntryNames(names);
  const out: Record<string, Uint8Array> = Object.create(null) as Record<string, Uint8Array>;
  names.forEach((n, i) => {
    out[safe[i]] = raw[n];
  });
  return out;
}
