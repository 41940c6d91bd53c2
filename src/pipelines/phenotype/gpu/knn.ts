/**
 * Exact k-nearest-neighbour search (squared Euclidean, self excluded) in WebGPU.
 *
 * Kernel design. The query rows are processed in chunks of Q rows so that the Q×n f32 distance
 * block fits a storage binding (≤ 64 MiB by default). Per chunk, two dispatches:
 *
 * 1. `dist` (8×8 threads, 32×32 output tile per workgroup, 4×4 outputs per thread): the
 *    query and reference row tiles are staged through workgroup memory 16 features at a time
 *    ([feature][row] layout, 2 × 2 KiB) and the thread accumulates Σ(q−r)² directly (no
 *    ‖q‖²+‖r‖²−2q·r expansion, so small distances keep full relative precision).
 *    Dispatch: ⌈n/32⌉ × ⌈Q/32⌉ workgroups. Output D[q·n + j], row-major.
 * 2. `select` (64 threads, one workgroup per query row): radix selection of the k-th smallest
 *    distance on its IEEE bit pattern (non-negative floats order like their u32 bits) with four
 *    8-bit histogram passes (256 bins in workgroup memory), then a collection pass of all keys
 *    below the threshold plus the needed keys equal to it. If more keys tie at the threshold than are
 *    needed, a second radix selection over the tied indices keeps the lowest ones, matching the
 *    CPU reference's "ties to the lower index". The k ≤ 256 candidates are then placed by a rank
 *    sort on (distance, index) — O(k²) comparisons spread over the threads and no barriers —
 *    and written nearest first.
 *
 * Memory: x as n×d f32 (one binding; n·d·4 bytes must fit maxStorageBufferBindingSize), D as
 * Q×n f32, outputs n×k i32 + n×k f32. Limits: 1 ≤ k ≤ min(n−1, 256).
 */
import {
  bindBuffers,
  checkBindingSize,
  computePipeline,
  dispatch,
  readBuffers,
  storageBuffer,
  storageBufferFrom,
  toF32,
  uniformBuffer,
} from './util';

export interface GpuKnnResult {
  k: number;
  /** n×k neighbour indices, nearest first (ties: lower index first). */
  index: Int32Array;
  /** n×k squared distances matching `index` (computed in f32). */
  dist2: Float32Array;
}

export interface GpuKnnOptions {
  /** Upper bound on the bytes of one chunk's distance block (default 64 MiB). */
  maxChunkBytes?: number;
}

/** Largest k supported by the selection kernel (its candidate list in workgroup memory holds 256). */
export const GPU_KNN_MAX_K = 256;

const DIST_WGSL = /* wgsl */ `
struct Params { n: u32, d: u32, rowStart: u32, rows: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> D: array<f32>;

const T: u32 = 32u;
const DK: u32 = 16u;
var<workgroup> qs: array<f32, 512>;
var<workgroup> rs: array<f32, 512>;

@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) l3: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let j0 = wg.x * T;
  let q0 = wg.y * T;
  var acc = array<vec4<f32>, 4>();
  for (var k0 = 0u; k0 < P.d; k0 += DK) {
    for (var l = 0u; l < 8u; l++) {
      let e = lid + 64u * l;
      let row = e / DK;
      let dd = e % DK;
      let kk = k0 + dd;
      var qv = 0.0;
      if (q0 + row < P.rows && kk < P.d) { qv = x[(P.rowStart + q0 + row) * P.d + kk]; }
      qs[dd * T + row] = qv;
      var rv = 0.0;
      if (j0 + row < P.n && kk < P.d) { rv = x[(j0 + row) * P.d + kk]; }
      rs[dd * T + row] = rv;
    }
    workgroupBarrier();
    for (var dd = 0u; dd < DK; dd++) {
      let rb = dd * T + l3.x * 4u;
      let b = vec4<f32>(rs[rb], rs[rb + 1u], rs[rb + 2u], rs[rb + 3u]);
      let qb = dd * T + l3.y * 4u;
      for (var a = 0u; a < 4u; a++) {
        let t = vec4<f32>(qs[qb + a]) - b;
        acc[a] += t * t;
      }
    }
    workgroupBarrier();
  }
  for (var a = 0u; a < 4u; a++) {
    let q = q0 + l3.y * 4u + a;
    if (q >= P.rows) { continue; }
    for (var b = 0u; b < 4u; b++) {
      let j = j0 + l3.x * 4u + b;
      if (j < P.n) { D[q * P.n + j] = acc[a][b]; }
    }
  }
}
`;

