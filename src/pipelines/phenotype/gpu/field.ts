/**
 * Grid ("field") approximation of the t-SNE repulsion for large N, in WebGPU (2-D embeddings).
 *
 * Scheme (interpolation onto a uniform grid + FFT convolution, in the spirit of FIt-SNE,
 * Linderman et al. 2019):
 * 1. `bbox` (1 workgroup of 256): min/max of y. Chooses the FFT size M (a power of two in
 *    [minM, maxM]) so that G = M/2 grid nodes per axis give a node spacing h ≤ `spacing` where
 *    possible; h_x,y = range_x,y / (G − 4), node (0,0) one spacing below the minimum. Writes the
 *    grid description and the indirect dispatch sizes of the grid kernels, so the grid follows
 *    the embedding every iteration without a read-back.
 * 2. `splat` (one thread per point): the unit charge of each point is spread to its 4×4
 *    surrounding nodes with cubic Lagrange weights (exact for cubic polynomials), accumulated
 *    with a compare-exchange float add into a G×G density grid ρ.
 * 3. `build` (one thread per cell of the M×M FFT grid, M = 2G so the circular convolution is
 *    linear on the G×G nodes): the kernels at the wrapped node offsets Δ = (du·h_x, dv·h_y),
 *    w = 1/(1+‖Δ‖²), w²Δx, w²Δy, packed two real signals per complex channel:
 *    A = ρ + i·w, B = w²Δx + i·w²Δy (ρ is cleared for the next iteration).
 * 4. `fft` (64-thread workgroups, each transforming 2048/M lines in 16 KiB of workgroup memory;
 *    radix-2 with two stages fused per barrier): forward 2-D FFT of A and B (rows, then columns). `multiply` unpacks the four
 *    spectra with the conjugate-symmetry identities and packs the products ρ̂ŵ + i·ρ̂(w²Δx)^
 *    and ρ̂(w²Δy)^ into two channels; inverse 2-D FFT of those. Node g then holds
 *    φ₁(g) = Σ_h ρ_h w(g−h) and φ_x + … = Σ_h ρ_h w²(g−h)Δ (real and imaginary parts).
 * 5. `interp` (one thread per point): interpolates φ back to y_i with the same weights:
 *    repulsion_i ≈ (φ_x, φ_y)(y_i) and Z_i ≈ φ₁(y_i) − 1 (the point's own charge contributes
 *    w(0) = 1), plus the exact sparse attraction over the CSR row of P; writes the same `forces`
 *    and `zPart` layout as the exact kernel, so the update/centre kernels are shared.
 *
 * Cost per iteration: O(N) for splat/interp + 4 complex M×M FFTs; 9 dispatches (bbox, splat,
 * build, 2 forward FFT passes, multiply, 2 inverse FFT passes, interp).
 *
 * Error: cubic interpolation of kernels that vary on a unit length scale has an O(h⁴) error;
 * the convolution itself is exact up to f32 rounding (twiddles are computed in float64).
 * Measured against the float64 exact gradient on 3000 points with kNN P (field.test.ts), as
 * relative L2 error of the gradient / relative error of Z, Barnes–Hut θ = 0.5 for comparison:
 *   tight clusters (σ = 0.3):   h ≈ 0.24: 4.5e-3 / 2.5e-4   h ≈ 0.11: 2.3e-4 / 1.3e-5   (BH 1.3e-2)
 *   spread clusters (σ = 1.5):  h ≈ 0.18: 5.0e-4 / 1.0e-5   h ≈ 0.09: 3.2e-5 / 8e-7     (BH 1.4e-2)
 *   h ≈ 0.5: 4e-3 – 4e-2;  h ≈ 1: 5e-2 – 2.5e-1 (the tighter the clusters, the larger).
 * Halving h divides the error by ~16, as expected. With the defaults (spacing 0.3, maxM 1024)
 * h stays ≤ 0.3 while the embedding spans up to ≈ 150 units; beyond that h grows with the range
 * (raise maxM to 2048 for very large N).
 *
 * Buffers: density G_max² u32 (f32 bits), spectra 4·M_max² vec2<f32> (maxM = 1024: 32 MiB),
 * grid state 8 words, indirect arguments 6 words.
 */
