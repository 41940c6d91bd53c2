/**
 * Built-in demo screening plate: synthetic three-channel fluorescence images of cultured cells,
 * so the phenotypic-profiling panel works with no user files.
 *
 * The plate mimics a BBBC021-style screen: one 96-well plate (8 rows × 12 columns by default),
 * several fields ("sites") per well, DMSO control wells in columns 1 and 12 and, in the other
 * columns, ten compounds at four concentrations (two replicate wells each). Every compound has a
 * mechanism of action (MoA) that produces one of five phenotypes, and two compounds share each
 * MoA, so the NSC MoA benchmark (nearest treatment of a *different* compound) is meaningful.
 * Phenotype strength grows with concentration (and with a per-compound potency).
 *
 * Images are rendered like the BBBC021 colour composites: DNA → blue, β-tubulin → green,
 * actin → red. Each cell is a cytoplasm body (tubulin fill, microtubule filaments, cortical actin
 * and stress fibres) around a textured nucleus; the field is blurred (optics), put on a background
 * and given signal-dependent (Poisson-like) noise. Phenotypes:
 *  - `control`: ~10 roundish cells, one nucleus each;
 *  - `enlarged_nuclei`: larger nuclei in somewhat larger, fewer cells;
 *  - `apoptotic`: shrunken, rounded cells with condensed, fragmented nuclei (small bright blobs);
 *  - `elongated`: spindle-shaped cells with punctate actin aggregates (actin disruption);
 *  - `microtubule_bundling`: bright, thick tubulin bundles curling around the nucleus;
 *  - `multinucleated`: fewer, much larger cells holding 2–4 nuclei.
 *
 * Everything is seeded: image `i` draws only from `new Rng(seed).fork(fileName)`, so one image
 * can be regenerated alone (`generateDemoImage`) and equals its copy in the whole plate.
 * Bytes are reproducible within one JavaScript engine (the renderer uses Math.exp/cos/sqrt, whose
 * last bits may differ between engines). Pixels are RGBA (alpha 255), ready for
 * `new ImageData(rgb, width, height)`.
 */
import { Rng } from '../../../core/rng/rng';
import type { DecodedImage } from '../../../core/data/types';

export const DEMO_PHENOTYPES = [
  'control',
  'enlarged_nuclei',
  'apoptotic',
  'elongated',
  'microtubule_bundling',
  'multinucleated',
] as const;

export type DemoPhenotype = (typeof DEMO_PHENOTYPES)[number];

export interface DemoCompound {
  name: string;
  moa: string;
  phenotype: DemoPhenotype;
  /** Multiplies the concentration-driven phenotype strength (≤ 1). */
  potency: number;
}

/** MoA of the DMSO control wells. */
export const DEMO_CONTROL_COMPOUND = 'DMSO';
export const DEMO_CONTROL_MOA = 'DMSO';

/** Default compounds: five MoAs, two compounds each (fictional names). */
export const DEMO_COMPOUNDS: readonly DemoCompound[] = [
  { name: 'CPD-01', moa: 'DNA replication', phenotype: 'enlarged_nuclei', potency: 1 },
  { name: 'CPD-02', moa: 'DNA damage', phenotype: 'apoptotic', potency: 1 },
  { name: 'CPD-03', moa: 'Actin disruptors', phenotype: 'elongated', potency: 1 },
  { name: 'CPD-04', moa: 'Microtubule stabilizers', phenotype: 'microtubule_bundling', potency: 1 },
  { name: 'CPD-05', moa: 'Aurora kinase inhibitors', phenotype: 'multinucleated', potency: 1 },
  { name: 'CPD-06', moa: 'DNA replication', phenotype: 'enlarged_nuclei', potency: 0.85 },
  { name: 'CPD-07', moa: 'DNA damage', phenotype: 'apoptotic', potency: 0.85 },
  { name: 'CPD-08', moa: 'Actin disruptors', phenotype: 'elongated', potency: 0.85 },
  { name: 'CPD-09', moa: 'Microtubule stabilizers', phenotype: 'microtubule_bundling', potency: 0.85 },
  { name: 'CPD-10', moa: 'Aurora kinase inhibitors', phenotype: 'multinucleated', potency: 0.85 },
];

/** Default concentrations (µM), lowest first. */
export const DEMO_CONCENTRATIONS: readonly number[] = [0.1, 0.3, 1, 3];

export interface DemoPlateOptions {
  /** Seed of the whole plate (default 2019). */
  seed?: number;
  /** Plate name used in file names and metadata (default 'DEMO1'). */
  plate?: string;
  /** Well rows, 1–26 (default 8, A–H). */
  rows?: number;
  /** Well columns (default 12). */
  columns?: number;
  /** Fields imaged per well (default 2). */
  sites?: number;
  /** Image width = height in pixels (default 96); cell sizes scale with it (same field of view). */
  size?: number;
  /** 1-based columns holding DMSO controls (default [1, 12] clipped to the plate). */
  controlColumns?: number[];
  /** Compounds, assigned to the treatment columns in turn (default `DEMO_COMPOUNDS`). */
  compounds?: readonly DemoCompound[];
  /** Concentrations, lowest first, spread over the rows from top to bottom (default `DEMO_CONCENTRATIONS`). */
  concentrations?: readonly number[];
}

