/**
 * Demo plate: seeded determinism (per-image streams), plate layout and metadata tables, dose
 * response, and that the phenotypes are separable — by hand-made image statistics (always) and
 * by spatial means of MobileNet v1 `conv_pw_5_relu` maps (when ../shared/models is present).
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmOrCpu } from '../../../core/backend/testBackend';
import { loadLayersModelFromFiles } from '../../../core/models/layers';
import { fromRows } from '../analysis/matrix';
import { nscMoaAccuracy } from '../analysis/validation';
import {
  DEMO_COMPOUNDS,
  DEMO_PHENOTYPES,
  demoImageCount,
  demoImageToDecoded,
  demoMoaCsv,
  demoMoaTable,
  demoPlateCsv,
  demoPlateLayout,
  demoPlateMetadata,
  generateDemoImage,
  generateDemoPlate,
  type DemoImage,
  type DemoPlate,
} from './plate';

// ---------------------------------------------------------------------------------------------
// Hand-made per-image statistics (independent of the renderer's internals).

function plane(im: DemoImage, c: number): Float64Array {
  const n = im.width * im.height;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = im.rgb[i * 4 + c] / 255;
  return out;
}

/** Sizes of the 4-connected components of a binary mask. */
function componentSizes(mask: Uint8Array, w: number, h: number): number[] {
  const seen = new Uint8Array(w * h);
  const sizes: number[] = [];
  const stack: number[] = [];
  for (let s = 0; s < w * h; s++) {
    if (!mask[s] || seen[s]) continue;
    let size = 0;
    seen[s] = 1;
    stack.push(s);
    while (stack.length) {
      const p = stack.pop() as number;
      size++;
      const x = p % w, y = (p - x) / w;
      const nb = [x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, y > 0 ? p - w : -1, y < h - 1 ? p + w : -1];
      for (const q of nb) if (q >= 0 && mask[q] && !seen[q]) { seen[q] = 1; stack.push(q); }
    }
    sizes.push(size);
  }
  return sizes;
}

/** Two-pass chamfer distance (1, 1.4) to the nearest set pixel of `mask`. */
function chamfer(mask: Uint8Array, w: number, h: number): Float64Array {
  const d = new Float64Array(w * h);
  for (let i = 0; i < w * h; i++) d[i] = mask[i] ? 0 : 1e9;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = y * w + x;
    if (x > 0) d[i] = Math.min(d[i], d[i - 1] + 1);
    if (y > 0) d[i] = Math.min(d[i], d[i - w] + 1, x > 0 ? d[i - w - 1] + 1.4 : 1e9, x < w - 1 ? d[i - w + 1] + 1.4 : 1e9);
  }
  for (let y = h - 1; y >= 0; y--) for (let x = w - 1; x >= 0; x--) {
    const i = y * w + x;
    if (x < w - 1) d[i] = Math.min(d[i], d[i + 1] + 1);
    if (y < h - 1) d[i] = Math.min(d[i], d[i + w] + 1, x < w - 1 ? d[i + w + 1] + 1.4 : 1e9, x > 0 ? d[i + w - 1] + 1.4 : 1e9);
  }
  return d;
}

/**
 * Orientation coherence of a plane's structure tensor in blocks of ~w/6 px, weighted by gradient
 * energy: 0 for isotropic texture, 1 for parallel edges (elongated cells, aligned fibres).
 */
function coherence(p: Float64Array, w: number, h: number): number {
  const bs = Math.max(8, Math.round(w / 6));
  let coh = 0, energy = 0;
  for (let by = 0; by + bs <= h; by += bs) for (let bx = 0; bx + bs <= w; bx += bs) {
    let jxx = 0, jyy = 0, jxy = 0;
    for (let y = Math.max(1, by); y < Math.min(h - 1, by + bs); y++) for (let x = Math.max(1, bx); x < Math.min(w - 1, bx + bs); x++) {
      const i = y * w + x;
      const gx = (p[i + 1] - p[i - 1]) / 2, gy = (p[i + w] - p[i - w]) / 2;
      jxx += gx * gx; jyy += gy * gy; jxy += gx * gy;
    }
    coh += Math.sqrt((jxx - jyy) ** 2 + 4 * jxy * jxy);
    energy += jxx + jyy;
  }
  return energy > 0 ? coh / energy : 0;
}

/**
 * [0 cytoplasm distance to DNA, 1 blue area, 2 blue intensity, 3 blue objects, 4 mean blue object
 *  area, 5 green area, 6 green intensity, 7 green texture energy, 8 green 99th percentile,
 *  9 red (stress-fibre) coherence, 10 green (cell-shape) elongation].
 */
