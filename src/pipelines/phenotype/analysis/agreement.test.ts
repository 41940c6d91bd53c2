import { describe, expect, it } from 'vitest';
import { adjustedRandIndex, knnAccuracy } from './agreement';
import { matrix } from './matrix';

describe('adjustedRandIndex', () => {
  it('is 1 for identical partitions up to renaming, and matches a hand-computed value', () => {
    expect(adjustedRandIndex([0, 0, 1, 1, 2, 2], ['b', 'b', 'a', 'a', 'c', 'c'])).toBe(1);
    // a = [0,0,0,1,1,1], b = [0,0,1,1,2,2]: contingency [[2,1,0],[0,1,2]]
    // index = C(2,2)+C(2,2) = 2; rows: 2·C(3,2) = 6; cols: 3·C(2,2) = 3; expected = 6·3/15 = 1.2;
    // max = 4.5; ARI = (2 − 1.2)/(4.5 − 1.2) = 0.2424…
    expect(adjustedRandIndex([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2])).toBeCloseTo(0.8 / 3.3, 12);
  });

  it('is near 0 for independent random labelings', () => {
    let s = 1;
    const r = () => (s = (s * 16807) % 2147483647) % 5;
    const a = Array.from({ length: 4000 }, r);
    const b = Array.from({ length: 4000 }, r);
    expect(Math.abs(adjustedRandIndex(a, b))).toBeLessThan(0.01);
  });
});

describe('knnAccuracy', () => {
  it('counts leave-one-out majority votes (hand-made 1-D example)', () => {
    // points 0,1,2 (label a), 10,11 (label b), 2.5 (label b, but its 3 nearest are 2,1,0 → a: wrong)
    const x = matrix(Float64Array.from([0, 1, 2, 10, 11, 2.5]), 6, 1);
    const labels = ['a', 'a', 'a', 'b', 'b', 'b'];
    // k = 1: 0→1 a ✓, 1→0/2 (tie, lower index 0) a ✓, 2→2.5 b ✗, 10→11 ✓, 11→10 ✓, 2.5→2 a ✗ → 4/6
    expect(knnAccuracy(x, labels, 1)).toBeCloseTo(4 / 6, 12);
    // k = 3: 0→{1,2,2.5}: a,a,b → a ✓; 1→{0,2,2.5} ✓; 2→{2.5,1,0} → a ✓; 10→{11,2.5,2} b,b,a → b ✓;
    // 11→{10,2.5,2} → b ✓; 2.5→{2,1,0} → a ✗ → 5/6
    expect(knnAccuracy(x, labels, 3)).toBeCloseTo(5 / 6, 12);
  });
});
