/**
 * Built-in content images for the Style augmentation panel: small procedural, seeded, colourful
 * scenes (a house on a hill, a bowl of fruit, a sailboat, a flower, toy blocks on a checkered
 * floor), drawn here from signed-distance shapes with one-pixel anti-aliasing and a little seeded
 * texture. The same (scene, size, seed) always gives the same pixels.
 */
import { Rng } from '../../core/rng/rng';
import type { RgbImage } from './service/imageRgb';

export const DEMO_SCENES = ['house', 'fruit', 'sailboat', 'flower', 'blocks'] as const;
export type DemoScene = (typeof DEMO_SCENES)[number];

export interface DemoImage extends RgbImage {
  /** e.g. "house" — also the class folder in an exported dataset. */
  scene: DemoScene;
  /** A file-like name, e.g. "house/house_seed7.png". */
  name: string;
  seed: number;
}

type Rgb = readonly [number, number, number];
/** Signed distance (negative inside) in scene units, where the image height is 1. */
type Sdf = (x: number, y: number) => number;
type Paint = (x: number, y: number) => Rgb;

interface Layer {
  sdf: Sdf;
  paint: Paint;
}

// ---------------------------------------------------------------------------------------------
// Shapes (x to the right, y down, both in units of the image height)

const circle = (cx: number, cy: number, r: number): Sdf => (x, y) => Math.hypot(x - cx, y - cy) - r;

const ellipse = (cx: number, cy: number, rx: number, ry: number, angle = 0): Sdf => {
  const c = Math.cos(angle), s = Math.sin(angle);
  return (x, y) => {
    const dx = x - cx, dy = y - cy;
    const u = (c * dx + s * dy) / rx, v = (-s * dx + c * dy) / ry;
    // Scaled radial distance: exact on the axes, close enough elsewhere for anti-aliasing.
    return (Math.hypot(u, v) - 1) * Math.min(rx, ry);
  };
};

const rect = (x0: number, y0: number, x1: number, y1: number): Sdf => (x, y) => {
  const dx = Math.max(x0 - x, x - x1), dy = Math.max(y0 - y, y - y1);
  return dx > 0 && dy > 0 ? Math.hypot(dx, dy) : Math.max(dx, dy);
};

/** Convex polygon, vertices in either winding order. */
const polygon = (pts: readonly (readonly [number, number])[]): Sdf => {
  let area = 0;
  for (let i = 0; i < pts.length; i++) {
    const [ax, ay] = pts[i], [bx, by] = pts[(i + 1) % pts.length];
    area += ax * by - bx * ay;
  }
  const sign = area > 0 ? 1 : -1;
  return (x, y) => {
    let d = -Infinity;
    for (let i = 0; i < pts.length; i++) {
      const [ax, ay] = pts[i], [bx, by] = pts[(i + 1) % pts.length];
      const ex = bx - ax, ey = by - ay;
      const len = Math.hypot(ex, ey);
      // Outward normal distance of the point from this edge's line.
      d = Math.max(d, (sign * (ex * (y - ay) - ey * (x - ax))) / len * -1);
    }
    return d;
  };
};

const intersect = (a: Sdf, b: Sdf): Sdf => (x, y) => Math.max(a(x, y), b(x, y));

const solid = (c: Rgb): Paint => () => c;
const vertical = (top: Rgb, bottom: Rgb, y0 = 0, y1 = 1): Paint => (_x, y) => {
  const t = Math.min(1, Math.max(0, (y - y0) / (y1 - y0)));
  return mix(top, bottom, t);
};

