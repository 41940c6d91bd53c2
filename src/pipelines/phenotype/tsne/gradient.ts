/**
 * t-SNE objective and gradients, plain-TypeScript reference.
 *
 * With Student-t similarities w_ij = 1/(1 + ‖y_i − y_j‖²), Z = Σ_{k≠l} w_kl and q_ij = w_ij / Z,
 * the cost is KL(P‖Q) = Σ_{i≠j} p_ij log(p_ij / q_ij) and its gradient is
 *
 *   ∂C/∂y_i = 4 Σ_j (p_ij − q_ij) w_ij (y_i − y_j)
 *           = 4 [ Σ_j p_ij w_ij (y_i − y_j)  −  (1/Z) Σ_j w_ij² (y_i − y_j) ]
 *                 attractive (sparse in P)         repulsive (all pairs)
 *
 * The attractive term is multiplied by the early-exaggeration factor α during the first phase.
 * `exactGradient` evaluates all pairs (O(N²) time, O(N) memory, any output dimension);
 * `barnesHutGradient` takes sparse P and approximates the repulsive sum and Z with a quadtree
 * (2-D only): a cell whose width w and distance r from y_i to its centre of mass satisfy
 * w < θ·r is summarised by its centre of mass; θ = 0 reduces to the exact sum.
 */

import type { CsrMatrix } from './affinities';

/** Exact gradient with dense P (n×n row-major). Writes `grad` (n×dims) and returns Z. */
export function exactGradient(
  P: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
  dims: number,
  grad: Float64Array,
  exaggeration = 1,
): number {
  if (dims === 2) return exactGradient2d(P, y, n, grad, exaggeration);
  const attr = new Float64Array(n * dims);
  const rep = new Float64Array(n * dims);
  const diff = new Float64Array(dims);
  let z = 0;
  for (let i = 0; i < n; i++) {
    const yi = i * dims;
    for (let j = i + 1; j < n; j++) {
      const yj = j * dims;
      let d2 = 0;
      for (let c = 0; c < dims; c++) {
        const t = y[yi + c] - y[yj + c];
        diff[c] = t;
        d2 += t * t;
      }
      const w = 1 / (1 + d2);
      z += 2 * w;
      const pw = P[i * n + j] * w;
      const pw2 = P[j * n + i] * w;
      const w2 = w * w;
      for (let c = 0; c < dims; c++) {
        const t = diff[c];
        attr[yi + c] += pw * t;
        attr[yj + c] -= pw2 * t;
        rep[yi + c] += w2 * t;
        rep[yj + c] -= w2 * t;
      }
    }
  }
  const invZ = z > 0 ? 1 / z : 0;
  for (let t = 0; t < n * dims; t++) grad[t] = 4 * (exaggeration * attr[t] - rep[t] * invZ);
  return z;
}

/**
 * 2-D specialisation of `exactGradient`. Each row of P is streamed once in order (every pair is
 * evaluated from both ends, which costs twice the kernel evaluations but avoids column-wise,
 * cache-hostile reads of P at large n).
 */
function exactGradient2d(P: ArrayLike<number>, y: ArrayLike<number>, n: number, grad: Float64Array, exaggeration: number): number {
  const rep = new Float64Array(2 * n);
  let z = 0;
  for (let i = 0; i < n; i++) {
    const xi = y[2 * i], yi = y[2 * i + 1];
    const row = i * n;
    let ax = 0, ay = 0, rx = 0, ry = 0, zi = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const dx = xi - y[2 * j], dy = yi - y[2 * j + 1];
      const w = 1 / (1 + dx * dx + dy * dy);
      zi += w;
      const pw = P[row + j] * w;
      const w2 = w * w;
      ax += pw * dx;
      ay += pw * dy;
      rx += w2 * dx;
      ry += w2 * dy;
    }
    z += zi;
    grad[2 * i] = ax;
    grad[2 * i + 1] = ay;
    rep[2 * i] = rx;
    rep[2 * i + 1] = ry;
  }
  const invZ = z > 0 ? 1 / z : 0;
  for (let t = 0; t < 2 * n; t++) grad[t] = 4 * (exaggeration * grad[t] - rep[t] * invZ);
  return z;
}

