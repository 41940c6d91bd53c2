/** Path helpers shared by the data modules; paths are always relative with forward slashes. */

/**
 * Backslashes → '/', drop leading './' and '/', collapse repeated slashes, trim surrounding spaces,
 * and compose unicode (NFC): macOS hands out decomposed names ('e' + U+0301), while manifests
 * typed elsewhere hold composed ones ('é'), and the two must compare equal.
 * '..' segments are kept; see `safeRelativePath` for paths that must stay inside a root.
 */
export function normalisePath(path: string): string {
  let p = path.trim().normalize('NFC').replace(/\\/g, '/').replace(/\/{2,}/g, '/');
  while (p.startsWith('./')) p = p.slice(2);
  while (p.startsWith('/')) p = p.slice(1);
  return p;
}

/**
 * A path that cannot leave its root: normalised, with '.' and empty segments dropped and '..'
 * resolved, never above the root (a crafted name like '../../x.png' becomes 'x.png').
 * `climbed` is true when a '..' segment was removed.
 */
export function safeRelativePath(path: string): { path: string; climbed: boolean } {
  const parts: string[] = [];
  let climbed = false;
  for (const seg of normalisePath(path).split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      climbed = true;
      parts.pop();
    } else parts.push(seg);
  }
  return { path: parts.join('/'), climbed };
}

/** Last segment of a normalised path. */
export function basename(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

/** Lower-case extension without the dot ('' when there is none; dot-files have none). */
export function extension(path: string): string {
  const name = basename(path);
  const i = name.lastIndexOf('.');
  return i <= 0 ? '' : name.slice(i + 1).toLowerCase();
}
