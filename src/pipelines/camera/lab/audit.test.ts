import { describe, expect, it } from 'vitest';
import { auditBias, chiSquare, chiSquareSurvival, contingencyTable, cramersV, gammaQ } from './audit';

/** Items from a counts matrix: class 'c{i+1}', camera 'k{j+1}'. */
function itemsFrom(counts: number[][]): { cls: string; camera: string }[] {
  const out: { cls: string; camera: string }[] = [];
  counts.forEach((row, i) => row.forEach((n, j) => {
    for (let t = 0; t < n; t++) out.push({ cls: `c${i + 1}`, camera: `k${j + 1}` });
  }));
  return out;
}

describe('chi-square distribution', () => {
  it('matches known critical values and closed forms', () => {
    expect(chiSquareSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 12);
    expect(chiSquareSurvival(6.634896601021214, 1)).toBeCloseTo(0.01, 12);
    expect(chiSquareSurvival(18.307038053275146, 10)).toBeCloseTo(0.05, 12);
    // df = 2 is exponential: P(X ≥ x) = exp(−x/2).
    for (const x of [0.1, 1, 4, 20, 60]) expect(chiSquareSurvival(x, 2)).toBeCloseTo(Math.exp(-x / 2), 14);
    // Series branch (x < a + 1) and a large df, against scipy.stats.chi2.sf.
    expect(chiSquareSurvival(4, 10)).toBeCloseTo(0.9473469826562889, 12);
    expect(chiSquareSurvival(0.5, 3)).toBeCloseTo(0.9188914116546758, 12);
    expect(chiSquareSurvival(67.50480655, 50)).toBeCloseTo(0.04999999999612096, 10);
    expect(gammaQ(1, 0)).toBe(1);
  });
});

describe('contingency table, chi-square and Cramér\'s V', () => {
  it('counts class × camera cells in natural order', () => {
    const t = contingencyTable([
      { cls: 'b', camera: 'cam10' }, { cls: 'a', camera: 'cam2' }, { cls: 'a', camera: 'cam10' }, { cls: 'a', camera: 'cam2' },
    ]);
    expect(t.classes).toEqual(['a', 'b']);
    expect(t.cameras).toEqual(['cam2', 'cam10']);
    expect(t.counts).toEqual([[2, 1], [0, 1]]);
    expect(t.classTotals).toEqual([3, 1]);
    expect(t.cameraTotals).toEqual([2, 2]);
    expect(t.total).toBe(4);
  });

  it('perfect association gives V = 1 (plain and corrected)', () => {
    const a = cramersV([[10, 0], [0, 10]]);
    expect(a.chi2).toBeCloseTo(20, 12);
    expect(a.v).toBeCloseTo(1, 12);
    // φ² = 1, corrected φ² = 1 − 1/19, corrected table side 2 − 1/19 → V = 1 exactly.
    expect(a.vCorrected).toBeCloseTo(1, 12);
    // Camera determines class in a 2 × 3 table too (χ² = n·min(r−1, k−1)).
    expect(cramersV([[5, 5, 0], [0, 0, 10]]).v).toBeCloseTo(1, 12);
  });

  it('independence gives V = 0', () => {
    const a = cramersV([[10, 20], [20, 40]]);
    expect(a.chi2).toBeCloseTo(0, 12);
    expect(a.v).toBeCloseTo(0, 12);
    expect(a.vCorrected).toBe(0);
    expect(chiSquare([[10, 20], [20, 40]]).pValue).toBeCloseTo(1, 12);
  });

  it('a 2 × 3 table computed by hand', () => {
    // Rows 60/60, columns 40/40/40, n = 120 → every expected count is 20.
    // χ² = 100/20 + 0 + 100/20 + 100/20 + 0 + 100/20 = 20, df = 2, p = exp(−10).
    const counts = [[10, 20, 30], [30, 20, 10]];
    const chi = chiSquare(counts);
    expect(chi.statistic).toBeCloseTo(20, 12);
    expect(chi.df).toBe(2);
    expect(chi.pValue).toBeCloseTo(Math.exp(-10), 15);
    const v = cramersV(counts);
    expect(v.v).toBeCloseTo(Math.sqrt(20 / 120), 12); // min(r−1, k−1) = 1
    // Bergsma: φ²c = 1/6 − 2/119, r̃ = 2 − 1/119, k̃ = 3 − 4/119 → V = sqrt(φ²c / (r̃ − 1)).
    expect(v.vCorrected).toBeCloseTo(Math.sqrt((1 / 6 - 2 / 119) / (1 - 1 / 119)), 12);
    expect(v.vCorrected).toBeCloseTo(0.38875434853236673, 12);
  });

  it('agrees with scipy on an irregular table', () => {
    // scipy.stats.chi2_contingency(correction=False) and contingency.association(method='cramer').
    const counts = [[12, 3, 5], [2, 9, 4]];
    const chi = chiSquare(counts);
    expect(chi.statistic).toBeCloseTo(9.738425925925924, 10);
    expect(chi.pValue).toBeCloseTo(0.007679406887745347, 12);
    expect(cramersV(counts).v).toBeCloseTo(0.5274852990754725, 12);
  });

  it('ignores empty rows and columns', () => {
    expect(chiSquare([[10, 0, 20], [20, 0, 40], [0, 0, 0]]).df).toBe(1);
    expect(cramersV([[10, 0, 20], [20, 0, 40]]).v).toBeCloseTo(0, 12);
  });
});

