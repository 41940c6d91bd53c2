/**
 * TIFF decoding via geotiff: full bit depth and channel count are kept
 * (16-bit microscopy, float maps), unlike a browser <img> decode.
 */
import { fromArrayBuffer, type GeoTIFF, type GeoTIFFImage } from 'geotiff';
import type { DecodedImage, ImageHeader } from './types';
import { sniffFormat } from './sniff';

/** Error with a user-facing message; geotiff's own errors are wrapped into one of these. */
export class TiffError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TiffError';
  }
}

// Compression codes geotiff 2.x decodes; 50001 (WebP) needs DOM image APIs, so it is left out.
const SUPPORTED_COMPRESSION = new Set([1, 5, 7, 8, 32773, 32946, 34887]);
const COMPRESSION_NAMES: Record<number, string> = { 2: 'CCITT RLE', 3: 'CCITT G3', 4: 'CCITT G4', 6: 'old-style JPEG', 34712: 'JPEG 2000', 50000: 'Zstandard', 50001: 'WebP' };

// Photometric interpretations whose stored samples are not the displayed colours.
const PHOTOMETRIC_TO_RGB = new Set([3 /* palette */, 5 /* CMYK */, 6 /* YCbCr */, 8 /* CIELab */]);

interface FileDirectory {
  BitsPerSample?: ArrayLike<number>;
  SampleFormat?: ArrayLike<number>;
  Compression?: number;
  PhotometricInterpretation?: number;
  ExtraSamples?: ArrayLike<number>;
  StripOffsets?: ArrayLike<number>;
  StripByteCounts?: ArrayLike<number>;
  TileOffsets?: ArrayLike<number>;
  TileByteCounts?: ArrayLike<number>;
}

interface PageInfo {
  width: number;
  height: number;
  channels: number;
  bitDepth: number;
  sampleFormat: DecodedImage['sampleFormat'];
  photometric: number;
  toRgb: boolean;
  hasAlpha: boolean;
}