import { PARAMS_WGSL, ATTRACTION_WGSL, REDUCE_WGSL, TSNE_WG } from './tsneKernels';
import { bindBuffers, computePipeline, storageBuffer, storageBufferFrom, uniformBuffer, USAGE } from './util';

const FFT_MAX = 2048;
const FFT_WG = 64;
/** Complex values per FFT workgroup (16 KiB, WebGPU's default workgroup-storage limit). */
const FFT_SHARED = 2048;

const GRID_WGSL = /* wgsl */ `
struct Grid { origin: vec2<f32>, h: vec2<f32>, G: u32, M: u32, logM: u32, p0: u32 }
`;

const LAGRANGE_WGSL = /* wgsl */ `
// Cubic Lagrange weights of the nodes at offsets −1, 0, 1, 2 for a fractional position f in [0, 1).
fn lagrange(f: f32) -> vec4<f32> {
  return vec4<f32>(
    -f * (f - 1.0) * (f - 2.0) / 6.0,
    (f + 1.0) * (f - 1.0) * (f - 2.0) / 2.0,
    -(f + 1.0) * f * (f - 2.0) / 2.0,
    (f + 1.0) * f * (f - 1.0) / 6.0);
}
// Node index of the stencil centre: floor of the grid coordinate, clamped so the 4×4 stencil
// (centre − 1 … centre + 2) stays on the grid when rounding puts an extreme point just outside.
fn stencilCentre(p: vec2<f32>, g: Grid) -> vec2<f32> {
  return clamp(floor((p - g.origin) / g.h), vec2<f32>(1.0), vec2<f32>(f32(g.G) - 3.0));
}
// Interpolation weights along each axis (fractional offsets from the centre may leave [0, 1) by
// a rounding error; the cubic then extrapolates smoothly).
fn stencil(p: vec2<f32>, g: Grid) -> mat2x4<f32> {
  let f = (p - g.origin) / g.h - stencilCentre(p, g);
  return mat2x4<f32>(lagrange(f.x), lagrange(f.y));
}
fn stencilBase(p: vec2<f32>, g: Grid) -> vec2<u32> {
  return vec2<u32>(stencilCentre(p, g)) - vec2<u32>(1u);
}
`;

const BBOX_WGSL = /* wgsl */ `
${PARAMS_WGSL}
${GRID_WGSL}
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> y: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> grid: Grid;
@group(0) @binding(3) var<storage, read_write> indirect: array<u32, 6>;
var<workgroup> smin: array<vec2<f32>, 256>;
var<workgroup> smax: array<vec2<f32>, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32) {
  var mn = vec2<f32>(3.0e38);
  var mx = vec2<f32>(-3.0e38);
  for (var i = lid; i < P.n; i += 256u) {
    let p = y[i];
    mn = min(mn, p);
    mx = max(mx, p);
  }
  smin[lid] = mn;
  smax[lid] = mx;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (lid < s) {
      smin[lid] = min(smin[lid], smin[lid + s]);
      smax[lid] = max(smax[lid], smax[lid + s]);
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let lo = smin[0];
    let range = max(smax[0] - lo, vec2<f32>(1e-12));
    let intervals = max(range.x, range.y) / P.spacing;
    var M = P.minM;
    var logM = firstTrailingBit(M);
    while (M < P.maxM && f32(M / 2u - 4u) < intervals) {
      M *= 2u;
      logM += 1u;
    }
    let G = M / 2u;
    let h = range / f32(G - 4u);
    grid.origin = lo - h;
    grid.h = h;
    grid.G = G;
    grid.M = M;
    grid.logM = logM;
    indirect[0] = (M * M + 255u) / 256u;
    indirect[1] = 1u;
    indirect[2] = 1u;
    indirect[3] = (2u * M * M + ${FFT_SHARED}u - 1u) / ${FFT_SHARED}u;
    indirect[4] = 1u;
    indirect[5] = 1u;
  }
}
`;

