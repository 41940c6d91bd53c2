/**
 * t-SNE on the GPU (WebGPU compute, 2-D output), an async stepper mirroring the CPU `Tsne`
 * (tsne/tsne.ts): same options, schedule (momentum 0.5 → 0.8 at iteration 250, gains +0.2 / ×0.8
 * floored at 0.01, early exaggeration 12 for 250 iterations, learning rate 'auto' =
 * max(N/12/4, 50), re-centring after every step) and the same seeded initialisation (identical
 * Rng draws, so a GPU and a CPU run from one seed start from the same embedding).
 *
 * P is computed on the CPU with the existing perplexity calibration (tsne/affinities.ts):
 * - 'exact' affinities: dense P over all pairs (as the CPU exact method), stored as CSR;
 * - 'knn' affinities: k = ⌊3·perplexity⌋ neighbours found with `gpuKnn` (or the CPU search),
 *   calibrated per row and symmetrised (as the CPU Barnes–Hut method).
 * On the GPU P lives in CSR (rowPtr u32, col u32, val f32) and the attraction is one thread per
 * point over its row.
 *
 * Repulsion methods:
 * - 'exact': all pairs, tiled through workgroup memory, O(N²) per iteration
 *   (dispatches per iteration: forces, update, centre = 3);
 * - 'field': grid interpolation + FFT convolution (see field.ts), O(N + M² log M) per iteration
 *   (9 + 2 = 11 dispatches per iteration), relative gradient error ≲ 5e-3 at the default grid
 *   spacing (measurements in field.ts);
 * - 'auto': 'exact' for N ≤ `exactMaxN` (default 5000), else 'field'. (On a software adapter
 *   such as SwiftShader the FFT passes are expensive and exact stays faster well beyond 5000;
 *   on GPUs the field method's cost is nearly independent of N.)
 * See tsneKernels.ts for the buffer layout. `step(k)` encodes k iterations into one compute pass
 * per submit (at most `iterationsPerSubmit` each) with no read-back in between.
 */
import {
  bruteForceKnn,
  calibrateRow,
  denseToCsr,
  exactAffinities,
  symmetrizeKnn,
  type CalibrationOptions,
  type CsrMatrix,
  type Matrix,
} from '../tsne/affinities';
import { initialEmbedding as sharedInitialEmbedding, resolveSchedule } from '../tsne/tsne';
import { createFieldRepulsion, checkFieldOptions, type FieldRepulsion } from './field';
import { gpuKnn } from './knn';
import { CENTRE_WGSL, EXACT_FORCES_WGSL, KL_WGSL, TSNE_WG, UPDATE_WGSL } from './tsneKernels';
import { bindBuffers, computePipeline, readBuffer, readBuffers, storageBuffer, storageBufferFrom, uniformBuffer } from './util';

export type GpuTsneMethod = 'exact' | 'field' | 'auto';
export type GpuTsneAffinities = 'exact' | 'knn';

export interface GpuTsneOptions {
  perplexity?: number;
  /** Step size, or 'auto' = max(N / earlyExaggeration / 4, 50). */
  learningRate?: number | 'auto';
  earlyExaggeration?: number;
  exaggerationIters?: number;
  initialMomentum?: number;
  finalMomentum?: number;
  momentumSwitchIter?: number;
  minGain?: number;
  /** Seed of the initialisation (and of PCA's power iteration). Recorded in `options`. */
  seed?: number;
  method?: GpuTsneMethod;
  /** Largest N for which 'auto' picks the exact method (default 5000). */
  exactMaxN?: number;
  /** 'random' (seeded N(0, 1e-4²)), 'pca', or explicit initial coordinates (N×2). */
  init?: 'random' | 'pca' | Float32Array | Float64Array;
  /**
   * How P is built: 'exact' (dense, all pairs), 'knn' (sparse over `neighbors`), or a given CSR
   * matrix (e.g. shared with a CPU run). Default: 'exact' for the exact method up to `exactMaxN`
   * points (dense P needs O(N²) memory on the CPU), otherwise 'knn'.
   */
  affinities?: GpuTsneAffinities | CsrMatrix;
  /** Neighbours per point for kNN affinities (default min(N−1, ⌊3·perplexity⌋)). */
  neighbors?: number;
  /** Where the kNN search runs (default 'gpu'). */
  knnSearch?: 'gpu' | 'cpu';
  calibration?: CalibrationOptions;
  /** Largest N for which `kl()` uses the exact Z (O(N²)); above it the method's Z (default 20000). */
  exactKlMaxN?: number;
  /** Field method: target grid spacing in embedding units (default 0.3). */
  fieldSpacing?: number;
  /** Field method: smallest / largest FFT grid size (powers of two ≤ 2048; defaults 32 and 1024). */
  fieldMinGrid?: number;
  fieldMaxGrid?: number;
  /** Iterations encoded per queue submit (default 50). */
  iterationsPerSubmit?: number;
}

