/// <reference types="@webgpu/types/dist" />
/**
 * The SIMCEP-style generator (../simcep.ts) with its per-pixel rendering on the GPU, a whole
 * batch per submit. Every random draw stays on the CPU with the reference's Rng streams — the
 * layout (`rng.fork('layout')`), the imaging conditions (`fork('imaging')`), each cell's texture
 * grids (`new Rng(textureSeed)`), the autofluorescence grids (`fork('autofluorescence')`) and,
 * by default, the per-pixel noise (`fork('noise')`, uploaded as a field) — so a seed gives the same
 * cells, boxes and image as `generateCellImage` / `renderCells`, up to f32 rounding on the GPU
 * (max abs difference ≤ 5e-7 on [0, 1] intensities measured on SwiftShader; the tests allow 1e-5).
 *
 * What the CPU still does per image: the layout with its overlap rule (which needs the masks
 * anyway, so the masks are uploaded instead of re-rasterised: an f32 point-in-polygon test on the
 * GPU could flip edge pixels and change a ground-truth box), the grid draws (a few thousand
 * values), the Gaussian taps and O(W + H) illumination constants. With `noise: 'hash'` the
 * noise is drawn on the GPU from a counter-based hash seeded by `fork('noise')` instead: the same
 * distribution, different values (the Box–Muller stream is sequential: ~1.5 ms per 224² image on
 * one CPU thread, about three times the rest of the preparation).
 *
 * CPU preparation: simcepPrepare.ts; kernels: simcepKernels.ts.
 */
import { Rng } from '../../../core/rng/rng';
import { toCenterBox, type Box, type CenterBox } from '../boxes';
import type { CellMask, CellSpec } from '../cellShape';
import { layoutCells, type CellImage, type ImagingConditions, type SimcepParams } from '../simcep';
import { bindBuffers, checkBindingSize, computePipeline, dispatch, readBuffer, storageBuffer, storageBufferFrom, uniformBuffer } from '../../phenotype/gpu/util';
import { withErrorScopes } from './errorScope';
import { BLUR_X_WGSL, COMPOSE_WGSL, ENERGY_WGSL, FINISH_WGSL, JOB_WORDS, TEXTURE_WGSL, TILE } from './simcepKernels';
import { prepareScenes } from './simcepPrepare';

export type SimcepGpuNoise = 'stream' | 'hash';

export interface SimcepGpuOptions {
  /** 'stream' (default): the reference's noise values, uploaded; 'hash': drawn on the GPU. */
  noise?: SimcepGpuNoise;
}

/** One image to render: its cells (with masks when the layout already made them) and its Rng. */
export interface SimcepScene {
  cells: readonly CellSpec[];
  /** rasteriseCell(cells[i]) for each cell; computed here when absent. */
  masks?: readonly CellMask[];
  rng: Rng;
  /** Imaging conditions to reuse instead of drawing them from rng.fork('imaging'). */
  imaging?: ImagingConditions;
  /** Reported as `requestedCells` (default cells.length). */
  requestedCells?: number;
}

/** A rendered batch: images on the GPU, everything else as `CellImage` has it. */
export interface SimcepGpuBatch {
  width: number;
  height: number;
  count: number;
  /** count×height×width f32 in [0, 1], row-major, image after image; the caller destroys it. */
  images: GPUBuffer;
  /** Per image, `CellImage` without the pixels. */
  meta: Omit<CellImage, 'image'>[];
}

interface Kernels {
  texture: GPUComputePipeline;
  compose: GPUComputePipeline;
  energy: GPUComputePipeline;
  blurX: GPUComputePipeline;
  finish: GPUComputePipeline;
}

async function kernels(device: GPUDevice): Promise<Kernels> {
  const [texture, compose, energy, blurX, finish] = await Promise.all([
    computePipeline(device, TEXTURE_WGSL, 'simcep-texture'),
    computePipeline(device, COMPOSE_WGSL, 'simcep-compose'),
    computePipeline(device, ENERGY_WGSL, 'simcep-energy'),
    computePipeline(device, BLUR_X_WGSL, 'simcep-blur-x'),
    computePipeline(device, FINISH_WGSL, 'simcep-finish'),
  ]);
  return { texture, compose, energy, blurX, finish };
}