const SPLAT_WGSL = /* wgsl */ `
${PARAMS_WGSL}
${GRID_WGSL}
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> y: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> grid: Grid;
@group(0) @binding(3) var<storage, read_write> density: array<atomic<u32>>;
${LAGRANGE_WGSL}
fn addF32(idx: u32, v: f32) {
  var old = atomicLoad(&density[idx]);
  loop {
    let r = atomicCompareExchangeWeak(&density[idx], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (r.exchanged) { break; }
    old = r.old_value;
  }
}

@compute @workgroup_size(${TSNE_WG})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= P.n) { return; }
  let g = grid;
  let p = y[i];
  let w = stencil(p, g);
  let b = stencilBase(p, g);
  for (var c = 0u; c < 4u; c++) {
    for (var a = 0u; a < 4u; a++) {
      addF32((b.y + c) * g.G + b.x + a, w[0][a] * w[1][c]);
    }
  }
}
`;

const BUILD_WGSL = /* wgsl */ `
${GRID_WGSL}
@group(0) @binding(0) var<storage, read> grid: Grid;
@group(0) @binding(1) var<storage, read_write> density: array<u32>;
@group(0) @binding(2) var<storage, read_write> spec: array<vec2<f32>>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let g = grid;
  let M = g.M;
  let MM = M * M;
  let e = gid.x;
  if (e >= MM) { return; }
  let u = e % M;
  let v = e / M;
  var rho = 0.0;
  if (u < g.G && v < g.G) {
    let di = v * g.G + u;
    rho = bitcast<f32>(density[di]);
    density[di] = 0u;
  }
  let du = select(i32(u), i32(u) - i32(M), u >= g.G);
  let dv = select(i32(v), i32(v) - i32(M), v >= g.G);
  let dl = vec2<f32>(f32(du), f32(dv)) * g.h;
  let w = 1.0 / (1.0 + dot(dl, dl));
  // Two real signals per complex channel: A = ρ + i·w, B = w²Δx + i·w²Δy.
  spec[e] = vec2<f32>(rho, w);
  spec[MM + e] = (w * w) * dl;
}
`;

/**
 * FFT kernel: each 64-thread workgroup transforms SH / M lines held together in workgroup memory
 * (SH = 2048 complex values, 16 KiB), so that small grids still give every barrier plenty of
 * work; the number of workgroups, 2·M / (SH/M), comes from the indirect arguments.
 */
