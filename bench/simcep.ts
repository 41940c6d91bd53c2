/**
 * SIMCEP generator throughput: images/s at the thesis size (224², 1–15 cells) and at the small
 * preset (64²), on one CPU thread. Medians over repeated timed runs after a warm-up.
 *   npm run bench:simcep -- [--images N] [--repeats R]
 */
import { Rng } from '../src/core/rng/rng';
import { defaultSimcepParams, generateCellImage, smallSimcepParams, type SimcepParams } from '../src/pipelines/detection/simcep';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeRun(params: SimcepParams, images: number, seed: number): number {
  const rng = new Rng(seed);
  const t0 = performance.now();
  let cells = 0;
  for (let i = 0; i < images; i++) cells += generateCellImage(params, rng.fork(i)).cells.length;
  const s = (performance.now() - t0) / 1000;
  if (cells === 0) throw new Error('generator produced no cells');
  return images / s;
}

const images = arg('images', 200);
const repeats = arg('repeats', 5);
console.log(`SIMCEP generator benchmark (Node ${process.version}, 1 thread), ${images} images × ${repeats} repeats after warm-up`);
const rows: [string, number][] = [];
for (const [name, params] of [['thesis 224² (1–15 cells)', defaultSimcepParams], ['small 64² (1–5 cells)', smallSimcepParams]] as const) {
  timeRun(params, Math.max(10, images / 10), 999); // warm-up (JIT)
  const rates = Array.from({ length: repeats }, (_, r) => timeRun(params, images, r + 1));
  rows.push([name, median(rates)]);
}
console.log('| preset | images/s (median) |\n|---|---|');
for (const [n, r] of rows) console.log(`| ${n} | ${r.toFixed(1)} |`);
console.log(`goal: ≥ 200 images/s at 224² → ${rows[0][1] >= 200 ? 'met' : 'not met'} (ratio ${(rows[0][1] / 200).toFixed(2)})`);