/** Σ_j p_ij w_ij (y_i − y_j) for sparse P, added into `out` (n×dims). */
export function sparseAttraction(P: CsrMatrix, y: ArrayLike<number>, dims: number, out: Float64Array): void {
  const { n, rowPtr, col, val } = P;
  for (let i = 0; i < n; i++) {
    const yi = i * dims;
    for (let t = rowPtr[i]; t < rowPtr[i + 1]; t++) {
      const yj = col[t] * dims;
      let d2 = 0;
      for (let c = 0; c < dims; c++) {
        const u = y[yi + c] - y[yj + c];
        d2 += u * u;
      }
      const pw = val[t] / (1 + d2);
      for (let c = 0; c < dims; c++) out[yi + c] += pw * (y[yi + c] - y[yj + c]);
    }
  }
}

/**
 * Quadtree over 2-D points for Barnes–Hut summation. Nodes live in flat typed arrays; every node
 * covers a contiguous range [start, end) of the permutation `perm`, so "does this cell contain
 * point i" is an integer comparison against `slot[i]`. Cells are split into their nonempty
 * quadrants until they hold one point, all their points coincide, or `maxDepth` is reached.
 */
export class QuadTree {
  readonly n: number;
  readonly perm: Int32Array;
  /** Position of each point in `perm`. */
  readonly slot: Int32Array;
  nodeCount = 0;
  comX: Float64Array = new Float64Array(0);
  comY: Float64Array = new Float64Array(0);
  /** Side length of the node's square cell. */
  width: Float64Array = new Float64Array(0);
  start: Int32Array = new Int32Array(0);
  end: Int32Array = new Int32Array(0);
  firstChild: Int32Array = new Int32Array(0);
  childCount: Int32Array = new Int32Array(0);
  private readonly scratch: Int32Array;

