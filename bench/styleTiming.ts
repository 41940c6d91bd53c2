/**
 * Stylisation timing (thesis §4.4.1 reports 2.0 ms per image on a GeForce 1080Ti): one N×N image
 * (256² by default) stylised the way style augmentation does it — the content's own embedding P(c),
 * the mix of Eq 4.8 with α = 0.5, then T(c, z), including uploading the image and reading the
 * stylised pixels back — with this project's tfjs port on WebGPU and with the official TFLite
 * interpreter (`@tensorflow/tfjs-tflite`, WebAssembly) in the same Chromium, side by side. The page
 * is e2e/pages/style-timing.html, served by Vite on a free localhost port; Playwright drives the
 * system Chromium (`/usr/bin/chromium`, or CHROMIUM_PATH) with the WebGPU flags of
 * playwright.config.ts. Each side: `warmup` untimed runs (shader compilation, weight upload), then
 * the median of `repeats` timed runs.
 *
 *   node --import tsx bench/styleTiming.ts [--models ../shared/models] [--repeats 3] [--hardware]
 *
 * Without a GPU, WebGPU runs on SwiftShader (a CPU Vulkan): one 256² port run then takes tens of
 * seconds, so the default is 1 warm-up + 3 repeats (a few minutes). `--hardware` drops the
 * SwiftShader flags so Chromium uses the machine's GPU. The interpreter runs single-threaded unless
 * the page is cross-origin isolated (Vite's dev server is not), with SIMD where available.
 *
 * The "agreement" line gives both transformers the same z: with fp16 weights both compute in float
 * and agree to ~1e-6; with `--transformer int8` the interpreter runs int8 activations while the
 * port runs its float path, so they differ by the int8 rounding (larger at small sizes).
 *
 * Measured here (SwiftShader on 2 shared EPYC cores, Chromium 156, fp16, 256², 1 warm-up + 3):
 * ours 34.6 s per image (P(c) 7.9 s, T 28.6 s), TFLite WASM 255 ms (P(c) 20 ms, T 228 ms), ratio
 * ~136×. A CPU-emulated GPU says little about real hardware: repeat with --hardware on a GPU.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import os from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright';
import { createServer, type ViteDevServer } from 'vite';
import { chromiumArgs } from '../playwright.config';
import { parseArgs, positiveInt, runCli, usage, UsageError, type OptionSpecs } from './lib/args';
import type { SideTiming, StyleTimingPage, TimingOptions, TransformerFile } from '../e2e/pages/styleTiming';

const ROOT = resolve(import.meta.dirname, '..');
const SOFTWARE_FLAGS = ['--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader', '--disable-vulkan-surface'];

export interface StyleTimingOptions {
  /** Folder holding `magenta-arbitrary-style/{predict_int8,transfer_fp16,transfer_int8}.tflite` (or that folder itself). */
  models: string;
  /** Timed runs per side (median reported); default 3. */
  repeats?: number;
  /** Untimed runs per side first; default 1. */
  warmup?: number;
  /** Image side (multiple of 4); default 256. */
  size?: number;
  /** Transformer file; default fp16 (float weights on both sides). */
  transformer?: 'fp16' | 'int8';
  /** Use the machine's GPU instead of SwiftShader (drops the software-adapter flags). */
  hardware?: boolean;
  /** Chromium binary; default CHROMIUM_PATH or /usr/bin/chromium. */
  executablePath?: string;
  /** Progress lines (default: console.log). */
  log?: (line: string) => void;
}

export interface StyleTimingResult {
  backend: string;
  adapter: string;
  ourMsPerImage: number;
  tfliteMsPerImage: number;
  /** ours / TFLite: above 1 means the port is slower. */
  ratio: number;
  details: {
    size: number;
    repeats: number;
    warmup: number;
    transformer: TransformerFile;
    ours: SideTiming;
    tflite: SideTiming;
    software: boolean;
    wasm: { simd: boolean; multiThreading: boolean };
    browser: string;
    machine: { cpu: string; cores: number; platform: string; node: string };
    /** Mean |difference| of the two stylised images given the same z (a sanity check, [0, 1] scale). */
    transferMaeVsInterpreter: number;
    leakedTensors: number;
  };
}

