/// <reference types="@webgpu/types/dist" />
/**
 * The responsibility assignment of Eq 3.1–3.3 (and its R = 1/D ablation) for a whole batch in
 * one WebGPU dispatch, on predictions that are already on the GPU (e.g. tfjs WebGPU tensors via
 * `tensor.dataToGPU()`), so a training step reads back only the chosen detector per ground truth
 * and the B×K target-confidence mask instead of every box. Reference: `assignBatch` in
 * ../losses.ts with kinds 'responsibility' / 'inverse-distance' (assignByResponsibility in
 * ../assignment.ts); the result has the same `Assignment[]` shape.
 *
 * Kernel: one workgroup of 64 threads per (ground truth j, image b). Each thread scans detectors
 * i ≡ lid (mod 64) in increasing order, keeping the first maximum of
 *   R_ij = C_i / (D_ij + ε)   (or 1 / (D_ij + ε)),
 *   D_ij = (x_i − x_j)² + (y_i − y_j)² + ((w_i − w_j)/w̄)² + ((h_i − h_j)/h̄)²   (Eq 3.2),
 * then a tree reduction picks the largest R with ties to the lower index — the reference's
 * "first strict maximum". The winner's mask entry is set with an atomic store of the bits of 1.0,
 * so several ground truths may claim one detector without a race; the mask buffer is cleared first.
 *
 * Precision: the reference computes in float64 from float64 ground truth; the kernel computes in
 * f32. Exact ties (the same box and confidence, or mirrored boxes with exactly representable
 * coordinates) resolve identically; two detectors whose R differ by less than f32 rounding
 * (~1e-6 relative) may be picked the other way round. Detectors with a non-finite box or
 * confidence are never chosen (the reference skips NaN the same way); if no detector is finite the
 * pair gets detector 0, as in the reference.
 */
import type { Assignment, AssignmentKind, AssignmentOptions } from '../assignment';
import type { CenterBox } from '../boxes';
import { bindBuffers, computePipeline, readBuffers, storageBuffer, storageBufferFrom, uniformBuffer } from '../../phenotype/gpu/util';
import { withErrorScopes } from './errorScope';

/** The assignment kinds this kernel implements (the arg max ones; max-IoU and Hungarian stay on the CPU). */
export type GpuAssignmentKind = Extract<AssignmentKind, 'responsibility' | 'inverse-distance'>;

export function isGpuAssignmentKind(kind: AssignmentKind): kind is GpuAssignmentKind {
  return kind === 'responsibility' || kind === 'inverse-distance';
}

/** A batch of network outputs in GPU storage buffers (f32, row-major, starting at byte 0). */
export interface GpuPredictions {
  /** B×K×4 normalised (cx, cy, w, h). */
  boxes: GPUBuffer;
  /** B×K confidences. */
  confidences: GPUBuffer;
  batch: number;
  /** Detectors per image, K. */
  detectors: number;
}

/** Ground truth padded to the largest count: B×Gmax×4 (cx, cy, w, h) f32 and B counts. */
export interface PaddedGroundTruth {
  boxes: Float32Array;
  counts: Uint32Array;
  maxCount: number;
}

/** Packs per-image ground-truth lists into the padded layout the kernel reads. */
export function padGroundTruth(groundTruth: readonly (readonly CenterBox[])[]): PaddedGroundTruth {
  const maxCount = groundTruth.reduce((m, g) => Math.max(m, g.length), 0);
  const boxes = new Float32Array(groundTruth.length * maxCount * 4);
  const counts = new Uint32Array(groundTruth.length);
  groundTruth.forEach((list, b) => {
    counts[b] = list.length;
    list.forEach((g, j) => boxes.set([g.cx, g.cy, g.w, g.h], (b * maxCount + j) * 4));
  });
  return { boxes, counts, maxCount };
}

/** The kernel's outputs, left on the GPU (the caller destroys them). */
export interface GpuAssignmentBuffers {
  /** B×Gmax i32: the chosen detector of ground truth j in image b, −1 past the image's count. */
  detectors: GPUBuffer;
  /** B×K f32: C*_i, 1 for a detector chosen by some ground truth of its image, else 0 (Eq 3.4). */
  targetConfidence: GPUBuffer;
  maxCount: number;
  counts: Uint32Array;
}

const WG = 64;