  constructor(
    readonly y: ArrayLike<number>,
    n: number,
    readonly maxDepth = 48,
  ) {
    this.n = n;
    this.perm = new Int32Array(n);
    this.slot = new Int32Array(n);
    this.scratch = new Int32Array(n);
    for (let i = 0; i < n; i++) this.perm[i] = i;
    this.grow(Math.max(16, 2 * n));
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      const px = y[2 * i], py = y[2 * i + 1];
      if (px < minX) minX = px;
      if (px > maxX) maxX = px;
      if (py < minY) minY = py;
      if (py > maxY) maxY = py;
    }
    const half = (Math.max(maxX - minX, maxY - minY) / 2) * (1 + 1e-9) + 1e-12;
    const root = this.alloc(1);
    this.build(root, 0, n, (minX + maxX) / 2, (minY + maxY) / 2, half, 0);
    for (let t = 0; t < n; t++) this.slot[this.perm[t]] = t;
  }

  private grow(capacity: number): void {
    const copyF = (a: Float64Array): Float64Array => { const b = new Float64Array(capacity); b.set(a); return b; };
    const copyI = (a: Int32Array): Int32Array => { const b = new Int32Array(capacity); b.set(a); return b; };
    this.comX = copyF(this.comX);
    this.comY = copyF(this.comY);
    this.width = copyF(this.width);
    this.start = copyI(this.start);
    this.end = copyI(this.end);
    this.firstChild = copyI(this.firstChild);
    this.childCount = copyI(this.childCount);
  }

  private alloc(count: number): number {
    if (this.nodeCount + count > this.comX.length) this.grow(2 * (this.nodeCount + count));
    const id = this.nodeCount;
    this.nodeCount += count;
    return id;
  }

  private build(node: number, start: number, end: number, cx: number, cy: number, half: number, depth: number): void {
    const { y, perm } = this;
    let sx = 0, sy = 0;
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (let t = start; t < end; t++) {
      const p = perm[t];
      const px = y[2 * p], py = y[2 * p + 1];
      sx += px;
      sy += py;
      if (px < minX) minX = px;
      if (px > maxX) maxX = px;
      if (py < minY) minY = py;
      if (py > maxY) maxY = py;
    }
    const count = end - start;
    this.comX[node] = sx / count;
    this.comY[node] = sy / count;
    this.width[node] = 2 * half;
    this.start[node] = start;
    this.end[node] = end;
    this.childCount[node] = 0;
    if (count === 1 || depth >= this.maxDepth || (maxX === minX && maxY === minY)) return;

    // Counting sort of the range into quadrants q = (x ≥ cx) + 2·(y ≥ cy).
    const qCount = [0, 0, 0, 0];
    for (let t = start; t < end; t++) {
      const p = perm[t];
      qCount[(y[2 * p] >= cx ? 1 : 0) + (y[2 * p + 1] >= cy ? 2 : 0)]++;
    }
    const qStart = [start, start + qCount[0], start + qCount[0] + qCount[1], start + qCount[0] + qCount[1] + qCount[2]];
    const fill = qStart.slice();
    const scratch = this.scratch;
    for (let t = start; t < end; t++) {
      const p = perm[t];
      scratch[fill[(y[2 * p] >= cx ? 1 : 0) + (y[2 * p + 1] >= cy ? 2 : 0)]++] = p;
    }
    for (let t = start; t < end; t++) perm[t] = scratch[t];

    let nonEmpty = 0;
    for (let q = 0; q < 4; q++) if (qCount[q] > 0) nonEmpty++;
    const first = this.alloc(nonEmpty);
    this.firstChild[node] = first;
    this.childCount[node] = nonEmpty;
    const h = half / 2;
    let child = first;
    for (let q = 0; q < 4; q++) {
      if (qCount[q] === 0) continue;
      const ccx = q & 1 ? cx + h : cx - h;
      const ccy = q & 2 ? cy + h : cy - h;
      this.build(child++, qStart[q], qStart[q] + qCount[q], ccx, ccy, h, depth + 1);
    }
  }

  /**
   * Barnes–Hut repulsion on point i: adds Σ_j w_ij² (y_i − y_j) into rep[2i], rep[2i+1] and
   * returns this point's share Σ_{j≠i} w_ij of Z.
   */
  repulsion(i: number, theta: number, rep: Float64Array, stack: Int32Array): number {
    const { y, perm, comX, comY, width, start, end, firstChild, childCount } = this;
    const xi = y[2 * i], yi = y[2 * i + 1];
    const si = this.slot[i];
    const theta2 = theta * theta;
    let z = 0, fx = 0, fy = 0;
    let sp = 0;
    stack[sp++] = 0;
    while (sp > 0) {
      const node = stack[--sp];
      const nc = childCount[node];
      if (nc === 0) {
        // Leaf: exact sum over its points (skipping i itself).
        for (let t = start[node]; t < end[node]; t++) {
          const j = perm[t];
          if (j === i) continue;
          const dx = xi - y[2 * j], dy = yi - y[2 * j + 1];
          const w = 1 / (1 + dx * dx + dy * dy);
          z += w;
          const w2 = w * w;
          fx += w2 * dx;
          fy += w2 * dy;
        }
        continue;
      }
      const dx = xi - comX[node], dy = yi - comY[node];
      const d2 = dx * dx + dy * dy;
      const wd = width[node];
      const containsI = si >= start[node] && si < end[node];
      if (!containsI && wd * wd < theta2 * d2) {
        const count = end[node] - start[node];
        const w = 1 / (1 + d2);
        z += count * w;
        const cw2 = count * w * w;
        fx += cw2 * dx;
        fy += cw2 * dy;
      } else {
        const f = firstChild[node];
        for (let c = 0; c < nc; c++) stack[sp++] = f + c;
      }
    }
    rep[2 * i] += fx;
    rep[2 * i + 1] += fy;
    return z;
  }

  /** Stack large enough for a traversal of this tree. */
  makeStack(): Int32Array {
    return new Int32Array(3 * (this.maxDepth + 2) + 8);
  }
}