export type DemoPlateConfig = Required<Omit<DemoPlateOptions, 'compounds' | 'concentrations' | 'controlColumns'>> & {
  controlColumns: number[];
  compounds: DemoCompound[];
  concentrations: number[];
};

export interface DemoImageMetadata {
  plate: string;
  /** Well name, e.g. 'B03'. */
  well: string;
  /** 1-based site (field) within the well. */
  site: number;
  compound: string;
  /** µM; 0 for DMSO. */
  concentration: number;
  moa: string;
  phenotype: DemoPhenotype;
}

export interface DemoImage {
  /** `<plate>_<well>_s<site>.png`, e.g. 'DEMO1_B03_s2.png'. */
  fileName: string;
  width: number;
  height: number;
  /** RGBA, 8 bits per sample, alpha 255; R = actin, G = β-tubulin, B = DNA. */
  rgb: Uint8ClampedArray;
  metadata: DemoImageMetadata;
}

export interface DemoPlate {
  images: DemoImage[];
  meta: { seed: number; options: DemoPlateConfig };
}

export interface DemoWell {
  well: string;
  /** 0-based row and column. */
  row: number;
  column: number;
  compound: string;
  concentration: number;
  moa: string;
  phenotype: DemoPhenotype;
  /** Phenotype strength in [0, 1] (0 for controls). */
  strength: number;
}

export interface DemoMoaRow {
  compound: string;
  concentration: number;
  moa: string;
}

const ROW_LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Options with defaults filled in and checked. */
export function resolveDemoOptions(options: DemoPlateOptions = {}): DemoPlateConfig {
  const rows = options.rows ?? 8;
  const columns = options.columns ?? 12;
  const sites = options.sites ?? 2;
  const size = options.size ?? 96;
  const seed = options.seed ?? 2019;
  const plate = options.plate ?? 'DEMO1';
  const isPosInt = (v: number) => Number.isInteger(v) && v > 0;
  if (!isPosInt(rows) || rows > 26) throw new Error(`demo plate: rows must be an integer in 1..26, got ${rows}`);
  if (!isPosInt(columns) || columns > 99) throw new Error(`demo plate: columns must be an integer in 1..99, got ${columns}`);
  if (!isPosInt(sites)) throw new Error(`demo plate: sites must be a positive integer, got ${sites}`);
  if (!isPosInt(size) || size < 16) throw new Error(`demo plate: size must be an integer ≥ 16, got ${size}`);
  if (!Number.isFinite(seed)) throw new Error(`demo plate: seed must be a finite number, got ${seed}`);
  if (!/^[A-Za-z0-9-]+$/.test(plate)) throw new Error(`demo plate: plate name must be letters, digits or '-', got "${plate}"`);
  const controlColumns = [...new Set(options.controlColumns ?? [1, 12])].filter((c) => c <= columns).sort((a, b) => a - b);
  if (!controlColumns.every(isPosInt)) throw new Error(`demo plate: control columns must be 1-based column numbers, got ${controlColumns.join(', ')}`);
  const compounds = [...(options.compounds ?? DEMO_COMPOUNDS)];
  if (compounds.length === 0) throw new Error('demo plate: at least one compound is needed');
  for (const c of compounds) {
    if (!DEMO_PHENOTYPES.includes(c.phenotype)) throw new Error(`demo plate: unknown phenotype "${c.phenotype}" for ${c.name}`);
  }
  const concentrations = [...(options.concentrations ?? DEMO_CONCENTRATIONS)];
  if (concentrations.length === 0 || !concentrations.every((c) => c > 0)) throw new Error('demo plate: concentrations must be positive');
  return { seed: seed >>> 0, plate, rows, columns, sites, size, controlColumns, compounds, concentrations };
}

export function wellName(row: number, column: number): string {
  return `${ROW_LETTERS[row]}${String(column + 1).padStart(2, '0')}`;
}

/**
 * Phenotype strength of concentration index `ci` of `n`: from 0.5 (lowest) to 1 (highest),
 * times the compound's potency — weak doses stay recognisable but are visibly milder.
 */
function doseStrength(ci: number, n: number, potency: number): number {
  const t = n > 1 ? ci / (n - 1) : 1;
  return Math.min(1, Math.max(0, (0.5 + 0.5 * t) * potency));
}

