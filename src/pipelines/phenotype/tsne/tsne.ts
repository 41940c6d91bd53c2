/**
 * t-SNE stepper, plain-TypeScript reference for the WebGPU implementation.
 *
 * Optimisation follows van der Maaten's reference implementations: gradient descent with
 * momentum (0.5, switching to 0.8 at iteration 250), per-parameter gains (Jacobs' delta-bar-delta:
 * +0.2 when the gradient's sign differs from the previous update's, ×0.8 otherwise, floored at
 * 0.01), early exaggeration of P (×12 for the first 250 iterations) and re-centring of the
 * embedding after every step. The learning rate 'auto' is max(N / exaggeration / 4, 50)
 * (Belkina et al. 2019). Initialisation is seeded N(0, (1e-4)²) per coordinate, or PCA scaled to
 * a standard deviation of 1e-4 along the first axis.
 *
 * Methods:
 * - 'exact': dense P over all pairs, exact O(N²) gradient, any output dimension.
 * - 'barnes-hut': sparse kNN P (k = 3·perplexity) and quadtree repulsion, 2-D only.
 *
 * The object is a stepper so a UI can animate the embedding: call `step(k)` repeatedly and read
 * `embedding()` in between; `runTsne` wraps this in an async loop with progress and cancellation.
 */

import { Rng } from '../../../core/rng/rng';
import { exactAffinities, knnAffinities, type CsrMatrix, type Matrix } from './affinities';
import {
  barnesHutGradient,
  barnesHutRepulsion,
  exactGradient,
  exactZ,
  klDivergenceDense,
  klDivergenceSparse,
} from './gradient';

export type TsneMethod = 'exact' | 'barnes-hut';

export interface TsneOptions {
  perplexity?: number;
  /** Output dimension (default 2; Barnes–Hut supports 2 only). */
  dims?: number;
  /** Step size, or 'auto' = max(N / earlyExaggeration / 4, 50). */
  learningRate?: number | 'auto';
  earlyExaggeration?: number;
  /** Iterations during which P is exaggerated. */
  exaggerationIters?: number;
  initialMomentum?: number;
  finalMomentum?: number;
  /** Iteration at which momentum switches from initial to final. */
  momentumSwitchIter?: number;
  minGain?: number;
  /** Seed of the initialisation (and of PCA's power iteration). Recorded in `options`. */
  seed?: number;
  method?: TsneMethod;
  /** Barnes–Hut opening angle: a cell of width w at distance r is summarised when w < θ·r. */
  theta?: number;
  /** 'random' (seeded N(0, 1e-4²)), 'pca', or explicit initial coordinates (N×dims). */
  init?: 'random' | 'pca' | Float32Array | Float64Array;
  /** Neighbours per point for the sparse P (default min(N−1, ⌊3·perplexity⌋)). */
  neighbors?: number;
  /**
   * Largest N for which `kl()` of the Barnes–Hut method computes Z exactly (O(N²) time, O(1)
   * memory); above it the Barnes–Hut estimate of Z is used. Default 20000.
   */
  exactKlMaxN?: number;
}

export interface ResolvedTsneOptions {
  perplexity: number;
  dims: number;
  learningRate: number;
  earlyExaggeration: number;
  exaggerationIters: number;
  initialMomentum: number;
  finalMomentum: number;
  momentumSwitchIter: number;
  minGain: number;
  seed: number;
  method: TsneMethod;
  theta: number;
  init: 'random' | 'pca' | 'given';
  neighbors: number;
  exactKlMaxN: number;
}

export interface TsneStepResult {
  /** Number of iterations completed so far. */
  iteration: number;
  /** KL(P‖Q) after the last iteration (unexaggerated P), when requested. */
  kl?: number;
}

export interface Tsne {
  readonly n: number;
  readonly dims: number;
  readonly options: Readonly<ResolvedTsneOptions>;
  /** Joint affinities: dense n×n for 'exact', CSR for 'barnes-hut'. */
  readonly P: Float64Array | CsrMatrix;
  /** Iterations completed so far. */
  readonly iteration: number;
  /** Run k iterations (default 1). */
  step(k?: number, opts?: { computeKl?: boolean }): TsneStepResult;
  /** Current embedding (copy), N×dims row-major. */
  embedding(): Float32Array;
  /** Current embedding at full precision (live view; do not modify). */
  embedding64(): Float64Array;
  /** KL(P‖Q) of the current embedding with the unexaggerated P. */
  kl(): number;
  /** Gradient of the last step (live view), N×dims. */
  lastGradient(): Float64Array;
}