const fftWgsl = (maxM: number): string => /* wgsl */ `
${GRID_WGSL}
struct Fft { inverse: u32, cols: u32, chOffset: u32, p0: u32 }
@group(0) @binding(0) var<uniform> F: Fft;
@group(0) @binding(1) var<storage, read> grid: Grid;
@group(0) @binding(2) var<storage, read_write> spec: array<vec2<f32>>;
// tw[k] = exp(−2πi·k/maxM), k < maxM/2, computed in float64 on the CPU: GPU sin/cos are only
// required to be accurate to ~2^-11, which would limit the convolution to ~1e-3 relative error.
@group(0) @binding(3) var<storage, read> tw: array<vec2<f32>>;
const SH: u32 = ${FFT_SHARED}u;
var<workgroup> s: array<vec2<f32>, SH>;
const WG: u32 = ${FFT_WG}u;

fn cmul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  return vec2<f32>(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}
// exp(∓iπ·k/half) for the forward / inverse transform (k < half ≤ maxM/2).
fn twiddle(inv: bool, k: u32, half: u32) -> vec2<f32> {
  let t = tw[k * (${maxM}u / (2u * half))];
  return select(t, vec2<f32>(t.x, -t.y), inv);
}

// Address in spec of element e of global line L (L = channel·M + line index).
fn addr(L: u32, e: u32, M: u32) -> u32 {
  let base = (L / M + F.chOffset) * M * M;
  let line = L % M;
  return select(base + line * M + e, base + e * M + line, F.cols != 0u);
}

// In-place radix-2 decimation-in-time FFT of each line (bit-reversed load), two stages fused per
// barrier (a radix-4 step on four elements per thread), a final radix-2 stage when log M is odd.
@compute @workgroup_size(${FFT_WG})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let M = grid.M;
  let logM = grid.logM;
  let lines = SH / M;
  let L0 = wg.x * lines;
  let nLines = 2u * M;
  for (var e = lid; e < SH; e += WG) {
    let l = e / M;
    let el = e % M;
    if (L0 + l < nLines) {
      s[l * M + (reverseBits(el) >> (32u - logM))] = spec[addr(L0 + l, el, M)];
    }
  }
  workgroupBarrier();
  let inv = F.inverse != 0u;
  var st = 0u;
  for (; st + 1u < logM; st += 2u) {
    let hs = 1u << st;
    for (var q = lid; q < SH / 4u; q += WG) {
      let b = q % (M / 4u);
      let pos = b & (hs - 1u);
      let i0 = (q / (M / 4u)) * M + (b >> st) * 4u * hs + pos;
      let w1 = twiddle(inv, pos, hs);
      let a0 = s[i0];
      let a1 = cmul(w1, s[i0 + hs]);
      let a2 = s[i0 + 2u * hs];
      let a3 = cmul(w1, s[i0 + 3u * hs]);
      let b0 = a0 + a1;
      let b1 = a0 - a1;
      let t2 = cmul(twiddle(inv, pos, 2u * hs), a2 + a3);
      let t3 = cmul(twiddle(inv, pos + hs, 2u * hs), a2 - a3);
      s[i0] = b0 + t2;
      s[i0 + 2u * hs] = b0 - t2;
      s[i0 + hs] = b1 + t3;
      s[i0 + 3u * hs] = b1 - t3;
    }
    workgroupBarrier();
  }
  if (st < logM) {
    let hs = 1u << st;
    for (var q = lid; q < SH / 2u; q += WG) {
      let b = q % (M / 2u);
      let pos = b & (hs - 1u);
      let i0 = (q / (M / 2u)) * M + (b >> st) * 2u * hs + pos;
      let t = cmul(twiddle(inv, pos, hs), s[i0 + hs]);
      let x0 = s[i0];
      s[i0] = x0 + t;
      s[i0 + hs] = x0 - t;
    }
    workgroupBarrier();
  }
  for (var e = lid; e < SH; e += WG) {
    let l = e / M;
    if (L0 + l < nLines) {
      spec[addr(L0 + l, e % M, M)] = s[e];
    }
  }
}
`;

// Unpacks the spectra of the four real signals from channels A (ρ + i·w) and B (w²Δx + i·w²Δy)
// using X(k) = (Z(k) + conj Z(−k))/2, Y(k) = (Z(k) − conj Z(−k))/(2i), and writes the products
// packed again for two inverse transforms: channel 2 = ρ̂ŵ + i·ρ̂(w²Δx)^, channel 3 = ρ̂(w²Δy)^.
const MULTIPLY_WGSL = /* wgsl */ `
${GRID_WGSL}
@group(0) @binding(0) var<storage, read> grid: Grid;
@group(0) @binding(1) var<storage, read_write> spec: array<vec2<f32>>;

fn cmul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  return vec2<f32>(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}
fn conj(a: vec2<f32>) -> vec2<f32> { return vec2<f32>(a.x, -a.y); }
// (z − conj(zm)) / (2i)
fn imagPart(z: vec2<f32>, zm: vec2<f32>) -> vec2<f32> {
  let d = z - conj(zm);
  return vec2<f32>(d.y, -d.x) * 0.5;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let M = grid.M;
  let MM = M * M;
  let e = gid.x;
  if (e >= MM) { return; }
  let u = e % M;
  let v = e / M;
  let em = ((M - v) % M) * M + (M - u) % M;
  let a = spec[e];
  let am = spec[em];
  let b = spec[MM + e];
  let bm = spec[MM + em];
  let rho = (a + conj(am)) * 0.5;
  let k1 = imagPart(a, am);
  let kx = (b + conj(bm)) * 0.5;
  let ky = imagPart(b, bm);
  let p1 = cmul(rho, k1);
  let px = cmul(rho, kx);
  spec[2u * MM + e] = p1 + vec2<f32>(-px.y, px.x);
  spec[3u * MM + e] = cmul(rho, ky);
}
`;

