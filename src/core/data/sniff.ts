/**
 * Format sniffing and header-only size reading. Content decides the format,
 * never the extension: files in dropped folders are often misnamed.
 */
import type { ImageFormat, ImageHeader } from './types';
import { basename, extension } from './path';

// A Map, not an object literal, so names like 'constructor' cannot hit prototype keys.
const EXTENSIONS = new Map<string, ImageFormat>([
  ['png', 'png'],
  ['jpg', 'jpeg'],
  ['jpeg', 'jpeg'],
  ['jpe', 'jpeg'],
  ['jfif', 'jpeg'],
  ['webp', 'webp'],
  ['bmp', 'bmp'],
  ['dib', 'bmp'],
  ['gif', 'gif'],
  ['tif', 'tiff'],
  ['tiff', 'tiff'],
]);

const FORMAT_NAMES: Record<ImageFormat, string> = {
  png: 'PNG',
  jpeg: 'JPEG',
  webp: 'WebP',
  bmp: 'BMP',
  gif: 'GIF',
  tiff: 'TIFF',
};

function ascii(bytes: Uint8Array, at: number, length: number): string {
  if (at + length > bytes.length) return '';
  return String.fromCharCode(...bytes.subarray(at, at + length));
}

/** Identify the format from magic bytes; null when unknown (or fewer than 12 bytes for WebP). */
export function sniffFormat(bytes: Uint8Array): ImageFormat | null {
  const b = bytes;
  if (b.length >= 8 && b[0] === 0x89 && ascii(b, 1, 3) === 'PNG' && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return 'webp';
  if (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a') return 'gif';
  // 'BM' alone is too weak (plain text can start with it): also require a known DIB header size.
  if (ascii(b, 0, 2) === 'BM' && b.length >= 18) {
    const dib = readU32LE(b, 14);
    if ([12, 16, 40, 52, 56, 64, 108, 124].includes(dib)) return 'bmp';
  }
  if (b.length >= 4) {
    // Classic TIFF has version 42, BigTIFF 43, in the byte order the first two bytes declare.
    if (b[0] === 0x49 && b[1] === 0x49 && (b[2] === 42 || b[2] === 43) && b[3] === 0) return 'tiff';
    if (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && (b[3] === 42 || b[3] === 43)) return 'tiff';
  }
  return null;
}

function readU16BE(b: Uint8Array, at: number): number {
  return (b[at] << 8) | b[at + 1];
}
function readU16LE(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8);
}
function readU24LE(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16);
}
function readU32BE(b: Uint8Array, at: number): number {
  return ((b[at] << 24) >>> 0) + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
}
function readU32LE(b: Uint8Array, at: number): number {
  return ((b[at + 3] << 24) >>> 0) + ((b[at + 2] << 16) | (b[at + 1] << 8) | b[at]);
}
function readI32LE(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24);
}

function pngHeader(b: Uint8Array): ImageHeader | null {
  if (b.length < 26 || ascii(b, 12, 4) !== 'IHDR') return null;
  const colourType = b[25];
  // Palette images (3) expand to 8-bit RGB; tRNS alpha is not knowable from IHDR.
  const channels = ({ 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 } as Record<number, number>)[colourType];
  if (channels === undefined) return null;
  return {
    format: 'png',
    width: readU32BE(b, 16),
    height: readU32BE(b, 20),
    channels,
    bitDepth: colourType === 3 ? 8 : b[24],
  };
}

// SOFn markers carry frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but are not frames.
const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function jpegHeader(b: Uint8Array): ImageHeader | null {
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i += 1; // fill byte before a marker
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2; // standalone markers have no length field
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return null; // scan data or end before any frame header
    const length = readU16BE(b, i + 2);
    if (length < 2) return null;
    if (SOF_MARKERS.has(marker)) {
      if (i + 10 > b.length) return null;
      const height = readU16BE(b, i + 5);
      const width = readU16BE(b, i + 7);
      // Height 0 means "defined later by a DNL marker", which this reader does not chase.
      if (width === 0 || height === 0) return null;
      // Four components are Adobe CMYK/YCCK, which decoders convert to RGB: 3 channels, no alpha.
      const components = b[i + 9];
      return { format: 'jpeg', width, height, bitDepth: b[i + 4], channels: components === 4 ? 3 : components };
    }
    i += 2 + length;
  }
  return null; // frame header lies beyond the bytes given (large APP segments): retry with more bytes
}

