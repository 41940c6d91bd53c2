import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng/rng';
import { hungarian } from './hungarian';

/** Minimum over all injective maps from the smaller side to the larger, by enumeration. */
function bruteForce(cost: number[][]): number {
  const rows = cost.length, cols = cost[0].length;
  const small = Math.min(rows, cols), large = Math.max(rows, cols);
  const at = (s: number, l: number) => (rows <= cols ? cost[s][l] : cost[l][s]);
  const used = new Array<boolean>(large).fill(false);
  let best = Infinity;
  const walk = (s: number, acc: number) => {
    if (s === small) {
      best = Math.min(best, acc);
      return;
    }
    for (let l = 0; l < large; l++) {
      if (used[l]) continue;
      used[l] = true;
      walk(s + 1, acc + at(s, l));
      used[l] = false;
    }
  };
  walk(0, 0);
  return best;
}

describe('hungarian', () => {
  it('solves a hand example', () => {
    const m = hungarian([
      [4, 1, 3],
      [2, 0, 5],
      [3, 2, 2],
    ]);
    expect(Array.from(m.rowToCol)).toEqual([1, 0, 2]);
    expect(Array.from(m.colToRow)).toEqual([1, 0, 2]);
    expect(m.totalCost).toBe(5);
  });

  it('matches brute force on seeded random square and rectangular matrices', () => {
    const rng = new Rng(2024);
    const shapes = [[1, 1], [2, 2], [3, 3], [5, 5], [6, 6], [2, 5], [3, 7], [4, 6], [5, 2], [7, 3], [6, 4], [1, 6], [6, 1]];
    for (const [rows, cols] of shapes) {
      for (let trial = 0; trial < 15; trial++) {
        // Integer costs make ties common, which is where bookkeeping bugs hide.
        const integer = trial % 2 === 0;
        const cost = Array.from({ length: rows }, () => Array.from({ length: cols }, () => (integer ? rng.int(0, 9) : rng.uniform(-5, 5))));
        const m = hungarian(cost);
        expect(m.totalCost).toBeCloseTo(bruteForce(cost), 9);
        // A valid one-to-one matching of size min(rows, cols), consistent both ways, summing to totalCost.
        let matched = 0, sum = 0;
        m.rowToCol.forEach((c, r) => {
          if (c < 0) return;
          matched++;
          sum += cost[r][c];
          expect(m.colToRow[c]).toBe(r);
        });
        expect(matched).toBe(Math.min(rows, cols));
        expect(sum).toBeCloseTo(m.totalCost, 9);
      }
    }
  });

  it('handles empty matrices and rejects non-finite costs', () => {
    expect(hungarian([]).totalCost).toBe(0);
    expect(Array.from(hungarian([[], []]).rowToCol)).toEqual([-1, -1]);
    expect(() => hungarian([[1, Infinity]])).toThrow(/finite/);
  });
});
