import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { encode } from 'fast-png';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { decodeImageNode } from './nodeDecode';

describe('decodeImageNode', () => {
  it('decodes 8- and 16-bit PNG exactly', async () => {
    const d8 = Uint8Array.from({ length: 3 * 2 * 3 }, (_, i) => i * 7);
    const img8 = await decodeImageNode(encode({ width: 3, height: 2, channels: 3, depth: 8, data: d8 }));
    expect([img8.width, img8.height, img8.channels, img8.bitDepth]).toEqual([3, 2, 3, 8]);
    expect(Array.from(img8.data)).toEqual(Array.from(d8));
    const d16 = Uint16Array.from([0, 1000, 65535, 300]);
    const img16 = await decodeImageNode(encode({ width: 2, height: 2, channels: 1, depth: 16, data: d16 }));
    expect(img16.bitDepth).toBe(16);
    expect(Array.from(img16.data)).toEqual([0, 1000, 65535, 300]);
  });

  it('decodes JPEG to RGB close to the encoded pixels', async () => {
    const w = 16, h = 16;
    const rgba = new Uint8Array(w * h * 4);
    for (let i = 0; i < w * h; i++) rgba.set([200, 40, 90, 255], i * 4);
    const bytes = jpeg.encode({ width: w, height: h, data: rgba }, 95).data;
    const img = await decodeImageNode(new Uint8Array(bytes));
    expect(img.channels).toBe(3);
    expect(Math.abs(img.data[0] - 200)).toBeLessThan(6);
    expect(Math.abs(img.data[1] - 40)).toBeLessThan(6);
  });

  it('refuses non-images with the path in the message', async () => {
    await expect(decodeImageNode(new TextEncoder().encode('hello'), 'a/b.png')).rejects.toThrow(/a\/b\.png: not a recognised/);
  });

  const pacs = '../shared/data/pacs-subset/photo/dog';
  it.skipIf(!existsSync(pacs))('decodes the real PACS JPEGs', async () => {
    const file = readdirSync(pacs).sort()[0];
    const img = await decodeImageNode(new Uint8Array(readFileSync(`${pacs}/${file}`)));
    expect(img.width).toBeGreaterThan(100);
    expect(img.channels).toBe(3);
  });
});