const INTERP_WGSL = /* wgsl */ `
${PARAMS_WGSL}
${GRID_WGSL}
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> y: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> rowPtr: array<u32>;
@group(0) @binding(3) var<storage, read> col: array<u32>;
@group(0) @binding(4) var<storage, read> val: array<f32>;
@group(0) @binding(5) var<storage, read> grid: Grid;
@group(0) @binding(6) var<storage, read> spec: array<vec2<f32>>;
@group(0) @binding(7) var<storage, read_write> forces: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> zPart: array<f32>;
${ATTRACTION_WGSL}
${REDUCE_WGSL}
${LAGRANGE_WGSL}

@compute @workgroup_size(${TSNE_WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(local_invocation_index) lid: u32,
        @builtin(workgroup_id) wg: vec3u) {
  let i = gid.x;
  let valid = i < P.n;
  var z = 0.0;
  if (valid) {
    let g = grid;
    let MM = g.M * g.M;
    let p = y[i];
    let w = stencil(p, g);
    let b = stencilBase(p, g);
    var phi = vec3<f32>(0.0);
    for (var c = 0u; c < 4u; c++) {
      for (var a = 0u; a < 4u; a++) {
        let e = (b.y + c) * g.M + b.x + a;
        let c2 = spec[2u * MM + e];
        phi += (w[0][a] * w[1][c]) * vec3<f32>(c2.x, c2.y, spec[3u * MM + e].x);
      }
    }
    phi /= f32(MM);
    z = phi.x - 1.0;
    forces[i] = vec4<f32>(attraction(i, p), phi.yz);
  }
  let zs = reduceSum(lid, z);
  if (lid == 0u) { zPart[wg.x] = zs; }
}
`;

export interface FieldOptions {
  /** Target node spacing in embedding units (default 0.5). */
  spacing: number;
  /** Smallest and largest FFT size M (powers of two; G = M/2 nodes per axis; 16 ≤ minM ≤ maxM ≤ 2048). */
  minM: number;
  maxM: number;
}

export interface FieldBuffers {
  params: GPUBuffer;
  y: GPUBuffer;
  rowPtr: GPUBuffer;
  col: GPUBuffer;
  val: GPUBuffer;
  forces: GPUBuffer;
  zPart: GPUBuffer;
}

export interface FieldRepulsion {
  /** Encodes the nine dispatches that fill `forces` and `zPart` for the current y. */
  encode(pass: GPUComputePassEncoder): void;
  /** Grid description after the last encoded iteration: [origin.x, origin.y, h.x, h.y] and G, M. */
  readonly gridBuffer: GPUBuffer;
  destroy(): void;
}

export function checkFieldOptions(o: FieldOptions): void {
  const pow2 = (v: number) => Number.isInteger(v) && v > 0 && (v & (v - 1)) === 0;
  if (!pow2(o.minM) || !pow2(o.maxM) || o.minM < 16 || o.maxM > FFT_MAX || o.minM > o.maxM) {
    throw new Error(`field t-SNE: grid sizes must be powers of two with 16 ≤ minM ≤ maxM ≤ ${FFT_MAX} (got ${o.minM}, ${o.maxM})`);
  }
  if (!(o.spacing > 0)) throw new Error(`field t-SNE: spacing must be positive, got ${o.spacing}`);
}