/** The optimisation schedule shared by the CPU and GPU steppers, with its defaults resolved. */
export type TsneSchedule = Pick<ResolvedTsneOptions,
  'perplexity' | 'learningRate' | 'earlyExaggeration' | 'exaggerationIters' | 'initialMomentum' | 'finalMomentum' | 'momentumSwitchIter' | 'minGain' | 'seed' | 'neighbors' | 'exactKlMaxN'>;

export function resolveSchedule(n: number, opts: Omit<TsneOptions, 'method' | 'init' | 'dims' | 'theta'>): TsneSchedule {
  const perplexity = opts.perplexity ?? 30;
  const earlyExaggeration = opts.earlyExaggeration ?? 12;
  const lr = opts.learningRate ?? 'auto';
  return {
    perplexity,
    learningRate: lr === 'auto' ? Math.max(n / earlyExaggeration / 4, 50) : lr,
    earlyExaggeration,
    exaggerationIters: opts.exaggerationIters ?? 250,
    initialMomentum: opts.initialMomentum ?? 0.5,
    finalMomentum: opts.finalMomentum ?? 0.8,
    momentumSwitchIter: opts.momentumSwitchIter ?? 250,
    minGain: opts.minGain ?? 0.01,
    seed: (opts.seed ?? 0) >>> 0,
    neighbors: opts.neighbors ?? Math.min(n - 1, Math.floor(3 * perplexity)),
    exactKlMaxN: opts.exactKlMaxN ?? 20000,
  };
}

function resolveOptions(n: number, opts: TsneOptions): ResolvedTsneOptions {
  const method = opts.method ?? 'exact';
  const dims = opts.dims ?? 2;
  if (!Number.isInteger(dims) || dims < 1) throw new Error(`t-SNE dims must be a positive integer, got ${dims}`);
  if (method === 'barnes-hut' && dims !== 2) throw new Error('Barnes–Hut t-SNE supports dims = 2 only');
  const init = opts.init ?? 'random';
  return { ...resolveSchedule(n, opts), dims, method, theta: opts.theta ?? 0.5, init: typeof init === 'string' ? init : 'given' };
}

/**
 * The seeded initial embedding (n × dims): given coordinates, PCA scaled to a standard deviation
 * of 1e-4 along the first axis, or N(0, 1e-4²) per coordinate. Shared by the CPU and GPU steppers
 * so both start from the same points for a seed.
 */
export function initialEmbedding(x: Matrix, n: number, d: number, dims: number, seed: number, init: TsneOptions['init']): Float64Array {
  const rng = new Rng(seed);
  const y = new Float64Array(n * dims);
  if (init instanceof Float32Array || init instanceof Float64Array) {
    if (init.length !== n * dims) throw new Error(`t-SNE init has ${init.length} values, expected ${n}×${dims}`);
    y.set(init);
  } else if (init === 'pca') {
    const pcs = pcaProject(x, n, d, dims, rng.fork('pca'));
    let ss = 0;
    for (let i = 0; i < n; i++) ss += pcs[i * dims] ** 2;
    const sd = Math.sqrt(ss / n);
    const scale = sd > 0 ? 1e-4 / sd : 1;
    for (let t = 0; t < n * dims; t++) y[t] = pcs[t] * scale;
  } else {
    const r = rng.fork('init');
    for (let t = 0; t < n * dims; t++) y[t] = r.normal(0, 1e-4);
  }
  return y;
}

/**
 * Top principal-component scores of x (n×d) in `dims` dimensions, by power iteration with
 * deflation on the d×d covariance (seeded start vectors). Columns are sign-normalised so the
 * largest-magnitude loading is positive, making the result independent of the start vector.
 */
export function pcaProject(x: Matrix, n: number, d: number, dims: number, rng: Rng): Float64Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) mean[c] += x[i * d + c];
  for (let c = 0; c < d; c++) mean[c] /= n;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < d; c++) row[c] = x[i * d + c] - mean[c];
    for (let a = 0; a < d; a++) for (let b = a; b < d; b++) cov[a * d + b] += row[a] * row[b];
  }
  for (let a = 0; a < d; a++) for (let b = a; b < d; b++) cov[b * d + a] = cov[a * d + b];
  const out = new Float64Array(n * dims);
  const v = new Float64Array(d);
  const w = new Float64Array(d);
  for (let k = 0; k < Math.min(dims, d); k++) {
    for (let c = 0; c < d; c++) v[c] = rng.normal();
    let lambda = 0;
    for (let it = 0; it < 500; it++) {
      let norm = 0;
      for (let a = 0; a < d; a++) {
        let s = 0;
        for (let b = 0; b < d; b++) s += cov[a * d + b] * v[b];
        w[a] = s;
        norm += s * s;
      }
      norm = Math.sqrt(norm);
      if (norm === 0) break;
      let delta = 0;
      for (let a = 0; a < d; a++) {
        const nv = w[a] / norm;
        delta += Math.abs(nv - v[a]);
        v[a] = nv;
      }
      lambda = norm;
      if (delta < 1e-12) break;
    }
    let big = 0;
    for (let c = 0; c < d; c++) if (Math.abs(v[c]) > Math.abs(big)) big = v[c];
    if (big < 0) for (let c = 0; c < d; c++) v[c] = -v[c];
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += (x[i * d + c] - mean[c]) * v[c];
      out[i * dims + k] = s;
    }
    // Deflate.
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) cov[a * d + b] -= lambda * v[a] * v[b];
  }
  return out;
}