/** The models root the Vite plugin should serve as /local-models (accepts the Magenta folder itself). */
export function resolveModelsRoot(models: string): string {
  const dir = resolve(models);
  const root = basename(dir) === 'magenta-arbitrary-style' ? dirname(dir) : dir;
  const probe = resolve(root, 'magenta-arbitrary-style', 'predict_int8.tflite');
  if (!existsSync(probe)) throw new UsageError(`no Magenta TFLite files under ${dir} (looked for ${probe})`);
  return root;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createNetServer();
    srv.once('error', rej);
    srv.listen(0, 'localhost', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

async function startVite(modelsRoot: string): Promise<{ server: ViteDevServer; url: string }> {
  const port = await freePort();
  // vite.config.ts's local-models plugin reads this when the config is evaluated.
  const before = process.env.WORKBENCH_MODELS_DIR;
  process.env.WORKBENCH_MODELS_DIR = modelsRoot;
  try {
    const server = await createServer({
      root: ROOT,
      configFile: resolve(ROOT, 'vite.config.ts'),
      logLevel: 'warn',
      clearScreen: false,
      server: { host: 'localhost', port, strictPort: true, hmr: false },
    });
    await server.listen();
    return { server, url: `http://localhost:${port}` };
  } finally {
    if (before === undefined) delete process.env.WORKBENCH_MODELS_DIR;
    else process.env.WORKBENCH_MODELS_DIR = before;
  }
}

export async function runStyleTiming(opts: StyleTimingOptions): Promise<StyleTimingResult> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const modelsRoot = resolveModelsRoot(opts.models);
  const timing: TimingOptions = {
    size: opts.size ?? 256,
    repeats: opts.repeats ?? 3,
    warmup: opts.warmup ?? 1,
    transformer: opts.transformer === 'int8' ? 'transfer_int8' : 'transfer_fp16',
    alpha: 0.5,
  };
  const { server, url } = await startVite(modelsRoot);
  const args = opts.hardware ? chromiumArgs.filter((a) => !SOFTWARE_FLAGS.includes(a)) : chromiumArgs;
  const browser = await chromium.launch({ executablePath: opts.executablePath ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') log(`  [page] ${m.text()}`);
    });
    let lastStatus = '';
    const poll = setInterval(() => {
      page.locator('#status').textContent({ timeout: 1000 }).then((s) => {
        if (s && s !== lastStatus) log(`  … ${(lastStatus = s)}`);
      }, () => undefined);
    }, 2000);
    try {
      await page.goto(`${url}/e2e/pages/style-timing.html`);
      // The first visit may pre-bundle dependencies and reload the page once.
      await page.waitForFunction(() => document.getElementById('status')?.textContent === 'loaded', undefined, { timeout: 180_000 });
      const info = await page.evaluate((b) => (window as unknown as { styleTiming: StyleTimingPage }).styleTiming.setup(b), 'webgpu' as const);
      if (info.backend !== 'webgpu') log(`  warning: the page runs tfjs on '${info.backend}', not WebGPU`);
      log(`  backend ${info.backend}, adapter ${info.adapter}${info.software ? ' (software)' : ''}; TFLite WASM simd=${info.wasm.simd} threads=${info.wasm.multiThreading}`);
      const r = await page.evaluate((o) => (window as unknown as { styleTiming: StyleTimingPage }).styleTiming.time(o), timing);
      const cpus = os.cpus();
      return {
        backend: info.backend,
        adapter: info.adapter,
        ourMsPerImage: r.port.msPerImage,
        tfliteMsPerImage: r.tflite.msPerImage,
        ratio: r.ratio,
        details: {
          size: r.size, repeats: r.repeats, warmup: r.warmup, transformer: r.transformer, ours: r.port, tflite: r.tflite,
          software: info.software, wasm: info.wasm, browser: `${browser.version()} (${info.userAgent})`,
          machine: { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, platform: `${os.platform()}-${os.arch()}`, node: process.version },
          transferMaeVsInterpreter: r.transferMaeVsInterpreter, leakedTensors: r.leakedTensors,
        },
      };
    } finally {
      clearInterval(poll);
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

/** The side-by-side report. */
export function formatStyleTiming(r: StyleTimingResult): string {
  const d = r.details;
  const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);
  const rows = [
    ['', 'per image', 'P(c)', 'T(c, z)', 'runs (ms)'],
    [`ours (tfjs ${r.backend})`, ms(r.ourMsPerImage), ms(d.ours.predictMs), ms(d.ours.transferMs), d.ours.samples.map((s) => s.toFixed(0)).join(', ')],
    [`TFLite (WASM${d.wasm.simd ? ', SIMD' : ''}${d.wasm.multiThreading ? ', threads' : ', 1 thread'})`, ms(r.tfliteMsPerImage), ms(d.tflite.predictMs), ms(d.tflite.transferMs), d.tflite.samples.map((s) => s.toFixed(0)).join(', ')],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const lines = rows.map((row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
  return [
    `Stylisation of one ${d.size}×${d.size} image (P(c), Eq 4.8 mix, T(c, z); upload and read-back included), ${d.transformer}, median of ${d.repeats} after ${d.warmup} warm-up`,
    `  machine: ${d.machine.cpu} ×${d.machine.cores}, ${d.machine.platform}, Node ${d.machine.node}; Chromium ${d.browser.split(' ')[0]}`,
    `  adapter: ${r.adapter}${d.software ? ' (software: SwiftShader, CPU)' : ''}`,
    ...lines.map((l) => `  ${l}`),
    `  ratio ours / TFLite: ${r.ratio.toFixed(2)}×${r.ratio > 1 ? ' (the port is slower)' : ' (the port is faster)'}`,
    `  agreement (same z): transformer output mean abs. difference ${d.transferMaeVsInterpreter.toExponential(1)} (pixel range [0, 1]); tensors left over: ${d.leakedTensors}`,
    '  thesis §4.4.1: 2.0 ms per image on a GeForce 1080Ti (original TensorFlow implementation)',
  ].join('\n');
}

const specs: OptionSpecs = {
  models: { type: 'string', help: 'models folder holding magenta-arbitrary-style/ (default $WORKBENCH_MODELS_DIR or ../shared/models)' },
  repeats: { type: 'int', help: 'timed runs per side, median reported (default 3)' },
  warmup: { type: 'int', help: 'untimed runs per side first (default 1)' },
  size: { type: 'int', help: 'image side, a multiple of 4 (default 256)' },
  transformer: { type: 'string', choices: ['fp16', 'int8'], help: 'transformer file (default fp16)' },
  hardware: { type: 'flag', help: "use the machine's GPU (drop the SwiftShader flags)" },
  out: { type: 'string', help: 'also write the result as JSON here' },
  help: { type: 'flag', help: 'print this help' },
};

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, specs);
  if (args.flag('help')) {
    console.log(usage('node --import tsx bench/styleTiming.ts', specs));
    return 0;
  }
  const size = positiveInt(args, 'size', 256, 8);
  if (size % 4 !== 0) throw new UsageError(`--size must be a multiple of 4, got ${size}`);
  const warmup = args.int('warmup') ?? 1;
  if (warmup < 0) throw new UsageError(`--warmup must be at least 0, got ${warmup}`);
  const models = args.string('models') ?? process.env.WORKBENCH_MODELS_DIR ?? resolve(ROOT, '../shared/models');
  const r = await runStyleTiming({
    models, size, warmup, repeats: positiveInt(args, 'repeats', 3),
    transformer: (args.string('transformer') ?? 'fp16') as 'fp16' | 'int8', hardware: args.flag('hardware'),
  });
  console.log(formatStyleTiming(r));
  const out = args.string('out');
  if (out) {
    mkdirSync(dirname(resolve(out)), { recursive: true });
    writeFileSync(resolve(out), JSON.stringify({ date: new Date().toISOString(), ...r }, null, 2));
    console.log(`  wrote ${resolve(out)}`);
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  runCli('bench:style-timing', 'node --import tsx bench/styleTiming.ts', specs, main);
}
