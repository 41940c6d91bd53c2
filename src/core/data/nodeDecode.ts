/**
 * Image decoding outside the browser (CLI, benchmarks, Node tests), where createImageBitmap does
 * not exist: PNG through fast-png, JPEG through jpeg-js, TIFF through the app's geotiff reader.
 * Same DecodedImage shape as the browser path, so the pipelines' loaders take either.
 */
import { decode as decodePngFile } from 'fast-png';
import jpeg from 'jpeg-js';
import { sniffFormat } from './sniff';
import { decodeTiff } from './tiff';
import type { DecodedImage } from './types';

/** Largest JPEG the decoder accepts, in megapixels and bytes of decoded memory. */
const JPEG_LIMITS = { maxResolutionInMP: 200, maxMemoryUsageInMB: 2048 };

export async function decodeImageNode(bytes: Uint8Array, path = '(image)'): Promise<DecodedImage> {
  const format = sniffFormat(bytes);
  switch (format) {
    case 'png': {
      const png = decodePngFile(bytes);
      if (png.palette) throw new Error(`${path}: palette PNGs are not supported here; re-save as RGB`);
      const data = png.data instanceof Uint16Array ? png.data : new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
      return { width: png.width, height: png.height, channels: png.channels, bitDepth: png.depth, sampleFormat: 'uint', data, pages: 1, page: 0 };
    }
    case 'jpeg': {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, ...JPEG_LIMITS });
      const channels = img.data.length / (img.width * img.height);
      if (channels !== 3 && channels !== 1) throw new Error(`${path}: JPEG decoded to ${channels} channels`);
      return { width: img.width, height: img.height, channels, bitDepth: 8, sampleFormat: 'uint', data: img.data, pages: 1, page: 0 };
    }
    case 'tiff':
      return decodeTiff(bytes);
    case null:
      throw new Error(`${path}: not a recognised image format`);
    default:
      throw new Error(`${path}: ${format} files can only be decoded in the browser; convert to PNG or JPEG`);
  }
}
