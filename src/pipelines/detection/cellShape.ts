/**
 * Cell outlines for the SIMCEP-style generator (docs/simcep.md §2.1): a closed spline through
 * jittered points on a circle, mapped onto an ellipse, filled where pixel centres fall inside.
 */
import type { Box } from './boxes';

/**
 * One cell as the generator and the editor see it. Pixel coordinates are continuous: pixel
 * (row r, col c) covers [c, c+1) × [r, r+1), so its centre is (c + 0.5, r + 0.5).
 */
export interface CellSpec {
  /** Centre, pixels. */
  cx: number;
  cy: number;
  /** Ellipse semi-axes before rotation, pixels. */
  rx: number;
  ry: number;
  /** Rotation of the rx axis from the image x axis, radians. */
  rotation: number;
  /**
   * Spline control points on the unit circle, flat [u0, v0, u1, v1, …], including SIMCEP's
   * positional/angular jitter (§2.1). Empty: an unperturbed ellipse (10 evenly spaced points).
   */
  outline: readonly number[];
  /** Seed of the cell's own texture stream, so editing one cell leaves the others' texture alone. */
  textureSeed: number;
  /** Multiplies the texture (1 = SIMCEP). */
  brightness: number;
}

/** A rasterised cell: 0/1 mask over its in-image bounding rectangle. */
export interface CellMask {
  x0: number;
  y0: number;
  w: number;
  h: number;
  data: Uint8Array;
  /** In-image pixel count. */
  area: number;
  /** Tight pixel box of the filled pixels (continuous coordinates, x2/y2 exclusive), or null if none. */
  box: Box | null;
}

const DEFAULT_CONTROL_POINTS = 10;
const SAMPLES_PER_SEGMENT = 8;

/** SIMCEP §2.1 control points: u_k = α·a + cos(θ_k + β·b), v_k = α·c + sin(θ_k + β·d), a…d ~ U(−1, 1). */
export function jitteredOutline(alpha: number, beta: number, next: () => number, points = DEFAULT_CONTROL_POINTS): number[] {
  const out: number[] = [];
  const u = () => 2 * next() - 1;
  for (let k = 0; k < points; k++) {
    const theta = (2 * Math.PI * k) / points;
    const a = u(), b = u(), c = u(), d = u();
    out.push(alpha * a + Math.cos(theta + beta * b), alpha * c + Math.sin(theta + beta * d));
  }
  return out;
}

const circleOutline = jitteredOutline(0, 0, () => 0.5);

/**
 * Closed polygon (flat [x0, y0, …], image pixels) approximating the cell outline: a centripetal
 * Catmull–Rom spline through the control points (SIMCEP fits a centripetal periodic cubic spline),
 * sampled SAMPLES_PER_SEGMENT times per segment, then scaled, rotated and translated.
 */
export function cellPolygon(cell: CellSpec): Float64Array {
  const pts = cell.outline.length >= 6 ? cell.outline : circleOutline;
  const n = pts.length / 2;
  const poly = new Float64Array(n * SAMPLES_PER_SEGMENT * 2);
  const cos = Math.cos(cell.rotation), sin = Math.sin(cell.rotation);
  const px = (k: number) => pts[2 * (((k % n) + n) % n)];
  const py = (k: number) => pts[2 * (((k % n) + n) % n) + 1];
  let o = 0;
  for (let k = 0; k < n; k++) {
    const x0 = px(k - 1), y0 = py(k - 1), x1 = px(k), y1 = py(k), x2 = px(k + 1), y2 = py(k + 1), x3 = px(k + 2), y3 = py(k + 2);
    const t1 = knot(0, x0, y0, x1, y1), t2 = knot(t1, x1, y1, x2, y2), t3 = knot(t2, x2, y2, x3, y3);
    for (let s = 0; s < SAMPLES_PER_SEGMENT; s++) {
      const t = t1 + ((t2 - t1) * s) / SAMPLES_PER_SEGMENT;
      // Barry–Goldman pyramid for the centripetal Catmull–Rom segment between points 1 and 2.
      const a1x = lerp(x0, x1, t / t1), a1y = lerp(y0, y1, t / t1);
      const a2x = lerp(x1, x2, (t - t1) / (t2 - t1)), a2y = lerp(y1, y2, (t - t1) / (t2 - t1));
      const a3x = lerp(x2, x3, (t - t2) / (t3 - t2)), a3y = lerp(y2, y3, (t - t2) / (t3 - t2));
      const b1x = lerp(a1x, a2x, t / t2), b1y = lerp(a1y, a2y, t / t2);
      const b2x = lerp(a2x, a3x, (t - t1) / (t3 - t1)), b2y = lerp(a2y, a3y, (t - t1) / (t3 - t1));
      const u = lerp(b1x, b2x, (t - t1) / (t2 - t1)) * cell.rx;
      const v = lerp(b1y, b2y, (t - t1) / (t2 - t1)) * cell.ry;
      poly[o++] = cell.cx + cos * u - sin * v;
      poly[o++] = cell.cy + sin * u + cos * v;
    }
  }
  return poly;
}

