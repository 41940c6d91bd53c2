import { describe, expect, it } from 'vitest';
import { renderShape, SHAPES } from './synthetic';
import { Rng } from '../rng/rng';

/** Fraction of bright pixels (the foreground is ≥120 in every channel, the background ≤80 before noise). */
function foregroundFraction(rgba: Uint8ClampedArray): number {
  let n = 0;
  for (let i = 0; i < rgba.length; i += 4) if (rgba[i] + rgba[i + 1] + rgba[i + 2] > 300) n++;
  return n / (rgba.length / 4);
}

describe('synthetic shapes', () => {
  it('is deterministic for a seed', () => {
    expect(renderShape('disc', 32, new Rng(1))).toEqual(renderShape('disc', 32, new Rng(1)));
    expect(renderShape('disc', 32, new Rng(1))).not.toEqual(renderShape('disc', 32, new Rng(2)));
  });

  it('draws shapes whose areas follow their geometry (disc πr², square (1.7r)², triangle 1.95r²)', () => {
    // Same rng stream → same radius and centre for all three shapes.
    const fr = SHAPES.map((s) => foregroundFraction(renderShape(s, 96, new Rng(11))));
    const r = new Rng(11);
    r.int(10, 80); r.int(10, 80); r.int(10, 80); r.int(120, 255); r.int(120, 255); r.int(120, 255);
    const radius = r.uniform(0.18, 0.32) * 96;
    const area = (a: number) => a / (96 * 96);
    expect(fr[0]).toBeCloseTo(area(Math.PI * radius * radius), 1);
    expect(fr[1]).toBeCloseTo(area((1.7 * radius) ** 2), 1);
    expect(fr[2]).toBeCloseTo(area(0.5 * 1.5 * radius * 1.5 * 0.866 * 2 * radius), 1);
    expect(fr[0]).toBeGreaterThan(fr[1]); // π r² > 2.89 r²
    expect(fr[1]).toBeGreaterThan(fr[2]); // 2.89 r² > 1.95 r²
  });
});
