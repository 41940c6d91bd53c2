/**
 * SHA-256 through WebCrypto (`crypto.subtle`), available in browsers (secure contexts), Web
 * Workers and Node >= 19. Model files are hashed whole: `subtle.digest` has no streaming API, and
 * the largest registry file (VGG16, 59 MB) fits comfortably in memory.
 */

export type Bytes = ArrayBuffer | ArrayBufferView;

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  // crypto.subtle is undefined on plain-http origins other than localhost: say so instead of a TypeError.
  if (!s) throw new Error('crypto.subtle is unavailable (a secure context, https or localhost, is required to verify model files)');
  return s;
}

export function toHex(buf: ArrayBuffer): string {
  const b = new Uint8Array(buf);
  let out = '';
  for (let i = 0; i < b.length; i++) out += b[i].toString(16).padStart(2, '0');
  return out;
}

/** Lower-case hex SHA-256 of `bytes`. */
export async function sha256Hex(bytes: Bytes): Promise<string> {
  const view = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return toHex(await subtle().digest('SHA-256', view as Uint8Array<ArrayBuffer>));
}
