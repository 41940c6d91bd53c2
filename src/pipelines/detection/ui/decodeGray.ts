/** Decode a user image (any browser format, or TIFF) to gray [0, 1], padded to multiples of 32. */
import { decodeTiff } from '../../../core/data/tiff';
import { sniffFormat } from '../../../core/data/sniff';
import { toRgba8 } from '../../../core/data/display';

const MAX_SIDE = 2048;

export async function decodeToGray(file: Blob): Promise<{ image: Float32Array; width: number; height: number }> {
  const head = new Uint8Array(await file.slice(0, 64).arrayBuffer());
  const fmt = sniffFormat(head);
  if (!fmt) throw new Error('not an image (unrecognised content)');
  let rgba: Uint8ClampedArray, w: number, h: number;
  if (fmt === 'tiff') {
    const img = await decodeTiff(await file.arrayBuffer(), 0);
    rgba = toRgba8(img, {});
    w = img.width;
    h = img.height;
  } else {
    const bmp = await createImageBitmap(file).catch(() => {
      throw new Error('the browser could not decode it (corrupt or unsupported)');
    });
    w = bmp.width;
    h = bmp.height;
    const c = new OffscreenCanvas(w, h);
    const ctx = c.getContext('2d')!;
    ctx.drawImage(bmp, 0, 0);
    bmp.close();
    rgba = ctx.getImageData(0, 0, w, h).data;
  }
  if (w > MAX_SIDE || h > MAX_SIDE) throw new Error(`image is ${w}×${h}; the interactive panel takes up to ${MAX_SIDE}² (use a training/evaluation job for larger images)`);
  // Pad right/bottom to multiples of 32 (the detector's stride) so boxes keep their coordinates.
  const W = Math.ceil(w / 32) * 32, H = Math.ceil(h / 32) * 32;
  const image = new Float32Array(W * H);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const o = 4 * (y * w + x);
    image[y * W + x] = (rgba[o] + rgba[o + 1] + rgba[o + 2]) / (3 * 255);
  }
  return { image, width: W, height: H };
}
