/** Shared dataset types: what a dropped folder becomes. */

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'bmp' | 'gif' | 'tiff';

/** Pixels decoded from any supported file, before display mapping. */
export interface DecodedImage {
  width: number;
  height: number;
  /** Samples per pixel (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA, or more for multi-channel microscopy). */
  channels: number;
  /** Bits per sample of the source (8, 16, 32). */
  bitDepth: number;
  /** Sample type of `data`. */
  sampleFormat: 'uint' | 'int' | 'float';
  /** Interleaved samples, row-major, length = width * height * channels. */
  data: Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array | Uint8ClampedArray;
  /** Number of pages in the source file (multi-page TIFF); `data` holds page `page`. */
  pages: number;
  page: number;
  /**
   * Whether the last channel is alpha, when the decoder knows (TIFF ExtraSamples).
   * Undefined means "assume the usual convention": 2 = gray+alpha, 4 = RGBA.
   */
  hasAlpha?: boolean;
}

/** Lightweight facts read from a file's header without decoding pixels. */
export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
  channels?: number;
  bitDepth?: number;
  pages?: number;
}

/** Labels attached to one file: class, domain, camera, or any metadata column. */
export type Labels = Record<string, string>;

export interface DatasetItem {
  /** Stable id inside the dataset (index-based). */
  id: number;
  /** Path relative to the dropped root, with forward slashes. */
  path: string;
  bytes: number;
  format: ImageFormat;
  width: number;
  height: number;
  channels: number;
  bitDepth: number;
  pages: number;
  labels: Labels;
}

export interface FileError {
  path: string;
  reason: string;
  /** 'error': the file was not ingested. 'warning': ingested, but something needs attention (e.g. labels). */
  severity?: 'error' | 'warning';
}

export type LabelTemplateId = 'none' | 'class' | 'domain/class' | 'class/camera';

export interface DatasetMeta {
  id: string;
  name: string;
  createdAt: number;
  template: LabelTemplateId;
  itemCount: number;
  errorCount: number;
  /** Label key → value → count. */
  labelCounts: Record<string, Record<string, number>>;
  seed?: number;
  source: 'folder' | 'synthetic';
}
