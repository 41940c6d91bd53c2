import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { balancedAccuracy, goalLine, goals, parseCsv, pm, readRealDataset, realDatasetProblem, splitByPhoto } from './camera';

describe('splitByPhoto', () => {
  it('holds out ⌈25 %⌉ of each label’s photos, at least one, leaving one for training', () => {
    const labels = [...Array(10).fill('a'), ...Array(2).fill('b'), ...Array(5).fill('c')];
    const { train, test } = splitByPhoto(labels, 0.25, 0);
    const count = (idx: number[], l: string) => idx.filter((i) => labels[i] === l).length;
    // a: ⌈2.5⌉ = 3; b: ⌈0.5⌉ = 1; c: ⌈1.25⌉ = 2.
    expect([count(test, 'a'), count(test, 'b'), count(test, 'c')]).toEqual([3, 1, 2]);
    expect([count(train, 'a'), count(train, 'b'), count(train, 'c')]).toEqual([7, 1, 3]);
    expect(new Set([...train, ...test]).size).toBe(17);
    expect(splitByPhoto(labels, 0.25, 0)).toEqual({ train, test });
    expect(() => splitByPhoto(['a', 'b', 'b'], 0.25, 0)).toThrow(/label 'a' has 1 photo/);
  });
});

describe('goals and formatting', () => {
  it('checks the three thresholds', () => {
    const g = goals(0.96, 0.85, 0.65);
    expect(g.map((x) => x.met)).toEqual([true, false, true]);
    expect(goalLine(g[1])).toBe('Balanced manufacturer accuracy ≥ 0.9: 0.850 → NOT MET');
    expect(goals(NaN, 1, 0).map((x) => x.met)).toEqual([false, true, true]);
    expect(pm(0.5, 0.01, 2)).toBe('0.500 ± 0.010');
    expect(pm(0.5, 0, 1)).toBe('0.500');
    expect(balancedAccuracy([{ n: 10, accuracy: 1 }, { n: 2, accuracy: 0.5 }, { n: 0, accuracy: NaN }])).toBe(0.75);
  });
});

describe('readRealDataset', () => {
  it('reads labels.csv and RGB crops, joining label columns', () => {
    const dir = mkdtempSync(join(tmpdir(), 'camera-bench-'));
    mkdirSync(join(dir, 'crops'));
    const png = (v: number) => encode({ width: 2, height: 1, data: Uint8Array.from([v, 1, 2, 255, v, 3, 4, 255]), channels: 4, depth: 8 });
    writeFileSync(join(dir, 'crops/a.png'), png(10));
    writeFileSync(join(dir, 'crops/b.png'), png(20));
    writeFileSync(join(dir, 'labels.csv'), 'file,exif_make,exif_model\ncrops/a.png,Apple,iPhone 11\ncrops/b.png,Google,Pixel 5\n');
    expect(realDatasetProblem(dir)).toBeNull();
    expect(realDatasetProblem(join(dir, 'nope'))).toMatch(/not found/);
    const ds = readRealDataset(dir, 'x', ['exif_make', 'exif_model']);
    expect(ds.labels).toEqual(['Apple iPhone 11', 'Google Pixel 5']);
    expect(Array.from(ds.photos[0].rgb)).toEqual([10, 1, 2, 10, 3, 4]);
    expect(() => readRealDataset(dir, 'x', 'device')).toThrow(/no column 'device'/);
    expect(parseCsv('a,b\n1,2\n')).toEqual([{ a: '1', b: '2' }]);
  });
});
