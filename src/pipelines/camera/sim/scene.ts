/**
 * The simulated object of thesis ch. 6: the underside of a plastic shampoo bottle, cropped around a
 * two-line dot-matrix batch code. The renderer returns linear-light RGB "radiance" (what reaches
 * the camera), which camera.ts then turns into a photo.
 *
 * Coordinates are physical: the crop spans [0, 1]² whatever the pixel size, so the code, the dots
 * and the moulding texture are the same object at 128² and 1024² (only sampled more finely).
 * Texture finer than 2 px is attenuated (and below 1 px dropped) as pixel integration would.
 *
 * Randomness comes from three streams, so that the two classes can differ ONLY in the printer:
 * - the scene stream (`drawScene`): code string, plastic colour, lighting, texture, seam, code
 *   position/rotation/scale. It never sees the manufacturer, so the code string and everything
 *   else about the object is independent of the class;
 * - the printer stream: per-dot placement and size jitter as unit normals, drawn in the same
 *   order and number for every printer and scaled by the profile, so the same sample index
 *   printed by m1 and m2 differs only by the profiled properties;
 * - (camera.ts) the sensor noise stream.
 *
 * Printer traits (`PrinterProfile`, defaults in `MANUFACTURER_PRINTERS`):
 * - `dotDiameter`: mean dot diameter as a fraction of the dot pitch;
 * - `dotSizeJitter`: relative s.d. of each dot's size;
 * - `spacingJitter`: s.d. of each dot's placement error, fraction of the pitch (x and y);
 * - `inkSpread`: s.d. of the dot edge's blur (ink spreading into the plastic), fraction of pitch;
 * - `bleed`, `bleedRadius`: opacity and radius (× dot radius) of the faint halo of bled ink;
 * - `aspect`: width / height of a dot (1 = round, > 1 stretched along the print direction);
 * - `squareness`: superellipse exponent of the dot outline (2 = ellipse, larger = squarer);
 * - `inkDarkness`: fraction of light absorbed where the ink fully covers the plastic.
 * The pitch itself (code size) is common to both manufacturers.
 */
import { Rng } from '../../../core/rng/rng';
import { CHAR_ADVANCE, GLYPH_COLS, GLYPH_ROWS, textDots } from './font';

export type Vec3 = [number, number, number];

export interface PrinterProfile {
  id: string;
  label: string;
  dotDiameter: number;
  dotSizeJitter: number;
  spacingJitter: number;
  inkSpread: number;
  bleed: number;
  bleedRadius: number;
  aspect: number;
  squareness: number;
  inkDarkness: number;
}

export type ManufacturerId = 'm1' | 'm2';

/**
 * The two manufacturers' printers. Differences are a few per cent of a dot (about 0.3 px of
 * radius at 1024²): visible to a model at full resolution, hard to see by eye, mostly gone at 128².
 * m1: round, crisp, dark dots placed precisely. m2: slightly larger, slightly wide and squarish,
 * softer-edged and a little lighter dots with more placement jitter and more bleed.
 */
export const MANUFACTURER_PRINTERS: readonly PrinterProfile[] = [
  {
    id: 'm1', label: 'Manufacturer 1',
    dotDiameter: 0.6, dotSizeJitter: 0.04, spacingJitter: 0.035, inkSpread: 0.06,
    bleed: 0.08, bleedRadius: 1.45, aspect: 1.0, squareness: 2.0, inkDarkness: 0.82,
  },
  {
    id: 'm2', label: 'Manufacturer 2',
    dotDiameter: 0.66, dotSizeJitter: 0.06, spacingJitter: 0.065, inkSpread: 0.1,
    bleed: 0.14, bleedRadius: 1.55, aspect: 1.08, squareness: 2.4, inkDarkness: 0.76,
  },
];

export function getPrinter(id: string): PrinterProfile {
  const p = MANUFACTURER_PRINTERS.find((m) => m.id === id);
  if (!p) throw new Error(`unknown manufacturer '${id}' (known: ${MANUFACTURER_PRINTERS.map((m) => m.id).join(', ')})`);
  return p;
}

/** Dot pitch as a fraction of the crop width, before the per-sample scale jitter. */
export const BASE_PITCH = 0.0115;
/** Line advance in dot pitches (7 rows + 4 rows gap). */
export const LINE_ADVANCE = 11;
/** Longest line any code template produces. */
export const MAX_LINE_CHARS = 11;