export interface ResolvedGpuTsneOptions {
  perplexity: number;
  dims: 2;
  learningRate: number;
  earlyExaggeration: number;
  exaggerationIters: number;
  initialMomentum: number;
  finalMomentum: number;
  momentumSwitchIter: number;
  minGain: number;
  seed: number;
  method: 'exact' | 'field';
  requestedMethod: GpuTsneMethod;
  exactMaxN: number;
  init: 'random' | 'pca' | 'given';
  affinities: GpuTsneAffinities | 'given';
  neighbors: number;
  knnSearch: 'gpu' | 'cpu';
  exactKlMaxN: number;
  fieldSpacing: number;
  fieldMinGrid: number;
  fieldMaxGrid: number;
  iterationsPerSubmit: number;
}

export interface GpuTsne {
  readonly n: number;
  readonly dims: 2;
  readonly options: Readonly<ResolvedGpuTsneOptions>;
  /** Joint affinities (CSR, float64 as computed on the CPU). */
  readonly P: CsrMatrix;
  /** Iterations completed (or encoded, while a step is running). */
  readonly iteration: number;
  /** Runs k iterations (default 1) on the GPU; resolves when they have finished. */
  step(k?: number): Promise<{ iteration: number }>;
  /** Current embedding, N×2 row-major. */
  embedding(): Promise<Float32Array>;
  /** KL(P‖Q) of the current embedding with the unexaggerated P. */
  kl(): Promise<number>;
  /**
   * Gradient (N×2) at the current embedding, with the exaggeration of the next iteration and the
   * method's repulsion; `method` overrides the repulsion method (e.g. 'exact' for comparisons).
   */
  gradient(method?: 'exact' | 'field'): Promise<Float32Array>;
  /** Z = Σ_{i≠j} w_ij at the current embedding, from the given (default: own) method. */
  z(method?: 'exact' | 'field'): Promise<number>;
  /** Field method: the grid of the last evaluated iteration (FFT size M, G nodes per axis, spacing h); null before any. */
  fieldGrid(): Promise<{ M: number; G: number; h: [number, number] } | null>;
  destroy(): void;
}

function resolveOptions(n: number, opts: GpuTsneOptions): ResolvedGpuTsneOptions {
  const requestedMethod = opts.method ?? 'auto';
  const exactMaxN = opts.exactMaxN ?? 5000;
  const method = requestedMethod === 'auto' ? (n <= exactMaxN ? 'exact' : 'field') : requestedMethod;
  const init = opts.init ?? 'random';
  const aff = opts.affinities ?? (method === 'exact' && n <= exactMaxN ? 'exact' : 'knn');
  return {
    ...resolveSchedule(n, opts),
    dims: 2,
    method,
    requestedMethod,
    exactMaxN,
    init: typeof init === 'string' ? init : 'given',
    affinities: typeof aff === 'string' ? aff : 'given',
    knnSearch: opts.knnSearch ?? 'gpu',
    fieldSpacing: opts.fieldSpacing ?? 0.3,
    fieldMinGrid: opts.fieldMinGrid ?? 32,
    fieldMaxGrid: opts.fieldMaxGrid ?? 1024,
    iterationsPerSubmit: Math.max(1, opts.iterationsPerSubmit ?? 50),
  };
}