function imageStats(im: DemoImage): number[] {
  const w = im.width, h = im.height, n = w * h;
  const red = plane(im, 0), green = plane(im, 1), blue = plane(im, 2);
  const dnaMask = new Uint8Array(n);
  let blueArea = 0, blueSum = 0;
  for (let i = 0; i < n; i++) if (blue[i] > 0.25) { dnaMask[i] = 1; blueArea++; blueSum += blue[i]; }
  const objects = componentSizes(dnaMask, w, h).filter((s) => s >= 3);
  const dist = chamfer(dnaMask, w, h);
  let cyto = 0, cytoDist = 0, greenArea = 0, greenSum = 0, lap2 = 0;
  for (let y = 1; y < h - 1; y++) for (let x = 1; x < w - 1; x++) {
    const i = y * w + x;
    if (green[i] > 0.12) {
      greenArea++;
      greenSum += green[i];
      if (!dnaMask[i]) { cyto++; cytoDist += Math.min(dist[i], 40); }
    }
    const l = 4 * green[i] - green[i - 1] - green[i + 1] - green[i - w] - green[i + w];
    lap2 += l * l;
  }
  const sortedGreen = Float64Array.from(green).sort();
  return [
    cyto ? cytoDist / cyto : 0, blueArea / n, blueArea ? blueSum / blueArea : 0, objects.length,
    objects.length ? objects.reduce((a, b) => a + b, 0) / objects.length : 0,
    greenArea / n, greenArea ? greenSum / greenArea : 0, Math.sqrt(lap2 / n), sortedGreen[Math.floor(0.99 * n)],
    coherence(red, w, h), coherence(green, w, h),
  ];
}

/** Columns z-scored with the mean and std of the `ref` rows (all rows by default). */
function standardize(rows: number[][], ref: (i: number) => boolean = () => true): number[][] {
  const d = rows[0].length;
  const refRows = rows.filter((_, i) => ref(i));
  const mean = Array.from({ length: d }, (_, j) => refRows.reduce((s, r) => s + r[j], 0) / refRows.length);
  const std = Array.from({ length: d }, (_, j) => Math.sqrt(refRows.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / refRows.length));
  return rows.map((r) => r.map((v, j) => (std[j] > 1e-12 ? (v - mean[j]) / std[j] : 0)));
}

