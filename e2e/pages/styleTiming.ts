/**
 * Page for bench/styleTiming.ts (served by Vite at /e2e/pages/style-timing.html). Times one
 * stylisation as style augmentation does it (Eq 4.8: z = α·s + (1 − α)·P(c), then r = T(c, z)) on
 * an N×N content image, twice in the same browser: with this project's tfjs port
 * (src/pipelines/style/tflite, on WebGPU) and with the official TFLite interpreter compiled to
 * WebAssembly (`@tensorflow/tfjs-tflite`'s standalone client, as in e2e/pages/styleTflite.ts).
 *
 * The TFLite files record fixed input shapes (predictor 256², transformer 384²) and the web client
 * cannot resize inputs, so for the interpreter each file is rewritten with the wanted input shape
 * (`atInputSize`): the interpreter re-derives every intermediate shape when it allocates tensors,
 * and the transformer's three constant resize sizes are rescaled by the same factor the port uses
 * (ops.ts `resizeTarget`). Timings include uploading the content image and reading the stylised
 * image back, on both sides.
 */
import { status } from './pageUtils';
import { loadTfliteClient, type TfWeb } from './tfliteClient';
import * as tf from '@tensorflow/tfjs';
import { initRuntime, isSoftwareAdapter, runtimeState, type BackendName } from '../../src/core/backend/runtime';
import { parseTflite, StyleNetwork, writeTflite, type ParsedModel } from '../../src/pipelines/style/tflite';

const MODEL_BASE = '/local-models/magenta-arbitrary-style/';
export type TransformerFile = 'transfer_fp16' | 'transfer_int8';


/** Deterministic 8-bit test image (values k/255): a gradient, a stripe pattern and a few discs. */
function makeImage(size: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const discs = Array.from({ length: 10 }, () => ({ y: rnd() * size, x: rnd() * size, r: 6 + (rnd() * size) / 4, c: [rnd(), rnd(), rnd()] }));
  const out = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let rgb = [x / size, y / size, 0.5 + 0.5 * Math.sin((x + 2 * y) / 7)];
      for (const d of discs) if ((y - d.y) ** 2 + (x - d.x) ** 2 < d.r ** 2) rgb = rgb.map((v, k) => 0.3 * v + 0.7 * d.c[k]);
      for (let k = 0; k < 3; k++) out[(y * size + x) * 3 + k] = Math.round(Math.min(1, Math.max(0, rgb[k])) * 255) / 255;
    }
  }
  return out;
}

async function bytesOf(file: string): Promise<ArrayBuffer> {
  const res = await fetch(`${MODEL_BASE}${file}.tflite`);
  if (!res.ok) throw new Error(`${file}.tflite: HTTP ${res.status} (are the Magenta files in the models folder?)`);
  return res.arrayBuffer();
}

/**
 * The model with its 3-channel image input set to size×size; RESIZE_* size constants are scaled by
 * size / recorded size (rounded, as the port does). Written as is (int8 stays int8).
 */
export function atInputSize(bytes: ArrayBuffer, size: number): Uint8Array {
  const m = parseTflite(bytes);
  const input = m.inputs.map((i) => m.tensors[i]).find((t) => t.shape.length === 4 && t.shape[3] === 3);
  if (!input) throw new Error('no [1,H,W,3] image input');
  const [, h0, w0] = input.shape;
  if (h0 === size && w0 === size) return new Uint8Array(bytes.slice(0));
  const tensors = m.tensors.map((t) => (t.index === input.index ? { ...t, shape: [1, size, size, 3], shapeSignature: [] } : t));
  const buffers = [...m.buffers];
  for (const op of m.operators) {
    if (op.opcode !== 'RESIZE_NEAREST_NEIGHBOR' && op.opcode !== 'RESIZE_BILINEAR') continue;
    const t = tensors[op.inputs[1]];
    const src = m.buffers[t.buffer];
    const old = new Int32Array(src.buffer.slice(src.byteOffset, src.byteOffset + src.byteLength));
    const scaled = Int32Array.from([Math.round((old[0] * size) / h0), Math.round((old[1] * size) / w0)]);
    buffers.push(new Uint8Array(scaled.buffer));
    tensors[t.index] = { ...t, buffer: buffers.length - 1 };
  }
  const resized: ParsedModel = { ...m, tensors, buffers };
  return writeTflite(resized, { float: false });
}

const state: { tfweb?: TfWeb; style?: Float32Array } = {};

