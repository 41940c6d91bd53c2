/**
 * MD5 via the maintained `hash-wasm` package. WebCrypto has no MD5, but some official model files
 * are published with only an MD5 (Keras applications' `file_hash`, e.g. VGG16). It is used solely
 * as an integrity check for such files, never where a SHA-256 is known: MD5 is not collision
 * resistant.
 */
import { md5 } from 'hash-wasm';
import type { Bytes } from './sha256';

/** Lower-case hex MD5 of `bytes`. */
export async function md5Hex(bytes: Bytes): Promise<string> {
  const view = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return md5(view);
}