function corrupt(e: unknown): TiffError {
  if (e instanceof TiffError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new TiffError(`TIFF is truncated or corrupt: ${message}`);
}

/** The bytes as an ArrayBuffer; copied only when the view covers part of its buffer (geotiff only reads it). */
function toArrayBuffer(input: ArrayBuffer | Uint8Array): ArrayBuffer {
  if (input instanceof ArrayBuffer) return input;
  if (input.byteOffset === 0 && input.byteLength === input.buffer.byteLength && input.buffer instanceof ArrayBuffer) return input.buffer;
  return input.buffer.slice(input.byteOffset, input.byteOffset + input.byteLength) as ArrayBuffer;
}

async function open(buffer: ArrayBuffer): Promise<{ tiff: GeoTIFF; pages: number }> {
  if (sniffFormat(new Uint8Array(buffer, 0, Math.min(8, buffer.byteLength))) !== 'tiff') {
    throw new TiffError('not a TIFF file (missing II*/MM* signature)');
  }
  // A file cut before its first image directory gets a plain reason, not geotiff's DataView error.
  const view = new DataView(buffer);
  const little = view.getUint8(0) === 0x49;
  const bigTiff = view.getUint16(2, little) === 43;
  if (buffer.byteLength >= (bigTiff ? 16 : 8)) {
    const first = bigTiff ? Number(view.getBigUint64(8, little)) : view.getUint32(4, little);
    if (first + 2 > buffer.byteLength) {
      throw new TiffError(`TIFF is truncated or corrupt: its first image directory starts at byte ${first} but the file has ${buffer.byteLength} bytes`);
    }
  }
  try {
    const tiff = await fromArrayBuffer(buffer);
    // Counting walks the whole IFD chain, so a cut-off later page is caught here.
    const pages = await tiff.getImageCount();
    return { tiff, pages };
  } catch (e) {
    throw corrupt(e);
  }
}

function describePage(image: GeoTIFFImage, fileBytes: number, page: number): PageInfo {
  const fd = image.fileDirectory as FileDirectory;
  const width = image.getWidth();
  const height = image.getHeight();
  const spp = image.getSamplesPerPixel();
  if (!(width > 0 && height > 0 && spp > 0)) throw new TiffError(`TIFF is truncated or corrupt: page ${page} has size ${width}x${height}x${spp}`);

  const bits = Array.from(fd.BitsPerSample ?? [1]);
  if (new Set(bits).size > 1) throw new TiffError(`TIFF page ${page} mixes bits per sample (${bits.join(', ')}), which is not supported`);
  const formats = Array.from(fd.SampleFormat ?? [1]);
  if (new Set(formats).size > 1) throw new TiffError(`TIFF page ${page} mixes sample formats (${formats.join(', ')}), which is not supported`);
  const sampleFormat = ({ 1: 'uint', 2: 'int', 3: 'float' } as const)[formats[0] as 1 | 2 | 3];
  if (!sampleFormat) throw new TiffError(`TIFF page ${page} has unsupported SampleFormat ${formats[0]}`);

  const compression = fd.Compression ?? 1;
  if (!SUPPORTED_COMPRESSION.has(compression)) {
    const name = COMPRESSION_NAMES[compression];
    throw new TiffError(`TIFF compression ${compression}${name ? ` (${name})` : ''} is not supported`);
  }

  // geotiff slices the buffer without bounds checks and would return short data; check here.
  const offsets = fd.StripOffsets ?? fd.TileOffsets;
  const counts = fd.StripByteCounts ?? fd.TileByteCounts;
  if (!offsets || !counts) throw new TiffError(`TIFF is truncated or corrupt: page ${page} has no strip or tile offsets`);
  for (let i = 0; i < offsets.length; i++) {
    const end = offsets[i] + (counts[i] ?? 0);
    if (end > fileBytes) {
      throw new TiffError(`TIFF is truncated or corrupt: pixel data of page ${page} ends at byte ${end} but the file has ${fileBytes} bytes`);
    }
  }

  const photometric = fd.PhotometricInterpretation ?? 1;
  const toRgb = PHOTOMETRIC_TO_RGB.has(photometric);
  // ExtraSamples 1 = associated, 2 = unassociated alpha; 0 (unspecified) is an extra channel, not alpha.
  const extra = Array.from(fd.ExtraSamples ?? []);
  const hasAlpha = !toRgb && (extra[0] === 1 || extra[0] === 2);
  return toRgb
    ? { width, height, channels: 3, bitDepth: 8, sampleFormat: 'uint', photometric, toRgb, hasAlpha: false }
    : { width, height, channels: spp, bitDepth: bits[0], sampleFormat, photometric, toRgb, hasAlpha };
}

async function pageImage(tiff: GeoTIFF, pages: number, page: number): Promise<GeoTIFFImage> {
  if (!Number.isInteger(page) || page < 0 || page >= pages) {
    throw new TiffError(`TIFF page ${page} does not exist (the file has ${pages} page${pages === 1 ? '' : 's'})`);
  }
  try {
    return await tiff.getImage(page);
  } catch (e) {
    throw corrupt(e);
  }
}

/** Size, channels, bit depth of page 0 plus the page count, without decoding pixels. */
export async function tiffHeader(input: ArrayBuffer | Uint8Array): Promise<ImageHeader & { pages: number }> {
  const buffer = toArrayBuffer(input);
  const { tiff, pages } = await open(buffer);
  const info = describePage(await pageImage(tiff, pages, 0), buffer.byteLength, 0);
  return { format: 'tiff', width: info.width, height: info.height, channels: info.channels, bitDepth: info.bitDepth, pages };
}

/**
 * Decode one page to interleaved samples at native depth: 8/16/32-bit uint or
 * int, 32/64-bit float, any samples per pixel. Palette/CMYK/YCbCr/CIELab pages
 * become 8-bit RGB; WhiteIsZero gray is inverted so larger always means brighter.
 */
export async function decodeTiff(input: ArrayBuffer | Uint8Array, page = 0): Promise<DecodedImage> {
  const buffer = toArrayBuffer(input);
  const { tiff, pages } = await open(buffer);
  const image = await pageImage(tiff, pages, page);
  const info = describePage(image, buffer.byteLength, page);
  let data: DecodedImage['data'];
  try {
    const raster = info.toRgb ? await image.readRGB({ interleave: true }) : await image.readRasters({ interleave: true });
    data = raster as unknown as DecodedImage['data'];
  } catch (e) {
    throw corrupt(e);
  }
  if (data.length !== info.width * info.height * info.channels) {
    throw new TiffError(`TIFF is truncated or corrupt: page ${page} decoded to ${data.length} samples, expected ${info.width * info.height * info.channels}`);
  }
  if (info.photometric === 0 && info.sampleFormat === 'uint') {
    // Only the gray sample is inverted; extra samples (alpha, other channels) keep their meaning.
    const max = 2 ** info.bitDepth - 1;
    for (let i = 0; i < data.length; i += info.channels) data[i] = max - data[i];
  }
  return {
    width: info.width,
    height: info.height,
    channels: info.channels,
    bitDepth: info.bitDepth,
    sampleFormat: info.sampleFormat,
    data,
    pages,
    page,
    hasAlpha: info.hasAlpha,
  };
}