function knot(t: number, ax: number, ay: number, bx: number, by: number): number {
  return t + Math.max(Math.sqrt(Math.hypot(bx - ax, by - ay)), 1e-6);
}

function lerp(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}

/**
 * Even–odd scanline fill of the cell polygon, clipped to the image: a pixel is inside when its
 * centre is (SIMCEP §2.1 step 4). Also returns the tight ground-truth box of the filled pixels.
 */
export function rasteriseCell(cell: CellSpec, width: number, height: number): CellMask {
  const poly = cellPolygon(cell);
  const nv = poly.length / 2;
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (let i = 0; i < nv; i++) {
    minX = Math.min(minX, poly[2 * i]);
    maxX = Math.max(maxX, poly[2 * i]);
    minY = Math.min(minY, poly[2 * i + 1]);
    maxY = Math.max(maxY, poly[2 * i + 1]);
  }
  const x0 = Math.max(0, Math.floor(minX)), x1 = Math.min(width, Math.ceil(maxX));
  const y0 = Math.max(0, Math.floor(minY)), y1 = Math.min(height, Math.ceil(maxY));
  const w = Math.max(0, x1 - x0), h = Math.max(0, y1 - y0);
  const data = new Uint8Array(w * h);
  const crossings = new Float64Array(nv);
  let area = 0, bx1 = Infinity, by1 = Infinity, bx2 = -Infinity, by2 = -Infinity;
  for (let r = y0; r < y1; r++) {
    const yc = r + 0.5;
    let nc = 0;
    for (let i = 0, j = nv - 1; i < nv; j = i++) {
      const ay = poly[2 * j + 1], by = poly[2 * i + 1];
      if (ay <= yc !== by <= yc) {
        const ax = poly[2 * j], bx = poly[2 * i];
        crossings[nc++] = ax + ((yc - ay) * (bx - ax)) / (by - ay);
      }
    }
    insertionSort(crossings, nc);
    for (let c = 0; c + 1 < nc; c += 2) {
      // Pixel columns whose centres lie in [xa, xb).
      const first = Math.max(x0, Math.ceil(crossings[c] - 0.5));
      const last = Math.min(x1 - 1, Math.ceil(crossings[c + 1] - 0.5) - 1);
      if (last < first) continue;
      const row = (r - y0) * w - x0;
      for (let col = first; col <= last; col++) data[row + col] = 1;
      area += last - first + 1;
      bx1 = Math.min(bx1, first);
      bx2 = Math.max(bx2, last + 1);
      by1 = Math.min(by1, r);
      by2 = Math.max(by2, r + 1);
    }
  }
  const box = area > 0 ? { x1: bx1, y1: by1, x2: bx2, y2: by2 } : null;
  return { x0, y0, w, h, data, area, box };
}

function insertionSort(a: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

/** Number of pixels two masks share. */
export function sharedPixels(a: CellMask, b: CellMask): number {
  const xs = Math.max(a.x0, b.x0), xe = Math.min(a.x0 + a.w, b.x0 + b.w);
  const ys = Math.max(a.y0, b.y0), ye = Math.min(a.y0 + a.h, b.y0 + b.h);
  let n = 0;
  for (let y = ys; y < ye; y++) {
    const ra = (y - a.y0) * a.w - a.x0, rb = (y - b.y0) * b.w - b.x0;
    for (let x = xs; x < xe; x++) n += a.data[ra + x] & b.data[rb + x];
  }
  return n;
}
