/**
 * Bookkeeping for the small-crop experiments (thesis §6.4.6–6.4.7, Table 6.5, Figs 6.8/6.9,
 * Table 6.6). Crops of 32 × 32 pixels are sampled uniformly over the valid top-left corners with a
 * seeded stream; each classified crop adds 1 to the `total` count of every pixel it covers, and
 * 1 to `correct` when it was classified correctly. Accumulation is per pixel and exact, using a 2-D
 * difference array: O(1) per crop and O(pixels) to read out. A per-image heatmap is correct/total
 * per pixel (NaN where no crop fell). For averaging over images of different sizes, each image is
 * pooled onto a fixed grid of relative positions (pixel (x, y) of a W × H image goes to cell
 * (⌊x·gw/W⌋, ⌊y·gh/H⌋), and a cell's value is Σcorrect / Σtotal over its pixels); the dataset
 * heatmap is the mean over images of those cell values, every image weighing the same.
 * Left/right half rectangles support training on left halves and testing on right halves.
 */
import { Rng } from '../../../core/rng/rng';

export interface CropPosition {
  x: number;
  y: number;
}

/** `count` top-left corners, uniform over 0 ≤ x ≤ width − size, 0 ≤ y ≤ height − size. */
export function sampleCropPositions(width: number, height: number, count: number, rng: Rng | number, size = 32): CropPosition[] {
  if (width < size || height < size) throw new Error(`a ${size}×${size} crop does not fit a ${width}×${height} image`);
  const r = typeof rng === 'number' ? new Rng(rng) : rng;
  const out: CropPosition[] = [];
  for (let i = 0; i < count; i++) out.push({ x: r.int(0, width - size), y: r.int(0, height - size) });
  return out;
}

export interface PixelHeatmap {
  width: number;
  height: number;
  /** Crops classified correctly that cover each pixel. */
  correct: Float64Array;
  /** Crops that cover each pixel. */
  total: Float64Array;
  /** correct / total, NaN where total is 0. */
  accuracy: Float32Array;
}

export interface GridHeatmap {
  gridWidth: number;
  gridHeight: number;
  correct: Float64Array;
  total: Float64Array;
  /** Σcorrect / Σtotal per cell, NaN where no crop covered the cell. */
  accuracy: Float32Array;
}

/** Per-image accumulator of crop results. */
export class CropAccumulator {
  readonly width: number;
  readonly height: number;
  readonly size: number;
  /** Crops added so far, and how many of them were correct. */
  crops = 0;
  correctCrops = 0;
  private readonly dCorrect: Float64Array;
  private readonly dTotal: Float64Array;

  constructor(width: number, height: number, size = 32) {
    if (width < size || height < size) throw new Error(`a ${size}×${size} crop does not fit a ${width}×${height} image`);
    this.width = width;
    this.height = height;
    this.size = size;
    // One spare row and column so the closing corners of a crop touching the border stay in range.
    this.dCorrect = new Float64Array((width + 1) * (height + 1));
    this.dTotal = new Float64Array((width + 1) * (height + 1));
  }

  /** Record one crop with top-left (x, y) and whether the model classified it correctly. */
  add(x: number, y: number, correct: boolean): void {
    const { width, height, size } = this;
    if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x + size > width || y + size > height) {
      throw new Error(`crop at (${x}, ${y}) of size ${size} is outside the ${width}×${height} image`);
    }
    const w1 = width + 1;
    const a = y * w1 + x;
    const b = y * w1 + x + size;
    const c = (y + size) * w1 + x;
    const d = (y + size) * w1 + x + size;
    this.dTotal[a] += 1;
    this.dTotal[b] -= 1;
    this.dTotal[c] -= 1;
    this.dTotal[d] += 1;
    this.crops++;
    if (correct) {
      this.dCorrect[a] += 1;
      this.dCorrect[b] -= 1;
      this.dCorrect[c] -= 1;
      this.dCorrect[d] += 1;
      this.correctCrops++;
    }
  }

  /** Per-pixel counts and accuracy. */
  heatmap(): PixelHeatmap {
    const { width, height } = this;
    const correct = prefix2d(this.dCorrect, width, height);
    const total = prefix2d(this.dTotal, width, height);
    const accuracy = new Float32Array(width * height);
    for (let i = 0; i < accuracy.length; i++) accuracy[i] = total[i] > 0 ? correct[i] / total[i] : NaN;
    return { width, height, correct, total, accuracy };
  }

  /** Counts pooled onto a gridWidth × gridHeight grid of relative positions. */
  grid(gridWidth = 32, gridHeight = gridWidth): GridHeatmap {
    return poolToGrid(this.heatmap(), gridWidth, gridHeight);
  }
}

/** Inclusive 2-D prefix sum of a (width + 1) × (height + 1) difference array, cropped to width × height. */
function prefix2d(diff: Float64Array, width: number, height: number): Float64Array {
  const w1 = width + 1;
  const out = new Float64Array(width * height);
  const above = new Float64Array(width);
  for (let y = 0; y < height; y++) {
    let row = 0;
    for (let x = 0; x < width; x++) {
      row += diff[y * w1 + x];
      above[x] += row;
      out[y * width + x] = above[x];
    }
  }
  return out;
}