const SELECT_WGSL = /* wgsl */ `
struct Params { n: u32, k: u32, rowStart: u32, rows: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> D: array<f32>;
@group(0) @binding(2) var<storage, read_write> outIdx: array<i32>;
@group(0) @binding(3) var<storage, read_write> outDist: array<f32>;

const WG: u32 = 64u;
var<workgroup> hist: array<atomic<u32>, 256>;
var<workgroup> selPrefix: u32;
var<workgroup> selRank: u32;
var<workgroup> selEq: u32;
var<workgroup> cnt: atomic<u32>;
var<workgroup> ck: array<u32, 256>;
var<workgroup> ci: array<u32, 256>;

// Radix selection of the rank-th smallest key (1-based). mode 0: key = distance bits of every
// j ≠ self; mode 1: key = j for the j whose distance bits equal thr. Leaves the selected key in
// selPrefix, the rank left among keys equal to it in selRank and their count in selEq.
fn radixSelect(base: u32, self_: u32, lid: u32, mode: u32, thr: u32, rank0: u32) {
  var prefix = 0u;
  var rank = rank0;
  for (var ps = 0u; ps < 4u; ps++) {
    let shift = 24u - 8u * ps;
    for (var b = lid; b < 256u; b += WG) { atomicStore(&hist[b], 0u); }
    workgroupBarrier();
    for (var j = lid; j < P.n; j += WG) {
      if (j == self_) { continue; }
      let v = bitcast<u32>(D[base + j]);
      var key = v;
      if (mode == 1u) {
        if (v != thr) { continue; }
        key = j;
      }
      if (ps == 0u || (key >> (shift + 8u)) == (prefix >> (shift + 8u))) {
        atomicAdd(&hist[(key >> shift) & 255u], 1u);
      }
    }
    workgroupBarrier();
    if (lid == 0u) {
      var cum = 0u;
      var b = 0u;
      loop {
        let h = atomicLoad(&hist[b]);
        if (cum + h >= rank || b == 255u) { break; }
        cum += h;
        b++;
      }
      selPrefix = prefix | (b << shift);
      selRank = rank - cum;
      selEq = atomicLoad(&hist[b]);
    }
    workgroupBarrier();
    prefix = selPrefix;
    rank = selRank;
    workgroupBarrier();
  }
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let qr = wg.x;
  let self_ = P.rowStart + qr;
  let base = qr * P.n;
  let k = P.k;

  radixSelect(base, self_, lid, 0u, 0u, k);
  let thr = selPrefix;
  let needEq = selRank;
  if (lid == 0u) { atomicStore(&cnt, 0u); }
  workgroupBarrier();

  // More ties at the threshold than needed: keep the lowest indices among them.
  var maxEqIdx = 0xffffffffu;
  let ties = workgroupUniformLoad(&selEq) != workgroupUniformLoad(&selRank);
  if (ties) {
    radixSelect(base, self_, lid, 1u, thr, needEq);
    maxEqIdx = selPrefix;
  }

  // Exactly k candidates: all keys below the threshold and the needed ones equal to it.
  for (var j = lid; j < P.n; j += WG) {
    if (j == self_) { continue; }
    let v = bitcast<u32>(D[base + j]);
    if (v < thr || (v == thr && j <= maxEqIdx)) {
      let slot = atomicAdd(&cnt, 1u);
      if (slot < 256u) {
        ck[slot] = v;
        ci[slot] = j;
      }
    }
  }
  workgroupBarrier();

  // Rank sort: (distance bits, index) pairs are distinct, so each candidate's rank is the number
  // of candidates ordered before it; no further barriers are needed.
  for (var s = lid; s < k; s += WG) {
    let ks = ck[s];
    let ix = ci[s];
    var rank = 0u;
    for (var t = 0u; t < k; t++) {
      let kt = ck[t];
      if (kt < ks || (kt == ks && ci[t] < ix)) { rank++; }
    }
    outIdx[self_ * k + rank] = i32(ix);
    outDist[self_ * k + rank] = bitcast<f32>(ks);
  }
}
`;

