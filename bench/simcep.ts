/**
 * SIMCEP generator throughput: images/s at the thesis size (224², 1–15 cells) and at the small
 * preset (64²), on one CPU thread. Medians over repeated timed runs after a warm-up.
 *   npm run bench:simcep -- [--images N] [--repeats R]
 */
import { simcepRate } from './lib/suite';
import { defaultSimcepParams, smallSimcepParams } from '../src/pipelines/detection/simcep';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const images = arg('images', 200);
const repeats = arg('repeats', 5);
console.log(`SIMCEP generator benchmark (Node ${process.version}, 1 thread), ${images} images × ${repeats} repeats after warm-up`);
const rows: [string, number][] = [];
for (const [name, params] of [['thesis 224² (1–15 cells)', defaultSimcepParams], ['small 64² (1–5 cells)', smallSimcepParams]] as const) {
  simcepRate(params, Math.max(10, images / 10), 999); // warm-up (JIT)
  const rates = Array.from({ length: repeats }, (_, r) => simcepRate(params, images, r + 1));
  rows.push([name, median(rates)]);
}
console.log('| preset | images/s (median) |\n|---|---|');
for (const [n, r] of rows) console.log(`| ${n} | ${r.toFixed(1)} |`);
console.log(`goal: ≥ 200 images/s at 224² → ${rows[0][1] >= 200 ? 'met' : 'not met'} (ratio ${(rows[0][1] / 200).toFixed(2)})`);
