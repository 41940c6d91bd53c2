/**
 * Times the simulator on one Node core:
 *
 *   npx tsx src/pipelines/camera/sim/benchSim.ts [--n128 100] [--n1024 5]
 *
 * Prints images/s of renderSample at 128² and 1024² (round-robin over the 10 cells, all traits on,
 * simulated JPEG, after a warm-up) by wall clock and by process CPU time (the latter approximates
 * the one-core speed when other work shares the machine), and a per-stage breakdown at 1024² for
 * cam-A (with the jpeg-js codec for comparison), as one JSON object.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Rng } from '../../../core/rng/rng';
import {
  applyColourMatrix, applySensorNoise, applyTone, CAMERAS, demosaic, denoise, getCamera, mosaic,
  prnuPattern, quantise, sharpen, whiteBalanceMosaic,
} from './camera';
import { decodeJpeg, encodeJpeg, simulateJpeg, subsampleChroma } from './jpeg';
import { renderSample, sampleStreams } from './generate';
import { drawScene, MANUFACTURER_PRINTERS, renderScene } from './scene';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/**
 * Images per second by wall clock and by this process's CPU time (robust to other load on the
 * machine). `warmUp` first renders one image of every cell (JIT, PRNU cache); a repeat at the same
 * size may skip it.
 */
export function rate(size: number, n: number, warmUp = true): { wall: number; cpu: number } {
  const cells = MANUFACTURER_PRINTERS.flatMap((m) => CAMERAS.map((c) => [m.id, c.id] as const));
  if (warmUp) for (const [m, c] of cells) renderSample({ manufacturer: m, camera: c, index: 999, size, seed: 1 });
  const t0 = performance.now(), c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const [m, c] = cells[i % cells.length];
    renderSample({ manufacturer: m, camera: c, index: i, size, seed: 1 });
  }
  const cpu = process.cpuUsage(c0);
  const round = (v: number) => Math.round(v * 100) / 100;
  return { wall: round((n * 1000) / (performance.now() - t0)), cpu: round((n * 1e6) / (cpu.user + cpu.system)) };
}

function stages(size: number, reps: number): Record<string, number> {
  const cam = getCamera('cam-A');
  const t: Record<string, number> = {};
  const time = <T>(name: string, f: () => T): T => {
    const s = performance.now();
    const v = f();
    t[name] = (t[name] ?? 0) + (performance.now() - s) / reps;
    return v;
  };
  prnuPattern(cam.id, size, size);
  for (let r = 0; r < reps; r++) {
    const st = sampleStreams(7, r);
    const spec = drawScene(st.scene);
    const { radiance } = time('scene', () => renderScene(spec, MANUFACTURER_PRINTERS[0], size, size, st.printer));
    const m = time('mosaic', () => mosaic(radiance, size, size, cam.bayer));
    time('noise', () => applySensorNoise(m, cam.noise, new Rng(r)));
    const wb = whiteBalanceMosaic(m, size, size, cam.bayer, cam.colour.wbGains);
    const rgb = time('demosaic', () => demosaic(wb, size, size, cam.bayer, cam.demosaic));
    const dn = time('denoise', () => denoise(rgb, size, size, cam.denoise));
    const cc = time('colour', () => applyColourMatrix(dn, cam.colour.matrix));
    const tn = time('tone', () => applyTone(cc, cam.tone));
    const sh = time('sharpen', () => sharpen(tn, size, size, cam.sharpen));
    const q = time('quantise', () => quantise(sh, size, size));
    time('jpegSimulated', () => simulateJpeg(q, size, size, cam.jpeg ?? { quality: 90, chroma: '420' }));
    const sub = time('jpegjs.chroma420', () => subsampleChroma(q, size, size));
    const bytes = time('jpegjs.encode', () => encodeJpeg(sub, size, size, cam.jpeg?.quality ?? 90));
    time('jpegjs.decode', () => decodeJpeg(bytes));
  }
  for (const k of Object.keys(t)) t[k] = Math.round(t[k] * 10) / 10;
  return t;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const n128 = arg('n128', 100), n1024 = arg('n1024', 5);
  const result = {
    node: process.version,
    imagesPerSecond128: rate(128, n128),
    imagesPerSecond1024: rate(1024, n1024),
    msPerStage1024: stages(1024, 2),
  };
  console.log(JSON.stringify(result, null, 2));
}