/** Pool a per-pixel heatmap onto a grid of relative positions (see the module comment). */
export function poolToGrid(h: Pick<PixelHeatmap, 'width' | 'height' | 'correct' | 'total'>, gridWidth = 32, gridHeight = gridWidth): GridHeatmap {
  if (!(Number.isInteger(gridWidth) && gridWidth >= 1 && Number.isInteger(gridHeight) && gridHeight >= 1)) throw new Error(`grid size must be positive integers, got ${gridWidth}×${gridHeight}`);
  const correct = new Float64Array(gridWidth * gridHeight);
  const total = new Float64Array(gridWidth * gridHeight);
  const cellX = new Int32Array(h.width);
  for (let x = 0; x < h.width; x++) cellX[x] = Math.floor((x * gridWidth) / h.width);
  for (let y = 0; y < h.height; y++) {
    const row = Math.floor((y * gridHeight) / h.height) * gridWidth;
    for (let x = 0; x < h.width; x++) {
      const i = y * h.width + x;
      correct[row + cellX[x]] += h.correct[i];
      total[row + cellX[x]] += h.total[i];
    }
  }
  const accuracy = new Float32Array(correct.length);
  for (let i = 0; i < accuracy.length; i++) accuracy[i] = total[i] > 0 ? correct[i] / total[i] : NaN;
  return { gridWidth, gridHeight, correct, total, accuracy };
}

export interface AveragedHeatmap {
  gridWidth: number;
  gridHeight: number;
  /** Mean over images of each image's cell accuracy (images with no coverage in the cell skipped). */
  mean: Float32Array;
  /** Images that contributed to each cell. */
  images: Uint32Array;
}

/** Dataset heatmap (Fig 6.9): every image counts once, whatever its size or number of crops. */
export function averageHeatmaps(grids: readonly GridHeatmap[]): AveragedHeatmap {
  if (grids.length === 0) throw new Error('no heatmaps to average');
  const { gridWidth, gridHeight } = grids[0];
  for (const g of grids) if (g.gridWidth !== gridWidth || g.gridHeight !== gridHeight) throw new Error(`heatmap grids differ: ${gridWidth}×${gridHeight} and ${g.gridWidth}×${g.gridHeight}`);
  const sum = new Float64Array(gridWidth * gridHeight);
  const images = new Uint32Array(gridWidth * gridHeight);
  for (const g of grids) {
    for (let i = 0; i < sum.length; i++) {
      const a = g.accuracy[i];
      if (!Number.isNaN(a)) {
        sum[i] += a;
        images[i]++;
      }
    }
  }
  const mean = new Float32Array(sum.length);
  for (let i = 0; i < mean.length; i++) mean[i] = images[i] ? sum[i] / images[i] : NaN;
  return { gridWidth, gridHeight, mean, images };
}

/** Values divided by their mean over defined cells (Fig 6.9 shows accuracy relative to the average). */
export function relativeHeatmap(values: ArrayLike<number>): Float32Array {
  let s = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isNaN(values[i])) {
      s += values[i];
      n++;
    }
  }
  const m = n ? s / n : NaN;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Number.isNaN(values[i]) || !(m > 0) ? NaN : values[i] / m;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Left / right halves (Table 6.6)

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Left and right halves of a width × height image. For odd widths: 'drop-middle' (default) gives
 * both halves ⌊width/2⌋ columns and leaves out the middle column, so train and test inputs have one
 * size and share no pixels; 'left' / 'right' give the extra column to that half.
 */
export function halfRects(width: number, height: number, odd: 'drop-middle' | 'left' | 'right' = 'drop-middle'): { left: Rect; right: Rect } {
  if (width < 2 || height < 1) throw new Error(`cannot halve a ${width}×${height} image`);
  const half = Math.floor(width / 2);
  const extra = width % 2;
  const leftW = odd === 'left' ? half + extra : half;
  const rightW = odd === 'right' ? half + extra : half;
  return { left: { x: 0, y: 0, width: leftW, height }, right: { x: width - rightW, y: 0, width: rightW, height } };
}

/** Copy a rectangle out of interleaved pixels (same sample type as the input). */
export function cropPixels<T extends Uint8Array | Uint8ClampedArray | Uint16Array | Float32Array>(data: T, width: number, height: number, channels: number, rect: Rect): T {
  const { x, y, width: w, height: h } = rect;
  if (x < 0 || y < 0 || w < 0 || h < 0 || x + w > width || y + h > height) throw new Error(`rect ${w}×${h} at (${x}, ${y}) is outside the ${width}×${height} image`);
  const Ctor = data.constructor as new (n: number) => T;
  const out = new Ctor(w * h * channels);
  for (let row = 0; row < h; row++) {
    const src = ((y + row) * width + x) * channels;
    out.set(data.subarray(src, src + w * channels), row * w * channels);
  }
  return out;
}

/** Training inputs on the left halves and test inputs on the right halves of the same images. */
export function leftRightSplit<T extends { width: number; height: number }>(items: readonly T[], odd: 'drop-middle' | 'left' | 'right' = 'drop-middle'): { train: { item: T; rect: Rect }[]; test: { item: T; rect: Rect }[] } {
  const train: { item: T; rect: Rect }[] = [];
  const test: { item: T; rect: Rect }[] = [];
  for (const item of items) {
    const { left, right } = halfRects(item.width, item.height, odd);
    train.push({ item, rect: left });
    test.push({ item, rect: right });
  }
  return { train, test };
}