async function setup(backend: BackendName = 'webgpu') {
  status('initialising');
  await initRuntime(backend);
  const { tfweb, wasm } = await loadTfliteClient();
  state.tfweb = tfweb;
  state.style = makeImage(256, 7);
  const a = runtimeState().adapter;
  status('ready');
  return {
    backend: tf.getBackend() ?? 'none',
    adapter: a ? [a.vendor, a.architecture, a.device, a.description].filter((s) => s && s !== 'unknown').join(' ') || 'unknown' : 'none',
    software: isSoftwareAdapter(a),
    wasm,
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface TimingOptions {
  size?: number;
  repeats?: number;
  warmup?: number;
  transformer?: TransformerFile;
  alpha?: number;
}

export interface SideTiming {
  /** Median over the timed repeats of the whole stylisation (P(c), mix, T(c, z), read back). */
  msPerImage: number;
  /** Median of the predictor part and of the transformer part. */
  predictMs: number;
  transferMs: number;
  samples: number[];
  warmupMs: number[];
}

async function time(opts: TimingOptions = {}) {
  const size = opts.size ?? 256;
  const repeats = Math.max(1, opts.repeats ?? 3);
  const warmup = Math.max(0, opts.warmup ?? 1);
  const transformerFile = opts.transformer ?? 'transfer_fp16';
  const alpha = opts.alpha ?? 0.5;
  if (size % 4 !== 0 || size < 8) throw new Error(`size must be a multiple of 4 (≥ 8), got ${size}`);
  const tfweb = state.tfweb;
  if (!tfweb || !state.style) throw new Error('call setup() first');
  const predictBytes = await bytesOf('predict_int8');
  const transferBytes = await bytesOf(transformerFile);
  const content = makeImage(size, 11);

  // The interpreter: the predictor gives the "style" embedding s (of a 256² style image) once.
  status('interpreter: loading');
  const refPredict256 = await tfweb.TFLiteWebModelRunner.create(predictBytes.slice(0), {});
  const refPredict = size === 256 ? refPredict256 : await tfweb.TFLiteWebModelRunner.create(atInputSize(predictBytes, size).buffer as ArrayBuffer, {});
  const refTransfer = await tfweb.TFLiteWebModelRunner.create(atInputSize(transferBytes, size).buffer as ArrayBuffer, {});
  refPredict256.getInputs()[0].data().set(state.style);
  if (!refPredict256.infer()) throw new Error('interpreter: predictor failed');
  const s = Float32Array.from(refPredict256.getOutputs()[0].data());
  const transferInputs = refTransfer.getInputs();
  const contentIn = transferInputs.find((i) => i.shape.endsWith(',3'))!;
  const zIn = transferInputs.find((i) => i !== contentIn)!;
  if (contentIn.data().length !== content.length) throw new Error(`interpreter: content input has ${contentIn.data().length} values, expected ${content.length}`);

  const runRef = () => {
    const t0 = performance.now();
    refPredict.getInputs()[0].data().set(content);
    if (!refPredict.infer()) throw new Error('interpreter: predictor failed');
    const zc = refPredict.getOutputs()[0].data();
    const z = new Float32Array(100);
    for (let i = 0; i < 100; i++) z[i] = alpha * s[i] + (1 - alpha) * zc[i];
    const t1 = performance.now();
    contentIn.data().set(content);
    zIn.data().set(z);
    if (!refTransfer.infer()) throw new Error('interpreter: transformer failed');
    const out = Float32Array.from(refTransfer.getOutputs()[0].data());
    const t2 = performance.now();
    return { total: t2 - t0, predict: t1 - t0, transfer: t2 - t1, out, z };
  };

  // The port on the active tfjs backend (WebGPU).
  status('port: loading');
  const net = StyleNetwork.load({ predictor: predictBytes, transformer: transferBytes });
  const sT = tf.tensor(s, [1, 1, 1, 100]);
  const runPort = async (zGiven?: Float32Array) => {
    const t0 = performance.now();
    const x = tf.tensor4d(content, [1, size, size, 3]);
    const zc = net.predictStyle(x);
    await zc.data();
    const z = StyleNetwork.interpolate(sT, zc, alpha);
    const t1 = performance.now();
    const zUse = zGiven ? tf.tensor4d(zGiven, [1, 1, 1, 100]) : z;
    const y = net.transfer(x, zUse);
    const out = (await y.data()) as Float32Array;
    const t2 = performance.now();
    tf.dispose([x, zc, z, zUse, y]);
    return { total: t2 - t0, predict: t1 - t0, transfer: t2 - t1, out };
  };

  const measure = async (label: string, fn: () => Promise<{ total: number; predict: number; transfer: number }>): Promise<SideTiming> => {
    const warm: number[] = [];
    for (let i = 0; i < warmup; i++) {
      status(`${label}: warm-up ${i + 1}/${warmup}`);
      warm.push((await fn()).total);
    }
    const runs: { total: number; predict: number; transfer: number }[] = [];
    for (let i = 0; i < repeats; i++) {
      status(`${label}: ${i + 1}/${repeats}`);
      runs.push(await fn());
    }
    return {
      msPerImage: median(runs.map((r) => r.total)),
      predictMs: median(runs.map((r) => r.predict)),
      transferMs: median(runs.map((r) => r.transfer)),
      samples: runs.map((r) => r.total),
      warmupMs: warm,
    };
  };

  const tensorsBefore = tf.memory().numTensors;
  const tflite = await measure('interpreter', async () => runRef());
  const port = await measure('port', () => runPort());
  // Agreement check on one image: both transformers given the interpreter's z.
  const ref = runRef();
  const mine = await runPort(ref.z);
  let mae = 0;
  for (let i = 0; i < ref.out.length; i++) mae += Math.abs(ref.out[i] - mine.out[i]);
  mae /= ref.out.length;
  const leaked = tf.memory().numTensors - tensorsBefore;

  sT.dispose();
  net.dispose();
  for (const r of new Set([refPredict256, refPredict, refTransfer])) r.cleanUp();
  status('done');
  return { size, repeats, warmup, transformer: transformerFile, alpha, port, tflite, ratio: port.msPerImage / tflite.msPerImage, transferMaeVsInterpreter: mae, leakedTensors: leaked };
}

const api = { setup, time };
export type StyleTimingPage = typeof api;
(window as unknown as { styleTiming: StyleTimingPage }).styleTiming = api;
status('loaded');
