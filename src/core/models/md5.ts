/**
 * MD5 (RFC 1321) in plain JS. WebCrypto has no MD5, but some official model files are published
 * with only an MD5 (Keras applications' `file_hash`, e.g. VGG16). It is used solely as an
 * integrity check for such files (truncation, corruption, wrong file), never where a SHA-256 is
 * known: MD5 is not collision resistant.
 */
import type { Bytes } from './sha256';

const S = [7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21];
const K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0);

/** Lower-case hex MD5 of `bytes`. */
export function md5Hex(bytes: Bytes): string {
  const src = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = src.length;
  // Only the final 1-2 blocks need padding; copy just that tail instead of the whole (maybe 60 MB) input.
  const fullBlocks = Math.floor(n / 64);
  const tailLen = n - fullBlocks * 64;
  const tail = new Uint8Array(tailLen < 56 ? 64 : 128);
  tail.set(src.subarray(fullBlocks * 64));
  tail[tailLen] = 0x80;
  const tv = new DataView(tail.buffer);
  tv.setUint32(tail.length - 8, (n * 8) >>> 0, true);
  tv.setUint32(tail.length - 4, Math.floor(n / 0x20000000), true);

  let a0 = 0x67452301, b0 = 0xefcdab89, c0 = 0x98badcfe, d0 = 0x10325476;
  const M = new Int32Array(16);
  const block = (buf: Uint8Array, off: number) => {
    for (let i = 0; i < 16; i++) {
      const o = off + i * 4;
      M[i] = buf[o] | (buf[o + 1] << 8) | (buf[o + 2] << 16) | (buf[o + 3] << 24);
    }
    let a = a0, b = b0, c = c0, d = d0;
    for (let i = 0; i < 64; i++) {
      let f: number, g: number;
      if (i < 16) { f = (b & c) | (~b & d); g = i; }
      else if (i < 32) { f = (d & b) | (~d & c); g = (5 * i + 1) & 15; }
      else if (i < 48) { f = b ^ c ^ d; g = (3 * i + 5) & 15; }
      else { f = c ^ (b | ~d); g = (7 * i) & 15; }
      const t = d; d = c; c = b;
      const x = (a + f + K[i] + M[g]) | 0;
      b = (b + ((x << S[i]) | (x >>> (32 - S[i])))) | 0;
      a = t;
    }
    a0 = (a0 + a) | 0; b0 = (b0 + b) | 0; c0 = (c0 + c) | 0; d0 = (d0 + d) | 0;
  };
  for (let i = 0; i < fullBlocks; i++) block(src, i * 64);
  for (let off = 0; off < tail.length; off += 64) block(tail, off);

  let hex = '';
  for (const w of [a0, b0, c0, d0]) for (let i = 0; i < 4; i++) hex += ((w >>> (8 * i)) & 0xff).toString(16).padStart(2, '0');
  return hex;
}
