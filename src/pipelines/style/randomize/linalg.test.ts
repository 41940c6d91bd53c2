import { describe, expect, it } from 'vitest';
import { affineLower, choleskyLower } from './linalg';
import { lowerTimesTranspose, randomSpd } from './testStats';

describe('choleskyLower', () => {
  it('factors hand-worked examples', () => {
    // [[4,2],[2,3]] = [[2,0],[1,√2]]·[[2,1],[0,√2]]
    const l2 = choleskyLower([4, 2, 2, 3], 2);
    expect(l2[0]).toBe(2);
    expect(l2[1]).toBe(0);
    expect(l2[2]).toBe(1);
    expect(l2[3]).toBeCloseTo(Math.SQRT2, 15);
    // The textbook 3×3 example with an integer factor.
    expect(Array.from(choleskyLower([4, 12, -16, 12, 37, -43, -16, -43, 98], 3))).toEqual([2, 0, 0, 6, 1, 0, -8, 5, 3]);
  });

  it.each([1, 3, 10, 100])('L·Lᵀ reproduces a random n×n SPD matrix (n = %i); L is lower triangular with a positive diagonal', (n) => {
    const a = randomSpd(n, 1000 + n);
    const l = choleskyLower(a, n);
    const back = lowerTimesTranspose(l, n);
    const maxA = Math.max(...a.map(Math.abs));
    let err = 0;
    for (let k = 0; k < n * n; k++) err = Math.max(err, Math.abs(back[k] - a[k]));
    expect(err).toBeLessThan(1e-12 * maxA * n);
    for (let i = 0; i < n; i++) {
      expect(l[i * n + i]).toBeGreaterThan(0);
      for (let j = i + 1; j < n; j++) expect(l[i * n + j]).toBe(0);
    }
  });

  it('refuses matrices that are not positive definite, naming the pivot', () => {
    // Eigenvalues 3 and −1: the second pivot is 1 − 4 = −3.
    expect(() => choleskyLower([1, 2, 2, 1], 2)).toThrow('Matrix is not positive definite: pivot 1 of 2 is -3');
    expect(() => choleskyLower([-1, 0, 0, 1], 2)).toThrow(/not positive definite: pivot 0 of 2/);
    // Rank 1 (singular) fails at the second pivot, exactly 0.
    expect(() => choleskyLower([1, 1, 1, 1], 2)).toThrow(/pivot 1 of 2 is 0/);
    expect(() => choleskyLower([1, Number.NaN, Number.NaN, 1], 2)).toThrow(/not positive definite/);
    expect(() => choleskyLower([1, 0, 0], 2)).toThrow('choleskyLower: expected 2×2 = 4 values, got 3');
  });

  it('affineLower computes μ + L·ε', () => {
    const l = [2, 0, 0, 6, 1, 0, -8, 5, 3];
    expect(Array.from(affineLower([1, 2, 3], l, [1, -1, 2], 3))).toEqual([1 + 2, 2 + 6 - 1, 3 - 8 - 5 + 6]);
  });
});
