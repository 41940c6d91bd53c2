import { describe, expect, it } from 'vitest';
import { Rng, hashString } from './rng';

describe('Rng', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43);
    const sa = Array.from({ length: 20 }, () => a.nextUint32());
    const sb = Array.from({ length: 20 }, () => b.nextUint32());
    const sc = Array.from({ length: 20 }, () => c.nextUint32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  it('has uniform mean/variance close to 1/2 and 1/12', () => {
    const r = new Rng(7);
    const n = 200_000;
    let s = 0, s2 = 0, lo = Infinity, hi = -Infinity;
    for (let i = 0; i < n; i++) { const x = r.next(); s += x; s2 += x * x; lo = Math.min(lo, x); hi = Math.max(hi, x); }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    const mean = s / n;
    expect(mean).toBeCloseTo(0.5, 2);
    expect(s2 / n - mean * mean).toBeCloseTo(1 / 12, 2);
  });

  it('normal() has mean 0 and std 1; poisson() has mean lambda', () => {
    const r = new Rng(9);
    const n = 100_000;
    let s = 0, s2 = 0, p = 0;
    for (let i = 0; i < n; i++) { const z = r.normal(); s += z; s2 += z * z; p += r.poisson(3.5); }
    expect(s / n).toBeCloseTo(0, 1);
    expect(Math.sqrt(s2 / n)).toBeCloseTo(1, 1);
    expect(p / n).toBeCloseTo(3.5, 1);
  });

  it('int() covers the inclusive range', () => {
    const r = new Rng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(r.int(1, 15));
    expect([...seen].sort((x, y) => x - y)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
  });

  it('fork() gives reproducible, label-dependent child streams', () => {
    const r = new Rng(5);
    expect(r.fork('a').next()).toBe(new Rng(5).fork('a').next());
    expect(r.fork('a').next()).not.toBe(r.fork('b').next());
    r.next(); // consuming the parent does not change children
    expect(r.fork(3).next()).toBe(new Rng(5).fork(3).next());
  });

  it('shuffle is a permutation', () => {
    const xs = Array.from({ length: 50 }, (_, i) => i);
    const sh = new Rng(3).shuffle([...xs]);
    expect(sh).not.toEqual(xs);
    expect([...sh].sort((a, b) => a - b)).toEqual(xs);
    expect(hashString('abc')).toBe(hashString('abc'));
  });
});
