/**
 * The GPU SIMCEP renderer against the CPU generator (`generateCellImage`, `renderCells`,
 * train.ts's `simcepBatch`) on whatever WebGPU adapter Dawn finds (SwiftShader on CPU-only
 * machines); skipped with a printed reason when there is none.
 *
 * Tolerance: max abs difference ≤ 1e-5 on [0, 1] intensities. Every random value is the same on
 * both sides (drawn on the CPU from the same streams, noise included), so what remains is f32
 * arithmetic on the GPU against the reference's float64 intermediates: the texture sums and their
 * min–max normalisation, the energy sums over the whole image (f32 tree reduction vs float64
 * running sum, ~1e-6 relative) that set the background scales, and the illumination polynomial.
 * Measured on SwiftShader: ≤ 5e-7. 1e-5 leaves room for other GPUs' division/sqrt accuracy (WGSL
 * allows 2.5 ULP) while still catching any misplaced pixel, tap, weight or scale (≥ 1e-3).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { selectNodeBackend } from '../../../core/backend/nodeWebgpu';
import { Rng } from '../../../core/rng/rng';
import { getTestDevice, releaseTestDevice } from '../../phenotype/gpu/testDevice';
import type { CellSpec } from '../cellShape';
import { defaultSimcepParams, generateCellImage, renderCells, smallSimcepParams, type ImagingConditions, type SimcepParams } from '../simcep';
import { simcepBatch } from '../train';
import {
  generateCellImagesGpu,
  readSimcepImages,
  renderCellsGpu,
  simcepBatchGpu,
  simcepGpuThroughput,
  type SimcepGpuBatch,
} from './simcepGpu';
import { tfjsWebGpuDevice } from './tfjsDevice';

const gpu = await getTestDevice('simcepGpu.test');
afterAll(async () => {
  await tf.setBackend('cpu');
  await releaseTestDevice();
});

const TOL = 1e-5;

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
}

async function images(device: GPUDevice, batch: SimcepGpuBatch): Promise<Float32Array[]> {
  try {
    const all = await readSimcepImages(device, batch);
    const n = batch.width * batch.height;
    return Array.from({ length: batch.count }, (_, b) => all.subarray(b * n, (b + 1) * n));
  } finally {
    batch.images.destroy();
  }
}

describe.skipIf(!gpu.device)('SIMCEP rendering on the GPU', () => {
  const device = gpu.device!;

  it('matches generateCellImage on several seeds and sizes (not multiples of the 16×16 tile)', async () => {
    const cases: [SimcepParams, number[]][] = [
      [smallSimcepParams, [1, 2, 3, 4]],
      [{ ...smallSimcepParams, width: 50, height: 37 }, [5, 6, 7]],
      [{ ...defaultSimcepParams, width: 131, height: 97, blurSigma: [2, 3.5] }, [8, 9]],
      [defaultSimcepParams, [10]],
    ];
    let worst = 0;
    for (const [params, seeds] of cases) {
      const rngs = seeds.map((s) => new Rng(s));
      const batch = await generateCellImagesGpu(device, params, rngs);
      const meta = batch.meta;
      const got = await images(device, batch);
      seeds.forEach((s, b) => {
        const want = generateCellImage(params, new Rng(s));
        expect(meta[b].boxes).toEqual(want.boxes);
        expect(meta[b].cells).toEqual(want.cells);
        expect(meta[b].imaging).toEqual(want.imaging);
        expect(meta[b].requestedCells).toBe(want.requestedCells);
        const d = maxAbsDiff(got[b], want.image);
        expect(d, `${params.width}×${params.height} seed ${s}`).toBeLessThanOrEqual(TOL);
        worst = Math.max(worst, d);
      });
    }
    console.log(`simcepGpu.test: max abs difference vs generateCellImage ${worst.toExponential(2)}`);
  });

  it('matches renderCells on edited cell lists: overlaps, brightness, off-image cells, no cells, no blur or noise', async () => {
    const params = { ...defaultSimcepParams, width: 96, height: 80 };
    const base = generateCellImage(params, new Rng(21));
    const first = base.cells[0];
    // A copy shifted by 3 px overlaps the original (coverage 2), at half brightness; a plain
    // ellipse crossing the left border; one entirely off the image.
    const edited: CellSpec[] = [
      ...base.cells,
      { ...first, cx: first.cx + 3, cy: first.cy + 2, brightness: 0.5, textureSeed: 99 },
      { cx: 2.5, cy: 40.2, rx: 9, ry: 5, rotation: 0.3, outline: [], textureSeed: 7, brightness: 1.3 },
      { ...first, cx: -60 },
    ];
    const quiet: ImagingConditions = { ...base.imaging, blurSigma: 0, noiseVariance: 0, photonsPerUnit: Infinity };
    const entries = [
      { cells: edited, rng: new Rng(21) },
      { cells: [] as CellSpec[], rng: new Rng(22) },
      { cells: edited, rng: new Rng(21), imaging: quiet },
    ];
    const batch = await renderCellsGpu(device, params, entries);
    const meta = batch.meta;
    const got = await images(device, batch);
    entries.forEach((e, b) => {
      const want = renderCells(e.cells, params, e.rng, e.imaging);
      expect(meta[b].boxes).toEqual(want.boxes);
      expect(meta[b].cells.length).toBe(want.cells.length);
      expect(maxAbsDiff(got[b], want.image)).toBeLessThanOrEqual(TOL);
    });
    expect(meta[0].cells.length).toBe(base.cells.length + 2); // the off-image cell is left out
    // Without blur and noise the ideal image shows through: the overlap's mean texture included.
    expect(got[2].some((v, k) => v !== got[0][k])).toBe(true);
  });

  it('simcepBatchGpu gives train.ts simcepBatch’s boxes, ground truth and pixels', async () => {
    const rng = new Rng(5);
    const want = simcepBatch(smallSimcepParams, rng, 3, 11);
    const batch = await simcepBatchGpu(device, smallSimcepParams, rng, 3, 11);
    expect(batch.boxes).toEqual(want.boxes);
    expect(batch.groundTruth).toEqual(want.groundTruth);
    let pixels: Float32Array;
    try {
      pixels = await readSimcepImages(device, { width: batch.width, height: batch.height, count: 3, images: batch.images, meta: [] });
    } finally {
      batch.images.destroy();
    }
    expect(maxAbsDiff(pixels, want.pixels)).toBeLessThanOrEqual(TOL);
  });

  it("'hash' noise: the same clean image plus noise of the right variance, reproducible per seed", async () => {
    const params = { ...smallSimcepParams, width: 72, height: 61 };
    const seeds = [31, 32, 33, 34, 35, 36];
    const scenes = seeds.map((s) => {
      const g = generateCellImage(params, new Rng(s));
      return { cells: g.cells, rng: new Rng(s), imaging: { ...g.imaging, noiseVariance: 1e-4, photonsPerUnit: 500 } };
    });
    const hashed = await images(device, await renderCellsGpu(device, params, scenes, { noise: 'hash' }));
    const again = await images(device, await renderCellsGpu(device, params, scenes, { noise: 'hash' }));
    const streamed = await images(device, await renderCellsGpu(device, params, scenes));
    let s1 = 0, s2 = 0, lag = 0, count = 0, pairs = 0;
    scenes.forEach((sc, b) => {
      expect(Array.from(again[b])).toEqual(Array.from(hashed[b]));
      expect(maxAbsDiff(hashed[b], streamed[b])).toBeGreaterThan(1e-3);
      const clean = renderCells(sc.cells, params, sc.rng, { ...sc.imaging, noiseVariance: 0, photonsPerUnit: Infinity }).image;
      const z = new Float64Array(clean.length).fill(NaN);
      clean.forEach((c, k) => {
        // Far enough from 0 and 1 that clipping is negligible (≥ 4σ).
        if (c < 0.06 || c > 0.94) return;
        z[k] = (hashed[b][k] - c) / Math.sqrt(1e-4 + c / 500);
        s1 += z[k];
        s2 += z[k] * z[k];
        count++;
      });
      for (let k = 1; k < z.length; k++) {
        if (k % params.width !== 0 && !Number.isNaN(z[k]) && !Number.isNaN(z[k - 1])) {
          lag += z[k] * z[k - 1];
          pairs++;
        }
      }
    });
    expect(count).toBeGreaterThan(5000);
    const mean = s1 / count, variance = s2 / count - mean * mean;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(variance).toBeGreaterThan(0.9);
    expect(variance).toBeLessThan(1.1);
    expect(Math.abs(lag / pairs)).toBeLessThan(0.05); // neighbouring pixels uncorrelated
    // Different seeds give different noise.
    const other = await images(device, await renderCellsGpu(device, params, [{ ...scenes[0], rng: new Rng(999) }], { noise: 'hash' }));
    expect(maxAbsDiff(other[0], hashed[0])).toBeGreaterThan(1e-3);
  });

  it('renders on tfjs’s device straight into an image tensor', async (ctx) => {
    const sel = await selectNodeBackend('webgpu', () => undefined);
    if (sel.backend !== 'webgpu') {
      console.log(`simcepGpu.test: tfjs path skipped (${sel.fallbackReason})`);
      ctx.skip();
      return;
    }
    const params = { ...smallSimcepParams, width: 40, height: 33 };
    const rng = new Rng(12);
    const batch = await simcepBatchGpu(tfjsWebGpuDevice()!, params, rng, 2);
    // Without zeroCopy tfjs copies the buffer, so it can go right away.
    const images = tf.tensor({ buffer: batch.images }, [2, params.height, params.width, 1], 'float32');
    batch.images.destroy();
    const got = (await images.data()) as Float32Array;
    images.dispose();
    expect(maxAbsDiff(got, simcepBatch(params, rng, 2).pixels)).toBeLessThanOrEqual(TOL);
  });

  it('reports a throughput and rejects an invalid size', async () => {
    const rate = await simcepGpuThroughput(device, smallSimcepParams, 6, { batchSize: 4 });
    expect(Number.isFinite(rate) && rate > 0).toBe(true);
    await expect(generateCellImagesGpu(device, { ...smallSimcepParams, width: 0 }, [new Rng(1)])).rejects.toThrow(/invalid image size/);
  });
});
