/** Test images written by the tests themselves (no binary fixtures in the repository). */
import { mkdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { encodePng as encodePngImage } from '../src/pipelines/detection/testdata/png';
import { writeTiff } from '../src/core/data/testdata/writeTiff';

/** An 8-bit RGB PNG filled by `pixel(x, y)`. */
export function encodePng(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 3);
  return Buffer.from(encodePngImage({ width, height, channels: 3, data }));
}

/** A single-page 16-bit grayscale TIFF. */
export function encodeTiff16(width: number, height: number, value: (x: number, y: number) => number): Buffer {
  const data = new Uint16Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = value(x, y);
  return Buffer.from(writeTiff([{ width, height, samplesPerPixel: 1, data }]));
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