/** Every well of the plate in row-major order (A01, A02, …), with its treatment. */
export function demoPlateLayout(options: DemoPlateOptions = {}): DemoWell[] {
  const cfg = resolveDemoOptions(options);
  const treatmentColumns = [...Array(cfg.columns).keys()].filter((c) => !cfg.controlColumns.includes(c + 1));
  const nc = cfg.concentrations.length;
  const wells: DemoWell[] = [];
  for (let r = 0; r < cfg.rows; r++) {
    const ci = Math.min(nc - 1, Math.floor((r * nc) / cfg.rows));
    for (let c = 0; c < cfg.columns; c++) {
      const well = wellName(r, c);
      const t = treatmentColumns.indexOf(c);
      if (t < 0) {
        wells.push({ well, row: r, column: c, compound: DEMO_CONTROL_COMPOUND, concentration: 0, moa: DEMO_CONTROL_MOA, phenotype: 'control', strength: 0 });
      } else {
        const cp = cfg.compounds[t % cfg.compounds.length];
        wells.push({
          well, row: r, column: c, compound: cp.name, concentration: cfg.concentrations[ci], moa: cp.moa,
          phenotype: cp.phenotype, strength: cp.phenotype === 'control' ? 0 : doseStrength(ci, nc, cp.potency),
        });
      }
    }
  }
  return wells;
}

/** Number of images of the plate (wells × sites). */
export function demoImageCount(options: DemoPlateOptions = {}): number {
  const cfg = resolveDemoOptions(options);
  return cfg.rows * cfg.columns * cfg.sites;
}

function imageWell(cfg: DemoPlateConfig, layout: DemoWell[], index: number): { w: DemoWell; site: number; fileName: string } {
  if (!Number.isInteger(index) || index < 0 || index >= layout.length * cfg.sites) {
    throw new Error(`demo plate: image index ${index} out of range 0..${layout.length * cfg.sites - 1}`);
  }
  const w = layout[Math.floor(index / cfg.sites)];
  const site = (index % cfg.sites) + 1;
  return { w, site, fileName: `${cfg.plate}_${w.well}_s${site}.png` };
}

/** Metadata of every image, in plate order (wells row-major, then sites), without rendering. */
export function demoPlateMetadata(options: DemoPlateOptions = {}): (DemoImageMetadata & { fileName: string })[] {
  const cfg = resolveDemoOptions(options);
  const layout = demoPlateLayout(cfg);
  const out: (DemoImageMetadata & { fileName: string })[] = [];
  for (let i = 0; i < layout.length * cfg.sites; i++) {
    const { w, site, fileName } = imageWell(cfg, layout, i);
    out.push({ fileName, plate: cfg.plate, well: w.well, site, compound: w.compound, concentration: w.concentration, moa: w.moa, phenotype: w.phenotype });
  }
  return out;
}