/** Creates the grid buffers and pipelines of the field method for the given t-SNE buffers. */
export async function createFieldRepulsion(device: GPUDevice, n: number, o: FieldOptions, b: FieldBuffers): Promise<FieldRepulsion> {
  checkFieldOptions(o);
  const [bbox, splat, build, fft, multiply, interp] = await Promise.all([
    computePipeline(device, BBOX_WGSL, 'tsne-field-bbox'),
    computePipeline(device, SPLAT_WGSL, 'tsne-field-splat'),
    computePipeline(device, BUILD_WGSL, 'tsne-field-build'),
    computePipeline(device, fftWgsl(o.maxM), 'tsne-field-fft'),
    computePipeline(device, MULTIPLY_WGSL, 'tsne-field-multiply'),
    computePipeline(device, INTERP_WGSL, 'tsne-field-interp'),
  ]);
  const gMax = o.maxM / 2;
  const grid = storageBuffer(device, 32, 'tsne-grid');
  const indirect = storageBuffer(device, 6 * 4, 'tsne-grid-indirect', USAGE.INDIRECT);
  const density = storageBuffer(device, gMax * gMax * 4, 'tsne-density');
  const spec = storageBuffer(device, 4 * o.maxM * o.maxM * 8, 'tsne-spectra');
  const twiddles = new Float32Array(o.maxM);
  for (let k = 0; k < o.maxM / 2; k++) {
    twiddles[2 * k] = Math.cos((2 * Math.PI * k) / o.maxM);
    twiddles[2 * k + 1] = -Math.sin((2 * Math.PI * k) / o.maxM);
  }
  const twBuf = storageBufferFrom(device, twiddles, 'tsne-fft-twiddles');
  const fftParams = [
    [0, 0, 0],
    [0, 1, 0],
    [1, 1, 2],
    [1, 0, 2],
  ].map(([inv, cols, ch]) => uniformBuffer(device, new Uint32Array([inv, cols, ch, 0]).buffer, 'tsne-fft-params'));
  const groups = {
    bbox: bindBuffers(device, bbox, [b.params, b.y, grid, indirect]),
    splat: bindBuffers(device, splat, [b.params, b.y, grid, density]),
    build: bindBuffers(device, build, [grid, density, spec]),
    fft: fftParams.map((u) => bindBuffers(device, fft, [u, grid, spec, twBuf])),
    multiply: bindBuffers(device, multiply, [grid, spec]),
    interp: bindBuffers(device, interp, [b.params, b.y, b.rowPtr, b.col, b.val, grid, spec, b.forces, b.zPart]),
  };
  const pointWg = Math.ceil(n / TSNE_WG);
  return {
    gridBuffer: grid,
    encode(pass) {
      pass.setPipeline(bbox);
      pass.setBindGroup(0, groups.bbox);
      pass.dispatchWorkgroups(1);
      pass.setPipeline(splat);
      pass.setBindGroup(0, groups.splat);
      pass.dispatchWorkgroups(pointWg);
      pass.setPipeline(build);
      pass.setBindGroup(0, groups.build);
      pass.dispatchWorkgroupsIndirect(indirect, 0);
      pass.setPipeline(fft);
      pass.setBindGroup(0, groups.fft[0]);
      pass.dispatchWorkgroupsIndirect(indirect, 12);
      pass.setBindGroup(0, groups.fft[1]);
      pass.dispatchWorkgroupsIndirect(indirect, 12);
      pass.setPipeline(multiply);
      pass.setBindGroup(0, groups.multiply);
      pass.dispatchWorkgroupsIndirect(indirect, 0);
      pass.setPipeline(fft);
      pass.setBindGroup(0, groups.fft[2]);
      pass.dispatchWorkgroupsIndirect(indirect, 12);
      pass.setBindGroup(0, groups.fft[3]);
      pass.dispatchWorkgroupsIndirect(indirect, 12);
      pass.setPipeline(interp);
      pass.setBindGroup(0, groups.interp);
      pass.dispatchWorkgroups(pointWg);
    },
    destroy() {
      for (const buf of [grid, indirect, density, spec, twBuf, ...fftParams]) buf.destroy();
    },
  };
}
