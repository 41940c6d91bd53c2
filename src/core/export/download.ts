/**
 * Save a Blob as a file through a temporary <a download> link. Returns false (and does nothing)
 * where there is no DOM (Web Worker, Node): post the Blob to the page and call it there.
 */

/** How long the object URL stays alive: revoking at once can cancel the download in some browsers. */
export const REVOKE_DELAY_MS = 30_000;

export function canDownload(): boolean {
  return typeof document !== 'undefined' && typeof document.createElement === 'function' && typeof URL !== 'undefined' && typeof URL.createObjectURL === 'function';
}

export function downloadBlob(blob: Blob, filename: string): boolean {
  if (!canDownload()) return false;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  // Path separators are not valid in a download name; browsers would replace them anyway.
  a.download = filename.replace(/[\\/]/g, '_') || 'download';
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  try {
    a.click();
  } finally {
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), REVOKE_DELAY_MS);
  }
  return true;
}
