import { describe, expect, it } from 'vitest';
import { UsageError } from './args';
import {
  adapterKind,
  adapterLine,
  Budget,
  fmtValue,
  goalLine,
  kmeansGoalResult,
  measure,
  notMeasured,
  parseSections,
  projectQuadratic,
  sectionTable,
  simcepGoalResult,
  speedup,
  suiteJson,
  suiteMarkdown,
  timeIterations,
  tsneGoalResult,
  withRatios,
  type Row,
  type SuiteReport,
} from './suite';

/** A clock that advances only when told to. */
function fakeClock() {
  let t = 1000;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

const row = (over: Partial<Row>): Row => ({ item: 'kNN', impl: 'x', role: 'ours', backend: 'b', unit: 'ms', median: 10, warmup: 1, runs: 3, ...over });

describe('sections and budget', () => {
  it('keeps the suite order of --only and rejects unknown names', () => {
    expect(parseSections(undefined)).toEqual(['phenotype', 'detection', 'camera', 'style', 'features']);
    expect(parseSections(['style', 'phenotype'])).toEqual(['phenotype', 'style']);
    expect(() => parseSections(['phenotype', 'gpu'])).toThrow(UsageError);
    expect(() => parseSections(['phenotype', 'gpu'])).toThrow("unknown section 'gpu'");
  });

  it('gives each section its weight share of the time left among the sections still to run', () => {
    const c = fakeClock();
    const b = new Budget(100_000, c.now);
    // phenotype 0.5 of (0.5 + 0.14 + 0.08 + 0.18 + 0.1 = 1.0)
    expect(b.sectionMs('phenotype', ['phenotype', 'detection', 'camera', 'style', 'features'])).toBeCloseTo(50_000);
    c.advance(60_000); // phenotype overran its share: the rest shrink
    expect(b.remainingMs()).toBe(40_000);
    expect(b.sectionMs('camera', ['camera', 'features'])).toBeCloseTo((40_000 * 0.08) / 0.18);
    // The last section gets everything that is left.
    expect(b.sectionMs('features', ['features'])).toBeCloseTo(40_000);
    expect(b.fits(39_000)).toBe(true);
    expect(b.fits(41_000)).toBe(false);
    expect(b.fits(NaN)).toBe(false);
    c.advance(50_000);
    expect(b.remainingMs()).toBe(0);
  });

  it('projects an O(N²) cost to a larger N', () => {
    expect(projectQuadratic(100, 1000, 2000)).toBe(400);
    expect(projectQuadratic(1000, 2000, 5000)).toBe(6250);
  });
});

describe('timing', () => {
  it('warms up, then repeats until the budget is spent, and takes the median', async () => {
    const c = fakeClock();
    const costs = [500, 30, 10, 20, 40, 5];
    let i = 0;
    const t = await measure(() => c.advance(costs[i++]), { warmup: 1, max: 10, budgetMs: 60, now: c.now });
    expect(t.warmupMs).toEqual([500]);
    // 30 + 10 + 20 = 60 ≥ 60: stops after the third timed run.
    expect(t.samples).toEqual([30, 10, 20]);
    expect(t.median).toBe(20);
  });

  it('uses the time fn reports itself when it returns one, and skips further warm-up past the budget', async () => {
    const c = fakeClock();
    const t = await measure(() => {
      c.advance(100);
      return 7;
    }, { warmup: 3, max: 2, budgetMs: 50, now: c.now });
    expect(t.warmupMs).toEqual([7, 7, 7]);
    expect(t.samples).toEqual([7, 7]);
    const slow = await measure(() => c.advance(80), { warmup: 3, max: 2, budgetMs: 50, now: c.now });
    expect(slow.warmupMs).toEqual([80]);
    expect(slow.samples).toEqual([80]);
  });

  it('times iterations in chunks sized to the target and reports per-iteration times', async () => {
    const c = fakeClock();
    const seen: number[] = [];
    const t = await timeIterations((k) => {
      seen.push(k);
      c.advance(10 * k);
    }, { budgetMs: 1000, maxChunks: 3, targetChunkMs: 200, now: c.now });
    // warm-up 1, sizing 1 (10 ms → chunks of 20), then three chunks.
    expect(seen).toEqual([1, 1, 20, 20, 20]);
    expect(t.chunk).toBe(20);
    expect(t.samples).toEqual([10, 10, 10]);
    expect(t.warmupMs).toEqual([10, 10]);
  });

  it('counts the sizing iteration as a chunk when an iteration alone exceeds the target', async () => {
    const c = fakeClock();
    const seen: number[] = [];
    const t = await timeIterations((k) => {
      seen.push(k);
      c.advance(3000 * k);
    }, { budgetMs: 5000, maxChunks: 3, targetChunkMs: 1000, now: c.now });
    // sizing iteration (3000) is the first sample; one more (6000 ≥ 5000) ends it.
    expect(seen).toEqual([1, 1, 1]);
    expect(t.samples).toEqual([3000, 3000]);
    expect(t.warmupMs).toEqual([3000]);
  });
});

describe('rows, ratios and tables', () => {
  it('computes speed-ups as time ratios for times and rate ratios for rates', () => {
    expect(speedup({ unit: 'ms', median: 10 }, { unit: 'ms', median: 50 })).toBe(5);
    expect(speedup({ unit: 'images/s', median: 300 }, { unit: 'images/s', median: 100 })).toBe(3);
    expect(speedup({ unit: 'ms', median: null }, { unit: 'ms', median: 50 })).toBeNull();
    expect(speedup({ unit: 'ms', median: 0 }, { unit: 'ms', median: 50 })).toBeNull();
    expect(() => speedup({ unit: 'ms', median: 1 }, { unit: 'images/s', median: 1 })).toThrow('units differ');
  });

  it('compares each row with the stock and plain-JS rows of the same measurement only', () => {
    const rows = [
      row({ impl: 'ours', median: 10 }),
      row({ impl: 'tfjs', role: 'stock', median: 40 }),
      row({ impl: 'js', role: 'js', median: 100 }),
      row({ item: 'other', impl: 'ours', median: 1 }),
    ];
    const r = withRatios(rows);
    expect(r[0].vsStock).toBe(4);
    expect(r[0].vsJs).toBe(10);
    expect(r[1].vsStock).toBeNull(); // itself
    expect(r[1].vsJs).toBe(2.5);
    expect(r[3].vsStock).toBeNull(); // no stock row for 'other'
  });

  it('prints baseline / — / n/a in the ratio columns and the runs as warm-up + timed', () => {
    const rows = [
      row({ impl: 'ours', median: 10 }),
      row({ impl: 'tfjs', role: 'stock', median: 40 }),
      notMeasured({ item: 'kNN', impl: 'js', role: 'js', backend: 'Node', unit: 'ms' }, 'skipped: too slow'),
      row({ item: 'camera 128²', impl: 'sim', unit: 'images/s', median: 55.5 }),
    ];
    const lines = sectionTable(rows).split('\n');
    expect(lines).toHaveLength(6);
    const cells = (l: string) => l.split('|').slice(1, -1).map((c) => c.trim());
    expect(cells(lines[0])).toEqual(['measurement', 'implementation', 'backend', 'median', 'runs', '× vs stock', '× vs plain JS', 'note']);
    expect(cells(lines[2])).toEqual(['kNN', 'ours', 'b', '10.0 ms', '1+3', '4.00×', 'n/a', '']);
    expect(cells(lines[3]).slice(5, 7)).toEqual(['baseline', 'n/a']);
    expect(cells(lines[4])).toEqual(['kNN', 'js', 'Node', 'n/a', '0', 'n/a', 'baseline', 'skipped: too slow']);
    expect(cells(lines[5]).slice(3, 7)).toEqual(['55.5 images/s', '1+3', '—', '—']);
  });

  it('formats values with their unit', () => {
    expect(fmtValue(1840.2, 'ms/iter')).toBe('1840 ms/iter');
    expect(fmtValue(223.7, 'images/s')).toBe('224 images/s');
    expect(fmtValue(3.25, 'images/s')).toBe('3.3 images/s');
    expect(fmtValue(null, 'ms')).toBe('n/a');
  });
});

describe('adapter', () => {
  it('says software (SwiftShader) for SwiftShader, hardware otherwise, none with the reason', () => {
    expect(adapterKind({ description: 'google / swiftshader — SwiftShader Device (Subzero)', isSoftware: true })).toBe('software (SwiftShader)');
    expect(adapterKind({ description: 'mesa / llvmpipe', isSoftware: true })).toBe('software');
    expect(adapterKind({ description: 'nvidia / hopper — NVIDIA H100', isSoftware: false })).toBe('hardware');
    expect(adapterKind({ description: null, isSoftware: false, error: 'no Vulkan' })).toBe('none (no Vulkan)');
    expect(adapterLine({ description: 'nvidia / hopper — NVIDIA H100', isSoftware: false })).toBe('hardware — nvidia / hopper — NVIDIA H100');
  });
});

describe('goals', () => {
  it('t-SNE: MET only at N = 5000 with ≥ 20× and a KL no higher than tsne-js', () => {
    const met = tsneGoalResult({ n: 5000, speedup: 25, ourKl: 1.3, tsneJsKl: 1.35 });
    expect(met.met).toBe(true);
    expect(goalLine(met)).toMatch(/^Goal: WebGPU t-SNE ≥ 20× .*: MET \(measured 25\.0×; /);
    const worseKl = tsneGoalResult({ n: 5000, speedup: 25, ourKl: 1.5, tsneJsKl: 1.35 });
    expect(worseKl.met).toBe(false);
    const slow = tsneGoalResult({ n: 5000, speedup: 14.4, ourKl: null, tsneJsKl: null, why: 'complete runs not made' });
    expect(slow.met).toBe(false);
    expect(goalLine(slow)).toContain('NOT MET (measured 14.4×');
    expect(slow.detail).toContain('KL not measured');
  });

  it('t-SNE: a fast run without KL is NOT MET with "KL not measured"', () => {
    const g = tsneGoalResult({ n: 5000, speedup: 30, ourKl: null, tsneJsKl: null, why: 'would take 4 h' });
    expect(g.met).toBe(false);
    expect(g.detail).toContain('KL not measured (would take 4 h)');
    expect(goalLine(g)).toContain('NOT MET (measured 30.0×');
  });

  it('t-SNE: another N is not measured at the goal size', () => {
    const g = tsneGoalResult({ n: 300, speedup: 50, ourKl: null, tsneJsKl: null, why: '--quick sizes' });
    expect(g.met).toBe(false);
    expect(g.detail).toBe('not measured at N = 5000 (--quick sizes); 50.0× at N = 300; KL not measured');
  });

  it('k-means: ≥ 5× at 40000×10; other sizes and missing ratios are NOT MET', () => {
    expect(kmeansGoalResult({ n: 40_000, d: 10, speedup: 5.2 }).met).toBe(true);
    expect(kmeansGoalResult({ n: 40_000, d: 10, speedup: 4.9 }).met).toBe(false);
    const small = kmeansGoalResult({ n: 4000, d: 10, speedup: 9 });
    expect(small.met).toBe(false);
    expect(small.ratio).toBe(9);
    expect(small.detail).toContain('4000×10');
    const none = kmeansGoalResult({ n: 40_000, d: 10, speedup: null, why: 'no WebGPU device' });
    expect(goalLine(none)).toBe('Goal: GPU k-means ≥ 5× ml-kmeans on 40000×10: NOT MET (measured n/a; not measured (no WebGPU device))');
  });

  it('SIMCEP: the ratio is images/s ÷ 200 at 224²', () => {
    const g = simcepGoalResult({ imagesPerSecond: 223.7, source: 'CPU generator', size: 224 });
    expect(g.met).toBe(true);
    expect(g.ratio).toBeCloseTo(1.1185);
    expect(goalLine(g)).toBe('Goal: SIMCEP generation ≥ 200 images/s at 224²: MET (measured 1.12×; 223.7 images/s ≥ 200 (CPU generator))');
    // Just below: the ratio prints as 1.00×, the comparison says why it is not met.
    const close = simcepGoalResult({ imagesPerSecond: 199.4, source: 'CPU', size: 224 });
    expect(close.met).toBe(false);
    expect(goalLine(close)).toBe('Goal: SIMCEP generation ≥ 200 images/s at 224²: NOT MET (measured 1.00×; 199.4 images/s < 200 (CPU))');
    expect(simcepGoalResult({ imagesPerSecond: 250, source: 'CPU', size: 64 }).met).toBe(false);
    expect(simcepGoalResult({ imagesPerSecond: null, source: '', size: 0 }).met).toBe(false);
  });
});

describe('report', () => {
  const report: SuiteReport = {
    date: new Date('2026-11-26T09:30:12Z'),
    command: 'npm run bench -- --quick',
    machine: { cpu: 'AMD EPYC', cores: 2, platform: 'linux-x64', node: 'v20.20.2', tfjs: '4.22.0' },
    adapter: { description: 'google / swiftshader — SwiftShader Device', isSoftware: true },
    loadAverage: { start: [2, 2, 2], end: [3, 3, 3] },
    settings: { quick: true },
    sections: [
      { section: 'phenotype', backends: 'WGSL; tfjs webgpu', rows: [row({ impl: 'ours', median: 10 }), row({ impl: 'tfjs', role: 'stock', median: Infinity })], notes: ['a note'], seconds: 12 },
      { section: 'style', skipped: 'no Magenta files', backends: '', rows: [], notes: [], seconds: 0 },
    ],
    goals: [simcepGoalResult({ imagesPerSecond: 210, source: 'CPU', size: 224 })],
    info: ['Info: something'],
    totalSeconds: 42,
  };

  it('writes every number, the machine, the adapter and the date as JSON (non-finite → null)', () => {
    const j = suiteJson(report) as Record<string, unknown> & { sections: Record<string, { rows: { median: number | null; vsStock: number | null }[]; skipped: string | null }> };
    expect(j.benchmark).toBe('suite');
    expect(j.date).toBe('2026-11-26T09:30:12.000Z');
    expect(j.machine).toEqual(report.machine);
    expect(j.adapter).toEqual({ description: 'google / swiftshader — SwiftShader Device', isSoftware: true, kind: 'software (SwiftShader)', error: null });
    expect(Object.keys(j.sections)).toEqual(['phenotype', 'style']);
    expect(j.sections.phenotype.rows[0].median).toBe(10);
    expect(j.sections.phenotype.rows[1].median).toBeNull();
    expect(j.sections.phenotype.rows[0].vsStock).toBeNull(); // the stock median was not finite
    expect(j.sections.style.skipped).toBe('no Magenta files');
    expect(j.goals).toEqual([expect.objectContaining({ id: 'simcep', met: true })]);
    expect(() => JSON.stringify(j)).not.toThrow();
  });

  it('renders a dated section with one table per pipeline, the skip reasons and the goal lines', () => {
    const md = suiteMarkdown(report);
    expect(md.split('\n')[0]).toBe('## Benchmark suite — 2026-11-26 09:30 UTC');
    expect(md).toContain('WebGPU adapter (Dawn): software (SwiftShader) — google / swiftshader — SwiftShader Device.');
    expect(md).toContain('Machine: AMD EPYC ×2 cores, linux-x64, Node v20.20.2, tfjs 4.22.0. Backends: WGSL; tfjs webgpu.');
    expect(md.match(/^\| measurement /gm)).toHaveLength(1);
    expect(md).toContain('Skipped: no Magenta files.');
    expect(md).toContain('- Goal: SIMCEP generation ≥ 200 images/s at 224²: MET (measured 1.05×; 210.0 images/s ≥ 200 (CPU))');
    expect(md).toContain('- Info: something');
    // No level-2 heading other than the first, so appending keeps docs/results.md's structure.
    expect(md.match(/^## /gm)).toHaveLength(1);
  });
});
