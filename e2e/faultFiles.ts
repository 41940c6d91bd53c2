/**
 * Faulty and unusual image files for the ingest reliability tests, written at run time
 * (no binary fixtures in the repository).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { encode as encodeJpegRgb } from 'jpeg-js';
import { encodePng as encodePngImage } from '../src/pipelines/detection/testdata/png';

/** A PNG of 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA) channels; Uint16Array samples give a 16-bit PNG. */
export function png(width: number, height: number, channels: 1 | 2 | 3 | 4, sample: (x: number, y: number, c: number) => number, depth: 8 | 16 = 8): Buffer {
  const data = depth === 16 ? new Uint16Array(width * height * channels) : new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = sample(x, y, c);
  return Buffer.from(encodePngImage({ width, height, channels, data }));
}

/** A baseline YCbCr JPEG (jpeg-js) of an RGB pattern. */
export function jpeg(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set([...pixel(x, y), 255], (y * width + x) * 4);
  return encodeJpegRgb({ width, height, data }, 90).data;
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * A PNG whose IHDR claims `width`×`height` while its pixel data is that of a 1×1 image: a small
 * file announcing a huge decode (a "decompression bomb" shape). Chunk CRCs are valid.
 */
export function pngClaimingSize(width: number, height: number): Buffer {
  const out = Buffer.from(png(1, 1, 1, () => 0));
  out.writeUInt32BE(width, 16);
  out.writeUInt32BE(height, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 29)), 29); // CRC over 'IHDR' + 13 data bytes
  return out;
}

/** MSB-first bit writer for JPEG entropy-coded data, with 0xFF byte stuffing. */
class BitWriter {
  bytes: number[] = [];
  private acc = 0;
  private n = 0;
  write(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >>> i) & 1);
      if (++this.n === 8) this.emit();
    }
  }
  private emit(): void {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0x00);
    this.acc = 0;
    this.n = 0;
  }
  flush(): void {
    while (this.n !== 0) this.write(1, 1); // pad with 1-bits
  }
}

function segment(marker: number, body: number[]): number[] {
  const length = body.length + 2;
  return [0xff, marker, length >> 8, length & 0xff, ...body];
}

/**
 * A flat-colour baseline CMYK JPEG as Photoshop writes it: an Adobe APP14 segment (transform 0),
 * four components without subsampling and inverted samples (255 = no ink). `inverted` gives the
 * stored C, M, Y, K values; a decoder shows R = C·K/255, G = M·K/255, B = Y·K/255.
 * Only DC coefficients are coded (every block is flat), with small hand-made Huffman tables.
 */
export function cmykJpeg(width: number, height: number, inverted: [number, number, number, number]): Buffer {
  const bytes: number[] = [0xff, 0xd8];
  bytes.push(...segment(0xee, [...Buffer.from('Adobe'), 0, 100, 0, 0, 0, 0, 0]));
  bytes.push(...segment(0xdb, [0x00, ...new Array<number>(64).fill(1)])); // quantiser 1 everywhere
  const components = [1, 2, 3, 4];
  bytes.push(...segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 4, ...components.flatMap((id) => [id, 0x11, 0])]));
  // DC table 0: categories 0–11, each a 4-bit code 0000…1011. AC table 0: only EOB, code '0'.
  const dcCounts = new Array<number>(16).fill(0);
  dcCounts[3] = 12;
  bytes.push(...segment(0xc4, [0x00, ...dcCounts, ...Array.from({ length: 12 }, (_, i) => i)]));
  const acCounts = new Array<number>(16).fill(0);
  acCounts[0] = 1;
  bytes.push(...segment(0xc4, [0x10, ...acCounts, 0x00]));
  bytes.push(...segment(0xda, [4, ...components.flatMap((id) => [id, 0x00]), 0, 63, 0]));

  const bits = new BitWriter();
  const dc = inverted.map((v) => 8 * (v - 128)); // DC of a flat block of level-shifted samples
  const previous = [0, 0, 0, 0];
  const mcus = Math.ceil(width / 8) * Math.ceil(height / 8);
  for (let m = 0; m < mcus; m++) {
    for (let c = 0; c < 4; c++) {
      const diff = dc[c] - previous[c];
      previous[c] = dc[c];
      const category = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1;
      bits.write(category, 4);
      if (category > 0) bits.write(diff > 0 ? diff : diff + (1 << category) - 1, category);
      bits.write(0, 1); // EOB: the 63 AC coefficients are zero
    }
  }
  bits.flush();
  bytes.push(...bits.bytes, 0xff, 0xd9);
  return Buffer.from(bytes);
}

/** Write `files` (relative path → bytes; a path ending in '/' makes an empty folder) below a new folder `root`; returns its path. */
export function writeTree(root: string, files: Record<string, Buffer | string>): string {
  const top = join(mkdtempSync(join(tmpdir(), 'wb-e2e-')), root);
  mkdirSync(top, { recursive: true });
  for (const [rel, data] of Object.entries(files)) {
    const p = join(top, rel);
    if (rel.endsWith('/')) {
      mkdirSync(p, { recursive: true });
      continue;
    }
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, data);
  }
  return top;
}