/** Build a t-SNE stepper for n points of dimension d (x is n×d row-major). */
export function createTsne(x: Matrix, n: number, d: number, opts: TsneOptions = {}): Tsne {
  if (x.length < n * d) throw new Error(`t-SNE input has ${x.length} values, expected ${n}×${d}`);
  const o = resolveOptions(n, opts);
  const dims = o.dims;

  const P: Float64Array | CsrMatrix =
    o.method === 'exact'
      ? exactAffinities(x, n, d, o.perplexity).P
      : knnAffinities(x, n, d, o.perplexity, { k: o.neighbors }).P;

  const y = initialEmbedding(x, n, d, dims, o.seed, opts.init);

  const grad = new Float64Array(n * dims);
  const update = new Float64Array(n * dims);
  const gains = new Float64Array(n * dims).fill(1);
  const scratch = { attr: new Float64Array(n * dims), rep: new Float64Array(n * dims) };
  let iteration = 0;

  const kl = (): number => {
    if (o.method === 'exact') return klDivergenceDense(P as Float64Array, y, n, dims);
    const z = n <= o.exactKlMaxN ? exactZ(y, n, dims) : barnesHutRepulsion(y, n, o.theta, scratch.rep);
    return klDivergenceSparse(P as CsrMatrix, y, dims, z);
  };

  const stepOnce = (): void => {
    const exaggeration = iteration < o.exaggerationIters ? o.earlyExaggeration : 1;
    const momentum = iteration < o.momentumSwitchIter ? o.initialMomentum : o.finalMomentum;
    if (o.method === 'exact') exactGradient(P as Float64Array, y, n, dims, grad, exaggeration);
    else barnesHutGradient(P as CsrMatrix, y, n, grad, o.theta, exaggeration, scratch);
    const lr = o.learningRate;
    for (let t = 0; t < n * dims; t++) {
      const g = grad[t];
      let gain = (g > 0) !== (update[t] > 0) ? gains[t] + 0.2 : gains[t] * 0.8;
      if (gain < o.minGain) gain = o.minGain;
      gains[t] = gain;
      update[t] = momentum * update[t] - lr * gain * g;
      y[t] += update[t];
    }
    // Re-centre (the cost is translation invariant).
    for (let c = 0; c < dims; c++) {
      let m = 0;
      for (let i = 0; i < n; i++) m += y[i * dims + c];
      m /= n;
      for (let i = 0; i < n; i++) y[i * dims + c] -= m;
    }
    iteration++;
  };

  return {
    n,
    dims,
    options: o,
    P,
    get iteration() {
      return iteration;
    },
    step(k = 1, stepOpts = {}) {
      for (let s = 0; s < k; s++) stepOnce();
      return stepOpts.computeKl ? { iteration, kl: kl() } : { iteration };
    },
    embedding: () => Float32Array.from(y),
    embedding64: () => y,
    kl,
    lastGradient: () => grad,
  };
}

export interface RunTsneOptions {
  /** Iterations per chunk between progress callbacks / yields (default 10). */
  chunk?: number;
  /** Compute KL at each progress callback (costs one extra O(N²)/sparse pass; default false). */
  computeKl?: boolean;
  signal?: AbortSignal;
  onProgress?: (result: TsneStepResult, tsne: Tsne) => void;
}

/**
 * Run `tsne` until it has completed `iterations` iterations in total, yielding to the event loop
 * between chunks so a UI can animate and cancel. Rejects with the signal's reason when aborted
 * (the stepper keeps the state reached so far).
 */
export async function runTsne(tsne: Tsne, iterations: number, opts: RunTsneOptions = {}): Promise<TsneStepResult> {
  const chunk = Math.max(1, opts.chunk ?? 10);
  let result: TsneStepResult = { iteration: tsne.iteration };
  while (tsne.iteration < iterations) {
    opts.signal?.throwIfAborted();
    result = tsne.step(Math.min(chunk, iterations - tsne.iteration), { computeKl: opts.computeKl });
    opts.onProgress?.(result, tsne);
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
  }
  return result;
}