/** Everything about one object that does not depend on the manufacturer. */
export interface SceneSpec {
  lines: [string, string];
  /** Linear reflectance of the plastic. */
  plastic: Vec3;
  light: {
    level: number;
    gradient: number;
    gradientAngle: number;
    /** Dome fall-off 1 - curvature·r² around (domeU, domeV). */
    curvature: number;
    domeU: number;
    domeV: number;
    highlight: number;
    highlightU: number;
    highlightV: number;
    highlightRadius: number;
  };
  texture: {
    /** Lattice noise octaves: spacing along/across `angle` (crop fractions), amplitude, hash seed. */
    octaves: { along: number; across: number; angle: number; amp: number; seed: number }[];
  };
  /** Mould parting line through (u, v) with direction angle; null when this crop shows none. */
  seam: { u: number; v: number; angle: number; width: number; amp: number } | null;
  /** Code block centre (crop fractions), rotation (radians) and pitch (crop fraction). */
  code: { u: number; v: number; angle: number; pitch: number };
}

function digits(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(rng.int(0, 9));
  return s;
}
function letter(rng: Rng): string {
  return String.fromCharCode(65 + rng.int(0, 25));
}
function two(n: number): string {
  return String(n).padStart(2, '0');
}

/** A random two-line batch code in one of a few common layouts (≤ 11 characters a line). */
export function generateCode(rng: Rng): [string, string] {
  const hh = two(rng.int(0, 23)), mm = two(rng.int(0, 59));
  const month = two(rng.int(1, 12)), year = rng.int(24, 31), day = two(rng.int(1, 28));
  let l1: string;
  switch (rng.int(0, 2)) {
    case 0: l1 = `L${digits(rng, 4)} ${hh}:${mm}`; break;
    case 1: l1 = `${letter(rng)}${digits(rng, 5)} ${hh}${mm}`; break;
    default: l1 = `${letter(rng)}${letter(rng)}${digits(rng, 3)} ${hh}:${mm}`; break;
  }
  let l2: string;
  switch (rng.int(0, 3)) {
    case 0: l2 = `EXP ${month}/${year}`; break;
    case 1: l2 = `BB ${month}/20${year}`; break;
    case 2: l2 = `LOT ${letter(rng)}${digits(rng, 4)}`; break;
    default: l2 = `${day}/${month}/${year} ${letter(rng)}${digits(rng, 1)}`; break;
  }
  return [l1, l2];
}

/** Plastic colours (linear reflectance) of bottle bases: white, ivory, blue, grey, pink, mint, lilac. */
const PLASTICS: readonly Vec3[] = [
  [0.72, 0.71, 0.67], [0.7, 0.64, 0.52], [0.42, 0.55, 0.68], [0.5, 0.51, 0.52],
  [0.68, 0.46, 0.52], [0.46, 0.62, 0.52], [0.55, 0.48, 0.66],
];

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Code block size in pitches: width of the longest line, two lines of glyph rows. */
function blockSize(lines: readonly string[]): { w: number; h: number } {
  const chars = Math.max(...lines.map((l) => l.length));
  return { w: chars * CHAR_ADVANCE - (CHAR_ADVANCE - GLYPH_COLS), h: (lines.length - 1) * LINE_ADVANCE + GLYPH_ROWS };
}