/** Rows per chunk so that Q×n×4 bytes stay within the budget (a multiple of 64 when ≥ 64). */
export function knnChunkRows(n: number, budgetBytes: number): number {
  const q = Math.max(1, Math.floor(budgetBytes / (4 * n)));
  const rows = q >= 64 ? Math.floor(q / 64) * 64 : q;
  return Math.min(rows, n);
}

/**
 * The k nearest neighbours of each of the n rows of x (n×d row-major), self excluded, nearest
 * first, computed on `device`. Agrees with `bruteForceKnn` (tsne/affinities.ts) up to f32
 * rounding of the distances.
 */
export async function gpuKnn(
  device: GPUDevice,
  x: ArrayLike<number>,
  n: number,
  d: number,
  k: number,
  options: GpuKnnOptions = {},
): Promise<GpuKnnResult> {
  if (!Number.isInteger(n) || n < 2) throw new Error(`gpuKnn: need at least 2 rows, got ${n}`);
  if (!Number.isInteger(d) || d < 1) throw new Error(`gpuKnn: invalid dimension ${d}`);
  if (!Number.isInteger(k) || k < 1 || k > n - 1) throw new Error(`gpuKnn: k=${k} must be in [1, ${n - 1}]`);
  if (k > GPU_KNN_MAX_K) throw new Error(`gpuKnn: k=${k} exceeds the supported maximum ${GPU_KNN_MAX_K}`);
  if (x.length < n * d) throw new Error(`gpuKnn: x has ${x.length} values, expected ${n}×${d}`);
  checkBindingSize(device, n * d * 4, 'gpuKnn (feature matrix)');
  checkBindingSize(device, n * k * 4, 'gpuKnn (output)');

  const budget = Math.min(options.maxChunkBytes ?? 64 * 2 ** 20, device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  const Q = knnChunkRows(n, budget);
  if (Q * n * 4 > budget && Q === 1) checkBindingSize(device, n * 4, 'gpuKnn (one distance row)');

  const [distPipe, selPipe] = await Promise.all([
    computePipeline(device, DIST_WGSL, 'knn-dist'),
    computePipeline(device, SELECT_WGSL, 'knn-select'),
  ]);
  const xf = toF32(x, n * d);
  const xBuf = storageBufferFrom(device, xf, 'knn-x');
  const dBuf = storageBuffer(device, Q * n * 4, 'knn-dist');
  const idxBuf = storageBuffer(device, n * k * 4, 'knn-index');
  const distOut = storageBuffer(device, n * k * 4, 'knn-dist2');
  const uniforms: GPUBuffer[] = [];
  try {
    for (let start = 0; start < n; start += Q) {
      const rows = Math.min(Q, n - start);
      const u1 = uniformBuffer(device, new Uint32Array([n, d, start, rows]).buffer, 'knn-dist-params');
      const u2 = uniformBuffer(device, new Uint32Array([n, k, start, rows]).buffer, 'knn-select-params');
      uniforms.push(u1, u2);
      const enc = device.createCommandEncoder({ label: 'knn-chunk' });
      const pass = enc.beginComputePass();
      dispatch(pass, distPipe, bindBuffers(device, distPipe, [u1, xBuf, dBuf]), Math.ceil(n / 32), Math.ceil(rows / 32));
      dispatch(pass, selPipe, bindBuffers(device, selPipe, [u2, dBuf, idxBuf, distOut]), rows);
      pass.end();
      device.queue.submit([enc.finish()]);
    }
    const [idx, dist] = await readBuffers(device, [
      { buffer: idxBuf, size: n * k * 4 },
      { buffer: distOut, size: n * k * 4 },
    ]);
    return { k, index: new Int32Array(idx), dist2: new Float32Array(dist) };
  } finally {
    for (const b of [xBuf, dBuf, idxBuf, distOut, ...uniforms]) b.destroy();
  }
}