describe('auditBias', () => {
  it('flags the thesis Disjoint layout and names the single-class cameras', () => {
    // class 1 ← cameras 1, 2; class 2 ← cameras 3, 4; camera 5 balanced.
    const a = auditBias(itemsFrom([[30, 30, 0, 0, 10], [0, 0, 30, 30, 10]]));
    expect(a.verdict).toBe('warning');
    expect(a.pureCameras).toEqual([
      { camera: 'k1', cls: 'c1', count: 30 },
      { camera: 'k2', cls: 'c1', count: 30 },
      { camera: 'k3', cls: 'c2', count: 30 },
      { camera: 'k4', cls: 'c2', count: 30 },
    ]);
    // The camera → majority rule is right on all 120 images of cameras 1–4 and 10 of the 20 of camera 5.
    expect(a.cheatAccuracy).toBeCloseTo(130 / 140, 12);
    expect(a.majorityAccuracy).toBeCloseTo(0.5, 12);
    expect(a.cheatRule).toEqual({ k1: 'c1', k2: 'c1', k3: 'c2', k4: 'c2', k5: 'c1' });
    expect(a.messages[0]).toMatch(/^Camera predicts class: Cramér's V = 0\.\d\d/);
    expect(a.messages.some((m) => m.includes("Camera 'k3' has only class 'c2' (30 images)"))).toBe(true);
    expect(a.messages.some((m) => m.includes('92.9%') && m.includes('50.0%'))).toBe(true);
  });

  it('passes a balanced dataset', () => {
    const a = auditBias(itemsFrom([[20, 20, 20], [20, 20, 20]]));
    expect(a.verdict).toBe('ok');
    expect(a.cramersV).toBeCloseTo(0, 12);
    expect(a.pureCameras).toEqual([]);
    expect(a.cheatAccuracy).toBeCloseTo(0.5, 12);
    expect(a.messages[0]).toMatch(/^No strong camera\/class association/);
  });

  it('warns on a partial correlation above the threshold, not below it', () => {
    // 2 × 2 with 35/15 vs 15/35: χ² = 16, n = 100, V = 0.4.
    const strong = auditBias(itemsFrom([[35, 15], [15, 35]]), { statistic: 'plain' });
    expect(strong.cramersV).toBeCloseTo(0.4, 12);
    expect(strong.verdict).toBe('warning');
    expect(strong.cheatAccuracy).toBeCloseTo(0.7, 12);
    expect(auditBias(itemsFrom([[35, 15], [15, 35]]), { statistic: 'plain', vThreshold: 0.5 }).verdict).toBe('ok');
  });

  it('corrected V does not flag a tiny independent-looking sample that plain V does', () => {
    // n = 8 with a 3/1 vs 1/3 split: plain V = 0.5, corrected φ² = 0.25 − 1/7 over side 1 − 1/7 → V = √0.125 ≈ 0.354.
    const items = itemsFrom([[3, 1], [1, 3]]);
    expect(auditBias(items, { statistic: 'plain', vThreshold: 0.45 }).verdict).toBe('warning');
    const c = auditBias(items, { vThreshold: 0.45 });
    expect(c.cramersVCorrected).toBeCloseTo(Math.sqrt((0.25 - 1 / 7) / (1 - 1 / 7)), 12);
    expect(c.verdict).toBe('ok');
    expect(c.messages.some((m) => m.startsWith('The χ² p-value is approximate'))).toBe(true);
  });

  it('refuses datasets with one camera or one class', () => {
    const oneCam = auditBias([{ cls: 'a', camera: 'x' }, { cls: 'b', camera: 'x' }]);
    expect(oneCam.verdict).toBe('disabled');
    expect(oneCam.disabledReason).toBe("experiment disabled: only one camera ('x'); camera bias needs images from at least two cameras");
    const oneClass = auditBias([{ cls: 'a', camera: 'x' }, { cls: 'a', camera: 'y' }]);
    expect(oneClass.disabledReason).toMatch(/^experiment disabled: only one class \('a'\)/);
    expect(auditBias([]).disabledReason).toBe('experiment disabled: the dataset has no labelled images');
  });
});