function webpHeader(b: Uint8Array): ImageHeader | null {
  if (b.length < 30) return null;
  const chunk = ascii(b, 12, 4);
  if (chunk === 'VP8 ') {
    // Lossy key frame: 3-byte frame tag, start code 9D 01 2A, then 14-bit sizes (top 2 bits = scale).
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return null;
    return { format: 'webp', width: readU16LE(b, 26) & 0x3fff, height: readU16LE(b, 28) & 0x3fff, channels: 3, bitDepth: 8 };
  }
  if (chunk === 'VP8L') {
    if (b[20] !== 0x2f) return null;
    const bits = readU32LE(b, 21);
    const width = (bits & 0x3fff) + 1;
    const height = ((bits >>> 14) & 0x3fff) + 1;
    const alpha = (bits >>> 28) & 1;
    return { format: 'webp', width, height, channels: alpha ? 4 : 3, bitDepth: 8 };
  }
  if (chunk === 'VP8X') {
    const alpha = (b[20] & 0x10) !== 0;
    return { format: 'webp', width: readU24LE(b, 24) + 1, height: readU24LE(b, 27) + 1, channels: alpha ? 4 : 3, bitDepth: 8 };
  }
  return null;
}

function bmpHeader(b: Uint8Array): ImageHeader | null {
  if (b.length < 26) return null;
  const dib = readU32LE(b, 14);
  let width: number;
  let height: number;
  let bpp: number;
  if (dib === 12) {
    width = readU16LE(b, 18);
    height = readU16LE(b, 20);
    bpp = readU16LE(b, 24);
  } else {
    if (b.length < 30) return null;
    width = readI32LE(b, 18);
    height = Math.abs(readI32LE(b, 22)); // negative height = top-down rows
    bpp = readU16LE(b, 28);
  }
  // 32-bit BMPs only carry real alpha when a V4/V5 header declares an alpha mask.
  const alphaMask = dib >= 56 && b.length >= 70 ? readU32LE(b, 66) : 0;
  const channels = bpp === 32 && alphaMask !== 0 ? 4 : 3;
  if (width <= 0 || height <= 0) return null;
  return { format: 'bmp', width, height, channels, bitDepth: 8 };
}

function gifHeader(b: Uint8Array): ImageHeader | null {
  if (b.length < 10) return null;
  // Logical screen size; transparency and frame count need a full parse, so they are left out.
  return { format: 'gif', width: readU16LE(b, 6), height: readU16LE(b, 8), bitDepth: 8 };
}

/**
 * Width/height (and channels/bit depth where the header states them) without
 * decoding pixels. Null for unknown/invalid/truncated headers, and for TIFF:
 * use `tiffHeader` from tiff.ts, which needs the whole IFD chain.
 */
export function readHeader(bytes: Uint8Array): ImageHeader | null {
  switch (sniffFormat(bytes)) {
    case 'png':
      return pngHeader(bytes);
    case 'jpeg':
      return jpegHeader(bytes);
    case 'webp':
      return webpHeader(bytes);
    case 'bmp':
      return bmpHeader(bytes);
    case 'gif':
      return gifHeader(bytes);
    default:
      return null;
  }
}

/** Format implied by a file name's extension, or null. */
export function formatFromExtension(path: string): ImageFormat | null {
  return EXTENSIONS.get(extension(path)) ?? null;
}

/**
 * Human warning when the extension disagrees with the sniffed content, else null.
 * A warning, not an error: the content is what gets decoded.
 */
export function extensionMismatch(path: string, format: ImageFormat): string | null {
  const ext = extension(path);
  if (EXTENSIONS.get(ext) === format) return null;
  const name = FORMAT_NAMES[format];
  return ext === '' ? `content is ${name} but the file has no extension` : `content is ${name} but extension is .${ext}`;
}

/**
 * True for image extensions. Skips macOS junk that rides along in dropped
 * folders and zips: AppleDouble '._x.jpg' files and anything under __MACOSX/.
 */
export function isLikelyImagePath(path: string): boolean {
  const p = path.replace(/\\/g, '/');
  if (basename(p).startsWith('._') || p.split('/').includes('__MACOSX')) return false;
  return EXTENSIONS.has(extension(p));
}
