/**
 * Node stand-ins for the worker canvas APIs that ingestion uses for thumbnails (createImageBitmap,
 * OffscreenCanvas, ImageData), for tests that run the ingest job outside a browser.
 *
 * createImageBitmap really decodes PNGs (fast-png) at full size and resizes them (nearest
 * neighbour) to the requested size, as the browser does; the "encoded" thumbnail is the canvas's
 * raw RGBA in a Blob. Every bitmap is counted, so a test can check that each one was closed.
 */
import { decode as decodePng } from 'fast-png';

export class StandInImageData {
  constructor(
    readonly data: Uint8ClampedArray,
    readonly width: number,
    readonly height: number,
  ) {
    if (data.length !== width * height * 4) throw new Error(`ImageData: ${data.length} bytes for ${width}×${height}`);
  }
}

export class StandInBitmap {
  pixels: Uint8ClampedArray | null;
  constructor(
    readonly width: number,
    readonly height: number,
    pixels: Uint8ClampedArray,
    private readonly stats: BitmapStats,
  ) {
    this.pixels = pixels;
    stats.opened++;
  }
  close(): void {
    if (this.pixels) this.stats.closed++;
    this.pixels = null;
  }
}

export interface BitmapStats {
  opened: number;
  closed: number;
  /** Pixels of the full-size decodes (before the resize), summed. */
  decodedPixels: number;
}

/** Nearest-neighbour resize of interleaved RGBA. */
function resizeRgba(src: Uint8ClampedArray, w: number, h: number, ow: number, oh: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(ow * oh * 4);
  for (let y = 0; y < oh; y++) {
    const sy = Math.min(h - 1, Math.floor(((y + 0.5) * h) / oh));
    for (let x = 0; x < ow; x++) {
      const sx = Math.min(w - 1, Math.floor(((x + 0.5) * w) / ow));
      out.set(src.subarray((sy * w + sx) * 4, (sy * w + sx) * 4 + 4), (y * ow + x) * 4);
    }
  }
  return out;
}

/** PNG bytes → 8-bit RGBA (gray, gray+alpha and RGB expanded). */
function pngToRgba(bytes: Uint8Array): { data: Uint8ClampedArray; width: number; height: number } {
  const png = decodePng(bytes);
  if (png.depth !== 8 || png.palette) throw new Error('stand-in createImageBitmap decodes 8-bit non-palette PNGs only');
  const { width, height, channels } = png;
  const src = png.data as Uint8Array;
  const out = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const s = p * channels;
    const gray = channels < 3;
    out[p * 4] = src[s];
    out[p * 4 + 1] = gray ? src[s] : src[s + 1];
    out[p * 4 + 2] = gray ? src[s] : src[s + 2];
    out[p * 4 + 3] = channels === 2 ? src[s + 1] : channels === 4 ? src[s + 3] : 255;
  }
  return { data: out, width, height };
}

class StandInContext2D {
  constructor(private readonly canvas: StandInOffscreenCanvas) {}
  putImageData(img: StandInImageData, dx: number, dy: number): void {
    if (dx !== 0 || dy !== 0 || img.width !== this.canvas.width || img.height !== this.canvas.height) throw new Error('stand-in putImageData: whole-canvas writes only');
    this.canvas.pixels = img.data.slice();
  }
  drawImage(bmp: StandInBitmap, dx: number, dy: number): void {
    if (!bmp.pixels) throw new Error('drawImage: the bitmap is closed');
    if (dx !== 0 || dy !== 0) throw new Error('stand-in drawImage: draws at (0, 0) only');
    this.canvas.pixels = bmp.width === this.canvas.width && bmp.height === this.canvas.height
      ? bmp.pixels.slice()
      : resizeRgba(bmp.pixels, bmp.width, bmp.height, this.canvas.width, this.canvas.height);
  }
}

export class StandInOffscreenCanvas {
  pixels: Uint8ClampedArray;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = new Uint8ClampedArray(width * height * 4);
  }
  getContext(kind: string): StandInContext2D | null {
    return kind === '2d' ? new StandInContext2D(this) : null;
  }
  async convertToBlob(opts: { type?: string } = {}): Promise<Blob> {
    return new Blob([this.pixels as Uint8ClampedArray<ArrayBuffer>], { type: opts.type ?? 'image/png' });
  }
}

/** The globals to install (e.g. with vi.stubGlobal), and the bitmap counters. */
export function canvasStandIns(): { globals: Record<string, unknown>; bitmaps: BitmapStats } {
  const bitmaps: BitmapStats = { opened: 0, closed: 0, decodedPixels: 0 };
  const createImageBitmap = async (blob: Blob, opts: { resizeWidth?: number; resizeHeight?: number } = {}): Promise<StandInBitmap> => {
    const full = pngToRgba(new Uint8Array(await blob.arrayBuffer()));
    bitmaps.decodedPixels += full.width * full.height;
    const w = opts.resizeWidth ?? full.width;
    const h = opts.resizeHeight ?? full.height;
    const pixels = w === full.width && h === full.height ? full.data : resizeRgba(full.data, full.width, full.height, w, h);
    return new StandInBitmap(w, h, pixels, bitmaps);
  };
  return { globals: { createImageBitmap, OffscreenCanvas: StandInOffscreenCanvas, ImageData: StandInImageData }, bitmaps };
}
