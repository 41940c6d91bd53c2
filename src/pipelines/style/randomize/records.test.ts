import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng/rng';
import { sampleStyleRecords, type StyleRandomOptions, type StyleRecord } from './records';
import { knownStats } from './testStats';

const dim = 100;
const stats = knownStats(dim, 17);
const base: StyleRandomOptions = { ratio: 0.5, alpha: 0.5, mode: 'random', seed: 123 };

/** Deterministic stand-ins for P(c_i). */
function contents(n: number, seed = 1): Float32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: dim }, () => rng.normal(0.5, 1)));
}

describe('sampleStyleRecords', () => {
  it('ratio 0 stylises nothing, ratio 1 everything', () => {
    const none = sampleStyleRecords(stats, { ...base, ratio: 0 }, 0, 64);
    expect(none.every((r) => !r.stylised && r.z === null && r.alpha === 0)).toBe(true);
    expect(none.map((r) => r.index)).toEqual(Array.from({ length: 64 }, (_, i) => i));
    const all = sampleStyleRecords(stats, { ...base, ratio: 1 }, 0, 64, contents(64));
    expect(all.every((r) => r.stylised && r.z?.length === dim)).toBe(true);
  });

  it('the stylised fraction matches the ratio over many batches', () => {
    // 50 batches × 40 images: binomial standard deviation √(0.3·0.7/2000) ≈ 0.010; allow 4 of them.
    let stylised = 0;
    for (let b = 0; b < 50; b++) stylised += sampleStyleRecords(stats, { ...base, ratio: 0.3, alpha: 1 }, b, 40).filter((r) => r.stylised).length;
    expect(Math.abs(stylised / 2000 - 0.3)).toBeLessThan(0.041);
  });

  it('α is the fixed value, or uniform in [lo, hi]', () => {
    const fixed = sampleStyleRecords(stats, { ...base, ratio: 1, alpha: 0.25 }, 3, 50, contents(50));
    expect(fixed.every((r) => r.alpha === 0.25)).toBe(true);
    const alphas: number[] = [];
    for (let b = 0; b < 10; b++) alphas.push(...sampleStyleRecords(stats, { ...base, ratio: 1, alpha: [0.2, 0.6] }, b, 50, contents(50)).map((r) => r.alpha));
    expect(Math.min(...alphas)).toBeGreaterThanOrEqual(0.2);
    expect(Math.max(...alphas)).toBeLessThan(0.6);
    // U(0.2, 0.6) over 500 draws: mean 0.4 ± 4·(0.4/√12)/√500 ≈ ± 0.021; it fills the range.
    expect(Math.abs(alphas.reduce((s, a) => s + a, 0) / alphas.length - 0.4)).toBeLessThan(0.021);
    expect(Math.min(...alphas)).toBeLessThan(0.21);
    expect(Math.max(...alphas)).toBeGreaterThan(0.59);
  });

  it("fixed-mean: z = α·μ + (1 − α)·P(c) exactly (as float32), the same for every seed", () => {
    const pc = contents(8);
    const opts: StyleRandomOptions = { ratio: 1, alpha: [0, 1], mode: 'fixed-mean', seed: 5 };
    const recs = sampleStyleRecords(stats, opts, 0, 8, pc);
    for (const r of recs) {
      const expected = stats.mean.map((m, k) => Math.fround(r.alpha * m + (1 - r.alpha) * pc[r.index][k]));
      expect(r.z).toEqual(expected);
    }
    // α = 1 gives μ itself; α = 0 gives P(c) itself.
    expect(sampleStyleRecords(stats, { ...opts, alpha: 1 }, 0, 1)[0].z).toEqual(stats.mean.map(Math.fround));
    expect(sampleStyleRecords(stats, { ...opts, alpha: 0, seed: 99 }, 7, 2, pc.slice(0, 2))[1].z).toEqual(Array.from(pc[1]));
  });

  it('random mode: α < 1 mixes the same N(μ, Σ) draw that α = 1 gives with P(c) (Eq 4.8)', () => {
    const pc = contents(6);
    const pure = sampleStyleRecords(stats, { ...base, ratio: 1, alpha: 1 }, 4, 6);
    const mixed = sampleStyleRecords(stats, { ...base, ratio: 1, alpha: 0.3 }, 4, 6, pc);
    for (let i = 0; i < 6; i++) {
      const s = pure[i].z!;
      // The draw is independent of the content: it is not P(c), and differs between images.
      expect(s).not.toEqual(Array.from(pc[i]));
      if (i > 0) expect(s).not.toEqual(pure[i - 1].z);
      mixed[i].z!.forEach((v, k) => expect(Math.abs(v - (0.3 * s[k] + 0.7 * pc[i][k]))).toBeLessThan(1e-6 * (1 + Math.abs(v))));
    }
  });

  it('same seed and batch → same records; another batch index or seed → different ones', () => {
    const pc = contents(16);
    const a = sampleStyleRecords(stats, { ...base, alpha: [0, 1] }, 2, 16, pc);
    expect(sampleStyleRecords(stats, { ...base, alpha: [0, 1] }, 2, 16, pc)).toEqual(a);
    const key = (rs: StyleRecord[]) => JSON.stringify(rs.map((r) => [r.stylised, r.alpha, r.z?.[0] ?? null]));
    expect(key(sampleStyleRecords(stats, { ...base, alpha: [0, 1] }, 3, 16, pc))).not.toEqual(key(a));
    expect(key(sampleStyleRecords(stats, { ...base, alpha: [0, 1], seed: 124 }, 2, 16, pc))).not.toEqual(key(a));
    // Records survive a JSON round trip unchanged (z is stored as plain numbers).
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
  });

  it('changing the ratio does not move the α or embedding of an image stylised under both', () => {
    const pc = contents(32);
    const lo = sampleStyleRecords(stats, { ...base, ratio: 0.3, alpha: [0, 1] }, 1, 32, pc);
    const hi = sampleStyleRecords(stats, { ...base, ratio: 0.9, alpha: [0, 1] }, 1, 32, pc);
    const both = lo.filter((r, i) => r.stylised && hi[i].stylised);
    expect(both.length).toBeGreaterThan(3);
    for (const r of both) expect(hi[r.index]).toEqual(r);
    // Every image stylised at 0.3 is stylised at 0.9 too (one uniform draw per image).
    expect(lo.filter((r) => r.stylised && !hi[r.index].stylised)).toEqual([]);
  });

  it('asks for P(c) only where α < 1, with a clear error', () => {
    expect(() => sampleStyleRecords(stats, { ...base, ratio: 1, alpha: 0.5 }, 0, 2)).toThrow('Style record 0: α = 0.5 < 1 needs the content embedding P(c) of image 0');
    expect(() => sampleStyleRecords(stats, { ...base, ratio: 1, alpha: 1 }, 0, 2)).not.toThrow();
    expect(() => sampleStyleRecords(stats, { ...base, ratio: 0 }, 0, 2)).not.toThrow();
    expect(() => sampleStyleRecords(stats, base, 0, 3, contents(2))).toThrow('sampleStyleRecords: 2 content embeddings for a batch of 3');
  });

  it('refuses options outside their ranges', () => {
    expect(() => sampleStyleRecords(stats, { ...base, ratio: 1.5 }, 0, 1)).toThrow('Style augmentation ratio must be in [0, 1], got 1.5');
    expect(() => sampleStyleRecords(stats, { ...base, alpha: -0.1 }, 0, 1)).toThrow('Style α must be in [0, 1], got -0.1');
    expect(() => sampleStyleRecords(stats, { ...base, alpha: [0.8, 0.2] }, 0, 1)).toThrow('Style α range must satisfy 0 ≤ lo ≤ hi ≤ 1, got [0.8, 0.2]');
    expect(() => sampleStyleRecords(stats, { ...base, mode: 'other' as 'random' }, 0, 1)).toThrow(/Style mode must be/);
  });
});