/** Draws one object from the scene stream (never from the manufacturer). */
export function drawScene(rng: Rng): SceneSpec {
  const lines = generateCode(rng);
  const base = PLASTICS[rng.int(0, PLASTICS.length - 1)];
  const bright = rng.uniform(0.9, 1.1);
  const plastic = base.map((c) => clamp(c * bright * (1 + rng.normal(0, 0.02)), 0.05, 0.9)) as Vec3;
  const light = {
    level: rng.uniform(0.6, 0.85),
    gradient: rng.uniform(0.05, 0.2),
    gradientAngle: rng.uniform(0, 2 * Math.PI),
    curvature: rng.uniform(0.15, 0.35),
    domeU: rng.uniform(0.35, 0.65),
    domeV: rng.uniform(0.35, 0.65),
    highlight: rng.uniform(0, 0.12),
    highlightU: rng.uniform(0.1, 0.9),
    highlightV: rng.uniform(0.1, 0.9),
    highlightRadius: rng.uniform(0.15, 0.35),
  };
  const octave = (along: number, across: number, angle: number, amp: number) => ({ along, across, angle, amp, seed: rng.nextUint32() });
  const brushed = rng.uniform(0, Math.PI);
  const texture = {
    octaves: [
      octave(0.0045, 0.0045, 0, rng.uniform(0.02, 0.045)), // fine moulding grain
      octave(0.015, 0.015, 0.6, rng.uniform(0.015, 0.03)),
      octave(0.06, 0.06, 1.1, rng.uniform(0.015, 0.035)), // blotchy low-frequency unevenness
      octave(0.2, 0.004, brushed, rng.uniform(0.005, 0.02)), // tool marks of the mould, along one direction
    ],
  };
  const hasSeam = rng.bernoulli(0.85);
  const seamSpec = { u: rng.uniform(0.15, 0.85), v: rng.uniform(0.15, 0.85), angle: rng.uniform(0, Math.PI), width: rng.uniform(0.0025, 0.0045), amp: rng.uniform(0.05, 0.12) };
  const pitch = BASE_PITCH * rng.uniform(0.96, 1.04);
  const angle = clamp(rng.normal(0, (2.5 * Math.PI) / 180), -0.1, 0.1);
  // Keep the rotated block (plus a dot of margin) inside the crop.
  const { w, h } = blockSize(lines);
  const halfW = (Math.abs(Math.cos(angle)) * (w + 1) + Math.abs(Math.sin(angle)) * (h + 1)) * pitch / 2;
  const halfH = (Math.abs(Math.sin(angle)) * (w + 1) + Math.abs(Math.cos(angle)) * (h + 1)) * pitch / 2;
  const m = 0.03;
  const u = clamp(0.5 + rng.normal(0, 0.03), m + halfW, 1 - m - halfW);
  const v = clamp(0.5 + rng.normal(0, 0.04), m + halfH, 1 - m - halfH);
  return { lines, plastic, light, texture, seam: hasSeam ? seamSpec : null, code: { u, v, angle, pitch } };
}

/**
 * The scene as seen through a narrower field of view: the central `fieldOfView` fraction of the
 * crop around the code's centre, stretched to the whole crop (1 = the scene itself). Positions map
 * to (p - centre) / fieldOfView + 0.5 and lengths scale by 1 / fieldOfView, so a 128² render with
 * fieldOfView 0.25 shows the code's middle at the dot size of a 512² render — how a small
 * configuration keeps the printer's dot-level traits resolvable without rendering 1024² photos.
 * Lighting terms are re-expressed so the shading over the view is that of the wide scene there.
 */
export function viewScene(spec: SceneSpec, fieldOfView: number): SceneSpec {
  if (!(fieldOfView > 0 && fieldOfView <= 1)) throw new Error(`fieldOfView must be in (0, 1], got ${fieldOfView}`);
  if (fieldOfView === 1) return spec;
  const f = fieldOfView, cu = spec.code.u, cv = spec.code.v;
  const mu = (u: number) => (u - cu) / f + 0.5, mv = (v: number) => (v - cv) / f + 0.5;
  const L = spec.light;
  // Gradient term 1 + g·(p - 0.5) with p = centre + f·(p' - 0.5): the constant part moves into the level.
  const gx = Math.cos(L.gradientAngle) * L.gradient, gy = Math.sin(L.gradientAngle) * L.gradient;
  const offset = 1 + gx * (cu - 0.5) + gy * (cv - 0.5);
  const light = {
    ...L,
    level: L.level * offset,
    gradient: (L.gradient * f) / offset,
    curvature: L.curvature * f * f,
    domeU: mu(L.domeU), domeV: mv(L.domeV),
    highlightU: mu(L.highlightU), highlightV: mv(L.highlightV),
    highlightRadius: L.highlightRadius / f,
  };
  return {
    ...spec,
    light,
    texture: { octaves: spec.texture.octaves.map((o) => ({ ...o, along: o.along / f, across: o.across / f })) },
    seam: spec.seam ? { ...spec.seam, u: mu(spec.seam.u), v: mv(spec.seam.v), width: spec.seam.width / f } : null,
    code: { ...spec.code, u: 0.5, v: 0.5, pitch: spec.code.pitch / f },
  };
}

function hashUnit(i: number, j: number, seed: number): number {
  let h = Math.imul(i, 0x27d4eb2d) ^ Math.imul(j, 0x165667b1) ^ seed;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2147483648 - 1;
}

/**
 * Adds amp · valueNoise(u, v) to `out` (W×H). The lattice (spacings `along` × `across` in crop
 * units, rotated by `angle`) is hashed from integer lattice coordinates, so it does not depend on
 * the pixel size. Smoothstep-interpolated values in [-1, 1].
 */
