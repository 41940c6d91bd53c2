/**
 * Mean ± standard deviation of the final target accuracy per arm (and per swept value), as in
 * Fig 4.4's error bars. The standard deviation is the sample one (n − 1 in the denominator);
 * a single run has std 0.
 */
import type { Arm, ArmSummary, RunResult } from './types';

export function meanStd(values: readonly number[]): { mean: number; std: number } {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (n === 1) return { mean, std: 0 };
  const ss = values.reduce((s, v) => s + (v - mean) * (v - mean), 0);
  return { mean, std: Math.sqrt(ss / (n - 1)) };
}

/** One entry per (arm, sweep value) present in `runs`, in the order of `arms`, then sweep value. */
export function summarise(runs: readonly RunResult[], arms: readonly Arm[]): ArmSummary[] {
  const out: ArmSummary[] = [];
  for (const arm of arms) {
    const mine = runs.filter((r) => r.arm === arm);
    const values = [...new Set(mine.map((r) => r.sweepValue))].sort((a, b) => (a ?? -Infinity) - (b ?? -Infinity));
    for (const v of values) {
      const acc = mine.filter((r) => r.sweepValue === v).map((r) => r.finalTargetAccuracy);
      const { mean, std } = meanStd(acc);
      out.push({ arm, ...(v !== undefined ? { sweepValue: v } : {}), mean, std, runs: acc.length });
    }
  }
  return out;
}