/**
 * Barnes–Hut repulsion for all points: writes Σ_j w_ij² (y_i − y_j) into `rep` (n×2) and
 * returns the estimate of Z = Σ_{i≠j} w_ij.
 */
export function barnesHutRepulsion(y: ArrayLike<number>, n: number, theta: number, rep: Float64Array): number {
  const tree = new QuadTree(y, n);
  const stack = tree.makeStack();
  rep.fill(0, 0, 2 * n);
  let z = 0;
  for (let i = 0; i < n; i++) z += tree.repulsion(i, theta, rep, stack);
  return z;
}

/** Barnes–Hut gradient (2-D) with sparse P. Writes `grad` (n×2) and returns the Z estimate. */
export function barnesHutGradient(
  P: CsrMatrix,
  y: ArrayLike<number>,
  n: number,
  grad: Float64Array,
  theta = 0.5,
  exaggeration = 1,
  scratch?: { attr: Float64Array; rep: Float64Array },
): number {
  const attr = scratch?.attr ?? new Float64Array(2 * n);
  const rep = scratch?.rep ?? new Float64Array(2 * n);
  attr.fill(0, 0, 2 * n);
  sparseAttraction(P, y, 2, attr);
  const z = barnesHutRepulsion(y, n, theta, rep);
  const invZ = z > 0 ? 1 / z : 0;
  for (let t = 0; t < 2 * n; t++) grad[t] = 4 * (exaggeration * attr[t] - rep[t] * invZ);
  return z;
}

/** Z = Σ_{i≠j} 1/(1 + ‖y_i − y_j‖²), exactly (O(n²) time, O(1) memory). */
export function exactZ(y: ArrayLike<number>, n: number, dims: number): number {
  let z = 0;
  for (let i = 0; i < n; i++) {
    const yi = i * dims;
    for (let j = i + 1; j < n; j++) {
      const yj = j * dims;
      let d2 = 0;
      for (let c = 0; c < dims; c++) {
        const t = y[yi + c] - y[yj + c];
        d2 += t * t;
      }
      z += 2 / (1 + d2);
    }
  }
  return z;
}

/** KL(P‖Q) with dense P (n×n). Pairs with p_ij = 0 contribute nothing. */
export function klDivergenceDense(P: ArrayLike<number>, y: ArrayLike<number>, n: number, dims: number): number {
  const z = exactZ(y, n, dims);
  let kl = 0;
  for (let i = 0; i < n; i++) {
    const yi = i * dims;
    for (let j = 0; j < n; j++) {
      const p = P[i * n + j];
      if (j === i || p <= 0) continue;
      const yj = j * dims;
      let d2 = 0;
      for (let c = 0; c < dims; c++) {
        const t = y[yi + c] - y[yj + c];
        d2 += t * t;
      }
      const q = 1 / (1 + d2) / z;
      kl += p * Math.log(p / q);
    }
  }
  return kl;
}

/**
 * KL(P‖Q) with sparse P: Σ_{(i,j)∈P} p_ij log(p_ij Z (1 + ‖y_i − y_j‖²)). Z is supplied by the
 * caller (exact or a Barnes–Hut estimate).
 */
export function klDivergenceSparse(P: CsrMatrix, y: ArrayLike<number>, dims: number, z: number): number {
  const { n, rowPtr, col, val } = P;
  let kl = 0;
  for (let i = 0; i < n; i++) {
    const yi = i * dims;
    for (let t = rowPtr[i]; t < rowPtr[i + 1]; t++) {
      const p = val[t];
      if (p <= 0) continue;
      const yj = col[t] * dims;
      let d2 = 0;
      for (let c = 0; c < dims; c++) {
        const u = y[yi + c] - y[yj + c];
        d2 += u * u;
      }
      kl += p * Math.log(p * z * (1 + d2));
    }
  }
  return kl;
}
