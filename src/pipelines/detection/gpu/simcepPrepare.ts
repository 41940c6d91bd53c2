/**
 * CPU half of the batched SIMCEP renderer (simcepGpu.ts): draws what the reference draws, from
 * the same Rng streams in the same order, and packs it for the kernels (simcepKernels.ts).
 */
import { Rng } from '../../../core/rng/rng';
import type { Box } from '../boxes';
import { rasteriseCell, type CellSpec } from '../cellShape';
import { gaussianKernel, type TextureParams } from '../imageOps';
import { drawImagingConditions, type CellImage, type SimcepParams } from '../simcep';
import type { SimcepGpuNoise, SimcepScene } from './simcepGpu';
import { CELL_WORDS, IMAGE_WORDS, JOB_WORDS, OCTAVE_WORDS } from './simcepKernels';

const AUTOFLUORESCENCE_TEXTURE: TextureParams = { persistence: 1, firstOctave: 1, octaves: 2, bias: 0 };

/** Append-only typed storage (grids, masks), grown by doubling. */
class Growable<T extends Float32Array | Uint8Array> {
  length = 0;
  constructor(public data: T) {}
  reserve(n: number): number {
    const at = this.length;
    if (at + n > this.data.length) {
      const next = new (this.data.constructor as new (n: number) => T)(Math.max(at + n, 2 * this.data.length));
      next.set(this.data.subarray(0, at));
      this.data = next;
    }
    this.length += n;
    return at;
  }
  view(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

/** u32 table rows with some f32 fields. */
export class Table {
  readonly u: Uint32Array;
  readonly f: Float32Array;
  constructor(rows: number, readonly words: number) {
    this.u = new Uint32Array(Math.max(1, rows) * words);
    this.f = new Float32Array(this.u.buffer);
  }
}

/** A batch's per-image metadata and the tables, grids, masks, taps and noise the kernels read. */
export interface Prepared {
  meta: Omit<CellImage, 'image'>[];
  jobs: Table;
  octaves: number[];
  grids: Float32Array;
  texLength: number;
  images: Table;
  cells: Table;
  masks: Uint8Array;
  taps: Float32Array;
  noise: Float32Array | null;
}

/**
 * Octave grids of valueNoiseTexture(w, h, params, rng) (imageOps.ts), drawn in the same order:
 * per octave i an f×f grid (f = 2^i) capped at the patch size, values rng.next() row-major.
 */
function drawTextureJob(w: number, h: number, params: TextureParams, rng: Rng, outOffset: number, p: { jobs: number[]; octaves: number[]; grids: Growable<Float32Array> }): void {
  const first = Math.max(1, params.firstOctave);
  const octaveFirst = p.octaves.length / OCTAVE_WORDS;
  for (let i = first; i < first + params.octaves; i++) {
    const f = 2 ** i;
    const gx = Math.min(f, Math.max(2, w)), gy = Math.min(f, Math.max(2, h));
    const at = p.grids.reserve(gx * gy);
    const g = p.grids.data;
    for (let k = 0; k < gx * gy; k++) g[at + k] = rng.next();
    p.octaves.push(gx, gy, at, f32Bits(params.persistence ** i));
  }
  p.jobs.push(outOffset, w, h, octaveFirst, p.octaves.length / OCTAVE_WORDS - octaveFirst, f32Bits(params.bias), 0, 0);
}

const bitsScratch = new Float32Array(1);
const bitsView = new Uint32Array(bitsScratch.buffer);
function f32Bits(v: number): number {
  bitsScratch[0] = v;
  return bitsView[0];
}

/** Illumination constants of illuminationField (imageOps.ts) and ΣI², in O(W + H). */
function illuminationConstants(width: number, height: number, misalignX: number, misalignY: number) {
  const cx = width / 2 + (misalignX * width) / 2;
  const cy = height / 2 + (misalignY * height) / 2;
  const dx2 = Float64Array.from({ length: width }, (_, x) => (x + 0.5 - cx) ** 2);
  const dy2 = Float64Array.from({ length: height }, (_, y) => (y + 0.5 - cy) ** 2);
  const [minX, maxX] = [Math.min(...dx2), Math.max(...dx2)];
  const [minY, maxY] = [Math.min(...dy2), Math.max(...dy2)];
  const zMin = minX + minY;
  const zMax = maxX + maxY;
  const span = zMax > zMin ? zMax - zMin : 1;
  // I(x, y) = p_x + q_y with p_x = 1 − (dx²_x − min dx²)/span, q_y = −(dy²_y − min dy²)/span.
  let sp = 0, sp2 = 0, sq = 0, sq2 = 0;
  for (const v of dx2) {
    const p = 1 - (v - minX) / span;
    sp += p;
    sp2 += p * p;
  }
  for (const v of dy2) {
    const q = -(v - minY) / span;
    sq += q;
    sq2 += q * q;
  }
  return { cx, cy, zMin, span, sumI2: height * sp2 + width * sq2 + 2 * sp * sq };
}

/**
 * Every draw of the batch on the CPU, in the reference's streams and order (renderMasked in
 * ../simcep.ts), packed into the layouts simcepKernels.ts documents.
 */
export function prepareScenes(params: SimcepParams, scenes: readonly SimcepScene[], noiseMode: SimcepGpuNoise): Prepared {
  const { width, height } = params;
  const n = width * height;
  const jobs: number[] = [];
  const octaves: number[] = [];
  const grids = new Growable(new Float32Array(4096));
  const maskBytes = new Growable(new Uint8Array(4096));
  const cellRows: number[] = [];
  const taps: number[] = [];
  const images = new Table(scenes.length, IMAGE_WORDS);
  const noise = noiseMode === 'stream' ? new Float32Array(scenes.length * n) : null;
  const sink = { jobs, octaves, grids };
  let texLength = 0;
  const meta: Prepared['meta'] = [];
  scenes.forEach((scene, b) => {
    const masks = scene.masks ?? scene.cells.map((c) => rasteriseCell(c, width, height));
    if (masks.length !== scene.cells.length) throw new Error(`simcepGpu: image ${b} has ${scene.cells.length} cells but ${masks.length} masks`);
    const imaging = scene.imaging ?? drawImagingConditions(params, scene.rng.fork('imaging'));
    const cells: CellSpec[] = [];
    const boxes: Box[] = [];
    const cellFirst = cellRows.length / CELL_WORDS;
    masks.forEach((mask, i) => {
      if (!mask.box) return;
      const cell = scene.cells[i];
      cells.push(cell);
      boxes.push(mask.box);
      const texOffset = texLength;
      texLength += mask.w * mask.h;
      drawTextureJob(mask.w, mask.h, params.texture, new Rng(cell.textureSeed), texOffset, sink);
      const maskOffset = maskBytes.reserve(mask.data.length);
      maskBytes.data.set(mask.data, maskOffset);
      cellRows.push(mask.x0, mask.y0, mask.w, mask.h, maskOffset, texOffset, f32Bits(cell.brightness), 0);
    });
    const afOffset = texLength;
    texLength += n;
    drawTextureJob(width, height, AUTOFLUORESCENCE_TEXTURE, scene.rng.fork('autofluorescence'), afOffset, sink);

    const sigma = imaging.blurSigma;
    const kernel = sigma > 0 ? gaussianKernel(sigma) : Float32Array.of(1);
    const tapOffset = taps.length;
    for (const t of kernel) taps.push(t);
    const il = illuminationConstants(width, height, imaging.misalignX, imaging.misalignY);
    const noiseRng = scene.rng.fork('noise');
    let seed = 0;
    if (noise) {
      for (let k = 0, o = b * n; k < n; k++) noise[o + k] = noiseRng.normal();
    } else {
      seed = noiseRng.nextUint32();
    }
    const I = b * IMAGE_WORDS;
    images.u.set([cellFirst, cells.length, afOffset, (kernel.length - 1) / 2, tapOffset, seed], I);
    images.f.set(
      [il.cx, il.cy, il.zMin, il.span, imaging.illuminationScale, il.sumI2, imaging.autofluorescenceScale, imaging.noiseVariance, 1 / imaging.photonsPerUnit],
      I + 6,
    );
    meta.push({ width, height, boxes, cells, imaging, requestedCells: scene.requestedCells ?? scene.cells.length });
  });
  const jobTable = new Table(jobs.length / JOB_WORDS, JOB_WORDS);
  jobTable.u.set(jobs);
  const cellTable = new Table(cellRows.length / CELL_WORDS, CELL_WORDS);
  cellTable.u.set(cellRows);
  return {
    meta,
    jobs: jobTable,
    octaves,
    grids: grids.view(),
    texLength,
    images,
    cells: cellTable,
    masks: maskBytes.view(),
    taps: Float32Array.from(taps),
    noise,
  };
}

