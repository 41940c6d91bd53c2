/** Path helpers shared by the data modules; paths are always relative with forward slashes. */

/** Backslashes → '/', drop leading './' and '/', collapse repeated slashes, trim surrounding spaces. */
export function normalisePath(path: string): string {
  let p = path.trim().replace(/\\/g, '/').replace(/\/{2,}/g, '/');
  while (p.startsWith('./')) p = p.slice(2);
  while (p.startsWith('/')) p = p.slice(1);
  return p;
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
