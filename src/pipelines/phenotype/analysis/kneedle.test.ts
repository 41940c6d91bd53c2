import { describe, expect, it } from 'vitest';
import { autoK, kneedle } from './kneedle';

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('kneedle', () => {
  it('reproduces the Satopää et al. (2011) Figure 2 example: y = 5 − 1/(x + 0.1) on 10 points of [0, 1] → knee 2/9', () => {
    // Continuous optimum of y_n − x_n: (x + 0.1)² = 1 / 9.0909 → x ≈ 0.232; nearest sample 2/9.
    const x = range(0, 9).map((i) => i / 9);
    const y = x.map((v) => 5 - 1 / (v + 0.1));
    const res = kneedle(x, y, { curve: 'concave', direction: 'increasing' });
    expect(res.index).toBe(2);
    expect(res.knee).toBeCloseTo(2 / 9, 12);
    expect(y[res.index]).toBeCloseTo(1.8965517241379306, 12);
  });

  it('finds the knee of y = 1/x on x = 1..100 at √(1·100) = 10 (hand-derived maximum of 1 − y_n − x_n)', () => {
    // D(x) = 1 − (1/x − 0.01)/0.99 − (x − 1)/99: D(9) ≈ 0.81706, D(10) ≈ 0.81818, D(11) ≈ 0.81726.
    const x = range(1, 100);
    const res = kneedle(x, x.map((v) => 1 / v));
    expect(res.knee).toBe(10);
    expect(res.difference[9]).toBeCloseTo(1 - 0.09 / 0.99 - 9 / 99, 12);
    expect(res.difference[8]).toBeLessThan(res.difference[9]);
    expect(res.difference[10]).toBeLessThan(res.difference[9]);
  });

  it('handles the mirrored shapes: convex increasing and concave decreasing knees at 101 − 10 = 91, concave increasing at 10', () => {
    const x = range(1, 100);
    expect(kneedle(x, x.map((v) => 1 / (101 - v)), { curve: 'convex', direction: 'increasing' }).knee).toBe(91);
    expect(kneedle(x, x.map((v) => -1 / (101 - v)), { curve: 'concave', direction: 'decreasing' }).knee).toBe(91);
    expect(kneedle(x, x.map((v) => -1 / v), { curve: 'concave', direction: 'increasing' }).knee).toBe(10);
  });

  it('does not depend on the order of the points or on affine rescaling of y', () => {
    const x = range(1, 100);
    const order = [...x].reverse();
    expect(kneedle(order, order.map((v) => 1000 / v + 7)).knee).toBe(10);
  });

  it('finds no knee on a straight line, nor when the sensitivity is very high', () => {
    const x = range(1, 50);
    expect(kneedle(x, x.map((v) => 100 - 2 * v)).knee).toBeNull();
    // Threshold D_max − S·mean(Δx_n) = 0.818 − 100/99 < 0 is never crossed.
    expect(kneedle(range(1, 100), range(1, 100).map((v) => 1 / v), { sensitivity: 100 }).knee).toBeNull();
  });

  it('autoK caps at 70: uses only k ≤ 70, and falls back to the cap when there is no knee', () => {
    // On 1..70, y = 1/k: D(8) ≈ 0.78623 > D(9) ≈ 0.78583 (by hand), although on 1..400 the knee is 20.
    const ks = range(1, 400);
    expect(kneedle(ks, ks.map((k) => 1 / k)).knee).toBe(20);
    expect(autoK(ks, ks.map((k) => 1 / k))).toEqual({ k: 8, fromKnee: true });
    // Linear up to 70 (no diminishing returns within the cap), flat afterwards.
    expect(autoK(ks, ks.map((k) => (k <= 70 ? 1000 - k : 930)))).toEqual({ k: 70, fromKnee: false });
    expect(autoK(ks, ks.map((k) => 1 / k), { cap: 30 }).k).toBe(5); // √30 ≈ 5.5; D(5) > D(6)
  });
});
