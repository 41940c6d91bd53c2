import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extensionMismatch, formatFromExtension, isLikelyImagePath, readHeader, sniffFormat } from './sniff';

const bytes = (...parts: (number | string | number[])[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'number' ? [p] : typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));
const u16be = (v: number) => [v >> 8, v & 255];
const u16le = (v: number) => [v & 255, v >> 8];
const u24le = (v: number) => [v & 255, (v >> 8) & 255, (v >> 16) & 255];
const u32be = (v: number) => [v >>> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255];
const u32le = (v: number) => [v & 255, (v >> 8) & 255, (v >> 16) & 255, v >>> 24];

function png(width: number, height: number, depth: number, colourType: number): Uint8Array {
  return bytes(0x89, 'PNG\r\n', 0x1a, '\n', u32be(13), 'IHDR', u32be(width), u32be(height), depth, colourType, 0, 0, 0, u32be(0));
}

function jpeg(...segments: number[][]): Uint8Array {
  return bytes(0xff, 0xd8, ...segments);
}
const app0 = [0xff, 0xe0, ...u16be(16), ...'JFIF'.split('').map((c) => c.charCodeAt(0)), 0, 1, 1, 0, 0, 1, 0, 1, 0, 0];
const dht = [0xff, 0xc4, ...u16be(4), 0, 0];
const sof = (marker: number, w: number, h: number, nc: number, precision = 8) => [0xff, marker, ...u16be(8 + 3 * nc), precision, ...u16be(h), ...u16be(w), nc, ...new Array<number>(3 * nc).fill(1)];

function riff(chunk: string, payload: number[]): Uint8Array {
  return bytes('RIFF', u32le(4 + 8 + payload.length), 'WEBP', chunk, u32le(payload.length), payload);
}

describe('sniffFormat', () => {
  it.each([
    ['png', png(1, 1, 8, 0)],
    ['jpeg', jpeg(app0)],
    ['webp', riff('VP8L', [0x2f, 0, 0, 0, 0])],
    ['gif', bytes('GIF87a', 0, 0, 0, 0)],
    ['gif', bytes('GIF89a', 0, 0, 0, 0)],
    ['bmp', bytes('BM', u32le(0), u32le(0), u32le(54), u32le(40))],
    ['tiff', bytes('II', 42, 0, u32le(8))],
    ['tiff', bytes('MM', 0, 42, u32be(8))],
    ['tiff', bytes('II', 43, 0, 8, 0, 0, 0)], // BigTIFF
    ['tiff', bytes('MM', 0, 43, 0, 8, 0, 0)],
  ] as const)('detects %s', (format, b) => {
    expect(sniffFormat(b)).toBe(format);
  });

  it('rejects non-images and near misses', () => {
    expect(sniffFormat(new Uint8Array(0))).toBeNull();
    expect(sniffFormat(bytes('hello world, this is text'))).toBeNull();
    expect(sniffFormat(bytes('BMW cars are listed in this csv file'))).toBeNull(); // 'BM' without a DIB header
    expect(sniffFormat(bytes('RIFF', u32le(4), 'WAVE'))).toBeNull();
    expect(sniffFormat(bytes('II', 41, 0))).toBeNull();
    expect(sniffFormat(bytes(0xff, 0xd8))).toBeNull();
  });
});

