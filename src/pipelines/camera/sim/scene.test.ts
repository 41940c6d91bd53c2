import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng/rng';
import { FONT_5X7, FONT_CHARS, GLYPH_COLS, GLYPH_ROWS, textDots } from './font';
import { sampleStreams } from './generate';
import {
  drawScene, edgeSoftnessPx, generateCode, getPrinter, MANUFACTURER_PRINTERS, MAX_LINE_CHARS, printDots, renderScene, renderShading, viewScene,
  type PrinterProfile,
} from './scene';

/** Lanczos Γ(x) for x > 0.5. */
function gamma(x: number): number {
  const g = 7;
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  x -= 1;
  let a = c[0];
  const t = x + g + 0.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return Math.sqrt(2 * Math.PI) * t ** (x + 0.5) * Math.exp(-t) * a;
}

/** Area of |x/a|^p + |y/b|^p ≤ 1. */
function superellipseArea(a: number, b: number, p: number): number {
  return (4 * a * b * gamma(1 + 1 / p) ** 2) / gamma(1 + 2 / p);
}

/**
 * Normalised radius d* where the dot profile (core edge + halo, as documented in renderInk)
 * reaches 50 % coverage, by bisection.
 */
function halfCoverageRadius(pr: PrinterProfile, r: number, soft: number): number {
  const k = (1.702 * r) / soft;
  const cov = (d: number) => {
    const core = 1 / (1 + Math.exp(k * (d - 1)));
    const halo = pr.bleed / (1 + Math.exp((k / 2) * (d - pr.bleedRadius)));
    return core + (1 - core) * halo;
  };
  let lo = 0.5, hi = 2;
  for (let i = 0; i < 60; i++) { const m = (lo + hi) / 2; if (cov(m) > 0.5) lo = m; else hi = m; }
  return (lo + hi) / 2;
}

