import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeTiff, tiffHeader } from './tiff';
import { writeTiff } from './testdata/writeTiff';

/** Overwrite the inline value of `tag` in IFD0 (little-endian files from writeTiff only). */
function patchTag(file: Uint8Array, tag: number, value: number): Uint8Array {
  const out = file.slice();
  const dv = new DataView(out.buffer);
  const ifd = dv.getUint32(4, true);
  const n = dv.getUint16(ifd, true);
  for (let i = 0; i < n; i++) {
    const at = ifd + 2 + i * 12;
    if (dv.getUint16(at, true) === tag) {
      dv.setUint32(at + 8, value, true);
      return out;
    }
  }
  throw new Error(`tag ${tag} not found`);
}

describe('decodeTiff', () => {
  it('decodes 8-bit gray exactly', async () => {
    const file = writeTiff([{ width: 3, height: 2, samplesPerPixel: 1, data: Uint8Array.from([0, 1, 2, 253, 254, 255]) }]);
    const img = await decodeTiff(file.buffer as ArrayBuffer);
    expect(img).toMatchObject({ width: 3, height: 2, channels: 1, bitDepth: 8, sampleFormat: 'uint', pages: 1, page: 0, hasAlpha: false });
    expect(img.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(img.data)).toEqual([0, 1, 2, 253, 254, 255]);
  });

  it('decodes 16-bit gray exactly across several strips', async () => {
    const values = [0, 1, 255, 256, 1000, 4095, 32768, 65534, 65535, 7, 8, 9];
    const file = writeTiff([{ width: 4, height: 3, samplesPerPixel: 1, data: Uint16Array.from(values), rowsPerStrip: 1 }]);
    const img = await decodeTiff(file);
    expect(img).toMatchObject({ width: 4, height: 3, channels: 1, bitDepth: 16, sampleFormat: 'uint' });
    expect(img.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(img.data)).toEqual(values);
  });

  it('decodes 16-bit 3-channel interleaved', async () => {
    const values = [100, 200, 300, 65535, 0, 1, 2, 3, 4, 40000, 50000, 60000];
    const file = writeTiff([{ width: 2, height: 2, samplesPerPixel: 3, data: Uint16Array.from(values) }]);
    const img = await decodeTiff(file);
    expect(img).toMatchObject({ width: 2, height: 2, channels: 3, bitDepth: 16, hasAlpha: false });
    expect(Array.from(img.data)).toEqual(values);
  });

  it('decodes 32-bit uint, signed int and float32', async () => {
    const u32 = await decodeTiff(writeTiff([{ width: 2, height: 1, samplesPerPixel: 1, data: Uint32Array.from([4294967295, 70000]) }]));
    expect(u32).toMatchObject({ bitDepth: 32, sampleFormat: 'uint' });
    expect(Array.from(u32.data)).toEqual([4294967295, 70000]);

    const i16 = await decodeTiff(writeTiff([{ width: 3, height: 1, samplesPerPixel: 1, data: Int16Array.from([-32768, -1, 32767]) }]));
    expect(i16).toMatchObject({ bitDepth: 16, sampleFormat: 'int' });
    expect(Array.from(i16.data)).toEqual([-32768, -1, 32767]);

    const floats = Float32Array.from([0.5, -1.25, 3.4028234663852886e38, 1e-7, 0, 42]);
    const f32 = await decodeTiff(writeTiff([{ width: 3, height: 2, samplesPerPixel: 1, data: floats }]));
    expect(f32).toMatchObject({ width: 3, height: 2, bitDepth: 32, sampleFormat: 'float' });
    expect(f32.data).toBeInstanceOf(Float32Array);
    expect(Array.from(f32.data)).toEqual(Array.from(floats));
  });

  it('decodes the chosen page of a 2-page file', async () => {
    const file = writeTiff([
      { width: 2, height: 2, samplesPerPixel: 1, data: Uint8Array.from([9, 8, 7, 6]) },
      { width: 3, height: 1, samplesPerPixel: 3, data: Uint16Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]) },
    ]);
    const p0 = await decodeTiff(file, 0);
    expect(p0).toMatchObject({ width: 2, height: 2, channels: 1, bitDepth: 8, pages: 2, page: 0 });
    expect(Array.from(p0.data)).toEqual([9, 8, 7, 6]);
    const p1 = await decodeTiff(file, 1);
    expect(p1).toMatchObject({ width: 3, height: 1, channels: 3, bitDepth: 16, pages: 2, page: 1 });
    expect(Array.from(p1.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await expect(decodeTiff(file, 2)).rejects.toThrow('TIFF page 2 does not exist (the file has 2 pages)');
  });

  it('reports alpha only when ExtraSamples says so', async () => {
    const ga = await decodeTiff(writeTiff([{ width: 1, height: 1, samplesPerPixel: 2, data: Uint8Array.from([10, 255]), extraSamples: [2] }]));
    expect(ga).toMatchObject({ channels: 2, hasAlpha: true });
    const four = await decodeTiff(writeTiff([{ width: 1, height: 1, samplesPerPixel: 4, data: Uint16Array.from([1, 2, 3, 4]), extraSamples: [0] }]));
    expect(four).toMatchObject({ channels: 4, hasAlpha: false });
  });

  it('inverts WhiteIsZero gray so larger means brighter', async () => {
    const img = await decodeTiff(writeTiff([{ width: 3, height: 1, samplesPerPixel: 1, data: Uint8Array.from([0, 255, 10]), photometric: 0 }]));
    expect(Array.from(img.data)).toEqual([255, 0, 245]);
  });

  it('accepts a Uint8Array view with a byte offset', async () => {
    const file = writeTiff([{ width: 2, height: 1, samplesPerPixel: 1, data: Uint8Array.from([5, 6]) }]);
    const padded = new Uint8Array(file.length + 3);
    padded.set(file, 3);
    const img = await decodeTiff(padded.subarray(3));
    expect(Array.from(img.data)).toEqual([5, 6]);
  });
});

