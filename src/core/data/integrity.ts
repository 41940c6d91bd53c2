/**
 * Cheap completeness checks on a file's head and tail, run before decoding. Browsers decode many
 * truncated JPEGs "successfully" (grey bottom rows), so a cut-off file must be caught here to be
 * reported instead of silently ingested.
 */
import type { ImageFormat } from './types';

export interface TruncationCheck {
  ok: boolean;
  reason?: string;
}

function u32le(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/**
 * @param head the first bytes of the file (≥ 32 bytes when available)
 * @param tail the last bytes of the file (≥ 16 bytes when available)
 * @param size total file size in bytes
 */
export function checkComplete(format: ImageFormat, head: Uint8Array, tail: Uint8Array, size: number): TruncationCheck {
  switch (format) {
    case 'png': {
      // A PNG ends with the IEND chunk: length 0, type 'IEND', CRC AE 42 60 82.
      const iend = [0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];
      const t = tail.subarray(Math.max(0, tail.length - 8));
      if (t.length < 8 || iend.some((v, i) => t[i] !== v)) return { ok: false, reason: 'PNG is truncated or corrupt: no IEND chunk at the end of the file' };
      return { ok: true };
    }
    case 'jpeg': {
      // EOI marker FF D9, allowing trailing zero/FF padding some writers add.
      let end = tail.length;
      while (end > 0 && (tail[end - 1] === 0x00 || (tail[end - 1] === 0xff && end >= 2 && tail[end - 2] === 0xff))) end--;
      if (end < 2 || tail[end - 2] !== 0xff || tail[end - 1] !== 0xd9) return { ok: false, reason: 'JPEG is truncated: no end-of-image (FFD9) marker' };
      return { ok: true };
    }
    case 'gif':
      return tail.length > 0 && tail[tail.length - 1] === 0x3b ? { ok: true } : { ok: false, reason: 'GIF is truncated: no trailer byte (0x3B)' };
    case 'webp': {
      const declared = u32le(head, 4) + 8;
      return declared <= size ? { ok: true } : { ok: false, reason: `WebP is truncated: header declares ${declared} bytes, file has ${size}` };
    }
    case 'bmp': {
      const offset = u32le(head, 10);
      return offset < size ? { ok: true } : { ok: false, reason: `BMP is truncated: pixel data offset ${offset} is beyond the file size ${size}` };
    }
    case 'tiff':
      // TIFF integrity is checked by the decoder (strip offsets and byte counts).
      return { ok: true };
  }
}
