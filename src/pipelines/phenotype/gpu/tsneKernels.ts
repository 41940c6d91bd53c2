/**
 * WGSL for the GPU t-SNE stepper (2-D embeddings), shared by the exact and the field method.
 *
 * Memory layout (all storage buffers, one entry per point unless noted):
 * - `y`, `upd`, `gains`: vec2<f32>; `forces`: vec4<f32> = (attraction.xy, repulsion.xy) where
 *   attraction = Σ_j p_ij w_ij (y_i − y_j) and repulsion = Σ_j w_ij² (y_i − y_j), w = 1/(1+‖·‖²).
 * - P in CSR: `rowPtr` (n+1 u32), `col` (nnz u32), `val` (nnz f32).
 * - `zPart`, `meanPart`, `klPart`: one partial sum per 128-thread workgroup of the per-point
 *   kernels (numWg = ⌈n/128⌉). Every workgroup of a consumer kernel re-reduces these few
 *   partials itself (in the same order, so all get the same value), which saves a separate
 *   reduction dispatch.
 * - `state.iter`: the iteration counter lives on the GPU so that k iterations can be encoded into
 *   one command buffer with no uniform writes in between; the centre kernel increments it.
 *
 * Kernels (workgroup size 128):
 * - `exactForces`: one thread per point; all y_j pass through workgroup memory in tiles of 128;
 *   the thread accumulates repulsion and Σ_{j≠i} w_ij, then its CSR row of P for attraction;
 *   writes forces and the workgroup's partial Z.
 * - `update`: gradient 4(α·attr − rep/Z) with α the early exaggeration of the current iteration,
 *   delta-bar-delta gains (+0.2 / ×0.8, floored), momentum, y += update; writes the gradient and
 *   per-workgroup partial sums of the new y. In gradient-only mode (`mode.gradientOnly`) it only
 *   writes the gradient.
 * - `centre`: subtracts the mean of y (from the partials); thread 0 increments `state.iter`.
 * - `klTerms`: Σ_{(i,j)∈P} p_ij log(1 + ‖y_i − y_j‖²) per workgroup (the rest of KL is added on
 *   the CPU in float64: Σ p log p + log Z · Σ p).
 */

export const TSNE_WG = 128;

export const PARAMS_WGSL = /* wgsl */ `
struct Params {
  n: u32, numWg: u32, exIters: u32, switchIter: u32,
  lr: f32, earlyEx: f32, initMom: f32, finalMom: f32,
  minGain: f32, spacing: f32, minM: u32, maxM: u32,
}
struct State { iter: u32, p0: u32, p1: u32, p2: u32 }
const WG: u32 = ${TSNE_WG}u;
`;

/** Σ_j p_ij w_ij (y_i − y_j) over the CSR row of point i (bindings named rowPtr, col, val, y). */
export const ATTRACTION_WGSL = /* wgsl */ `
fn attraction(i: u32, yi: vec2<f32>) -> vec2<f32> {
  var a = vec2<f32>(0.0);
  let end = rowPtr[i + 1u];
  for (var t = rowPtr[i]; t < end; t++) {
    let dl = yi - y[col[t]];
    a += (val[t] / (1.0 + dot(dl, dl))) * dl;
  }
  return a;
}
`;

/** Tree reduction of `red` (WG f32 entries) to red[0]; must be called from uniform control flow. */
export const REDUCE_WGSL = /* wgsl */ `
var<workgroup> red: array<f32, WG>;
fn reduceSum(lid: u32, v: f32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] += red[lid + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
`;

export const EXACT_FORCES_WGSL = /* wgsl */ `
${PARAMS_WGSL}
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> y: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> rowPtr: array<u32>;
@group(0) @binding(3) var<storage, read> col: array<u32>;
@group(0) @binding(4) var<storage, read> val: array<f32>;
@group(0) @binding(5) var<storage, read_write> forces: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> zPart: array<f32>;
${ATTRACTION_WGSL}
${REDUCE_WGSL}
var<workgroup> tile: array<vec2<f32>, WG>;

@compute @workgroup_size(${TSNE_WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(local_invocation_index) lid: u32,
        @builtin(workgroup_id) wg: vec3u) {
  let n = P.n;
  let i = gid.x;
  let valid = i < n;
  let yi = y[min(i, n - 1u)];
  var rep = vec2<f32>(0.0);
  var z = 0.0;
  for (var base = 0u; base < n; base += WG) {
    tile[lid] = y[min(base + lid, n - 1u)];
    workgroupBarrier();
    let cnt = min(WG, n - base);
    for (var t = 0u; t < cnt; t++) {
      let dl = yi - tile[t];
      let w = 1.0 / (1.0 + dot(dl, dl));
      z += select(w, 0.0, base + t == i);
      rep += (w * w) * dl;
    }
    workgroupBarrier();
  }
  if (valid) {
    forces[i] = vec4<f32>(attraction(i, yi), rep);
  }
  let zs = reduceSum(lid, select(0.0, z, valid));
  if (lid == 0u) { zPart[wg.x] = zs; }
}
`;

