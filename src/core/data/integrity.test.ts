import { describe, expect, it } from 'vitest';
import { checkComplete } from './integrity';

const IEND = [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];
const bytes = (...xs: number[]) => Uint8Array.from(xs);

describe('checkComplete', () => {
  it('accepts a PNG ending in IEND and rejects a cut one', () => {
    expect(checkComplete('png', bytes(), bytes(1, 2, ...IEND), 100).ok).toBe(true);
    const cut = checkComplete('png', bytes(), bytes(...IEND.slice(0, 10)), 100);
    expect(cut.ok).toBe(false);
    expect(cut.reason).toMatch(/PNG is truncated/);
  });

  it('requires the JPEG EOI marker, tolerating zero padding', () => {
    expect(checkComplete('jpeg', bytes(), bytes(0x12, 0xff, 0xd9), 10).ok).toBe(true);
    expect(checkComplete('jpeg', bytes(), bytes(0xff, 0xd9, 0, 0, 0), 10).ok).toBe(true);
    expect(checkComplete('jpeg', bytes(), bytes(0x12, 0x34, 0x56), 10)).toEqual({ ok: false, reason: 'JPEG is truncated: no end-of-image (FFD9) marker' });
  });

  it('compares the WebP RIFF size with the file size', () => {
    const head = bytes(0x52, 0x49, 0x46, 0x46, 92, 0, 0, 0); // RIFF, size 92 → 100 bytes total
    expect(checkComplete('webp', head, bytes(), 100).ok).toBe(true);
    expect(checkComplete('webp', head, bytes(), 99).reason).toBe('WebP is truncated: header declares 100 bytes, file has 99');
  });

  it('checks GIF trailer and BMP pixel offset', () => {
    expect(checkComplete('gif', bytes(), bytes(1, 0x3b), 10).ok).toBe(true);
    expect(checkComplete('gif', bytes(), bytes(1, 2), 10).ok).toBe(false);
    const bmp = new Uint8Array(14);
    bmp[10] = 54;
    expect(checkComplete('bmp', bmp, bytes(), 100).ok).toBe(true);
    expect(checkComplete('bmp', bmp, bytes(), 54).ok).toBe(false);
  });
});
