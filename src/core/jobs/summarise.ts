/** What a persisted job record keeps of a job's parameters and result. */

/**
 * What a job record keeps of its parameters: the settings, not the data. Dropped files, model bytes
 * and long lists would copy whole folders and models into IndexedDB at every run; they become
 * short descriptions ({ file, bytes } / { bytes } / the first items and a count).
 */
export function summariseParams(v: unknown, depth = 0): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (typeof Blob !== 'undefined' && v instanceof Blob) return { blob: v.type || 'data', bytes: v.size };
  if (v instanceof ArrayBuffer) return { bytes: v.byteLength };
  if (ArrayBuffer.isView(v)) return { bytes: v.byteLength };
  if (depth >= 6) return '…';
  if (Array.isArray(v)) {
    const head = v.slice(0, 20).map((x) => summariseParams(x, depth + 1));
    return v.length > 20 ? [...head, `… ${v.length - 20} more (${v.length} in all)`] : head;
  }
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, summariseParams(x, depth + 1)]));
}

/** Job records keep small results only; large ones (tensors, images) live in their pipeline's store. */
export function summariseResult(r: unknown): unknown {
  try {
    const s = JSON.stringify(r);
    return s && s.length < 100_000 ? r : { note: 'result too large to keep in the job record' };
  } catch {
    return { note: 'result not serialisable' };
  }
}