/** Leave-one-out 1-nearest-neighbour accuracy (Euclidean; ties to the lower index). */
function looNearestNeighbour(rows: number[][], labels: string[]): number {
  let correct = 0;
  for (let i = 0; i < rows.length; i++) {
    let best = -1, bestD = Infinity;
    for (let k = 0; k < rows.length; k++) {
      if (k === i) continue;
      let s = 0;
      for (let j = 0; j < rows[i].length; j++) s += (rows[i][j] - rows[k][j]) ** 2;
      if (s < bestD) { bestD = s; best = k; }
    }
    if (labels[best] === labels[i]) correct++;
  }
  return correct / rows.length;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

// ---------------------------------------------------------------------------------------------

describe('demo plate', () => {
  let plate: DemoPlate;
  let stats: number[][];
  beforeAll(() => {
    const t0 = performance.now();
    plate = generateDemoPlate();
    const ms = performance.now() - t0;
    console.log(`demo plate: ${plate.images.length} images of ${plate.images[0].width}² rendered in ${ms.toFixed(0)} ms`);
    stats = plate.images.map(imageStats);
  });

  it('is deterministic per seed, and single images regenerate exactly', () => {
    const opts = { seed: 11, rows: 2, columns: 4, sites: 2, size: 48, controlColumns: [1] };
    const a = generateDemoPlate(opts);
    const b = generateDemoPlate(opts);
    expect(a.images).toHaveLength(16);
    for (let i = 0; i < a.images.length; i++) expect(Buffer.from(b.images[i].rgb).equals(Buffer.from(a.images[i].rgb))).toBe(true);
    for (const i of [0, 5, 15]) {
      const one = generateDemoImage(opts, i);
      expect(one.fileName).toBe(a.images[i].fileName);
      expect(one.metadata).toEqual(a.images[i].metadata);
      expect(Buffer.from(one.rgb).equals(Buffer.from(a.images[i].rgb))).toBe(true);
    }
    const c = generateDemoPlate({ ...opts, seed: 12 });
    const differing = a.images.filter((im, i) => !Buffer.from(im.rgb).equals(Buffer.from(c.images[i].rgb))).length;
    expect(differing).toBe(a.images.length);
    // Images of one plate differ from each other (independent streams), even within a well.
    expect(Buffer.from(a.images[0].rgb).equals(Buffer.from(a.images[1].rgb))).toBe(false);
    // The default plate's image 150 regenerated alone equals its copy in the batch.
    expect(Buffer.from(generateDemoImage({}, 150).rgb).equals(Buffer.from(plate.images[150].rgb))).toBe(true);
    expect(plate.meta.seed).toBe(2019);
    expect(plate.meta.options).toMatchObject({ rows: 8, columns: 12, sites: 2, size: 96, controlColumns: [1, 12] });
  });

  it('renders RGBA images of the configured size with non-trivial content in every channel', () => {
    const im = plate.images[0];
    expect(im.width).toBe(96);
    expect(im.rgb).toBeInstanceOf(Uint8ClampedArray);
    expect(im.rgb.length).toBe(96 * 96 * 4);
    for (let i = 3; i < im.rgb.length; i += 4) if (im.rgb[i] !== 255) throw new Error(`alpha ${im.rgb[i]} at ${i}`);
    for (let c = 0; c < 3; c++) {
      const v = Array.from({ length: 96 * 96 }, (_, i) => im.rgb[i * 4 + c]);
      expect(Math.max(...v) - Math.min(...v), `channel ${c}`).toBeGreaterThan(60);
    }
    const big = generateDemoImage({ size: 160, rows: 1, columns: 2, sites: 1 }, 1);
    expect([big.width, big.height, big.rgb.length]).toEqual([160, 160, 160 * 160 * 4]);
    const decoded = demoImageToDecoded(big);
    expect(decoded).toMatchObject({ width: 160, height: 160, channels: 4, bitDepth: 8, hasAlpha: true });
    expect(decoded.data).toBe(big.rgb);
  });

  it('lays out 96 wells × 2 sites with DMSO in columns 1 and 12 and balanced phenotypes', () => {
    expect(plate.images).toHaveLength(192);
    expect(demoImageCount()).toBe(192);
    const wells = new Map<string, number>();
    for (const im of plate.images) {
      const m = im.metadata;
      expect(im.fileName).toMatch(/^DEMO1_[A-H](0[1-9]|1[0-2])_s[12]\.png$/);
      expect(im.fileName).toBe(`${m.plate}_${m.well}_s${m.site}.png`);
      wells.set(m.well, (wells.get(m.well) ?? 0) + 1);
      const column = Number(m.well.slice(1));
      const isControl = column === 1 || column === 12;
      expect(m.compound === 'DMSO', m.well).toBe(isControl);
      expect(m.phenotype === 'control', m.well).toBe(isControl);
      if (isControl) expect([m.moa, m.concentration]).toEqual(['DMSO', 0]);
      else expect(m.concentration).toBeGreaterThan(0);
    }
    const expectedWells = [...'ABCDEFGH'].flatMap((r) => Array.from({ length: 12 }, (_, c) => `${r}${String(c + 1).padStart(2, '0')}`));
    expect([...wells.keys()]).toEqual(expectedWells); // row-major order
    expect([...wells.values()].every((v) => v === 2)).toBe(true);
    // 16 control wells and 10 compounds × 8 wells: 32 images per phenotype.
    for (const p of DEMO_PHENOTYPES) expect(plate.images.filter((im) => im.metadata.phenotype === p), p).toHaveLength(32);
    // Each MoA is shared by two compounds, and each compound has one MoA and phenotype.
    const compoundsPerMoa = new Map<string, Set<string>>();
    for (const im of plate.images) {
      const { compound, moa } = im.metadata;
      if (compound !== 'DMSO') compoundsPerMoa.set(moa, (compoundsPerMoa.get(moa) ?? new Set()).add(compound));
    }
    expect(compoundsPerMoa.size).toBe(5);
    for (const [moa, set] of compoundsPerMoa) expect(set.size, moa).toBe(2);
    // Concentrations rise down the plate: rows A–B lowest, G–H highest.
    const layout = demoPlateLayout();
    expect(layout.find((w) => w.well === 'A02')?.concentration).toBe(0.1);
    expect(layout.find((w) => w.well === 'H11')?.concentration).toBe(3);
    const cpd1 = layout.filter((w) => w.compound === 'CPD-01');
    expect(cpd1.map((w) => w.strength)).toEqual([...cpd1.map((w) => w.strength)].sort((a, b) => a - b));
    expect(cpd1[0].strength).toBeLessThan(cpd1[cpd1.length - 1].strength);
  });

  it('lets the plate shape, controls and sites be configured', () => {
    const opts = { rows: 4, columns: 6, sites: 3, controlColumns: [1], plate: 'P2' };
    const meta = demoPlateMetadata(opts);
    expect(meta).toHaveLength(4 * 6 * 3);
    expect(demoImageCount(opts)).toBe(72);
    expect(meta[0].fileName).toBe('P2_A01_s1.png');
    expect(meta[71].fileName).toBe('P2_D06_s3.png');
    expect(meta.filter((m) => m.compound === 'DMSO')).toHaveLength(4 * 3);
    // Columns 2–6 take the first five compounds; rows spread the four concentrations.
    expect([...new Set(meta.filter((m) => m.compound !== 'DMSO').map((m) => m.compound))]).toEqual(DEMO_COMPOUNDS.slice(0, 5).map((c) => c.name));
    expect([...new Set(meta.map((m) => m.concentration))].sort((a, b) => a - b)).toEqual([0, 0.1, 0.3, 1, 3]);
    expect(() => generateDemoImage(opts, 72)).toThrow(/out of range/);
    expect(() => generateDemoPlate({ rows: 27 })).toThrow(/rows/);
  });

  it('provides a MoA table and an image metadata CSV that join on compound and concentration', () => {
    const table = demoMoaTable();
    expect(table).toHaveLength(1 + 10 * 4);
    expect(table[0]).toEqual({ compound: 'CPD-01', concentration: 0.1, moa: 'DNA replication' });
    expect(table.find((r) => r.compound === 'DMSO')).toEqual({ compound: 'DMSO', concentration: 0, moa: 'DMSO' });
    const moaOf = new Map(table.map((r) => [`${r.compound}@${r.concentration}`, r.moa]));

    const lines = demoPlateCsv().trimEnd().split('\n');
    expect(lines[0]).toBe('file,plate,well,site,compound,concentration,moa');
    expect(lines).toHaveLength(193);
    lines.slice(1).forEach((line, i) => {
      const [file, plateName, well, site, compound, concentration, moa] = line.split(',');
      const m = plate.images[i].metadata;
      expect([file, plateName, well, Number(site)]).toEqual([plate.images[i].fileName, m.plate, m.well, m.site]);
      expect(moaOf.get(`${compound}@${Number(concentration)}`)).toBe(moa);
      expect(moa).toBe(m.moa);
    });
    expect(demoMoaCsv().split('\n')[1]).toBe('CPD-01,0.1,DNA replication');
    // Fields with commas or quotes are quoted.
    const csv = demoPlateCsv({ rows: 1, columns: 2, sites: 1, controlColumns: [1], compounds: [{ name: 'X, "Y"', moa: 'M', phenotype: 'apoptotic', potency: 1 }] });
    expect(csv.split('\n')[2]).toBe('DEMO1_A02_s1.png,DEMO1,A02,1,"X, ""Y""",0.1,M');
  });

  it('makes phenotypes stronger at higher concentrations', () => {
    const at = (compound: string, concentration: number, j: number) =>
      mean(stats.filter((_, i) => plate.images[i].metadata.compound === compound && plate.images[i].metadata.concentration === concentration).map((s) => s[j]));
    const control = (j: number) => mean(stats.filter((_, i) => plate.images[i].metadata.compound === 'DMSO').map((s) => s[j]));
    // Enlarged nuclei (CPD-01): mean DNA object area grows with dose.
    expect(at('CPD-01', 0.1, 4)).toBeGreaterThan(control(4) * 1.2);
    expect(at('CPD-01', 3, 4)).toBeGreaterThan(at('CPD-01', 0.1, 4) * 1.2);
    // Apoptosis (CPD-02): more, smaller DNA objects.
    expect(at('CPD-02', 3, 3)).toBeGreaterThan(at('CPD-02', 0.1, 3));
    expect(at('CPD-02', 0.1, 3)).toBeGreaterThan(control(3));
    // Spindle cells (CPD-03): green elongation up, aligned red stress fibres down (actin disruption).
    expect(at('CPD-03', 3, 10)).toBeGreaterThan(at('CPD-03', 0.1, 10));
    expect(at('CPD-03', 0.1, 10)).toBeGreaterThan(control(10) * 1.3);
    expect(at('CPD-03', 3, 9)).toBeLessThan(control(9));
    // Microtubule bundling (CPD-04): bright green (99th percentile).
    expect(at('CPD-04', 3, 8)).toBeGreaterThan(at('CPD-04', 0.1, 8));
    expect(at('CPD-04', 0.1, 8)).toBeGreaterThan(control(8) * 1.3);
    // Multinucleation (CPD-05): cytoplasm lies further from DNA in the larger cells.
    expect(at('CPD-05', 3, 0)).toBeGreaterThan(at('CPD-05', 0.1, 0));
    expect(at('CPD-05', 0.1, 0)).toBeGreaterThan(control(0));
  });

  it('separates the phenotypes with simple image statistics (leave-one-out 1-NN ≥ 90 %)', () => {
    const z = standardize(stats);
    const labels = plate.images.map((im) => im.metadata.phenotype);
    const acc = looNearestNeighbour(z, labels);
    // NSC MoA accuracy on treatment means, features z-scored against the DMSO wells.
    const zc = standardize(stats, (i) => plate.images[i].metadata.compound === 'DMSO');
    const nsc = nscMoaAccuracy(fromRows(zc), {
      compound: plate.images.map((im) => im.metadata.compound),
      concentration: plate.images.map((im) => im.metadata.concentration),
      moa: plate.images.map((im) => im.metadata.moa),
    });
    console.log(`hand statistics: LOO 1-NN phenotype accuracy ${(100 * acc).toFixed(1)} %, NSC MoA accuracy ${(100 * nsc.accuracy).toFixed(1)} % (${nsc.evaluated} treatments)`);
    expect(acc).toBeGreaterThanOrEqual(0.9);
    expect(nsc.evaluated).toBe(40);
    expect(nsc.accuracy).toBeGreaterThanOrEqual(0.9);
  });
});

const modelDir = resolve(__dirname, '../../../../../shared/models/mobilenet_v1_1.0_224');
const haveModel = existsSync(join(modelDir, 'model.json'));
if (!haveModel) console.log(`plate.test: MobileNet check skipped, no model at ${modelDir}`);

describe.skipIf(!haveModel)('demo plate with MobileNet v1 features', () => {
  it('separates phenotypes by spatial means of conv_pw_5_relu (leave-one-out 1-NN ≥ 80 %)', async () => {
    const backend = await useWasmOrCpu();
    const S = 96;
    const files = new Map<string, ArrayBuffer>();
    for (const f of readdirSync(modelDir)) {
      const b = readFileSync(join(modelDir, f));
      files.set(f, b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
    }
    // The network is convolutional up to this layer: give the input layer a 96×96 shape.
    const json = JSON.parse(new TextDecoder().decode(files.get('model.json'))) as {
      modelTopology: { model_config: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } } };
    };
    for (const l of json.modelTopology.model_config.config.layers) if (l.class_name === 'InputLayer') l.config.batch_input_shape = [null, S, S, 3];
    files.set('model.json', new TextEncoder().encode(JSON.stringify(json)).buffer as ArrayBuffer);
    const model = await loadLayersModelFromFiles(files, { outputLayer: 'conv_pw_5_relu' });

    const t0 = performance.now();
    // Site 1 of every well of the default plate (96 images), resized to 96² (a no-op at the default size).
    const images = Array.from({ length: 96 }, (_, w) => generateDemoImage({}, 2 * w));
    const size = images[0].width;
    const x = new Float32Array(images.length * size * size * 3);
    images.forEach((im, k) => {
      for (let i = 0; i < size * size; i++) for (let c = 0; c < 3; c++) x[(k * size * size + i) * 3 + c] = im.rgb[i * 4 + c] / 255;
    });
    const feats = tf.tidy(() => {
      const input = tf.image.resizeBilinear(tf.tensor4d(x, [images.length, size, size, 3]), [S, S]).mul(2).sub(1);
      return tf.mean(model.predict(input) as tf.Tensor4D, [1, 2]);
    });
    const rows = (await feats.array()) as number[][];
    feats.dispose();
    model.dispose();
    expect(rows[0]).toHaveLength(256);

    const labels = images.map((im) => im.metadata.phenotype);
    const acc = looNearestNeighbour(standardize(rows), labels);
    const nsc = nscMoaAccuracy(fromRows(standardize(rows, (i) => images[i].metadata.compound === 'DMSO')), {
      compound: images.map((im) => im.metadata.compound),
      concentration: images.map((im) => im.metadata.concentration),
      moa: images.map((im) => im.metadata.moa),
    });
    console.log(`MobileNet conv_pw_5_relu (${backend}, ${(performance.now() - t0).toFixed(0)} ms): LOO 1-NN phenotype accuracy ${(100 * acc).toFixed(1)} %, NSC MoA ${(100 * nsc.accuracy).toFixed(1)} %`);
    expect(acc).toBeGreaterThanOrEqual(0.8);
    expect(nsc.accuracy).toBeGreaterThanOrEqual(0.8);
  });
});