function addLatticeNoise(out: Float32Array, width: number, height: number, o: SceneSpec['texture']['octaves'][number]): void {
  const size = Math.max(width, height);
  const minPx = Math.min(o.along, o.across) * size;
  if (minPx < 1) return;
  const amp = o.amp * Math.min(1, (minPx / 2) ** 2);
  const c = Math.cos(o.angle), s = Math.sin(o.angle);
  // Lattice coordinates p = (u c + v s)/along, q = (-u s + v c)/across over the crop's corners.
  const corners = [[0, 0], [width / size, 0], [0, height / size], [width / size, height / size]];
  const ps = corners.map(([u, v]) => (u * c + v * s) / o.along), qs = corners.map(([u, v]) => (-u * s + v * c) / o.across);
  const i0 = Math.floor(Math.min(...ps)) - 1, i1 = Math.ceil(Math.max(...ps)) + 1;
  const j0 = Math.floor(Math.min(...qs)) - 1, j1 = Math.ceil(Math.max(...qs)) + 1;
  const ni = i1 - i0 + 1, nj = j1 - j0 + 1;
  const lat = new Float32Array(ni * nj);
  for (let j = 0; j < nj; j++) for (let i = 0; i < ni; i++) lat[j * ni + i] = hashUnit(i + i0, j + j0, o.seed);
  const dpx = c / (o.along * size), dqx = -s / (o.across * size);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let p = (0.5 * c + (y + 0.5) * s) / (o.along * size) - i0;
    let q = (-0.5 * s + (y + 0.5) * c) / (o.across * size) - j0;
    for (let x = 0; x < width; x++) {
      const ip = Math.floor(p), iq = Math.floor(q);
      let fx = p - ip, fy = q - iq;
      fx = fx * fx * (3 - 2 * fx);
      fy = fy * fy * (3 - 2 * fy);
      const k = iq * ni + ip;
      const a = lat[k] + (lat[k + 1] - lat[k]) * fx;
      const b = lat[k + ni] + (lat[k + ni + 1] - lat[k + ni]) * fx;
      out[row + x] += amp * (a + (b - a) * fy);
      p += dpx; q += dqx;
    }
  }
}

/**
 * Shading × texture of the bare plastic (W×H, multiplies the plastic colour): lighting gradient,
 * dome fall-off (curvature / vignetting), a soft highlight, lattice-noise moulding texture and the
 * seam's ridge (bright on one flank, dark on the other).
 */
export function renderShading(spec: SceneSpec, width: number, height: number): Float32Array {
  const size = Math.max(width, height);
  const tex = new Float32Array(width * height);
  for (const o of spec.texture.octaves) addLatticeNoise(tex, width, height, o);
  const L = spec.light;
  const gx = Math.cos(L.gradientAngle) * L.gradient, gy = Math.sin(L.gradientAngle) * L.gradient;
  const hr2 = 1 / (2 * L.highlightRadius * L.highlightRadius);
  const seam = spec.seam;
  const sn = seam ? [-Math.sin(seam.angle), Math.cos(seam.angle)] : [0, 0];
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const v = (y + 0.5) / size;
    for (let x = 0; x < width; x++) {
      const u = (x + 0.5) / size;
      const du = u - L.domeU, dv = v - L.domeV;
      const hu = u - L.highlightU, hv = v - L.highlightV;
      let f = L.level * (1 + gx * (u - 0.5) + gy * (v - 0.5)) * (1 - L.curvature * (du * du + dv * dv))
        + L.highlight * Math.exp(-(hu * hu + hv * hv) * hr2);
      f *= 1 + tex[y * width + x];
      if (seam) {
        const t = ((u - seam.u) * sn[0] + (v - seam.v) * sn[1]) / seam.width;
        if (t > -5 && t < 5) {
          const g = Math.exp(-t * t);
          f *= 1 + seam.amp * (2.33 * t * g - 0.35 * g);
        }
      }
      out[y * width + x] = f;
    }
  }
  return out;
}

/** One printed dot in pixel coordinates. */
export interface PrintedDot {
  x: number;
  y: number;
  /** Radius scale (1 + size jitter). */
  scale: number;
}

/**
 * Dot centres of the code in pixels, with the printer's jitter. Draws exactly 3 unit normals per
 * dot from `printerRng` whatever the profile (placement x, y and size).
 */
