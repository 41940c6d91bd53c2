/** Test images written by the tests themselves (no binary fixtures in the repository). */
import { deflateSync } from 'node:zlib';
import { mkdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), Buffer.from(data)]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** An 8-bit RGB PNG filled by `pixel(x, y)`. */
export function encodePng(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0;
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      const o = y * (width * 3 + 1) + 1 + x * 3;
      raw[o] = r; raw[o + 1] = g; raw[o + 2] = b;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; ihdr[9] = 2; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array())]);
}

/** A single-page uncompressed little-endian 16-bit grayscale TIFF. */
export function encodeTiff16(width: number, height: number, value: (x: number, y: number) => number): Buffer {
  const pixels = Buffer.alloc(width * height * 2);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels.writeUInt16LE(value(x, y), (y * width + x) * 2);
  const entries: [number, number, number, number][] = [
    [256, 3, 1, width], [257, 3, 1, height], [258, 3, 1, 16], [259, 3, 1, 1], [262, 3, 1, 1],
    [273, 4, 1, 0 /* patched */], [277, 3, 1, 1], [278, 3, 1, height], [279, 4, 1, pixels.length], [284, 3, 1, 1], [339, 3, 1, 1],
  ];
  const ifdOffset = 8;
  const ifdSize = 2 + entries.length * 12 + 4;
  const dataOffset = ifdOffset + ifdSize;
  entries[5][3] = dataOffset;
  const head = Buffer.alloc(dataOffset);
  head.write('II', 0, 'ascii');
  head.writeUInt16LE(42, 2);
  head.writeUInt32LE(ifdOffset, 4);
  head.writeUInt16LE(entries.length, 8);
  entries.forEach(([tag, type, count, v], i) => {
    const o = 10 + i * 12;
    head.writeUInt16LE(tag, o);
    head.writeUInt16LE(type, o + 2);
    head.writeUInt32LE(count, o + 4);
    if (type === 3) head.writeUInt16LE(v, o + 8);
    else head.writeUInt32LE(v, o + 8);
  });
  head.writeUInt32LE(0, 10 + entries.length * 12);
  return Buffer.concat([head, pixels]);
}

export function writeFiles(files: Record<string, Buffer | string>): string {
  const root = mkdtempSync(join(tmpdir(), 'wb-e2e-'));
  const top = join(root, 'cells-folder');
  for (const [rel, data] of Object.entries(files)) {
    const p = join(top, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, data);
  }
  return top;
}

/** A labelled folder: 3 cats, 2 dogs (PNG), one 16-bit TIFF, one corrupt PNG and one non-image. */
export function mixedFolder(): string {
  const png = (seed: number) => encodePng(24, 20, (x, y) => [(x * 10 + seed * 40) % 256, (y * 12) % 256, (seed * 70) % 256]);
  const good = encodePng(16, 16, () => [200, 10, 10]);
  return writeFiles({
    'cat/c1.png': png(1),
    'cat/c2.png': png(2),
    'cat/c3.png': png(3),
    'dog/d1.png': png(4),
    'dog/d2.png': png(5),
    'dog/scan16.tif': encodeTiff16(40, 30, (x, y) => 1000 + x * 500 + y * 7),
    'dog/broken.png': good.subarray(0, good.length - 20),
    'cat/notes.png': 'this is a text file, not an image\n',
  });
}
