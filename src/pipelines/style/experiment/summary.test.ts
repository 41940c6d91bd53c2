import { describe, expect, it } from 'vitest';
import { meanStd, summarise } from './summary';
import type { RunResult } from './types';

const run = (arm: RunResult['arm'], seed: number, acc: number, sweepValue?: number): RunResult => ({
  arm, seed, ...(sweepValue !== undefined ? { sweepValue } : {}), epochs: [], finalTargetAccuracy: acc, seconds: 1,
});

describe('meanStd', () => {
  it('hand-computed: 0.2, 0.4, 0.6 → mean 0.4, sample std 0.2', () => {
    const { mean, std } = meanStd([0.2, 0.4, 0.6]);
    expect(mean).toBeCloseTo(0.4, 15);
    // Σ(x − 0.4)² = 0.04 + 0 + 0.04 = 0.08; / (3 − 1) = 0.04; √ = 0.2.
    expect(std).toBeCloseTo(0.2, 15);
  });
  it('two values 0.5 and 0.7: std = |a − b|/√2', () => {
    expect(meanStd([0.5, 0.7]).std).toBeCloseTo(0.2 / Math.SQRT2, 15);
  });
  it('one run has std 0; none is NaN', () => {
    expect(meanStd([0.3])).toEqual({ mean: 0.3, std: 0 });
    expect(meanStd([]).mean).toBeNaN();
  });
});

describe('summarise', () => {
  it('groups by arm (in the given order) and swept value', () => {
    const runs = [
      run('style', 1, 0.3, 0.5), run('none', 1, 0.1), run('style', 1, 0.5, 1), run('none', 2, 0.3),
      run('style', 2, 0.5, 0.5), run('style', 2, 0.7, 1),
    ];
    const s = summarise(runs, ['none', 'style', 'trad']);
    expect(s.map((e) => [e.arm, e.sweepValue, e.runs])).toEqual([['none', undefined, 2], ['style', 0.5, 2], ['style', 1, 2]]);
    expect(s[0].mean).toBeCloseTo(0.2, 15);
    expect(s[0].std).toBeCloseTo(Math.SQRT2 / 10, 15); // |0.1 − 0.3| / √2
    expect(s[1].mean).toBeCloseTo(0.4, 15);
    expect(s[2].mean).toBeCloseTo(0.6, 15);
    expect('sweepValue' in s[0]).toBe(false);
  });
});