export function printDots(spec: SceneSpec, printer: PrinterProfile, width: number, height: number, printerRng: Rng): PrintedDot[] {
  const size = Math.max(width, height);
  const pitch = spec.code.pitch * size;
  const { w, h } = blockSize(spec.lines);
  const c = Math.cos(spec.code.angle), s = Math.sin(spec.code.angle);
  const cx = spec.code.u * size, cy = spec.code.v * size;
  return textDots(spec.lines, LINE_ADVANCE).map((d) => {
    const jx = printerRng.normal(), jy = printerRng.normal(), js = printerRng.normal();
    const lx = (d.x + 0.5 - w / 2 + printer.spacingJitter * jx) * pitch;
    const ly = (d.y + 0.5 - h / 2 + printer.spacingJitter * jy) * pitch;
    return { x: cx + lx * c - ly * s, y: cy + lx * s + ly * c, scale: Math.max(0.2, 1 + printer.dotSizeJitter * js) };
  });
}

/** Pixel width of the dot edge blur: the ink spread, but at least 0.35 px (pixel integration). */
export function edgeSoftnessPx(printer: PrinterProfile, pitchPx: number): number {
  return Math.max(printer.inkSpread * pitchPx, 0.35);
}

/**
 * Ink coverage in [0, 1] (W×H) of the printed dots. A dot is a superellipse
 * |x/a|^p + |y/b|^p ≤ 1 aligned with the print direction, a = r·√aspect, b = r/√aspect; its edge
 * is a logistic ramp (≈ Gaussian CDF) of s.d. `edgeSoftnessPx`, plus a halo of opacity `bleed`
 * out to `bleedRadius`. Overlaps combine as 1 - (1-c1)(1-c2).
 */
export function renderInk(spec: SceneSpec, printer: PrinterProfile, dots: readonly PrintedDot[], width: number, height: number): Float32Array {
  const size = Math.max(width, height);
  const pitch = spec.code.pitch * size;
  const ink = new Float32Array(width * height);
  const soft = edgeSoftnessPx(printer, pitch);
  const c = Math.cos(spec.code.angle), s = Math.sin(spec.code.angle);
  const p = printer.squareness, invP = 1 / p;
  const sa = Math.sqrt(printer.aspect);
  for (const d of dots) {
    const r = (printer.dotDiameter / 2) * pitch * d.scale;
    const a = r * sa, b = r / sa;
    const k = (1.702 * r) / soft; // slope of the edge ramp per unit of normalised radius
    const kb = k / 2;
    const reach = Math.max(a, b) * Math.max(printer.bleedRadius, 1) * 1.5 + 4 * soft;
    const x0 = Math.max(0, Math.floor(d.x - reach)), x1 = Math.min(width - 1, Math.ceil(d.x + reach));
    const y0 = Math.max(0, Math.floor(d.y - reach)), y1 = Math.min(height - 1, Math.ceil(d.y + reach));
    for (let y = y0; y <= y1; y++) {
      const dy = y + 0.5 - d.y;
      for (let x = x0; x <= x1; x++) {
        const dx = x + 0.5 - d.x;
        const u = Math.abs(dx * c + dy * s) / a, v = Math.abs(-dx * s + dy * c) / b;
        const n = p === 2 ? Math.sqrt(u * u + v * v) : (u ** p + v ** p) ** invP;
        const core = 1 / (1 + Math.exp(k * (n - 1)));
        const halo = printer.bleed / (1 + Math.exp(kb * (n - printer.bleedRadius)));
        const cov = core + (1 - core) * halo;
        if (cov < 1e-4) continue;
        const i = y * width + x;
        ink[i] = 1 - (1 - ink[i]) * (1 - cov);
      }
    }
  }
  return ink;
}

export interface SceneRender {
  /** Linear RGB radiance, planar: R plane, G plane, B plane (each W×H). */
  radiance: Float32Array;
  /** Ink coverage (W×H). */
  ink: Float32Array;
  dots: PrintedDot[];
  /** Dot pitch in pixels. */
  pitchPx: number;
}

/** Renders `spec` printed by `printer`: radiance = plastic · shading · (1 - inkDarkness · ink). */
export function renderScene(spec: SceneSpec, printer: PrinterProfile, width: number, height: number, printerRng: Rng): SceneRender {
  const shading = renderShading(spec, width, height);
  const dots = printDots(spec, printer, width, height, printerRng);
  const ink = renderInk(spec, printer, dots, width, height);
  const n = width * height;
  const radiance = new Float32Array(3 * n);
  const [pr, pg, pb] = spec.plastic;
  const kd = printer.inkDarkness;
  for (let i = 0; i < n; i++) {
    const f = shading[i] * (1 - kd * ink[i]);
    radiance[i] = pr * f;
    radiance[n + i] = pg * f;
    radiance[2 * n + i] = pb * f;
  }
  return { radiance, ink, dots, pitchPx: spec.code.pitch * Math.max(width, height) };
}