/**
 * Sparse kNN affinities (as `knnAffinities` in tsne/affinities.ts) with the neighbour search on
 * the GPU: same calibration and symmetrisation, distances from `gpuKnn` (f32).
 */
export async function gpuKnnAffinities(
  device: GPUDevice,
  x: Matrix,
  n: number,
  d: number,
  perplexity: number,
  k = Math.min(n - 1, Math.floor(3 * perplexity)),
  options: CalibrationOptions = {},
): Promise<{ P: CsrMatrix; k: number }> {
  if (perplexity > k) throw new Error(`perplexity ${perplexity} needs at least that many neighbours (k=${k}, n=${n})`);
  const knn = await gpuKnn(device, x, n, d, k);
  return { P: calibrateKnn(n, k, knn.index, knn.dist2, perplexity, options), k };
}

function calibrateKnn(n: number, k: number, index: Int32Array, dist2: ArrayLike<number>, perplexity: number, options: CalibrationOptions): CsrMatrix {
  const cond = new Float64Array(n * k);
  const row = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) row[t] = dist2[i * k + t];
    calibrateRow(row, perplexity, cond.subarray(i * k, (i + 1) * k), options);
  }
  return symmetrizeKnn(n, k, index, cond);
}

/** The seeded initial embedding, drawn exactly as createTsne draws it (tsne/tsne.ts). */
export function initialEmbedding(x: Matrix, n: number, d: number, o: Pick<ResolvedGpuTsneOptions, 'seed'>, init: GpuTsneOptions['init']): Float64Array {
  return sharedInitialEmbedding(x, n, d, 2, o.seed, init);
}

/** Σ p log p and Σ p over the stored entries (float64), the constant parts of KL. */
function entropyTerms(P: CsrMatrix): { sumPlogP: number; sumP: number } {
  let sumPlogP = 0, sumP = 0;
  for (const p of P.val) {
    if (p > 0) {
      sumPlogP += p * Math.log(p);
      sumP += p;
    }
  }
  return { sumPlogP, sumP };
}

