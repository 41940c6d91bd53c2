/**
 * WGSL for the batched SIMCEP renderer (simcepGpu.ts). Five dispatches per batch, one submit:
 *
 * 1. `texture` (256 threads, one workgroup per texture job = every visible cell + one
 *    autofluorescence field per image): 3×3 replicate-padded mean filter of the job's random
 *    octave grids, corner-aligned bilinear resampling summed over octaves with weights p^i, then a
 *    workgroup min/max reduction and the normalisation to [bias, 1] (valueNoiseTexture).
 * 2. `compose` (16×16 pixels × image): Σ brightness·texture over the cells whose mask covers the
 *    pixel, divided by the coverage count where > 1 (§2.5 ideal image).
 * 3. `energy` (256 threads, one workgroup per image): Σ ideal² and Σ autofluorescence².
 * 4. `blurX`, 5. `finish` (16×16 × image): the separable zero-padded Gaussian (taps summed in the
 *    same order as gaussianBlur), then + s_I·illumination + s_A·autofluorescence with the energy
 *    matched scales (§2.6.3), + √(ccd + max(0, clean)/photons)·z, clipped to [0, 1].
 *
 * Table layouts (u32 words; f32 fields stored as their bits):
 * - job    [outOffset, w, h, octaveFirst, octaveCount, bias f32, 0, 0]
 * - octave [gx, gy, gridOffset, amplitude f32]
 * - image  [cellFirst, cellCount, afOffset, blurRadius, tapOffset, noiseSeed, cx, cy, zMin, span,
 *           illuminationScale, ΣI², autofluorescenceScale, noiseVariance, 1/photons, 0] (f32 from cx on)
 * - cell   [x0, y0, w, h, maskByteOffset, texOffset, brightness f32, 0]
 * Masks are bytes (0/1) packed four to a u32, little-endian.
 */

export const JOB_WORDS = 8;
export const OCTAVE_WORDS = 4;
export const IMAGE_WORDS = 16;
export const CELL_WORDS = 8;
export const TEXTURE_WG = 256;
export const TILE = 16;

const COMMON = /* wgsl */ `
struct U { W: u32, H: u32, B: u32, noiseMode: u32 }
@group(0) @binding(0) var<uniform> u: U;
`;

// No uniforms: layout 'auto' only keeps bindings a shader uses, so this one starts at binding 0.
export const TEXTURE_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> jobs: array<u32>;
@group(0) @binding(1) var<storage, read> octs: array<u32>;
@group(0) @binding(2) var<storage, read> grids: array<f32>;
@group(0) @binding(3) var<storage, read_write> filtered: array<f32>;
@group(0) @binding(4) var<storage, read_write> tex: array<f32>;

const WG: u32 = ${TEXTURE_WG}u;
var<workgroup> wlo: array<f32, ${TEXTURE_WG}>;
var<workgroup> whi: array<f32, ${TEXTURE_WG}>;

// Corner-aligned sample position of pixel x of n on a grid of g nodes: the left node and the
// fraction, from integer arithmetic so the node index matches floor(x·(g−1)/(n−1)) exactly.
fn node(x: u32, n: u32, g: u32) -> vec2<f32> {
  if (n <= 1u) { return vec2<f32>(0.0, 0.0); }
  let num = x * (g - 1u);
  let j = min(num / (n - 1u), g - 2u);
  return vec2<f32>(f32(j), f32(num - j * (n - 1u)) / f32(n - 1u));
}

