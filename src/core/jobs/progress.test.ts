import { describe, expect, it } from 'vitest';
import { ProgressMeter, formatEta } from './progress';

describe('ProgressMeter', () => {
  it('computes fraction, rate and ETA from a steady clock', () => {
    let t = 0;
    const m = new ProgressMeter(() => t, 0.5);
    t = 1000;
    let r = m.update(10, 100);
    expect(r.fraction).toBeCloseTo(0.1);
    expect(r.itemsPerSec).toBeCloseTo(10);
    expect(r.etaSec).toBeCloseTo(9);
    t = 2000;
    r = m.update(30, 100); // instant 20/s, smoothed 0.5*20 + 0.5*10 = 15/s
    expect(r.itemsPerSec).toBeCloseTo(15);
    expect(r.etaSec).toBeCloseTo(70 / 15);
    expect(r.elapsedSec).toBeCloseTo(2);
  });

  it('reports unknown ETA before any progress and zero when finished', () => {
    let t = 0;
    const m = new ProgressMeter(() => t);
    expect(m.update(0, 10).etaSec).toBeNull();
    t = 500;
    expect(m.update(10, 10).etaSec).toBe(0);
    expect(m.update(10, 10).fraction).toBe(1);
  });

  it('formats ETAs', () => {
    expect(formatEta(null)).toBe('–');
    expect(formatEta(42.4)).toBe('42 s');
    expect(formatEta(125)).toBe('2 min 5 s');
    expect(formatEta(7260)).toBe('2 h 1 min');
  });
});