describe('dot-matrix font', () => {
  it('has 7×5 glyphs for A–Z, 0–9 and : / - . space', () => {
    const want = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:/-. '];
    expect([...FONT_CHARS].sort()).toEqual([...want].sort());
    for (const ch of FONT_CHARS) {
      expect(FONT_5X7[ch]).toHaveLength(GLYPH_ROWS);
      for (const row of FONT_5X7[ch]) expect(row).toMatch(/^[#.]{5}$/);
    }
    expect(GLYPH_COLS).toBe(5);
    // Distinct glyphs (a copy-paste slip would make two characters print the same).
    const shapes = new Set(FONT_CHARS.map((c) => FONT_5X7[c].join('')));
    expect(shapes.size).toBe(FONT_CHARS.length);
  });

  it('lays dots out by character advance 6 and the line advance', () => {
    const dots = textDots(['L1', '-'], 11);
    // 'L': 7 dots in column 0 plus 4 more on the bottom row; '1': 10 dots; '-': 3 dots on line 2.
    expect(dots).toHaveLength(11 + 10 + 3);
    expect(dots.filter((d) => d.y === 6 && d.x < 5)).toHaveLength(5);
    expect(dots.filter((d) => d.x >= 6 && d.x < 11 && d.y < 7)).toHaveLength(10);
    expect(dots.filter((d) => d.y === 11 + 3).map((d) => d.x)).toEqual([1, 2, 3]);
    expect(() => textDots(['a'], 11)).toThrow(/no glyph/);
  });
});

describe('batch code generator', () => {
  it('makes two printable lines of at most 11 characters in the known layouts', () => {
    const rng = new Rng(3);
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const [a, b] = generateCode(rng);
      for (const line of [a, b]) {
        expect(line.length).toBeLessThanOrEqual(MAX_LINE_CHARS);
        for (const ch of line) expect(FONT_CHARS).toContain(ch);
      }
      expect(a).toMatch(/^(L\d{4} \d\d:\d\d|[A-Z]\d{5} \d{4}|[A-Z]{2}\d{3} \d\d:\d\d)$/);
      expect(b).toMatch(/^(EXP \d\d\/\d\d|BB \d\d\/20\d\d|LOT [A-Z]\d{4}|\d\d\/\d\d\/\d\d [A-Z]\d)$/);
      seen.add(`${a}|${b}`);
    }
    expect(seen.size).toBeGreaterThan(290);
  });

  it('keeps the rotated code block inside the crop', () => {
    for (let i = 0; i < 200; i++) {
      const spec = drawScene(new Rng(1000 + i));
      const dots = printDots(spec, { ...MANUFACTURER_PRINTERS[1], spacingJitter: 0 }, 1000, 1000, new Rng(i));
      const pitch = spec.code.pitch * 1000;
      for (const d of dots) {
        expect(d.x).toBeGreaterThan(pitch / 2);
        expect(d.x).toBeLessThan(1000 - pitch / 2);
        expect(d.y).toBeGreaterThan(pitch / 2);
        expect(d.y).toBeLessThan(1000 - pitch / 2);
      }
    }
  });
});

describe('manufacturer printers', () => {
  it('draw the same dots from the printer stream whatever the profile', () => {
    const spec = drawScene(new Rng(5));
    const [m1, m2] = MANUFACTURER_PRINTERS;
    const still = { ...m1, spacingJitter: 0, dotSizeJitter: 0 };
    const a = printDots(spec, m1, 512, 512, new Rng(9));
    const b = printDots(spec, m2, 512, 512, new Rng(9));
    const c = printDots(spec, still, 512, 512, new Rng(9));
    expect(a).toHaveLength(b.length);
    // Same unit normals, scaled by each profile: displacement from the ideal grid is proportional.
    for (let i = 0; i < a.length; i++) {
      const da = Math.hypot(a[i].x - c[i].x, a[i].y - c[i].y), db = Math.hypot(b[i].x - c[i].x, b[i].y - c[i].y);
      expect(db).toBeCloseTo((da * m2.spacingJitter) / m1.spacingJitter, 6);
      expect(b[i].scale - 1).toBeCloseTo(((a[i].scale - 1) * m2.dotSizeJitter) / m1.dotSizeJitter, 6);
    }
  });

  it('render dots whose measured radius (50 % ink threshold) matches each profile', () => {
    const size = 1024;
    const st = sampleStreams(11, 4);
    const spec = drawScene(st.scene);
    const radii: Record<string, { measured: number; expected: number }> = {};
    for (const pr of MANUFACTURER_PRINTERS) {
      // Noiseless render with ink, and the same object without ink as the local background.
      const ink = renderScene(spec, pr, size, size, sampleStreams(11, 4).printer);
      const bare = renderScene(spec, { ...pr, inkDarkness: 0 }, size, size, sampleStreams(11, 4).printer);
      let count = 0;
      for (let i = 0; i < size * size; i++) {
        const cov = (1 - ink.radiance[size * size + i] / bare.radiance[size * size + i]) / pr.inkDarkness;
        if (cov >= 0.5) count++;
      }
      // Expected 50 % contour area from the profile, dot by dot (its size jitter included).
      const soft = edgeSoftnessPx(pr, ink.pitchPx);
      let area = 0;
      for (const d of ink.dots) {
        const r = (pr.dotDiameter / 2) * ink.pitchPx * d.scale;
        const ds = halfCoverageRadius(pr, r, soft);
        area += superellipseArea(r * Math.sqrt(pr.aspect) * ds, (r / Math.sqrt(pr.aspect)) * ds, pr.squareness);
      }
      const n = ink.dots.length;
      radii[pr.id] = { measured: Math.sqrt(count / n / Math.PI), expected: Math.sqrt(area / n / Math.PI) };
    }
    const m1 = radii.m1, m2 = radii.m2;
    expect(m1.measured).toBeGreaterThan(3);
    expect(Math.abs(m1.measured / m1.expected - 1)).toBeLessThan(0.02);
    expect(Math.abs(m2.measured / m2.expected - 1)).toBeLessThan(0.02);
    // The difference is the profiled one: m2's dots are larger (equivalent radius).
    expect(m2.measured - m1.measured).toBeGreaterThan(0.2);
    expect((m2.measured - m1.measured) / (m2.expected - m1.expected)).toBeGreaterThan(0.85);
    expect((m2.measured - m1.measured) / (m2.expected - m1.expected)).toBeLessThan(1.15);
    // And the profiles really differ in the documented properties.
    const [p1, p2] = [getPrinter('m1'), getPrinter('m2')];
    for (const k of ['dotDiameter', 'spacingJitter', 'inkSpread', 'aspect', 'squareness', 'inkDarkness'] as const) expect(p1[k]).not.toBe(p2[k]);
  });

  it('print darker ink for the darker profile', () => {
    const spec = drawScene(new Rng(77));
    const mean = (pr: PrinterProfile) => {
      const r = renderScene(spec, { ...pr, dotDiameter: 0.6, dotSizeJitter: 0, inkSpread: 0.08, bleed: 0, aspect: 1, squareness: 2 }, 256, 256, new Rng(1));
      let s = 0;
      for (let i = 0; i < 256 * 256; i++) s += r.radiance[256 * 256 + i];
      return s;
    };
    const [m1, m2] = MANUFACTURER_PRINTERS;
    expect(m1.inkDarkness).toBeGreaterThan(m2.inkDarkness);
    expect(mean(m1)).toBeLessThan(mean(m2));
  });
});

describe('scene', () => {
  it('is a deterministic function of the scene stream and independent of the printer', () => {
    const a = drawScene(new Rng(21)), b = drawScene(new Rng(21)), c = drawScene(new Rng(22));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const [m1, m2] = MANUFACTURER_PRINTERS;
    const r1 = renderScene(a, m1, 128, 128, new Rng(1)), r2 = renderScene(a, m2, 128, 128, new Rng(1));
    // Away from the ink the two renders are the same plastic, bit for bit.
    let same = 0, total = 0;
    for (let i = 0; i < 128 * 128; i++) {
      if (r1.ink[i] === 0 && r2.ink[i] === 0) { total++; if (r1.radiance[i] === r2.radiance[i]) same++; }
    }
    expect(total).toBeGreaterThan(128 * 64);
    expect(same).toBe(total);
  });

  it('keeps radiance positive and finite with texture, shading and seam, at any size', () => {
    for (const size of [64, 128, 333]) {
      const r = renderScene(drawScene(new Rng(size)), MANUFACTURER_PRINTERS[0], size, size, new Rng(2));
      let lo = Infinity, hi = -Infinity;
      for (const v of r.radiance) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      expect(lo).toBeGreaterThan(0);
      expect(hi).toBeLessThan(1.5);
    }
  });

  it('scales the object with the image: dot positions and pitch are proportional to the size', () => {
    const spec = drawScene(new Rng(8));
    const small = renderScene(spec, MANUFACTURER_PRINTERS[0], 256, 256, new Rng(3));
    const big = renderScene(spec, MANUFACTURER_PRINTERS[0], 1024, 1024, new Rng(3));
    expect(big.pitchPx).toBeCloseTo(4 * small.pitchPx, 9);
    small.dots.forEach((d, i) => {
      expect(big.dots[i].x).toBeCloseTo(4 * d.x, 6);
      expect(big.dots[i].y).toBeCloseTo(4 * d.y, 6);
    });
  });
});

describe('viewScene (narrower field of view around the code)', () => {
  // Code centre on the 256-px grid so that view pixel x of a 64² render at fieldOfView 0.25 sits
  // exactly on pixel x + k of the 256² render of the whole crop.
  const wide = { ...drawScene(new Rng(21)), texture: { octaves: [] } };
  wide.code = { ...wide.code, u: 131 / 256, v: 115 / 256 };
  wide.seam = { u: 0.5, v: 0.47, angle: 0.7, width: 0.004, amp: 0.1 };
  const f = 0.25, S = 64, W = S / f;
  const view = viewScene(wide, f);

  it('shows the wide scene’s shading (gradient, dome, highlight, seam) at the matching points', () => {
    const a = renderShading(view, S, S), b = renderShading(wide, W, W);
    const kx = Math.round((wide.code.u - f / 2) * W), ky = Math.round((wide.code.v - f / 2) * W);
    let maxErr = 0;
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) maxErr = Math.max(maxErr, Math.abs(a[y * S + x] - b[(y + ky) * W + x + kx]));
    expect(maxErr).toBeLessThan(1e-5);
  });

  it('centres the code and scales its pitch and dots by 1 / fieldOfView', () => {
    expect(view.code.u).toBe(0.5);
    expect(view.code.v).toBe(0.5);
    const p = getPrinter('m1');
    const dw = printDots(wide, p, W, W, new Rng(3)), dv = printDots(view, p, S, S, new Rng(3));
    expect(dv.length).toBe(dw.length);
    const kx = (wide.code.u - f / 2) * W, ky = (wide.code.v - f / 2) * W;
    for (let i = 0; i < dw.length; i += 17) {
      expect(dv[i].x).toBeCloseTo(dw[i].x - kx, 6);
      expect(dv[i].y).toBeCloseTo(dw[i].y - ky, 6);
    }
    expect(renderScene(view, p, S, S, new Rng(3)).pitchPx).toBeCloseTo(renderScene(wide, p, W, W, new Rng(3)).pitchPx, 9);
    expect(viewScene(wide, 1)).toBe(wide);
    expect(() => viewScene(wide, 0)).toThrow(/fieldOfView/);
    expect(() => viewScene(wide, 1.5)).toThrow(/fieldOfView/);
  });
});