@compute @workgroup_size(${TEXTURE_WG})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let J = wg.x * ${JOB_WORDS}u;
  let outOffset = jobs[J];
  let w = jobs[J + 1u];
  let h = jobs[J + 2u];
  let o0 = jobs[J + 3u];
  let on = jobs[J + 4u];
  let bias = bitcast<f32>(jobs[J + 5u]);

  // 3×3 mean filter with replicate padding, summed in the reference's (dy, dx) order.
  for (var o = o0; o < o0 + on; o++) {
    let gx = octs[o * 4u];
    let gy = octs[o * 4u + 1u];
    let go = octs[o * 4u + 2u];
    for (var e = lid; e < gx * gy; e += WG) {
      let x = i32(e % gx);
      let y = i32(e / gx);
      var s = 0.0;
      for (var dy = -1; dy <= 1; dy++) {
        let yy = u32(clamp(y + dy, 0, i32(gy) - 1)) * gx;
        for (var dx = -1; dx <= 1; dx++) {
          s += grids[go + yy + u32(clamp(x + dx, 0, i32(gx) - 1))];
        }
      }
      filtered[go + e] = s / 9.0;
    }
  }
  storageBarrier();

  let n = w * h;
  var lo = 3.4e38;
  var hi = -3.4e38;
  for (var p = lid; p < n; p += WG) {
    let x = p % w;
    let y = p / w;
    var v = 0.0;
    for (var o = o0; o < o0 + on; o++) {
      let gx = octs[o * 4u];
      let gy = octs[o * 4u + 1u];
      let go = octs[o * 4u + 2u];
      let amp = bitcast<f32>(octs[o * 4u + 3u]);
      let sx = node(x, w, gx);
      let sy = node(y, h, gy);
      let j = u32(sx.x);
      let t = sx.y;
      let r0 = go + u32(sy.x) * gx + j;
      let r1 = r0 + gx;
      let a = filtered[r0] * (1.0 - t) + filtered[r0 + 1u] * t;
      let b = filtered[r1] * (1.0 - t) + filtered[r1 + 1u] * t;
      v += (amp * (1.0 - sy.y)) * a + (amp * sy.y) * b;
    }
    tex[outOffset + p] = v;
    lo = min(lo, v);
    hi = max(hi, v);
  }
  wlo[lid] = lo;
  whi[lid] = hi;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) {
      wlo[lid] = min(wlo[lid], wlo[lid + s]);
      whi[lid] = max(whi[lid], whi[lid + s]);
    }
    workgroupBarrier();
  }
  let L = wlo[0];
  let Hh = whi[0];
  let scale = (1.0 - bias) / (Hh - L);
  // Each thread rescales the pixels it wrote itself, so no barrier is needed in between.
  for (var p = lid; p < n; p += WG) {
    if (Hh > L) {
      tex[outOffset + p] = bias + (tex[outOffset + p] - L) * scale;
    } else {
      tex[outOffset + p] = 1.0;
    }
  }
}
`;

const IMAGE_TABLE = /* wgsl */ `
fn imgU(b: u32, k: u32) -> u32 { return images[b * ${IMAGE_WORDS}u + k]; }
fn imgF(b: u32, k: u32) -> f32 { return bitcast<f32>(images[b * ${IMAGE_WORDS}u + k]); }
`;

export const COMPOSE_WGSL = /* wgsl */ `${COMMON}
@group(0) @binding(1) var<storage, read> images: array<u32>;
@group(0) @binding(2) var<storage, read> cells: array<u32>;
@group(0) @binding(3) var<storage, read> masks: array<u32>;
@group(0) @binding(4) var<storage, read> tex: array<f32>;
@group(0) @binding(5) var<storage, read_write> ideal: array<f32>;
${IMAGE_TABLE}
@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let x = gid.x;
  let y = gid.y;
  let b = gid.z;
  if (x >= u.W || y >= u.H) { return; }
  let first = imgU(b, 0u);
  let count = imgU(b, 1u);
  var sum = 0.0;
  var cov = 0u;
  for (var c = first; c < first + count; c++) {
    let C = c * ${CELL_WORDS}u;
    let x0 = cells[C];
    let y0 = cells[C + 1u];
    let w = cells[C + 2u];
    let h = cells[C + 3u];
    if (x < x0 || y < y0 || x >= x0 + w || y >= y0 + h) { continue; }
    let q = (y - y0) * w + (x - x0);
    let byte = cells[C + 4u] + q;
    if (((masks[byte >> 2u] >> ((byte & 3u) * 8u)) & 255u) == 0u) { continue; }
    sum += bitcast<f32>(cells[C + 6u]) * tex[cells[C + 5u] + q];
    cov++;
  }
  if (cov > 1u) { sum = sum / f32(cov); }
  ideal[(b * u.H + y) * u.W + x] = sum;
}
`;

export const ENERGY_WGSL = /* wgsl */ `${COMMON}
@group(0) @binding(1) var<storage, read> images: array<u32>;
@group(0) @binding(2) var<storage, read> ideal: array<f32>;
@group(0) @binding(3) var<storage, read> tex: array<f32>;
@group(0) @binding(4) var<storage, read_write> energy: array<f32>;
${IMAGE_TABLE}
const WG: u32 = ${TEXTURE_WG}u;
var<workgroup> we: array<f32, ${TEXTURE_WG}>;
var<workgroup> wa: array<f32, ${TEXTURE_WG}>;

