/**
 * Full-resolution decoding of one image file inside a job worker. TIFF always goes through the
 * app's geotiff reader (browsers cannot decode it); PNG through fast-png, which keeps 16-bit
 * samples and grayscale/gray+alpha layouts that a canvas would flatten to 8-bit RGBA; every other
 * format (JPEG, WebP, BMP, GIF, palette PNG) through an injected `DecodeFn` — the browser passes
 * `decodeWithCanvas`, Node passes `decodeImageNode`.
 */
import { decode as decodePng } from 'fast-png';
import { sniffFormat } from './sniff';
import { decodeTiff } from './tiff';
import type { DecodedImage } from './types';

/** Decodes one non-TIFF image file (PNG, JPEG, …); throws on failure. */
export type DecodeFn = (bytes: Uint8Array, path: string) => Promise<DecodedImage>;

/** Decode any supported file: TIFF here (page 0), everything else through `decode`. */
export async function decodeImageFile(bytes: Uint8Array, path: string, decode: DecodeFn): Promise<DecodedImage> {
  const format = sniffFormat(bytes);
  if (format === null) throw new Error('not a recognised image format (PNG, JPEG, WebP, BMP, GIF or TIFF)');
  const img = format === 'tiff' ? await decodeTiff(bytes) : await decode(bytes, path);
  if (img.data.length < img.width * img.height * img.channels) {
    throw new Error(`decoder returned ${img.data.length} samples for ${img.width}×${img.height}×${img.channels}`);
  }
  return img;
}

/**
 * Browser/worker `DecodeFn`: createImageBitmap + OffscreenCanvas → 8-bit RGBA (16-bit PNGs are
 * reduced to 8 bits). Colour-space conversion and alpha premultiplication are switched off so
 * mask values and gray levels arrive unchanged. Not available in Node (tests inject a PNG decoder).
 */
export async function decodeWithCanvas(bytes: Uint8Array, path: string): Promise<DecodedImage> {
  const bitmap = await createImageBitmap(new Blob([bytes.slice()]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error(`${path}: no 2D canvas context to decode with`);
    ctx.drawImage(bitmap, 0, 0);
    const { data } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
    return { width: bitmap.width, height: bitmap.height, channels: 4, bitDepth: 8, sampleFormat: 'uint', data, pages: 1, page: 0 };
  } finally {
    bitmap.close();
  }
}

/**
 * Like `decodeImageFile`, but non-palette PNGs are decoded by fast-png so their bit depth and
 * channel count survive (microscopy PNGs are often 16-bit gray); `fallback` gets the rest.
 */
export async function decodeKeepingDepth(bytes: Uint8Array, path: string, fallback: DecodeFn): Promise<DecodedImage> {
  if (sniffFormat(bytes) === 'png') {
    let png: ReturnType<typeof decodePng>;
    try {
      png = decodePng(bytes);
    } catch (e) {
      throw new Error(`PNG could not be decoded: ${(e as Error).message}`);
    }
    if (!png.palette) {
      const data = png.data instanceof Uint16Array ? png.data : new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
      return { width: png.width, height: png.height, channels: png.channels, bitDepth: png.depth, sampleFormat: 'uint', data, pages: 1, page: 0 };
    }
  }
  return decodeImageFile(bytes, path, fallback);
}