/** The compound/concentration → MoA table (one row per treatment, DMSO included), like BBBC021_v1_moa.csv. */
export function demoMoaTable(options: DemoPlateOptions = {}): DemoMoaRow[] {
  const seen = new Set<string>();
  const out: DemoMoaRow[] = [];
  for (const w of demoPlateLayout(options)) {
    const key = `${w.compound}\u0000${w.concentration}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ compound: w.compound, concentration: w.concentration, moa: w.moa });
  }
  return out.sort((a, b) => (a.compound < b.compound ? -1 : a.compound > b.compound ? 1 : a.concentration - b.concentration));
}

function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Image metadata CSV: file, plate, well, site, compound, concentration, moa (one line per image). */
export function demoPlateCsv(options: DemoPlateOptions = {}): string {
  const lines = ['file,plate,well,site,compound,concentration,moa'];
  for (const m of demoPlateMetadata(options)) {
    lines.push([m.fileName, m.plate, m.well, m.site, m.compound, m.concentration, m.moa].map(csvField).join(','));
  }
  return lines.join('\n') + '\n';
}

/** The MoA table as CSV: compound, concentration, moa. */
export function demoMoaCsv(options: DemoPlateOptions = {}): string {
  return ['compound,concentration,moa', ...demoMoaTable(options).map((r) => [r.compound, r.concentration, r.moa].map(csvField).join(','))].join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** Per-image scratch buffers (reused across images of one size). */
interface Canvas {
  size: number;
  /** Channel planes: DNA, tubulin, actin. */
  dna: Float32Array;
  tub: Float32Array;
  act: Float32Array;
  /** Smooth random texture in [-1, 1], fine and coarse. */
  fine: Float32Array;
  coarse: Float32Array;
  tmp: Float32Array;
}

function makeCanvas(size: number): Canvas {
  const n = size * size;
  return {
    size,
    dna: new Float32Array(n), tub: new Float32Array(n), act: new Float32Array(n),
    fine: new Float32Array(n), coarse: new Float32Array(n), tmp: new Float32Array(n),
  };
}

/**
 * One 1-D pass of a symmetric kernel `k` (radius r = (k.length - 1) / 2) along rows (stride 1) or
 * columns (stride size) of `src` into `dst`, with clamped edges. Interior pixels skip the clamping.
 */
function convolve1d(src: Float32Array, dst: Float32Array, size: number, k: Float32Array, alongRows: boolean): void {
  const r = (k.length - 1) >> 1;
  const step = alongRows ? 1 : size;
  const line = alongRows ? size : 1;
  for (let l = 0; l < size; l++) {
    const base = l * line;
    for (let x = 0; x < size; x++) {
      const o = base + x * step;
      let s = 0;
      if (x >= r && x < size - r) {
        for (let j = -r, q = o - r * step; j <= r; j++, q += step) s += k[j + r] * src[q];
      } else {
        for (let j = -r; j <= r; j++) {
          const xx = x + j < 0 ? 0 : x + j >= size ? size - 1 : x + j;
          s += k[j + r] * src[base + xx * step];
        }
      }
      dst[o] = s;
    }
  }
}

const kernelCache = new Map<number, Float32Array>();

/** Normalised 1-D Gaussian kernel of radius ⌈2.5σ⌉ (cached per σ). */
function gaussianKernel(sigma: number): Float32Array {
  let k = kernelCache.get(sigma);
  if (!k) {
    const r = Math.ceil(2.5 * sigma);
    k = new Float32Array(2 * r + 1);
    let sum = 0;
    for (let i = -r; i <= r; i++) sum += k[i + r] = Math.exp((-i * i) / (2 * sigma * sigma));
    for (let i = 0; i < k.length; i++) k[i] /= sum;
    kernelCache.set(sigma, k);
  }
  return k;
}

/** Separable blur of `src` in place with a 1-D kernel, using `tmp`. */
function blur(src: Float32Array, tmp: Float32Array, size: number, k: Float32Array): void {
  if (k.length <= 1) return;
  convolve1d(src, tmp, size, k, true);
  convolve1d(tmp, src, size, k, false);
}

/** One running-sum box-filter pass (radius r, clamped edges) along rows or columns of `src` into `dst`. */
function boxPass(src: Float32Array, dst: Float32Array, size: number, r: number, alongRows: boolean): void {
  const step = alongRows ? 1 : size;
  const line = alongRows ? size : 1;
  const norm = 1 / (2 * r + 1);
  const last = size - 1;
  for (let l = 0; l < size; l++) {
    const base = l * line;
    let s = 0;
    for (let j = -r; j <= r; j++) s += src[base + (j < 0 ? 0 : j > last ? last : j) * step];
    for (let x = 0; x < size; x++) {
      dst[base + x * step] = s * norm;
      const add = x + r + 1, sub = x - r;
      s += src[base + (add > last ? last : add) * step] - src[base + (sub < 0 ? 0 : sub) * step];
    }
  }
}

/** Uniform white noise in [-1, 1) from an inlined mulberry32 stream (fast even before JIT warm-up). */
function whiteNoise(out: Float32Array, seed: number): void {
  let st = seed | 0;
  for (let i = 0; i < out.length; i++) {
    st = (st + 0x6d2b79f5) | 0;
    let t = Math.imul(st ^ (st >>> 15), st | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) * (2 / 4294967296) - 1;
  }
}

/** Scales `v` in place so that max |v| = 1. */
function normalizeMaxAbs(v: Float32Array): void {
  let m = 1e-6;
  for (let i = 0; i < v.length; i++) {
    const a = v[i] < 0 ? -v[i] : v[i];
    if (a > m) m = a;
  }
  const f = 1 / m;
  for (let i = 0; i < v.length; i++) v[i] *= f;
}

/** Fills `out` with white noise (seeded from `rng`) smoothed by a box blur of radius r, scaled to max |v| = 1. */
function smoothNoise(rng: Rng, out: Float32Array, tmp: Float32Array, size: number, r: number): void {
  whiteNoise(out, rng.nextUint32());
  boxPass(out, tmp, size, r, true);
  boxPass(tmp, out, size, r, false);
  normalizeMaxAbs(out);
}

/** Adds an isotropic Gaussian spot (σ px, peak `amp`) to `plane` at (x, y). */
function spot(plane: Float32Array, size: number, x: number, y: number, sigma: number, amp: number): void {
  const r = Math.ceil(2.5 * sigma);
  const x0 = Math.max(0, Math.floor(x - r)), x1 = Math.min(size - 1, Math.ceil(x + r));
  const y0 = Math.max(0, Math.floor(y - r)), y1 = Math.min(size - 1, Math.ceil(y + r));
  const inv = 1 / (2 * sigma * sigma);
  for (let yy = y0; yy <= y1; yy++) {
    const dy = yy - y;
    for (let xx = x0; xx <= x1; xx++) {
      const dx = xx - x;
      plane[yy * size + xx] += amp * Math.exp(-(dx * dx + dy * dy) * inv);
    }
  }
}

/** A filament of peak intensity ≈ `amp`: a polyline through `pts` splatted with Gaussian spots (σ = width) every 0.7 σ. */
function filament(plane: Float32Array, size: number, pts: [number, number][], width: number, amp: number): void {
  const step = Math.max(0.5, width * 0.7);
  const a = amp * Math.min(1, step / (width * 2.5));
  for (let i = 1; i < pts.length; i++) {
    const [xa, ya] = pts[i - 1];
    const [xb, yb] = pts[i];
    const len = Math.hypot(xb - xa, yb - ya);
    const n = Math.max(1, Math.ceil(len / step));
    for (let j = i === 1 ? 0 : 1; j <= n; j++) {
      const t = j / n;
      spot(plane, size, xa + (xb - xa) * t, ya + (yb - ya) * t, width, a);
    }
  }
}

interface Ellipse {
  x: number;
  y: number;
  /** Semi-axes (px) along the rotated x and y axes. */
  a: number;
  b: number;
  theta: number;
}

interface Cell {
  body: Ellipse;
  /** Boundary wobble: amplitudes of the 2nd and 3rd angular harmonics and their phases. */
  w2: number; w3: number; p2: number; p3: number;
  nuclei: Ellipse[];
  /** Apoptotic cells: nuclear fragments instead of nuclei. */
  fragments: { x: number; y: number; r: number }[];
  dnaAmp: number;
  tubAmp: number;
  actAmp: number;
  /** Number of faint radial microtubules; number and peak intensity of bundles curling around the nucleus. */
  radial: number;
  bundles: number;
  bundleAmp: number;
  /** Relative stress-fibre strength, angular frequency (rad/px) and phase; punctate actin dot count; relative cortical actin. */
  fibreAmp: number;
  fibreFreq: number;
  fibrePhase: number;
  actinDots: number;
  cortex: number;
}

/** Phenotype-dependent cell parameters for strength s ∈ [0, 1]. */
function makeCell(rng: Rng, phenotype: DemoPhenotype, s: number, k: number, x: number, y: number): Cell {
  const theta = rng.uniform(0, Math.PI);
  let r = k * rng.uniform(9.5, 12.5);
  let aspect = rng.uniform(1.0, 1.35);
  let nr = k * rng.uniform(4.4, 5.4);
  let naspect = rng.uniform(1.0, 1.25);
  let nucleusCount = 1;
  let dnaAmp = rng.uniform(0.55, 0.7);
  let tubAmp = rng.uniform(0.22, 0.3);
  let actAmp = rng.uniform(0.3, 0.4);
  let radial = rng.int(6, 9);
  let bundles = 0;
  let bundleAmp = 0;
  let fibreAmp = rng.uniform(0.8, 1.2);
  let actinDots = 0;
  let cortex = rng.uniform(0.8, 1.1);
  let apoptotic = false;

  switch (phenotype) {
    case 'control':
      break;
    case 'enlarged_nuclei':
      nr *= 1 + 0.75 * s;
      r *= 1 + 0.3 * s;
      dnaAmp *= 1 - 0.15 * s;
      break;
    case 'apoptotic':
      apoptotic = rng.next() < 0.35 + 0.6 * s;
      if (apoptotic) {
        r *= 1 - 0.3 * s;
        aspect = 1 + (aspect - 1) * 0.3;
        tubAmp *= 1 + 0.6 * s;
        actAmp *= 1 + 0.4 * s;
        radial = 0;
        fibreAmp *= 0.3;
      }
      break;
    case 'elongated':
      aspect = 1.4 + 2.6 * s * rng.uniform(0.85, 1.15);
      r *= 1 + 0.25 * s;
      naspect = 1.2 + 0.7 * s;
      nr *= 0.95;
      actinDots = Math.round(rng.uniform(6, 10) * s * (r / k / 10));
      fibreAmp *= 1 - 0.8 * s;
      cortex *= 1 - 0.6 * s;
      break;
    case 'microtubule_bundling':
      bundles = Math.round(rng.uniform(4, 7) * (0.5 + 0.5 * s));
      bundleAmp = rng.uniform(0.5, 0.7) * (0.5 + 0.5 * s);
      tubAmp *= 1 - 0.4 * s;
      radial = Math.round(radial * (1 - 0.6 * s));
      r *= 1 + 0.1 * s;
      break;
    case 'multinucleated':
      r *= 1 + 0.9 * s;
      nucleusCount = rng.next() < 0.5 + 0.5 * s ? rng.int(2, 2 + Math.round(2 * s)) : 1;
      nr *= 1 + 0.1 * s;
      break;
  }

  const a = r * Math.sqrt(aspect);
  const b = r / Math.sqrt(aspect);
  const body: Ellipse = { x, y, a, b, theta };
  const cos = Math.cos(theta), sin = Math.sin(theta);
  const nuclei: Ellipse[] = [];
  const fragments: Cell['fragments'] = [];
  if (apoptotic) {
    const nf = rng.int(3, 5);
    const spread = k * (3.5 + 1.5 * s);
    const start = rng.uniform(0, 2 * Math.PI);
    for (let i = 0; i < nf; i++) {
      const ang = start + (2 * Math.PI * i) / nf + rng.normal(0, 0.3);
      const d = spread * rng.uniform(0.55, 1);
      fragments.push({ x: x + d * Math.cos(ang), y: y + d * Math.sin(ang), r: k * rng.uniform(0.8, 1.3) });
    }
    dnaAmp *= 3 + 1.5 * s;
  } else if (nucleusCount === 1) {
    // Nucleus slightly off-centre along the cell's long axis, roughly aligned with it.
    const off = rng.uniform(-0.15, 0.15) * a;
    const na = nr * Math.sqrt(naspect), nb = nr / Math.sqrt(naspect);
    nuclei.push({ x: x + off * cos, y: y + off * sin, a: na, b: nb, theta: theta + rng.normal(0, 0.2) });
  } else {
    // Nuclei on a small ring around the centre.
    const ring = nr * 1.3;
    const start = rng.uniform(0, 2 * Math.PI);
    for (let i = 0; i < nucleusCount; i++) {
      const ang = start + (2 * Math.PI * i) / nucleusCount + rng.normal(0, 0.15);
      const rr = nr * rng.uniform(0.85, 1.0);
      const na = rr * Math.sqrt(naspect), nb = rr / Math.sqrt(naspect);
      nuclei.push({ x: x + ring * Math.cos(ang), y: y + ring * Math.sin(ang), a: na, b: nb, theta: rng.uniform(0, Math.PI) });
    }
  }
  return {
    body,
    w2: rng.uniform(0, 0.08), w3: rng.uniform(0, 0.06), p2: rng.uniform(0, 2 * Math.PI), p3: rng.uniform(0, 2 * Math.PI),
    nuclei, fragments, dnaAmp, tubAmp, actAmp, radial, bundles, bundleAmp,
    fibreAmp, fibreFreq: rng.uniform(0.55, 0.8) / k, fibrePhase: rng.uniform(0, 2 * Math.PI), actinDots, cortex,
  };
}

/** Cell count of a field for a phenotype and strength (before random jitter). */
function cellCount(phenotype: DemoPhenotype, s: number): number {
  switch (phenotype) {
    case 'enlarged_nuclei': return 10 * (1 - 0.3 * s);
    case 'apoptotic': return 11;
    case 'elongated': return 10 * (1 - 0.2 * s);
    case 'multinucleated': return 10 * (1 - 0.6 * s);
    case 'microtubule_bundling': return 10 * (1 - 0.1 * s);
    default: return 10;
  }
}

/** Cell centres by dart throwing with a minimum spacing (centres may lie just outside the field). */
function placeCells(rng: Rng, count: number, size: number, minDist: number): [number, number][] {
  const pts: [number, number][] = [];
  const margin = minDist * 0.3;
  for (let tries = 0; pts.length < count && tries < count * 60; tries++) {
    const x = rng.uniform(-margin, size + margin);
    const y = rng.uniform(-margin, size + margin);
    const d2 = minDist * minDist;
    if (pts.every(([px, py]) => (px - x) ** 2 + (py - y) ** 2 >= d2)) pts.push([x, y]);
  }
  return pts;
}

/** Bounding box (clipped to the field) of an ellipse grown by `pad` px. */
function bbox(e: Ellipse, size: number, pad: number): [number, number, number, number] {
  const c = Math.cos(e.theta), s = Math.sin(e.theta);
  const hx = Math.sqrt((e.a * c) ** 2 + (e.b * s) ** 2) + pad;
  const hy = Math.sqrt((e.a * s) ** 2 + (e.b * c) ** 2) + pad;
  return [
    Math.max(0, Math.floor(e.x - hx)), Math.min(size - 1, Math.ceil(e.x + hx)),
    Math.max(0, Math.floor(e.y - hy)), Math.min(size - 1, Math.ceil(e.y + hy)),
  ];
}

/** Point at angle `ang` on the cell's (wobbly) boundary, scaled by `f`. */
function boundaryPoint(cell: Cell, ang: number, f: number): [number, number] {
  const { x, y, a, b, theta } = cell.body;
  const w = 1 + cell.w2 * Math.cos(2 * ang + cell.p2) + cell.w3 * Math.cos(3 * ang + cell.p3);
  const u = a * Math.cos(ang) * w * f, v = b * Math.sin(ang) * w * f;
  const c = Math.cos(theta), s = Math.sin(theta);
  return [x + u * c - v * s, y + u * s + v * c];
}

function drawCell(cv: Canvas, rng: Rng, cell: Cell, k: number): void {
  const { size, tub, act, dna, fine, coarse } = cv;
  const { x: cx, y: cy, a, b, theta } = cell.body;
  const c = Math.cos(theta), s = Math.sin(theta);
  const wmax = 1 + cell.w2 + cell.w3;
  const [x0, x1, y0, y1] = bbox({ ...cell.body, a: a * wmax, b: b * wmax }, size, 1);
  const ia = 1 / a, ib = 1 / b;
  const c2 = Math.cos(cell.p2), s2 = Math.sin(cell.p2), c3 = Math.cos(cell.p3), s3 = Math.sin(cell.p3);
  for (let y = y0; y <= y1; y++) {
    const dy = y - cy;
    for (let x = x0; x <= x1; x++) {
      const dx = x - cx;
      const along = dx * c + dy * s;
      const across = -dx * s + dy * c;
      const u = along * ia, v = across * ib;
      const rho2 = u * u + v * v;
      if (rho2 > wmax * wmax) continue;
      const rho = Math.sqrt(rho2);
      // Angular harmonics of the boundary without atan2: cos(nφ + p) from (u, v) / ρ.
      let w = 1;
      if (rho > 1e-6) {
        const cu = u / rho, sv = v / rho;
        const cos2 = cu * cu - sv * sv, sin2 = 2 * cu * sv;
        const cos3 = cu * cos2 - sv * sin2, sin3 = sv * cos2 + cu * sin2;
        w += cell.w2 * (cos2 * c2 - sin2 * s2) + cell.w3 * (cos3 * c3 - sin3 * s3);
      }
      const q = rho / w; // 0 at the centre, 1 on the boundary
      if (q >= 1) continue;
      const i = y * size + x;
      const edge = Math.min(1, (1 - q) * 6); // soft membrane edge
      const t = fine[i], g = coarse[i];
      tub[i] += cell.tubAmp * edge * (0.75 + 0.25 * Math.sqrt(1 - q * q)) * (1 + 0.25 * g + 0.15 * t);
      const ring = (q - 0.88) / 0.09;
      const fibre = Math.cos(across * cell.fibreFreq + cell.fibrePhase + 0.8 * g);
      const f2 = fibre * fibre;
      act[i] += cell.actAmp * edge * (0.3 + 0.7 * cell.cortex * Math.exp(-ring * ring) + 0.6 * cell.fibreAmp * f2 * f2 * (1 - q)) * (1 + 0.2 * t);
    }
  }
  // Microtubules: faint radial filaments from the nucleus towards the membrane.
  for (let j = 0; j < cell.radial; j++) {
    const ang = rng.uniform(0, 2 * Math.PI);
    const pts: [number, number][] = [];
    const bend = rng.normal(0, 0.15);
    for (let m = 0; m <= 4; m++) pts.push(boundaryPoint(cell, ang + bend * m * m / 16, 0.25 + 0.17 * m));
    filament(tub, size, pts, 0.6 * k, cell.tubAmp * 0.6);
  }
  // Microtubule bundles: thick bright arcs curling around the nucleus.
  for (let j = 0; j < cell.bundles; j++) {
    const start = rng.uniform(0, 2 * Math.PI);
    const sweep = rng.uniform(1.2, 2.4) * (rng.bernoulli(0.5) ? 1 : -1);
    const f0 = rng.uniform(0.45, 0.8);
    const pts: [number, number][] = [];
    for (let m = 0; m <= 10; m++) pts.push(boundaryPoint(cell, start + (sweep * m) / 10, f0 + 0.012 * m));
    filament(tub, size, pts, 0.7 * k, cell.bundleAmp);
  }
  // Punctate actin aggregates.
  for (let j = 0; j < cell.actinDots; j++) {
    const [px, py] = boundaryPoint(cell, rng.uniform(0, 2 * Math.PI), Math.sqrt(rng.uniform(0.1, 0.8)));
    spot(act, size, px, py, 0.8 * k, rng.uniform(0.45, 0.7));
  }
  // Nuclei: filled ellipses with a soft rim, chromatin texture and a few nucleoli-like dips.
  for (const n of cell.nuclei) {
    const nc = Math.cos(n.theta), ns = Math.sin(n.theta);
    const [nx0, nx1, ny0, ny1] = bbox(n, size, 1);
    const ina = 1 / n.a, inb = 1 / n.b;
    for (let y = ny0; y <= ny1; y++) {
      const dy = y - n.y;
      for (let x = nx0; x <= nx1; x++) {
        const dx = x - n.x;
        const u = (dx * nc + dy * ns) * ina, v = (-dx * ns + dy * nc) * inb;
        const rho2 = u * u + v * v;
        if (rho2 >= 1.1) continue;
        const i = y * size + x;
        const edge = rho2 < 0.9 ? 1 : (1.1 - rho2) / 0.2;
        dna[i] = Math.max(dna[i], cell.dnaAmp * edge * (0.8 + 0.2 * Math.sqrt(Math.max(0, 1 - rho2))) * (1 + 0.28 * fine[i] - 0.1 * coarse[i]));
      }
    }
  }
  // Condensed, fragmented chromatin: small bright blobs.
  for (const f of cell.fragments) {
    spot(dna, size, f.x, f.y, f.r * 0.7, cell.dnaAmp * rng.uniform(0.8, 1.1));
  }
}

/** 1 / standard deviation of the sum of four uniform bytes. */
const IRWIN_HALL_4_BYTES = 1 / Math.sqrt((4 * (256 * 256 - 1)) / 12);

/** Renders one field of view (deterministic in `rng`) into RGBA bytes. */
function renderField(cv: Canvas, rng: Rng, phenotype: DemoPhenotype, strength: number): Uint8ClampedArray {
  const { size, dna, tub, act, tmp } = cv;
  const k = size / 96;
  const n = size * size;
  dna.fill(0);
  tub.fill(0);
  act.fill(0);
  smoothNoise(rng.fork('fine'), cv.fine, tmp, size, Math.max(1, Math.round(k)));
  smoothNoise(rng.fork('coarse'), cv.coarse, tmp, size, Math.max(2, Math.round(3 * k)));

  const cellRng = rng.fork('cells');
  const count = Math.max(1, Math.round(cellCount(phenotype, strength) * cellRng.uniform(0.85, 1.15)));
  const spacing = k * (phenotype === 'multinucleated' ? 16 + 14 * strength : phenotype === 'enlarged_nuclei' ? 17 + 4 * strength : 16);
  const centres = placeCells(cellRng, count, size, spacing);
  const cells = centres.map(([x, y]) => makeCell(cellRng, phenotype, strength, k, x, y));
  // Tubulin and actin add up where cells overlap; DNA takes the maximum.
  const drawRng = rng.fork('draw');
  for (const cell of cells) drawCell(cv, drawRng, cell, k);

  // Optics, background and shot noise: Gaussian approximation of Poisson counts (~gain photons per
  // unit intensity), the standard normal itself approximated by the sum of the four bytes of one
  // 32-bit draw (Irwin–Hall; mean 510, variance 4 · (256² − 1) / 12). The per-pixel draws come from
  // an inlined mulberry32 stream seeded from this image's `noise` stream (fast even before the
  // JIT has warmed up).
  const sigma = 0.9 * k;
  const g = gaussianKernel(sigma);
  blur(dna, tmp, size, g);
  blur(tub, tmp, size, g);
  blur(act, tmp, size, g);
  const noise = rng.fork('noise');
  const bg = [noise.uniform(0.025, 0.04), noise.uniform(0.035, 0.05), noise.uniform(0.03, 0.045)];
  const out = new Uint8ClampedArray(n * 4);
  shotNoise(act, out, 0, bg[0], noise.nextUint32());
  shotNoise(tub, out, 1, bg[1], noise.nextUint32());
  shotNoise(dna, out, 2, bg[2], noise.nextUint32());
  for (let i = 0; i < n; i++) out[i * 4 + 3] = 255;
  return out;
}

/** Writes channel `ch` of RGBA `out` as 255 · (plane + background + shot noise); see renderField. */
function shotNoise(plane: Float32Array, out: Uint8ClampedArray, ch: number, background: number, seed: number): void {
  const invGain = 1 / 400;
  let st = seed | 0;
  for (let i = 0; i < plane.length; i++) {
    const v = plane[i] + background;
    st = (st + 0x6d2b79f5) | 0;
    let t = Math.imul(st ^ (st >>> 15), st | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = t ^ (t >>> 14);
    const z = ((u & 255) + ((u >>> 8) & 255) + ((u >>> 16) & 255) + ((u >>> 24) & 255) - 510) * IRWIN_HALL_4_BYTES;
    out[i * 4 + ch] = 255 * (v + Math.sqrt(v * invGain) * z); // Uint8ClampedArray rounds and clamps to [0, 255]
  }
}

function buildImage(cfg: DemoPlateConfig, layout: DemoWell[], index: number, canvas: Canvas): DemoImage {
  const { w, site, fileName } = imageWell(cfg, layout, index);
  const rng = new Rng(cfg.seed).fork(fileName);
  const rgb = renderField(canvas, rng, w.phenotype, w.strength);
  return {
    fileName,
    width: cfg.size,
    height: cfg.size,
    rgb,
    metadata: { plate: cfg.plate, well: w.well, site, compound: w.compound, concentration: w.concentration, moa: w.moa, phenotype: w.phenotype },
  };
}

/** Renders image `index` of the plate (wells row-major, then sites) — identical to `generateDemoPlate(options).images[index]`. */
export function generateDemoImage(options: DemoPlateOptions, index: number): DemoImage {
  const cfg = resolveDemoOptions(options);
  return buildImage(cfg, demoPlateLayout(cfg), index, makeCanvas(cfg.size));
}

/** Renders the whole plate. */
export function generateDemoPlate(options: DemoPlateOptions = {}): DemoPlate {
  const cfg = resolveDemoOptions(options);
  const layout = demoPlateLayout(cfg);
  const canvas = makeCanvas(cfg.size);
  const images: DemoImage[] = [];
  for (let i = 0; i < layout.length * cfg.sites; i++) images.push(buildImage(cfg, layout, i, canvas));
  return { images, meta: { seed: cfg.seed, options: cfg } };
}

/** A demo image as a decoded 8-bit RGBA image, like a dropped PNG after decoding. */
export function demoImageToDecoded(image: DemoImage): DecodedImage {
  return {
    width: image.width, height: image.height, channels: 4, bitDepth: 8, sampleFormat: 'uint',
    data: image.rgb, pages: 1, page: 0, hasAlpha: true,
  };
}