const ASSIGN_WGSL = /* wgsl */ `
struct Params { batch: u32, k: u32, gmax: u32, useConf: u32, meanW: f32, meanH: f32, eps: f32, pad: u32 }
@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> boxes: array<f32>;
@group(0) @binding(2) var<storage, read> conf: array<f32>;
@group(0) @binding(3) var<storage, read> gt: array<f32>;
@group(0) @binding(4) var<storage, read> gtCount: array<u32>;
@group(0) @binding(5) var<storage, read_write> det: array<i32>;
@group(0) @binding(6) var<storage, read_write> mask: array<atomic<u32>>;

const WG: u32 = ${WG}u;
const NONE: u32 = 0xffffffffu;
const ONE_BITS: u32 = 0x3f800000u; // 1.0f
var<workgroup> wr: array<f32, ${WG}>;
var<workgroup> wi: array<u32, ${WG}>;

// Exponent all ones: ±Inf or NaN. Tested on the bits, which no fast-math rule can fold away.
fn finite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u; }

// Does candidate (rb, ib) beat (ra, ia)? Larger R wins; equal R goes to the lower index.
fn beats(rb: f32, ib: u32, ra: f32, ia: u32) -> bool {
  if (ib == NONE) { return false; }
  if (ia == NONE) { return true; }
  return rb > ra || (rb == ra && ib < ia);
}

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let j = wg.x;
  let b = wg.y;
  let inImage = j < gtCount[b];
  var myR = 0.0;
  var myI = NONE;
  if (inImage) {
    let g = (b * P.gmax + j) * 4u;
    let gx = gt[g];
    let gy = gt[g + 1u];
    let gw = gt[g + 2u];
    let gh = gt[g + 3u];
    for (var i = lid; i < P.k; i += WG) {
      let o = b * P.k + i;
      let c = conf[o];
      let px = boxes[4u * o];
      let py = boxes[4u * o + 1u];
      let pw = boxes[4u * o + 2u];
      let ph = boxes[4u * o + 3u];
      if (!(finite(c) && finite(px) && finite(py) && finite(pw) && finite(ph))) { continue; }
      let dx = px - gx;
      let dy = py - gy;
      let dw = (pw - gw) / P.meanW;
      let dh = (ph - gh) / P.meanH;
      let d = dx * dx + dy * dy + dw * dw + dh * dh;
      var num = 1.0;
      if (P.useConf != 0u) { num = c; }
      let r = num / (d + P.eps);
      // i increases within a thread, so only a strictly larger R replaces the current best.
      if (myI == NONE || r > myR) {
        myR = r;
        myI = i;
      }
    }
  }
  wr[lid] = myR;
  wi[lid] = myI;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s && beats(wr[lid + s], wi[lid + s], wr[lid], wi[lid])) {
      wr[lid] = wr[lid + s];
      wi[lid] = wi[lid + s];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    if (inImage) {
      var best = wi[0];
      if (best == NONE) { best = 0u; }
      det[b * P.gmax + j] = i32(best);
      atomicStore(&mask[b * P.k + best], ONE_BITS);
    } else {
      det[b * P.gmax + j] = -1;
    }
  }
}
`;

function checkBuffer(buf: GPUBuffer, bytes: number, what: string): void {
  if (buf.size < bytes) throw new Error(`assignBatchGpu: ${what} buffer has ${buf.size} bytes, expected at least ${bytes}`);
}

/**
 * Encodes and submits the assignment kernel; returns the output buffers without reading them
 * back (for a loss that stays on the GPU). `groundTruth` is padded and uploaded here.
 */
