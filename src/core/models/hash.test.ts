import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { md5Hex } from './md5';
import { sha256Hex } from './sha256';

const enc = (s: string) => new TextEncoder().encode(s);

describe('sha256Hex', () => {
  it('matches the FIPS 180-2 test vectors', async () => {
    expect(await sha256Hex(enc(''))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(await sha256Hex(enc('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await sha256Hex(enc('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))
      .toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });

  it('hashes only the viewed range of a typed array, and plain ArrayBuffers', async () => {
    const big = enc('xxabcxx');
    expect(await sha256Hex(big.subarray(2, 5))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await sha256Hex(enc('abc').buffer)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('md5Hex', () => {
  it('hashes ArrayBuffers and offset views of larger buffers correctly', async () => {
    expect(await md5Hex(enc('abc').buffer as ArrayBuffer)).toBe('900150983cd24fb0d6963f7d28e17f72');
    const data = new Uint8Array(4096).map((_, i) => (i * 2654435761) >>> 24);
    const view = data.subarray(100, 1100); // a view whose buffer holds other bytes too
    expect(await md5Hex(view)).toBe(createHash('md5').update(view).digest('hex'));
  });
});