function mix(a: Rgb, b: Rgb, t: number): [number, number, number] {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

function shade(c: Rgb, f: number): Rgb {
  return [Math.min(1, c[0] * f), Math.min(1, c[1] * f), Math.min(1, c[2] * f)];
}

/** HSV (h in degrees) → RGB. */
function hsv(h: number, s: number, v: number): Rgb {
  const hh = (((h % 360) + 360) % 360) / 60;
  const i = Math.floor(hh), f = hh - i;
  const p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  return ([[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]] as const)[i % 6];
}

// ---------------------------------------------------------------------------------------------
// Scenes: each returns its layers (painted in order) and its aspect ratio width/height.

interface SceneDef {
  aspect: number;
  layers: Layer[];
}

function house(rng: Rng): SceneDef {
  const aspect = 4 / 3;
  const sunX = rng.uniform(0.15, 0.45), sunY = rng.uniform(0.12, 0.25);
  const hx = rng.uniform(0.55, 0.8), hw = rng.uniform(0.16, 0.22);
  const wall = hsv(rng.uniform(0, 50), rng.uniform(0.35, 0.6), rng.uniform(0.75, 0.95));
  const roof = hsv(rng.uniform(340, 380), 0.7, rng.uniform(0.5, 0.7));
  const base = 0.78;
  const top = base - hw * 1.1;
  return {
    aspect,
    layers: [
      { sdf: rect(-1, -1, 2, 2), paint: vertical([0.35, 0.6, 0.95], [0.8, 0.9, 1], 0, 0.6) },
      { sdf: circle(sunX, sunY, 0.08), paint: solid([1, 0.85, 0.25]) },
      { sdf: ellipse(0.3, 1.05, 0.7, 0.45), paint: vertical([0.35, 0.7, 0.3], [0.15, 0.45, 0.15], 0.6, 1) },
      { sdf: ellipse(1.1, 1.1, 0.7, 0.4), paint: vertical([0.45, 0.75, 0.25], [0.2, 0.5, 0.15], 0.7, 1) },
      { sdf: rect(hx - hw, top, hx + hw, base), paint: solid(wall) },
      { sdf: polygon([[hx - hw * 1.25, top + 0.005], [hx + hw * 1.25, top + 0.005], [hx, top - hw * 0.9]]), paint: solid(roof) },
      { sdf: rect(hx - hw * 0.2, base - hw * 0.75, hx + hw * 0.2, base), paint: solid([0.45, 0.25, 0.12]) },
      { sdf: rect(hx - hw * 0.8, top + hw * 0.25, hx - hw * 0.4, top + hw * 0.6), paint: solid([0.6, 0.85, 1]) },
      { sdf: rect(hx + hw * 0.4, top + hw * 0.25, hx + hw * 0.8, top + hw * 0.6), paint: solid([0.6, 0.85, 1]) },
      { sdf: rect(0.1, 0.7, 0.13, 0.86), paint: solid([0.4, 0.25, 0.1]) },
      { sdf: circle(0.115, 0.64, 0.09), paint: solid(hsv(rng.uniform(90, 140), 0.7, 0.55)) },
    ],
  };
}

function fruit(rng: Rng): SceneDef {
  const aspect = 1;
  const cloth = hsv(rng.uniform(180, 260), 0.45, 0.8);
  const layers: Layer[] = [
    { sdf: rect(-1, -1, 2, 0.62), paint: vertical([0.95, 0.9, 0.8], [0.8, 0.72, 0.6], 0, 0.62) },
    {
      sdf: rect(-1, 0.62, 2, 2),
      // A checked table cloth.
      paint: (x, y) => ((Math.floor(x * 10) + Math.floor(y * 10)) % 2 === 0 ? cloth : shade(cloth, 0.7)),
    },
  ];
  const count = rng.int(3, 5);
  const hues = [0, 30, 55, 100, 280];
  for (let i = 0; i < count; i++) {
    const cx = 0.3 + (0.4 * (i + 0.5)) / count + rng.uniform(-0.03, 0.03);
    const r = rng.uniform(0.08, 0.12);
    const cy = 0.6 - r * 0.6 + rng.uniform(-0.04, 0.0);
    const c = hsv(hues[rng.int(0, hues.length - 1)] + rng.uniform(-10, 10), 0.85, rng.uniform(0.75, 0.95));
    layers.push({ sdf: circle(cx, cy, r), paint: (x, y) => mix(c, [1, 1, 1], Math.max(0, 0.5 - Math.hypot(x - cx + r * 0.35, y - cy + r * 0.35) / r) * 0.9) });
  }
  const bowl = hsv(rng.uniform(0, 360), 0.5, 0.9);
  layers.push({ sdf: intersect(ellipse(0.5, 0.6, 0.33, 0.22), rect(-1, 0.6, 2, 2)), paint: vertical(bowl, shade(bowl, 0.6), 0.6, 0.82) });
  return { aspect, layers };
}

function sailboat(rng: Rng): SceneDef {
  const aspect = 4 / 3;
  const bx = rng.uniform(0.45, 0.85);
  const sail = hsv(rng.uniform(0, 360), rng.uniform(0.2, 0.8), 0.95);
  const hull = hsv(rng.uniform(0, 40), 0.75, 0.55);
  const horizon = rng.uniform(0.55, 0.65);
  return {
    aspect,
    layers: [
      { sdf: rect(-1, -1, 2, 2), paint: vertical([0.98, 0.6, 0.4], [1, 0.9, 0.7], 0, horizon) },
      { sdf: circle(rng.uniform(0.15, 0.5), horizon - 0.05, 0.12), paint: solid([1, 0.95, 0.6]) },
      {
        sdf: rect(-1, horizon, 2, 2),
        paint: (x, y) => {
          const wave = 0.5 + 0.5 * Math.sin(x * 40 + y * 90);
          return mix([0.1, 0.35, 0.6], [0.3, 0.6, 0.8], wave * (1 - (y - horizon)));
        },
      },
      { sdf: rect(bx - 0.006, horizon - 0.38, bx + 0.006, horizon - 0.02), paint: solid([0.3, 0.2, 0.1]) },
      { sdf: polygon([[bx - 0.01, horizon - 0.37], [bx - 0.01, horizon - 0.06], [bx - 0.2, horizon - 0.06]]), paint: solid(sail) },
      { sdf: polygon([[bx + 0.012, horizon - 0.3], [bx + 0.012, horizon - 0.06], [bx + 0.14, horizon - 0.06]]), paint: solid(shade(sail, 0.85)) },
      { sdf: polygon([[bx - 0.22, horizon - 0.04], [bx + 0.2, horizon - 0.04], [bx + 0.14, horizon + 0.04], [bx - 0.16, horizon + 0.04]]), paint: solid(hull) },
    ],
  };
}

function flower(rng: Rng): SceneDef {
  const aspect = 3 / 4;
  const cx = aspect / 2 + rng.uniform(-0.05, 0.05), cy = rng.uniform(0.3, 0.4);
  const petal = hsv(rng.uniform(0, 360), rng.uniform(0.6, 0.9), rng.uniform(0.85, 1));
  const n = rng.int(5, 8);
  const phase = rng.uniform(0, Math.PI);
  const layers: Layer[] = [
    { sdf: rect(-1, -1, 2, 2), paint: vertical(hsv(rng.uniform(180, 230), 0.3, 0.95), [0.85, 0.95, 0.85]) },
    { sdf: rect(cx - 0.012, cy, cx + 0.012, 1.2), paint: solid([0.2, 0.55, 0.2]) },
    { sdf: ellipse(cx + 0.09, 0.75, 0.1, 0.035, -0.5), paint: solid([0.25, 0.6, 0.2]) },
    { sdf: ellipse(cx - 0.09, 0.68, 0.1, 0.035, 0.5), paint: solid([0.25, 0.6, 0.2]) },
  ];
  for (let i = 0; i < n; i++) {
    const a = phase + (2 * Math.PI * i) / n;
    const r = 0.12;
    layers.push({ sdf: ellipse(cx + Math.cos(a) * r, cy + Math.sin(a) * r, 0.11, 0.05, a), paint: vertical(petal, shade(petal, 0.75), cy - 0.2, cy + 0.2) });
  }
  layers.push({ sdf: circle(cx, cy, 0.06), paint: (x, y) => ((Math.floor(x * 120) + Math.floor(y * 120)) % 2 ? [0.95, 0.75, 0.1] : [0.8, 0.5, 0.05]) });
  return { aspect, layers };
}

function blocks(rng: Rng): SceneDef {
  const aspect = 1;
  const floorA = hsv(rng.uniform(0, 360), 0.15, 0.9);
  const layers: Layer[] = [
    { sdf: rect(-1, -1, 2, 0.5), paint: vertical([0.3, 0.3, 0.45], [0.6, 0.6, 0.75], 0, 0.5) },
    {
      sdf: rect(-1, 0.5, 2, 2),
      paint: (x, y) => {
        // A checkerboard in perspective: columns converge towards the horizon.
        const depth = 0.12 / Math.max(0.02, y - 0.45);
        const u = (x - 0.5) * depth * 2;
        return (Math.floor(u * 4) + Math.floor(depth * 3)) % 2 === 0 ? floorA : shade(floorA, 0.55);
      },
    },
  ];
  const count = rng.int(3, 5);
  for (let i = 0; i < count; i++) {
    const c = hsv(rng.uniform(0, 360), 0.8, rng.uniform(0.7, 0.95));
    const x = 0.15 + (0.7 * (i + rng.uniform(0.2, 0.8))) / count;
    const y = rng.uniform(0.6, 0.85);
    const s = rng.uniform(0.07, 0.12);
    const kind = rng.int(0, 2);
    const sdf = kind === 0 ? rect(x - s, y - 2 * s, x + s, y) : kind === 1 ? circle(x, y - s, s) : polygon([[x - s, y], [x + s, y], [x, y - 2 * s]]);
    layers.push({ sdf: ellipse(x, y, s * 1.2, s * 0.25), paint: solid([0.15, 0.15, 0.2]) });
    layers.push({ sdf, paint: vertical(c, shade(c, 0.6), y - 2 * s, y) });
  }
  return { aspect, layers };
}

const SCENES: Record<DemoScene, (rng: Rng) => SceneDef> = { house, fruit, sailboat, flower, blocks };

/**
 * Render one scene with its longer side `size` pixels. Seeded: positions, colours and counts come
 * from `seed`; a faint seeded noise texture is added so the style network has detail to work on.
 */
export function renderDemoImage(scene: DemoScene, size: number, seed: number): DemoImage {
  if (!(Number.isInteger(size) && size >= 8)) throw new RangeError(`demo image size must be an integer ≥ 8, got ${size}`);
  const rng = new Rng(seed).fork(scene);
  const def = SCENES[scene](rng);
  const width = def.aspect >= 1 ? size : Math.max(8, Math.round(size * def.aspect));
  const height = def.aspect >= 1 ? Math.max(8, Math.round(size / def.aspect)) : size;
  const unit = 1 / height; // scene units per pixel
  const noise = rng.fork('texture');
  const grain = Float32Array.from({ length: width * height }, () => noise.normal(0, 0.02));
  const data = new Float32Array(width * height * 3);
  for (let py = 0; py < height; py++) {
    for (let px = 0; px < width; px++) {
      const x = (px + 0.5) * unit, y = (py + 0.5) * unit;
      let c: Rgb = [0, 0, 0];
      for (const layer of def.layers) {
        // Coverage of a one-pixel-wide edge ramp: 1 inside, 0 outside.
        const cov = Math.min(1, Math.max(0, 0.5 - layer.sdf(x, y) / unit));
        if (cov > 0) c = cov === 1 ? layer.paint(x, y) : mix(c, layer.paint(x, y), cov);
      }
      const o = (py * width + px) * 3;
      const g = grain[py * width + px];
      for (let k = 0; k < 3; k++) data[o + k] = Math.min(1, Math.max(0, c[k] + g));
    }
  }
  return { scene, name: `${scene}/${scene}_seed${seed >>> 0}.png`, seed: seed >>> 0, width, height, data };
}

/** `count` demo images cycling through the scenes, each with its own seed derived from `seed`. */
export function demoImages(count: number, size: number, seed: number): DemoImage[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, i) => renderDemoImage(DEMO_SCENES[i % DEMO_SCENES.length], size, rng.fork(i).seed));
}