export async function encodeAssignmentGpu(
  device: GPUDevice,
  kind: GpuAssignmentKind,
  predictions: GpuPredictions,
  groundTruth: readonly (readonly CenterBox[])[] | PaddedGroundTruth,
  options: AssignmentOptions,
): Promise<GpuAssignmentBuffers> {
  if (!isGpuAssignmentKind(kind)) throw new Error(`assignBatchGpu: kind '${kind as string}' has no GPU kernel (only 'responsibility' and 'inverse-distance')`);
  const { batch, detectors: k } = predictions;
  if (!Number.isInteger(batch) || batch < 0) throw new Error(`assignBatchGpu: invalid batch size ${batch}`);
  if (!Number.isInteger(k) || k < 1) throw new Error(`assignBatchGpu: need at least one detector per image, got ${k}`);
  const padded = 'counts' in groundTruth ? groundTruth : padGroundTruth(groundTruth);
  if (padded.counts.length !== batch) throw new Error(`assignBatchGpu: ${padded.counts.length} ground-truth lists for a batch of ${batch}`);
  const gmax = padded.maxCount;
  const maxDim = device.limits.maxComputeWorkgroupsPerDimension;
  if (gmax > maxDim || batch > maxDim) throw new Error(`assignBatchGpu: ${batch} images × ${gmax} ground truths exceed the dispatch limit ${maxDim} per dimension`);
  checkBuffer(predictions.boxes, batch * k * 16, 'boxes');
  checkBuffer(predictions.confidences, batch * k * 4, 'confidences');
  const { meanBoxWidth, meanBoxHeight } = options.scale;
  if (!(meanBoxWidth > 0 && meanBoxHeight > 0)) throw new Error('assignBatchGpu: the mean box size must be positive');

  const pipeline = await computePipeline(device, ASSIGN_WGSL, 'detection-assign');
  const params = new ArrayBuffer(32);
  new Uint32Array(params, 0, 4).set([batch, k, gmax, kind === 'responsibility' ? 1 : 0]);
  new Float32Array(params, 16, 3).set([meanBoxWidth, meanBoxHeight, options.epsilon ?? 1e-9]);
  const temps: GPUBuffer[] = [];
  const outputs: GPUBuffer[] = [];
  try {
    const [det, mask] = await withErrorScopes(device, 'assignBatchGpu', () => {
      const uniforms = uniformBuffer(device, params, 'assign-params');
      const gtBuf = storageBufferFrom(device, padded.boxes, 'assign-gt');
      const countBuf = storageBufferFrom(device, padded.counts, 'assign-gt-counts');
      temps.push(uniforms, gtBuf, countBuf);
      const det = storageBuffer(device, batch * gmax * 4, 'assign-detectors');
      const mask = storageBuffer(device, batch * k * 4, 'assign-target-confidence');
      outputs.push(det, mask);
      const enc = device.createCommandEncoder({ label: 'detection-assign' });
      enc.clearBuffer(mask);
      if (gmax > 0 && batch > 0) {
        const pass = enc.beginComputePass();
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bindBuffers(device, pipeline, [uniforms, predictions.boxes, predictions.confidences, gtBuf, countBuf, det, mask]));
        pass.dispatchWorkgroups(gmax, batch);
        pass.end();
      }
      device.queue.submit([enc.finish()]);
      return [det, mask] as const;
    });
    return { detectors: det, targetConfidence: mask, maxCount: gmax, counts: padded.counts };
  } catch (e) {
    for (const b of outputs) b.destroy();
    throw e;
  } finally {
    // Destroying after submit is allowed: the queued work keeps them alive until it completes.
    for (const b of temps) b.destroy();
  }
}

/**
 * Per-image assignments of `kind` computed on the GPU, in `assignBatch`'s shape: one read-back of
 * B×Gmax detector indices and the B×K mask. `device` must be the device that owns the buffers.
 */
export async function assignBatchGpu(
  device: GPUDevice,
  kind: GpuAssignmentKind,
  predictions: GpuPredictions,
  groundTruth: readonly (readonly CenterBox[])[] | PaddedGroundTruth,
  options: AssignmentOptions,
): Promise<Assignment[]> {
  const out = await encodeAssignmentGpu(device, kind, predictions, groundTruth, options);
  const { batch, detectors: k } = predictions;
  try {
    const [detRaw, maskRaw] = await readBuffers(device, [
      { buffer: out.detectors, size: batch * out.maxCount * 4 },
      { buffer: out.targetConfidence, size: batch * k * 4 },
    ]);
    const det = new Int32Array(detRaw);
    const mask = new Float32Array(maskRaw);
    return Array.from({ length: batch }, (_, b) => {
      const m = out.counts[b];
      const groundTruthIdx = new Int32Array(m);
      for (let j = 0; j < m; j++) groundTruthIdx[j] = j;
      return {
        detectors: det.slice(b * out.maxCount, b * out.maxCount + m),
        groundTruth: groundTruthIdx,
        targetConfidence: mask.slice(b * k, (b + 1) * k),
      };
    });
  } finally {
    out.detectors.destroy();
    out.targetConfidence.destroy();
  }
}
