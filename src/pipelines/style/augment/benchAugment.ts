/**
 * Checks and times the augmentation pipeline on a Node backend (WebGPU through Dawn, or cpu):
 *
 *   WORKBENCH_BACKEND=webgpu npx tsx src/pipelines/style/augment/benchAugment.ts [--n 32] [--size 224] [--iters 10]
 *
 * Checks (on the chosen backend): tf.image.transform ('native') against the gather sampler, replay
 * equality, the same record replayed on cpu (cross-backend difference), and tensor leaks. Then it
 * times each transform at p = 1 and the thesis preset at p = 0.5 on an N×size×size×3 batch.
 * Prints one JSON object (also written to $BENCH_OUT when set). BENCH_REQUIRE_WEBGPU=1 makes it fail
 * instead of falling back to cpu. Uses core/backend/nodeWebgpu.ts (Dawn via the `webgpu` package);
 * on a machine without node_modules it runs as an esbuild bundle with `webgpu` left external.
 */
import * as tf from '@tensorflow/tfjs';
import { writeFileSync } from 'node:fs';
import { releaseNodeWebGpu, selectNodeBackend } from '../../../core/backend/nodeWebgpu';
import { augmentPipeline, traditionalAugmentSpec } from './pipeline';
import type { AugmentSpec, TransformSpec } from './types';
import { matMul3, rotationMatrix, shearMatrix, warpAffine, zoomMatrix, type Mat3 } from './warp';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const v = (await d.data())[0];
  d.dispose();
  return v;
}

function randomMats(n: number, w: number, h: number): Mat3[] {
  return Array.from({ length: n }, (_, i) =>
    matMul3(matMul3(rotationMatrix(-25 + 13 * i, w, h), zoomMatrix(0.75 + 0.05 * (i % 5), (i % 3) / 2, (i % 4) / 3, w, h)), shearMatrix(8 - 3 * i, 2, w, h)),
  );
}

/** Mean ms per call of f over `iters` calls (after one warm-up), synchronised by reading the last output. */
async function time(f: () => tf.Tensor, iters: number): Promise<number> {
  const warm = f();
  await warm.data();
  warm.dispose();
  const t0 = performance.now();
  let last: tf.Tensor | null = null;
  for (let i = 0; i < iters; i++) {
    last?.dispose();
    last = f();
  }
  await last!.data();
  last!.dispose();
  return (performance.now() - t0) / iters;
}

async function main(): Promise<void> {
  const n = arg('n', 32);
  const size = arg('size', 224);
  const iters = arg('iters', 10);
  const selection = await selectNodeBackend();
  if (process.env.BENCH_REQUIRE_WEBGPU && selection.backend !== 'webgpu') throw new Error(`WebGPU required: ${selection.fallbackReason}`);
  const report: Record<string, unknown> = { backend: selection.backend, adapter: selection.adapter, n, size, iters };

  // 1. Native vs gather sampler on this backend.
  const small = tf.randomUniform([6, 37, 45, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const mats = randomMats(6, 45, 37);
  const samplers: Record<string, number> = {};
  for (const fillMode of ['constant', 'reflect', 'nearest'] as const) {
    const g = warpAffine(small, mats, { fillMode, fillValue: 0.3, impl: 'gather' });
    if (selection.backend === 'cpu') {
      // tfjs's cpu Transform only fills image 0 of a batch: compare image by image.
      const parts = mats.map((m, i) => warpAffine(tf.slice(small, [i, 0, 0, 0], [1, -1, -1, -1]), [m], { fillMode, fillValue: 0.3, impl: 'native' }));
      const nat = tf.concat(parts);
      samplers[fillMode] = await maxAbsDiff(g, nat);
      tf.dispose([...parts, nat]);
    } else {
      const nat = warpAffine(small, mats, { fillMode, fillValue: 0.3, impl: 'native' });
      samplers[fillMode] = await maxAbsDiff(g, nat);
      nat.dispose();
    }
    g.dispose();
  }
  report.nativeVsGatherMaxAbsDiff = samplers;

  // 2. Replay equality, leaks, and the same record on cpu.
  const full: AugmentSpec = {
    geometry: { fillMode: 'reflect' },
    transforms: [
      ...traditionalAugmentSpec(0.8).transforms,
      { op: 'colorJitter', p: 0.8, brightness: 0.1, brightnessMode: 'additive', randomOrder: true },
      { op: 'randConv', p: 0.5, mix: true },
    ],
  };
  const aug = augmentPipeline(full, 2024);
  const { output, record } = aug.apply(small, 0);
  const replayed = aug.replay(small, record);
  report.replayMaxAbsDiff = await maxAbsDiff(output, replayed);
  replayed.dispose();
  const before = tf.memory().numTensors;
  for (let i = 1; i <= 20; i++) aug.apply(small, i).output.dispose();
  report.leakedTensorsOver20Batches = tf.memory().numTensors - before;
  const outValues = await output.data();
  const smallValues = await small.data();
  output.dispose();
  if (selection.backend !== 'cpu') {
    const backend = tf.getBackend();
    await tf.setBackend('cpu');
    const cpuSmall = tf.tensor4d(smallValues, small.shape);
    const cpuOut = aug.replay(cpuSmall, record);
    const cpuRef = tf.tensor4d(outValues, small.shape);
    report.crossBackendMaxAbsDiff = await maxAbsDiff(cpuOut, cpuRef);
    tf.dispose([cpuSmall, cpuOut, cpuRef]);
    await tf.setBackend(backend);
  }
  small.dispose();

  // 3. Timings on an N×size×size×3 batch.
  const batch = tf.randomUniform([n, size, size, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
  const single: TransformSpec[] = [
    { op: 'flip', p: 1 },
    { op: 'rotate', p: 1, degrees: 15 },
    { op: 'zoom', p: 1, scale: [0.8, 1] },
    { op: 'shear', p: 1, degrees: 10 },
    { op: 'erase', p: 1 },
    { op: 'grayscale', p: 1 },
    { op: 'colorJitter', p: 1, brightness: 0.2, contrast: 0.2, saturation: 0.2, hue: 18 },
    { op: 'randConv', p: 1, mix: true },
  ];
  const timings: Record<string, number> = {};
  let b = 0;
  for (const s of single) {
    const p = augmentPipeline({ transforms: [s] }, 1);
    timings[`${s.op}@p1`] = await time(() => p.apply(batch, b++).output, iters);
  }
  const trad = augmentPipeline(traditionalAugmentSpec(0.5), 1);
  timings['traditional@p0.5'] = await time(() => trad.apply(batch, b++).output, iters);
  const geo = augmentPipeline({ transforms: single.slice(0, 4), warp: 'gather' }, 1);
  timings['flip+rotate+zoom+shear fused, gather sampler'] = await time(() => geo.apply(batch, b++).output, iters);
  const geoNative = augmentPipeline({ transforms: single.slice(0, 4), warp: 'native' }, 1);
  if (selection.backend !== 'cpu') timings['flip+rotate+zoom+shear fused, native sampler'] = await time(() => geoNative.apply(batch, b++).output, iters);
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) trad.sample(batch.shape, 1000 + i);
  timings['sampleRecord only (JS)'] = (performance.now() - t0) / iters;
  report.msPerBatch = Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v * 100) / 100]));
  batch.dispose();

  const text = JSON.stringify(report, null, 2);
  console.log(text);
  if (process.env.BENCH_OUT) writeFileSync(process.env.BENCH_OUT, text);
  releaseNodeWebGpu();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
