import { describe, expect, it } from 'vitest';
import { encode as encodePng } from 'fast-png';
import { decodeImageFile, decodeKeepingDepth } from './decode';
import { writeTiff } from './testdata/writeTiff';

const never = async (): Promise<never> => {
  throw new Error('the injected decoder must not be called');
};

describe('decodeImageFile', () => {
  it('decodes TIFF itself and refuses unknown content', async () => {
    const tif = writeTiff([{ width: 2, height: 1, samplesPerPixel: 1, data: Uint16Array.from([5, 60000]) }]);
    const img = await decodeImageFile(tif, 'a.tif', never);
    expect(Array.from(img.data)).toEqual([5, 60000]);
    await expect(decodeImageFile(new TextEncoder().encode('hello, not an image'), 'a.png', never)).rejects.toThrow(/not a recognised image format/);
  });

  it('rejects a decoder result with too few samples', async () => {
    const short = async () => ({ width: 4, height: 4, channels: 3, bitDepth: 8, sampleFormat: 'uint' as const, data: new Uint8Array(10), pages: 1, page: 0 });
    const jpegHead = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1]);
    await expect(decodeImageFile(jpegHead, 'a.jpg', short)).rejects.toThrow(/returned 10 samples for 4×4×3/);
  });
});

describe('decodeKeepingDepth', () => {
  it('keeps 16-bit gray PNG samples and their channel count', async () => {
    const png = encodePng({ width: 3, height: 1, channels: 1, depth: 16, data: Uint16Array.from([0, 1234, 65535]) });
    const img = await decodeKeepingDepth(png, 'a.png', never);
    expect([img.width, img.height, img.channels, img.bitDepth]).toEqual([3, 1, 1, 16]);
    expect(Array.from(img.data)).toEqual([0, 1234, 65535]);
  });

  it('keeps 8-bit gray+alpha PNGs as two channels', async () => {
    const png = encodePng({ width: 2, height: 1, channels: 2, depth: 8, data: Uint8Array.from([10, 255, 20, 0]) });
    const img = await decodeKeepingDepth(png, 'a.png', never);
    expect(img.channels).toBe(2);
    expect(Array.from(img.data)).toEqual([10, 255, 20, 0]);
  });

  it('names a corrupt PNG and still sends TIFF to the TIFF reader', async () => {
    const png = encodePng({ width: 8, height: 8, channels: 3, depth: 8, data: new Uint8Array(192) });
    await expect(decodeKeepingDepth(png.slice(0, 40), 'a.png', never)).rejects.toThrow(/PNG could not be decoded/);
    const tif = writeTiff([{ width: 1, height: 1, samplesPerPixel: 1, data: Uint16Array.from([7]) }]);
    expect(Array.from((await decodeKeepingDepth(tif, 'a.tif', never)).data)).toEqual([7]);
  });
});