/** Builds a GPU t-SNE stepper for n points of dimension d (x is n×d row-major). */
export async function createGpuTsne(device: GPUDevice, x: Matrix, n: number, d: number, opts: GpuTsneOptions = {}): Promise<GpuTsne> {
  if (n < 2) throw new Error('t-SNE needs at least 2 points');
  if (x.length < n * d) throw new Error(`t-SNE input has ${x.length} values, expected ${n}×${d}`);
  const o = resolveOptions(n, opts);
  const fieldOpts = { spacing: o.fieldSpacing, minM: o.fieldMinGrid, maxM: o.fieldMaxGrid };
  checkFieldOptions(fieldOpts);

  // Affinities on the CPU (neighbour search on the GPU for kNN).
  let P: CsrMatrix;
  if (typeof opts.affinities === 'object') {
    P = opts.affinities;
    if (P.n !== n) throw new Error(`t-SNE: given P is ${P.n}×${P.n}, expected ${n}×${n}`);
  } else if (o.affinities === 'exact') {
    P = denseToCsr(exactAffinities(x, n, d, o.perplexity, opts.calibration).P, n);
  } else {
    const k = o.neighbors;
    if (o.perplexity > k) throw new Error(`perplexity ${o.perplexity} needs at least that many neighbours (k=${k}, n=${n})`);
    const knn = o.knnSearch === 'gpu' ? await gpuKnn(device, x, n, d, k) : bruteForceKnn(x, n, d, k);
    P = calibrateKnn(n, k, knn.index, knn.dist2, o.perplexity, opts.calibration ?? {});
  }
  const { sumPlogP, sumP } = entropyTerms(P);
  const y0 = initialEmbedding(x, n, d, o, opts.init);

  const numWg = Math.ceil(n / TSNE_WG);
  const paramData = new ArrayBuffer(48);
  {
    const u = new Uint32Array(paramData);
    const f = new Float32Array(paramData);
    u[0] = n;
    u[1] = numWg;
    u[2] = o.exaggerationIters;
    u[3] = o.momentumSwitchIter;
    f[4] = o.learningRate;
    f[5] = o.earlyExaggeration;
    f[6] = o.initialMomentum;
    f[7] = o.finalMomentum;
    f[8] = o.minGain;
    f[9] = o.fieldSpacing;
    u[10] = o.fieldMinGrid;
    u[11] = o.fieldMaxGrid;
  }
  const [forcesPipe, updatePipe, centrePipe, klPipe] = await Promise.all([
    computePipeline(device, EXACT_FORCES_WGSL, 'tsne-exact-forces'),
    computePipeline(device, UPDATE_WGSL, 'tsne-update'),
    computePipeline(device, CENTRE_WGSL, 'tsne-centre'),
    computePipeline(device, KL_WGSL, 'tsne-kl'),
  ]);

  const buffers: GPUBuffer[] = [];
  const keep = (b: GPUBuffer): GPUBuffer => (buffers.push(b), b);
  const params = keep(uniformBuffer(device, paramData, 'tsne-params'));
  const modeStep = keep(uniformBuffer(device, new Uint32Array([0, 0, 0, 0]).buffer, 'tsne-mode-step'));
  const modeGrad = keep(uniformBuffer(device, new Uint32Array([1, 0, 0, 0]).buffer, 'tsne-mode-gradient'));
  const state = keep(storageBuffer(device, 16, 'tsne-state'));
  const y = keep(storageBufferFrom(device, Float32Array.from(y0), 'tsne-y'));
  const upd = keep(storageBuffer(device, n * 8, 'tsne-update'));
  const gains = keep(storageBufferFrom(device, new Float32Array(2 * n).fill(1), 'tsne-gains'));
  const grad = keep(storageBuffer(device, n * 8, 'tsne-grad'));
  const forces = keep(storageBuffer(device, n * 16, 'tsne-forces'));
  const zPart = keep(storageBuffer(device, numWg * 4, 'tsne-zpart'));
  const meanPart = keep(storageBuffer(device, numWg * 8, 'tsne-meanpart'));
  const klPart = keep(storageBuffer(device, numWg * 4, 'tsne-klpart'));
  const rowPtr = keep(storageBufferFrom(device, Uint32Array.from(P.rowPtr), 'tsne-rowptr'));
  const col = keep(storageBufferFrom(device, Uint32Array.from(P.col), 'tsne-col'));
  const val = keep(storageBufferFrom(device, Float32Array.from(P.val), 'tsne-val'));

  const groups = {
    forces: bindBuffers(device, forcesPipe, [params, y, rowPtr, col, val, forces, zPart]),
    update: bindBuffers(device, updatePipe, [params, modeStep, state, forces, zPart, y, upd, gains, grad, meanPart]),
    gradient: bindBuffers(device, updatePipe, [params, modeGrad, state, forces, zPart, y, upd, gains, grad, meanPart]),
    centre: bindBuffers(device, centrePipe, [params, meanPart, y, state]),
    kl: bindBuffers(device, klPipe, [params, y, rowPtr, col, val, klPart]),
  };
  let field: FieldRepulsion | null = null;
  const getField = async (): Promise<FieldRepulsion> =>
    (field ??= await createFieldRepulsion(device, n, fieldOpts, { params, y, rowPtr, col, val, forces, zPart }));
  if (o.method === 'field') {
    try {
      await getField();
    } catch (e) {
      for (const b of buffers) b.destroy();
      throw e;
    }
  }

  const encodeForces = (pass: GPUComputePassEncoder, method: 'exact' | 'field'): void => {
    if (method === 'field') {
      field!.encode(pass);
    } else {
      pass.setPipeline(forcesPipe);
      pass.setBindGroup(0, groups.forces);
      pass.dispatchWorkgroups(numWg);
    }
  };
  const encodeIteration = (pass: GPUComputePassEncoder): void => {
    encodeForces(pass, o.method);
    pass.setPipeline(updatePipe);
    pass.setBindGroup(0, groups.update);
    pass.dispatchWorkgroups(numWg);
    pass.setPipeline(centrePipe);
    pass.setBindGroup(0, groups.centre);
    pass.dispatchWorkgroups(numWg);
  };

  let iteration = 0;
  let destroyed = false;
  // Serialises GPU work requested through the async methods.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const r = queue.then(() => {
      if (destroyed) throw new Error('GPU t-SNE: used after destroy()');
      return f();
    });
    queue = r.catch(() => undefined);
    return r;
  };

  const zPartials = async (): Promise<number> => {
    const part = new Float32Array(await readBuffer(device, zPart, numWg * 4));
    let z = 0;
    for (const v of part) z += v;
    return z;
  };
  const runForces = (method: 'exact' | 'field', extra?: (pass: GPUComputePassEncoder) => void): void => {
    const enc = device.createCommandEncoder({ label: 'tsne-forces' });
    const pass = enc.beginComputePass();
    encodeForces(pass, method);
    extra?.(pass);
    pass.end();
    device.queue.submit([enc.finish()]);
  };

  return {
    n,
    dims: 2,
    options: o,
    P,
    get iteration() {
      return iteration;
    },
    step(k = 1) {
      return serial(async () => {
        for (let done = 0; done < k; ) {
          const m = Math.min(o.iterationsPerSubmit, k - done);
          const enc = device.createCommandEncoder({ label: 'tsne-step' });
          const pass = enc.beginComputePass();
          for (let s = 0; s < m; s++) encodeIteration(pass);
          pass.end();
          device.queue.submit([enc.finish()]);
          done += m;
          iteration += m;
        }
        await device.queue.onSubmittedWorkDone();
        return { iteration };
      });
    },
    embedding() {
      return serial(async () => new Float32Array(await readBuffer(device, y, n * 8)));
    },
    kl() {
      return serial(async () => {
        const method = n <= o.exactKlMaxN ? 'exact' : o.method;
        if (method === 'field') await getField();
        runForces(method, (pass) => {
          pass.setPipeline(klPipe);
          pass.setBindGroup(0, groups.kl);
          pass.dispatchWorkgroups(numWg);
        });
        const [zp, kp] = await readBuffers(device, [
          { buffer: zPart, size: numWg * 4 },
          { buffer: klPart, size: numWg * 4 },
        ]);
        let z = 0, terms = 0;
        for (const v of new Float32Array(zp)) z += v;
        for (const v of new Float32Array(kp)) terms += v;
        return sumPlogP + Math.log(z) * sumP + terms;
      });
    },
    gradient(method = o.method) {
      return serial(async () => {
        if (method === 'field') await getField();
        runForces(method, (pass) => {
          pass.setPipeline(updatePipe);
          pass.setBindGroup(0, groups.gradient);
          pass.dispatchWorkgroups(numWg);
        });
        return new Float32Array(await readBuffer(device, grad, n * 8));
      });
    },
    z(method = o.method) {
      return serial(async () => {
        if (method === 'field') await getField();
        runForces(method);
        return zPartials();
      });
    },
    fieldGrid() {
      return serial(async () => {
        if (!field) return null;
        const raw = await readBuffer(device, field.gridBuffer, 32);
        const f = new Float32Array(raw), u = new Uint32Array(raw);
        return u[5] === 0 ? null : { M: u[5], G: u[4], h: [f[2], f[3]] as [number, number] };
      });
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      field?.destroy();
      for (const b of buffers) b.destroy();
    },
  };
}