export const UPDATE_WGSL = /* wgsl */ `
${PARAMS_WGSL}
struct Mode { gradientOnly: u32, p0: u32, p1: u32, p2: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<uniform> mode: Mode;
@group(0) @binding(2) var<storage, read> state: State;
@group(0) @binding(3) var<storage, read> forces: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> zPart: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<vec2<f32>>;
@group(0) @binding(6) var<storage, read_write> upd: array<vec2<f32>>;
@group(0) @binding(7) var<storage, read_write> gains: array<vec2<f32>>;
@group(0) @binding(8) var<storage, read_write> grad: array<vec2<f32>>;
@group(0) @binding(9) var<storage, read_write> meanPart: array<vec2<f32>>;
${REDUCE_WGSL}

@compute @workgroup_size(${TSNE_WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(local_invocation_index) lid: u32,
        @builtin(workgroup_id) wg: vec3u) {
  var zs = 0.0;
  for (var t = lid; t < P.numWg; t += WG) { zs += zPart[t]; }
  let z = reduceSum(lid, zs);
  let invZ = select(0.0, 1.0 / z, z > 0.0);
  let it = state.iter;
  let ex = select(1.0, P.earlyEx, it < P.exIters);
  let mom = select(P.finalMom, P.initMom, it < P.switchIter);
  let i = gid.x;
  let valid = i < P.n;
  var ynew = vec2<f32>(0.0);
  if (valid) {
    let f = forces[i];
    let g = 4.0 * (ex * f.xy - f.zw * invZ);
    grad[i] = g;
    if (mode.gradientOnly == 0u) {
      let u = upd[i];
      // Gain grows where the gradient's sign differs from the previous update's.
      let flip = (g > vec2<f32>(0.0)) != (u > vec2<f32>(0.0));
      let gn = max(select(gains[i] * 0.8, gains[i] + 0.2, flip), vec2<f32>(P.minGain));
      gains[i] = gn;
      let un = mom * u - P.lr * gn * g;
      upd[i] = un;
      ynew = y[i] + un;
      y[i] = ynew;
    }
  }
  if (mode.gradientOnly == 0u) {
    let sx = reduceSum(lid, ynew.x);
    let sy = reduceSum(lid, ynew.y);
    if (lid == 0u) { meanPart[wg.x] = vec2<f32>(sx, sy); }
  }
}
`;

export const CENTRE_WGSL = /* wgsl */ `
${PARAMS_WGSL}
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> meanPart: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> y: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> state: State;
${REDUCE_WGSL}

@compute @workgroup_size(${TSNE_WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(local_invocation_index) lid: u32) {
  var s = vec2<f32>(0.0);
  for (var t = lid; t < P.numWg; t += WG) { s += meanPart[t]; }
  let mx = reduceSum(lid, s.x);
  let my = reduceSum(lid, s.y);
  let mean = vec2<f32>(mx, my) / f32(P.n);
  let i = gid.x;
  if (i < P.n) { y[i] = y[i] - mean; }
  if (i == 0u) { state.iter = state.iter + 1u; }
}
`;

export const KL_WGSL = /* wgsl */ `
${PARAMS_WGSL}
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> y: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> rowPtr: array<u32>;
@group(0) @binding(3) var<storage, read> col: array<u32>;
@group(0) @binding(4) var<storage, read> val: array<f32>;
@group(0) @binding(5) var<storage, read_write> klPart: array<f32>;
${REDUCE_WGSL}

@compute @workgroup_size(${TSNE_WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(local_invocation_index) lid: u32,
        @builtin(workgroup_id) wg: vec3u) {
  let i = gid.x;
  var s = 0.0;
  if (i < P.n) {
    let yi = y[i];
    for (var t = rowPtr[i]; t < rowPtr[i + 1u]; t++) {
      let dl = yi - y[col[t]];
      s += val[t] * log(1.0 + dot(dl, dl));
    }
  }
  let r = reduceSum(lid, s);
  if (lid == 0u) { klPart[wg.x] = r; }
}
`;
