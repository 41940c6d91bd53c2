/**
 * Minimal baseline TIFF encoder for tests: little-endian, uncompressed,
 * chunky (PlanarConfiguration = 1) strips, one IFD per page chained in order.
 * It exists so tests can build exact fixtures instead of shipping binaries.
 */

export type TiffSamples = Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array | Int32Array | Float32Array;

export interface TiffPage {
  width: number;
  height: number;
  samplesPerPixel: number;
  /** Interleaved samples, row-major; its type decides BitsPerSample and SampleFormat. */
  data: TiffSamples;
  /** Defaults: 1 (BlackIsZero) for 1–2 samples, 2 (RGB) for 3+. */
  photometric?: number;
  /** ExtraSamples values; default: 0 (unspecified) for every sample beyond gray/RGB. */
  extraSamples?: number[];
  /** Rows per strip; default 2 so multi-strip layout is exercised. */
  rowsPerStrip?: number;
  /** Extra ASCII tags (e.g. 271 Make, 272 Model). */
  ascii?: Record<number, string>;
}

const SHORT = 3;
const LONG = 4;
const ASCII = 2;

function sampleInfo(data: TiffSamples): { bits: number; format: number } {
  if (data instanceof Uint8Array) return { bits: 8, format: 1 };
  if (data instanceof Int8Array) return { bits: 8, format: 2 };
  if (data instanceof Uint16Array) return { bits: 16, format: 1 };
  if (data instanceof Int16Array) return { bits: 16, format: 2 };
  if (data instanceof Uint32Array) return { bits: 32, format: 1 };
  if (data instanceof Int32Array) return { bits: 32, format: 2 };
  return { bits: 32, format: 3 };
}

interface Entry {
  tag: number;
  type: number;
  values: number[] | string;
}

export function writeTiff(pages: TiffPage[]): Uint8Array {
  // Lay out each page as [pixel bytes][IFD][out-of-line values], sizes first.
  const chunks: Uint8Array[] = [];
  let offset = 8;
  const header = new Uint8Array(8);
  const hv = new DataView(header.buffer);
  header[0] = 0x49;
  header[1] = 0x49;
  hv.setUint16(2, 42, true);
  chunks.push(header);
  let prevNextPtr: { chunk: Uint8Array; at: number } | null = null;

  pages.forEach((page, pageIndex) => {
    const { width, height, samplesPerPixel: spp, data } = page;
    if (data.length !== width * height * spp) throw new Error('writeTiff: data length mismatch');
    const { bits, format } = sampleInfo(data);
    const bytesPerRow = width * spp * (bits / 8);
    const rowsPerStrip = page.rowsPerStrip ?? 2;
    const strips = Math.ceil(height / rowsPerStrip);

    const pixelStart = offset;
    const pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    // Typed arrays are host-endian; every supported platform is little-endian, as is this file.
    chunks.push(pixels);
    offset += pixels.length + (pixels.length % 2);
    if (pixels.length % 2) chunks.push(new Uint8Array(1));

    const stripOffsets: number[] = [];
    const stripCounts: number[] = [];
    for (let s = 0; s < strips; s++) {
      const rows = Math.min(rowsPerStrip, height - s * rowsPerStrip);
      stripOffsets.push(pixelStart + s * rowsPerStrip * bytesPerRow);
      stripCounts.push(rows * bytesPerRow);
    }
    const colour = spp >= 3 ? 3 : 1;
    const photometric = page.photometric ?? (spp >= 3 ? 2 : 1);
    const extra = page.extraSamples ?? new Array<number>(Math.max(0, spp - colour)).fill(0);
    const entries: Entry[] = [
      { tag: 256, type: LONG, values: [width] },
      { tag: 257, type: LONG, values: [height] },
      { tag: 258, type: SHORT, values: new Array<number>(spp).fill(bits) },
      { tag: 259, type: SHORT, values: [1] },
      { tag: 262, type: SHORT, values: [photometric] },
      { tag: 273, type: LONG, values: stripOffsets },
      { tag: 277, type: SHORT, values: [spp] },
      { tag: 278, type: LONG, values: [rowsPerStrip] },
      { tag: 279, type: LONG, values: stripCounts },
      { tag: 284, type: SHORT, values: [1] },
      { tag: 339, type: SHORT, values: new Array<number>(spp).fill(format) },
    ];
    if (extra.length) entries.push({ tag: 338, type: SHORT, values: extra });
    for (const [tag, text] of Object.entries(page.ascii ?? {})) entries.push({ tag: Number(tag), type: ASCII, values: text + '\0' });
    entries.sort((a, b) => a.tag - b.tag);

    const ifdStart = offset;
    const ifdSize = 2 + entries.length * 12 + 4;
    let extOffset = ifdStart + ifdSize;
    const ext: number[] = [];
    const ifd = new Uint8Array(ifdSize);
    const dv = new DataView(ifd.buffer);
    dv.setUint16(0, entries.length, true);
    entries.forEach((e, i) => {
      const at = 2 + i * 12;
      const count = e.values.length;
      const size = e.type === SHORT ? 2 : e.type === LONG ? 4 : 1;
      dv.setUint16(at, e.tag, true);
      dv.setUint16(at + 2, e.type, true);
      dv.setUint32(at + 4, count, true);
      const bytes: number[] = [];
      for (let k = 0; k < count; k++) {
        const v = typeof e.values === 'string' ? e.values.charCodeAt(k) : e.values[k];
        for (let b = 0; b < size; b++) bytes.push((v >>> (8 * b)) & 0xff);
      }
      if (bytes.length <= 4) {
        bytes.forEach((b, k) => dv.setUint8(at + 8 + k, b));
      } else {
        dv.setUint32(at + 8, extOffset, true);
        ext.push(...bytes);
        if (bytes.length % 2) ext.push(0);
        extOffset += bytes.length + (bytes.length % 2);
      }
    });
    if (pageIndex === 0) hv.setUint32(4, ifdStart, true);
    else if (prevNextPtr) new DataView(prevNextPtr.chunk.buffer).setUint32(prevNextPtr.at, ifdStart, true);
    prevNextPtr = { chunk: ifd, at: ifdSize - 4 };
    chunks.push(ifd, Uint8Array.from(ext));
    offset = extOffset;
  });

  const out = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