@compute @workgroup_size(${TEXTURE_WG})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let b = wg.x;
  let n = u.W * u.H;
  let af = imgU(b, 2u);
  var e = 0.0;
  var a = 0.0;
  for (var p = lid; p < n; p += WG) {
    let v = ideal[b * n + p];
    e += v * v;
    let t = tex[af + p];
    a += t * t;
  }
  we[lid] = e;
  wa[lid] = a;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) {
      we[lid] += we[lid + s];
      wa[lid] += wa[lid + s];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    energy[2u * b] = we[0];
    energy[2u * b + 1u] = wa[0];
  }
}
`;

export const BLUR_X_WGSL = /* wgsl */ `${COMMON}
@group(0) @binding(1) var<storage, read> images: array<u32>;
@group(0) @binding(2) var<storage, read> taps: array<f32>;
@group(0) @binding(3) var<storage, read> ideal: array<f32>;
@group(0) @binding(4) var<storage, read_write> scratch: array<f32>;
${IMAGE_TABLE}
@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let x = i32(gid.x);
  let y = gid.y;
  let b = gid.z;
  if (gid.x >= u.W || y >= u.H) { return; }
  let r = i32(imgU(b, 3u));
  let t0 = imgU(b, 4u);
  let row = (b * u.H + y) * u.W;
  var s = 0.0;
  for (var i = max(-r, -x); i <= min(r, i32(u.W) - 1 - x); i++) {
    s += taps[t0 + u32(i + r)] * ideal[row + u32(x + i)];
  }
  scratch[row + gid.x] = s;
}
`;

export const FINISH_WGSL = /* wgsl */ `${COMMON}
@group(0) @binding(1) var<storage, read> images: array<u32>;
@group(0) @binding(2) var<storage, read> taps: array<f32>;
@group(0) @binding(3) var<storage, read> scratch: array<f32>;
@group(0) @binding(4) var<storage, read> tex: array<f32>;
@group(0) @binding(5) var<storage, read> energy: array<f32>;
@group(0) @binding(6) var<storage, read> noise: array<f32>;
@group(0) @binding(7) var<storage, read_write> outImg: array<f32>;
${IMAGE_TABLE}
fn pcg(v: u32) -> u32 {
  let s = v * 747796405u + 2891336453u;
  let w = ((s >> ((s >> 28u) + 4u)) ^ s) * 277803737u;
  return (w >> 22u) ^ w;
}

// Counter-based N(0, 1) for pixel p of an image with seed "seed" (Box–Muller on two hashes).
fn hashNormal(seed: u32, p: u32) -> f32 {
  let h1 = pcg(p ^ pcg(seed));
  let h2 = pcg(h1 ^ 0x9e3779b9u);
  let u1 = (f32(h1 >> 8u) + 1.0) / 16777216.0;
  let u2 = f32(h2 >> 8u) / 16777216.0;
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let x = gid.x;
  let y = i32(gid.y);
  let b = gid.z;
  if (x >= u.W || gid.y >= u.H) { return; }
  let r = i32(imgU(b, 3u));
  let t0 = imgU(b, 4u);
  let base = b * u.H * u.W;
  var v = 0.0;
  for (var i = max(-r, -y); i <= min(r, i32(u.H) - 1 - y); i++) {
    v += taps[t0 + u32(i + r)] * scratch[base + u32(y + i) * u.W + x];
  }
  let p = gid.y * u.W + x;
  let e = energy[2u * b];
  let ea = energy[2u * b + 1u];
  let sumI2 = imgF(b, 11u);
  var sI = 0.0;
  if (sumI2 > 0.0) { sI = sqrt(imgF(b, 10u) * e / sumI2); }
  var sA = 0.0;
  if (ea > 0.0) { sA = sqrt(imgF(b, 12u) * e / ea); }
  let dx = f32(x) + 0.5 - imgF(b, 6u);
  let dy = f32(y) + 0.5 - imgF(b, 7u);
  let illum = 1.0 - (dx * dx + dy * dy - imgF(b, 8u)) / imgF(b, 9u);
  let clean = v + sI * illum + sA * tex[imgU(b, 2u) + p];
  let variance = imgF(b, 13u) + max(0.0, clean) * imgF(b, 14u);
  var z = 0.0;
  if (u.noiseMode == 0u) {
    z = noise[base + p];
  } else {
    z = hashNormal(imgU(b, 5u), p);
  }
  outImg[base + p] = clamp(clean + sqrt(variance) * z, 0.0, 1.0);
}
`;