function checkParams(params: SimcepParams): void {
  const { width, height } = params;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`simcepGpu: invalid image size ${width}×${height}`);
  }
}

/**
 * Renders `scenes` (cells + Rng each) in one submit. The GPU counterpart of calling
 * renderMasked for each scene: `renderCells` when only cells are given, `generateCellImage`'s
 * second half when the layout's masks are passed along.
 */
export async function renderScenesGpu(
  device: GPUDevice,
  params: SimcepParams,
  scenes: readonly SimcepScene[],
  options: SimcepGpuOptions = {},
): Promise<SimcepGpuBatch> {
  checkParams(params);
  const { width, height } = params;
  const count = scenes.length;
  const n = width * height;
  checkBindingSize(device, Math.max(1, count) * n * 4, 'simcepGpu (image batch)');
  const images = storageBuffer(device, count * n * 4, 'simcep-images');
  if (count === 0) return { width, height, count, images, meta: [] };
  const noiseMode = options.noise ?? 'stream';
  const k = await kernels(device);
  const p = prepareScenes(params, scenes, noiseMode);
  const jobCount = p.jobs.u.length / JOB_WORDS;
  const maxDim = device.limits.maxComputeWorkgroupsPerDimension;
  if (jobCount > maxDim) throw new Error(`simcepGpu: ${jobCount} textures in one batch exceed the dispatch limit ${maxDim}; render fewer images per call`);
  checkBindingSize(device, p.texLength * 4, 'simcepGpu (textures)');

  const temps: GPUBuffer[] = [];
  const temp = (b: GPUBuffer) => (temps.push(b), b);
  try {
    await withErrorScopes(device, 'simcepGpu', () => {
      const uniforms = temp(uniformBuffer(device, new Uint32Array([width, height, count, noiseMode === 'stream' ? 0 : 1]).buffer, 'simcep-params'));
      const jobs = temp(storageBufferFrom(device, p.jobs.u, 'simcep-jobs'));
      const octs = temp(storageBufferFrom(device, Uint32Array.from(p.octaves.length ? p.octaves : [0]), 'simcep-octaves'));
      const grids = temp(storageBufferFrom(device, p.grids.length ? p.grids : new Float32Array(1), 'simcep-grids'));
      const filtered = temp(storageBuffer(device, p.grids.length * 4, 'simcep-grids-filtered'));
      const tex = temp(storageBuffer(device, p.texLength * 4, 'simcep-textures'));
      const imageTable = temp(storageBufferFrom(device, p.images.u, 'simcep-image-table'));
      const cellTable = temp(storageBufferFrom(device, p.cells.u, 'simcep-cell-table'));
      const masks = temp(storageBufferFrom(device, p.masks.length ? p.masks : new Uint8Array(4), 'simcep-masks'));
      const taps = temp(storageBufferFrom(device, p.taps, 'simcep-taps'));
      const ideal = temp(storageBuffer(device, count * n * 4, 'simcep-ideal'));
      const scratch = temp(storageBuffer(device, count * n * 4, 'simcep-blur-scratch'));
      const energy = temp(storageBuffer(device, count * 8, 'simcep-energy'));
      const noise = temp(p.noise ? storageBufferFrom(device, p.noise, 'simcep-noise') : storageBuffer(device, 4, 'simcep-noise-unused'));
      const tx = Math.ceil(width / TILE), ty = Math.ceil(height / TILE);
      const enc = device.createCommandEncoder({ label: 'simcep-render' });
      const pass = enc.beginComputePass({ label: 'simcep-render' });
      dispatch(pass, k.texture, bindBuffers(device, k.texture, [jobs, octs, grids, filtered, tex]), jobCount);
      dispatch(pass, k.compose, bindBuffers(device, k.compose, [uniforms, imageTable, cellTable, masks, tex, ideal]), tx, ty, count);
      dispatch(pass, k.energy, bindBuffers(device, k.energy, [uniforms, imageTable, ideal, tex, energy]), count);
      dispatch(pass, k.blurX, bindBuffers(device, k.blurX, [uniforms, imageTable, taps, ideal, scratch]), tx, ty, count);
      dispatch(pass, k.finish, bindBuffers(device, k.finish, [uniforms, imageTable, taps, scratch, tex, energy, noise, images]), tx, ty, count);
      pass.end();
      device.queue.submit([enc.finish()]);
    });
  } catch (e) {
    images.destroy();
    throw e;
  } finally {
    // Destroying after submit is allowed: the queued work keeps them alive until it completes.
    for (const b of temps) b.destroy();
  }
  return { width, height, count, images, meta: p.meta };
}