describe('tiffHeader', () => {
  it('reads page 0 facts and the page count', async () => {
    const file = writeTiff([
      { width: 5, height: 4, samplesPerPixel: 3, data: new Uint16Array(60) },
      { width: 1, height: 1, samplesPerPixel: 1, data: new Uint8Array(1) },
    ]);
    expect(await tiffHeader(file)).toEqual({ format: 'tiff', width: 5, height: 4, channels: 3, bitDepth: 16, pages: 2 });
  });
});

describe('TIFF errors', () => {
  const base = writeTiff([{ width: 4, height: 2, samplesPerPixel: 1, data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), rowsPerStrip: 2 }]);

  it('explains a file cut off inside its IFD', async () => {
    await expect(decodeTiff(base.slice(0, base.length - 30))).rejects.toThrow(/^TIFF is truncated or corrupt: /);
    await expect(tiffHeader(base.slice(0, 12))).rejects.toThrow(/^TIFF is truncated or corrupt: /);
  });

  it('explains a file cut off before its first IFD', async () => {
    // writeTiff puts the pixels first: cutting the file in half leaves the IFD pointer dangling.
    const ifd = new DataView(base.buffer, base.byteOffset).getUint32(4, true);
    const cut = base.slice(0, ifd - 2);
    await expect(decodeTiff(cut)).rejects.toThrow(`TIFF is truncated or corrupt: its first image directory starts at byte ${ifd} but the file has ${ifd - 2} bytes`);
    await expect(tiffHeader(cut)).rejects.toThrow(`TIFF is truncated or corrupt: its first image directory starts at byte ${ifd} but the file has ${ifd - 2} bytes`);
  });

  it('explains pixel data that lies beyond the end of the file', async () => {
    // One strip of 8 bytes; point it 2 bytes before the end.
    const moved = patchTag(base, 273, base.length - 2);
    await expect(decodeTiff(moved)).rejects.toThrow(`TIFF is truncated or corrupt: pixel data of page 0 ends at byte ${base.length + 6} but the file has ${base.length} bytes`);
  });

  it('explains a broken IFD chain to a later page', async () => {
    const two = writeTiff([
      { width: 1, height: 1, samplesPerPixel: 1, data: Uint8Array.from([1]) },
      { width: 1, height: 1, samplesPerPixel: 1, data: Uint8Array.from([2]) },
    ]);
    await expect(decodeTiff(two.slice(0, two.length - 40), 0)).rejects.toThrow(/^TIFF is truncated or corrupt: /);
  });

  it('names unsupported compression and non-TIFF input', async () => {
    await expect(decodeTiff(patchTag(base, 259, 6))).rejects.toThrow('TIFF compression 6 (old-style JPEG) is not supported');
    await expect(decodeTiff(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]))).rejects.toThrow('not a TIFF file');
  });
});

const CELLS = '/work/shared/data/bbbc021-cells/dmso';
if (!existsSync(CELLS)) console.log(`tiff: real-file test skipped because ${CELLS} is not present`);
describe.skipIf(!existsSync(CELLS))('decodeTiff on a real BBBC021 crop', () => {
  it('matches the raw uncompressed strip samples', async () => {
    const name = readdirSync(CELLS).filter((f) => f.endsWith('.tif')).sort()[0];
    const bytes = new Uint8Array(readFileSync(`${CELLS}/${name}`));
    const img = await decodeTiff(bytes);
    expect(img).toMatchObject({ width: 68, height: 68, channels: 3, bitDepth: 16, sampleFormat: 'uint', pages: 1 });
    // Independent reference: read StripOffsets from IFD0 and take the samples straight from the bytes.
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const ifd = dv.getUint32(4, true);
    let offsets: number[] = [];
    for (let i = 0; i < dv.getUint16(ifd, true); i++) {
      const at = ifd + 2 + i * 12;
      if (dv.getUint16(at, true) !== 273) continue;
      const count = dv.getUint32(at + 4, true);
      const type = dv.getUint16(at + 2, true);
      const read = (k: number) => (type === 3 ? dv.getUint16(k, true) : dv.getUint32(k, true));
      const size = type === 3 ? 2 : 4;
      const base = count * size <= 4 ? at + 8 : dv.getUint32(at + 8, true);
      offsets = Array.from({ length: count }, (_, k) => read(base + k * size));
    }
    expect(offsets.length).toBeGreaterThan(0);
    // tifffile writes strips contiguously, so the first offset starts all 68*68*3 samples.
    const raw = Array.from({ length: 68 * 68 * 3 }, (_, k) => dv.getUint16(offsets[0] + 2 * k, true));
    expect(Array.from(img.data)).toEqual(raw);
  });
});