describe('readHeader', () => {
  it('reads PNG IHDR with channels per colour type', () => {
    expect(readHeader(png(640, 480, 8, 2))).toEqual({ format: 'png', width: 640, height: 480, channels: 3, bitDepth: 8 });
    expect(readHeader(png(70000, 3, 16, 0))).toEqual({ format: 'png', width: 70000, height: 3, channels: 1, bitDepth: 16 });
    expect(readHeader(png(5, 6, 8, 4))).toMatchObject({ channels: 2 });
    expect(readHeader(png(5, 6, 16, 6))).toMatchObject({ channels: 4, bitDepth: 16 });
    expect(readHeader(png(5, 6, 4, 3))).toMatchObject({ channels: 3, bitDepth: 8 }); // palette expands to 8-bit RGB
    expect(readHeader(png(5, 6, 8, 7))).toBeNull(); // invalid colour type
    expect(readHeader(png(5, 6, 8, 2).subarray(0, 20))).toBeNull(); // truncated
  });

  it('scans JPEG segments to the frame header', () => {
    expect(readHeader(jpeg(app0, dht, sof(0xc0, 227, 200, 3)))).toEqual({ format: 'jpeg', width: 227, height: 200, bitDepth: 8, channels: 3 });
    expect(readHeader(jpeg(app0, sof(0xc2, 1024, 768, 1)))).toEqual({ format: 'jpeg', width: 1024, height: 768, bitDepth: 8, channels: 1 });
    expect(readHeader(jpeg(sof(0xc1, 10, 20, 3, 12)))).toMatchObject({ width: 10, height: 20, bitDepth: 12 });
    // Adobe CMYK JPEGs have four components, decoded to RGB (like CMYK TIFFs): 3 channels, not RGBA.
    expect(readHeader(jpeg(app0, sof(0xc0, 300, 100, 4)))).toMatchObject({ channels: 3 });
    // Fill bytes (extra 0xFF) before a marker are legal.
    expect(readHeader(jpeg(app0, [0xff], sof(0xc0, 8, 9, 3)))).toMatchObject({ width: 8, height: 9 });
  });

  it('returns null when the JPEG frame header is missing or beyond the bytes given', () => {
    const full = jpeg(app0, dht, sof(0xc0, 227, 200, 3));
    expect(readHeader(full.subarray(0, 2 + app0.length + dht.length + 4))).toBeNull();
    expect(readHeader(jpeg(app0, [0xff, 0xda, 0, 2], sof(0xc0, 1, 1, 3)))).toBeNull(); // SOS first
    expect(readHeader(jpeg(app0, [0x12, 0x34]))).toBeNull(); // garbage where a marker should be
  });

  it('reads WebP VP8, VP8L and VP8X', () => {
    // Lossy: the top two bits of each size are a scale code and must be masked off.
    const vp8 = riff('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, ...u16le(0x4000 | 400), ...u16le(0xc000 | 300), 0, 0]);
    expect(readHeader(vp8)).toEqual({ format: 'webp', width: 400, height: 300, channels: 3, bitDepth: 8 });
    const bits = (99 | (49 << 14) | (1 << 28)) >>> 0;
    expect(readHeader(riff('VP8L', [0x2f, ...u32le(bits), 0, 0, 0, 0, 0]))).toEqual({ format: 'webp', width: 100, height: 50, channels: 4, bitDepth: 8 });
    const noAlpha = 99 | (49 << 14);
    expect(readHeader(riff('VP8L', [0x2f, ...u32le(noAlpha), 0, 0, 0, 0, 0]))).toMatchObject({ channels: 3 });
    expect(readHeader(riff('VP8X', [0x10, 0, 0, 0, ...u24le(999), ...u24le(1999)]))).toEqual({ format: 'webp', width: 1000, height: 2000, channels: 4, bitDepth: 8 });
    expect(readHeader(riff('VP8X', [0, 0, 0, 0, ...u24le(0), ...u24le(0)]))).toMatchObject({ width: 1, height: 1, channels: 3 });
  });

  it('reads BMP info, core and V5 headers', () => {
    const info = bytes('BM', u32le(0), u32le(0), u32le(54), u32le(40), u32le(7), u32le(-5 >>> 0), u16le(1), u16le(24));
    expect(readHeader(info)).toEqual({ format: 'bmp', width: 7, height: 5, channels: 3, bitDepth: 8 }); // top-down
    const core = bytes('BM', u32le(0), u32le(0), u32le(26), u32le(12), u16le(33), u16le(44), u16le(1), u16le(8));
    expect(readHeader(core)).toMatchObject({ width: 33, height: 44, channels: 3 });
    const v5 = (alphaMask: number) =>
      bytes('BM', u32le(0), u32le(0), u32le(138), u32le(124), u32le(2), u32le(3), u16le(1), u16le(32), u32le(3), new Array<number>(20).fill(0),
        u32le(0xff0000), u32le(0xff00), u32le(0xff), u32le(alphaMask), new Array<number>(80).fill(0));
    expect(readHeader(v5(0xff000000))).toMatchObject({ width: 2, height: 3, channels: 4 });
    expect(readHeader(v5(0))).toMatchObject({ channels: 3 });
  });

  it('reads the GIF logical screen size', () => {
    expect(readHeader(bytes('GIF89a', u16le(320), u16le(240), 0, 0, 0))).toEqual({ format: 'gif', width: 320, height: 240, bitDepth: 8 });
  });

  it('defers TIFF to tiff.ts and rejects unknown bytes', () => {
    expect(readHeader(bytes('II', 42, 0, u32le(8)))).toBeNull();
    expect(readHeader(bytes('not an image at all'))).toBeNull();
  });
});

describe('extension helpers', () => {
  it('formatFromExtension is case-insensitive', () => {
    expect(formatFromExtension('a/B.JPEG')).toBe('jpeg');
    expect(formatFromExtension('x.tif')).toBe('tiff');
    expect(formatFromExtension('x.txt')).toBeNull();
  });

  it('extensionMismatch explains disagreements and accepts aliases', () => {
    expect(extensionMismatch('cats/a.jpg', 'png')).toBe('content is PNG but extension is .jpg');
    expect(extensionMismatch('x.TIF', 'jpeg')).toBe('content is JPEG but extension is .tif');
    expect(extensionMismatch('README', 'gif')).toBe('content is GIF but the file has no extension');
    expect(extensionMismatch('x.dat', 'webp')).toBe('content is WebP but extension is .dat');
    expect(extensionMismatch('x.JPEG', 'jpeg')).toBeNull();
    expect(extensionMismatch('x.jpe', 'jpeg')).toBeNull();
    expect(extensionMismatch('x.tiff', 'tiff')).toBeNull();
  });

  it('isLikelyImagePath keeps images and skips macOS junk', () => {
    for (const p of ['a.png', 'a/b.JPG', 'x.jpeg', 'x.webp', 'x.bmp', 'x.gif', 'x.tif', 'deep/x.TIFF']) expect(isLikelyImagePath(p)).toBe(true);
    for (const p of ['notes.txt', 'labels.csv', 'noext', '.png', 'a/._x.jpg', '__MACOSX/a/x.png', 'x.constructor']) expect(isLikelyImagePath(p)).toBe(false);
    expect(isLikelyImagePath('a\\b\\c.png')).toBe(true);
  });
});

const SHARED = '/work/shared/data';
if (!existsSync(SHARED)) console.log(`sniff: real-file tests skipped because ${SHARED} is not present`);
describe.skipIf(!existsSync(SHARED))('readHeader on shared real files', () => {
  it('reads a PACS JPEG and a camera crop PNG', () => {
    const jpg = new Uint8Array(readFileSync(`${SHARED}/pacs-subset/art_painting/person/pic_041.jpg`));
    expect(readHeader(jpg.subarray(0, 65536))).toEqual({ format: 'jpeg', width: 227, height: 227, bitDepth: 8, channels: 3 });
    const pngBytes = new Uint8Array(readFileSync(`${SHARED}/camera-phones/crops/IMG_5817.png`));
    expect(readHeader(pngBytes.subarray(0, 64))).toEqual({ format: 'png', width: 512, height: 512, channels: 3, bitDepth: 8 });
  });
});