/** `generateCellImage(params, rng)` for each Rng, rendered on the GPU as one batch. */
export async function generateCellImagesGpu(
  device: GPUDevice,
  params: SimcepParams,
  rngs: readonly Rng[],
  options: SimcepGpuOptions = {},
): Promise<SimcepGpuBatch> {
  checkParams(params);
  const scenes = rngs.map((rng): SimcepScene => {
    const { cells, masks, requested } = layoutCells(params, rng.fork('layout'));
    return { cells, masks, rng, requestedCells: requested };
  });
  return renderScenesGpu(device, params, scenes, options);
}

/** `renderCells(cells, params, rng, imaging)` for each entry, rendered on the GPU as one batch. */
export async function renderCellsGpu(
  device: GPUDevice,
  params: SimcepParams,
  entries: readonly { cells: readonly CellSpec[]; rng: Rng; imaging?: ImagingConditions }[],
  options: SimcepGpuOptions = {},
): Promise<SimcepGpuBatch> {
  return renderScenesGpu(device, params, entries.map((e) => ({ cells: e.cells, rng: e.rng, imaging: e.imaging })), options);
}

/** The batch's pixels on the CPU (count·height·width f32). Leaves the GPU buffer alone. */
export async function readSimcepImages(device: GPUDevice, batch: SimcepGpuBatch): Promise<Float32Array> {
  const bytes = batch.count * batch.width * batch.height * 4;
  if (bytes === 0) return new Float32Array(0);
  return new Float32Array(await readBuffer(device, batch.images, bytes));
}

/** train.ts's `simcepBatch` with the images left on the GPU (image i draws from rng.fork(firstIndex + i)). */
export async function simcepBatchGpu(
  device: GPUDevice,
  params: SimcepParams,
  rng: Rng,
  size: number,
  firstIndex = 0,
  options: SimcepGpuOptions = {},
): Promise<{ width: number; height: number; images: GPUBuffer; boxes: Box[][]; groundTruth: CenterBox[][] }> {
  const rngs = Array.from({ length: size }, (_, i) => rng.fork(firstIndex + i));
  const batch = await generateCellImagesGpu(device, params, rngs, options);
  const boxes = batch.meta.map((m) => m.boxes);
  return {
    width: batch.width,
    height: batch.height,
    images: batch.images,
    boxes,
    groundTruth: boxes.map((bs) => bs.map((b) => toCenterBox(b, batch.width, batch.height))),
  };
}

/**
 * Images per second generated on `device` (layout and draws on this thread, rendering on the
 * GPU), over `n` images in batches of `batchSize` (default 32), after one warm-up batch that
 * compiles the pipelines. Timed until the GPU has finished; the images are not read back.
 */
export async function simcepGpuThroughput(
  device: GPUDevice,
  params: SimcepParams,
  n: number,
  options: SimcepGpuOptions & { batchSize?: number; seed?: number } = {},
): Promise<number> {
  if (!Number.isInteger(n) || n < 1) throw new Error(`simcepGpuThroughput: n must be a positive integer, got ${n}`);
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 32));
  const root = new Rng(options.seed ?? 1);
  const warm = await generateCellImagesGpu(device, params, [root.fork('warm-up')], options);
  warm.images.destroy();
  await device.queue.onSubmittedWorkDone();
  const t0 = performance.now();
  for (let first = 0; first < n; first += batchSize) {
    const size = Math.min(batchSize, n - first);
    const rngs = Array.from({ length: size }, (_, i) => root.fork(first + i));
    const batch = await generateCellImagesGpu(device, params, rngs, options);
    batch.images.destroy();
  }
  await device.queue.onSubmittedWorkDone();
  return n / ((performance.now() - t0) / 1000);
}
