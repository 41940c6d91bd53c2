/**
 * Test page for e2e/style-tflite.spec.ts (served by Vite at /e2e/pages/style-tflite.html). Runs the
 * Magenta style networks twice on identical inputs: with our tfjs port (src/pipelines/style/tflite)
 * on the active tfjs backend, and with the official TFLite interpreter compiled to WebAssembly
 * (`@tensorflow/tfjs-tflite`'s standalone `tflite_web_api_client.js`, which needs no tfjs-core, so
 * its pinned tfjs-core 4.9 never meets the app's tfjs 4.22). Only metrics leave the page.
 */
import { status } from './pageUtils';
import { loadTfliteClient, type RefRunner, type TfWeb } from './tfliteClient';
import * as tf from '@tensorflow/tfjs';
import { initRuntime, runtimeState, type BackendName } from '../../src/core/backend/runtime';
import { loadTfliteGraph, parseTflite, toFloatModel, writeTflite, type ActivationMode, type TfliteGraph } from '../../src/pipelines/style/tflite';

const MODEL_BASE = '/local-models/magenta-arbitrary-style/';
export type ModelFile = 'predict_int8' | 'transfer_int8' | 'transfer_fp16';
/** What the interpreter runs: the file itself, or its float32 twin (same weights, float activations). */
export type Reference = 'file' | 'float-twin';


const state: {
  bytes: Partial<Record<ModelFile, ArrayBuffer>>;
  refRunners: Record<string, RefRunner>;
  graphs: Partial<Record<ModelFile, TfliteGraph>>;
  style?: Float32Array;
  content?: Float32Array;
  refEmbedding?: Float32Array;
  refTransfer: Record<string, Float32Array>;
} = { bytes: {}, refRunners: {}, graphs: {}, refTransfer: {} };

/** Deterministic 8-bit test images (values k/255, as decoded photos would be). */
function makeImage(h: number, w: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const blobs = Array.from({ length: 12 }, () => ({ y: rnd() * h, x: rnd() * w, r: 8 + rnd() * h / 4, c: [rnd(), rnd(), rnd()] }));
  const out = new Float32Array(h * w * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let rgb = [x / w, y / h, 0.5 + 0.5 * Math.sin((x + 2 * y) / (6 + seed % 5))];
      for (const b of blobs) {
        if ((y - b.y) ** 2 + (x - b.x) ** 2 < b.r ** 2) rgb = rgb.map((v, k) => 0.3 * v + 0.7 * b.c[k]);
      }
      for (let k = 0; k < 3; k++) {
        const noisy = rgb[k] + (rnd() - 0.5) * 0.08;
        out[(y * w + x) * 3 + k] = Math.round(Math.min(1, Math.max(0, noisy)) * 255) / 255;
      }
    }
  }
  return out;
}

async function bytesOf(file: ModelFile): Promise<ArrayBuffer> {
  if (!state.bytes[file]) {
    const res = await fetch(`${MODEL_BASE}${file}.tflite`);
    if (!res.ok) throw new Error(`${file}.tflite: HTTP ${res.status}`);
    state.bytes[file] = await res.arrayBuffer();
  }
  return state.bytes[file]!;
}

/** Whether the model files are served (the e2e spec skips when they are absent). */
async function modelsAvailable(): Promise<boolean> {
  const res = await fetch(`${MODEL_BASE}predict_int8.tflite`, { method: 'HEAD' });
  return res.ok;
}

async function setup(backend: BackendName): Promise<{ backend: string | null; adapter: string; wasm: { simd: boolean; multiThreading: boolean } }> {
  status('initialising');
  await initRuntime(backend);
  const { wasm } = await loadTfliteClient();
  state.style = makeImage(256, 256, 7);
  state.content = makeImage(384, 384, 11);
  status('ready');
  const a = runtimeState().adapter;
  return { backend: tf.getBackend() ?? null, adapter: a ? `${a.vendor} ${a.architecture} ${a.description}` : 'none', wasm };
}

async function refRunner(file: ModelFile, reference: Reference): Promise<RefRunner> {
  const key = `${file}:${reference}`;
  if (!state.refRunners[key]) {
    const tfweb = (window as unknown as { tfweb: TfWeb }).tfweb;
    const bytes = await bytesOf(file);
    const model = reference === 'file' ? bytes.slice(0) : toFloatModel(parseTflite(bytes)).buffer as ArrayBuffer;
    state.refRunners[key] = await tfweb.TFLiteWebModelRunner.create(model, { numThreads: 1 });
  }
  return state.refRunners[key];
}

/** Run the official interpreter; inputs by position, matched to the file's inputs by name. */
async function runReference(file: ModelFile, inputs: Record<string, Float32Array>, reference: Reference = 'file'): Promise<{ out: Float32Array; ms: number }> {
  const r = await refRunner(file, reference);
  for (const info of r.getInputs()) {
    const v = inputs[info.name];
    if (!v) throw new Error(`reference ${file}: no value for input ${info.name}`);
    const d = info.data();
    if (d.length !== v.length) throw new Error(`reference ${file}: input ${info.name} [${info.shape}] has ${d.length} values, got ${v.length}`);
    d.set(v);
  }
  const t0 = performance.now();
  if (!r.infer()) throw new Error(`reference ${file}: infer() failed`);
  const ms = performance.now() - t0;
  return { out: Float32Array.from(r.getOutputs()[0].data()), ms };
}

function graph(file: ModelFile, bytes: ArrayBuffer): TfliteGraph {
  state.graphs[file] ??= loadTfliteGraph(bytes);
  return state.graphs[file]!;
}

/** Run our port (once, or cold then warm when `warm`) and return the last output and the timings. */
async function runPort(file: ModelFile, inputs: Record<string, { data: Float32Array; shape: number[] }>, mode: ActivationMode, warm = false): Promise<{ out: Float32Array; coldMs: number; warmMs: number }> {
  const g = graph(file, await bytesOf(file));
  const once = async () => {
    const xs = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v.data, v.shape)]));
    const t0 = performance.now();
    const ys = g.execute(xs, { activations: mode });
    const out = (await Object.values(ys)[0].data()) as Float32Array;
    const ms = performance.now() - t0;
    tf.dispose([...Object.values(xs), ...Object.values(ys)]);
    return { out, ms };
  };
  const cold = await once();
  if (!warm) return { out: cold.out, coldMs: cold.ms, warmMs: NaN };
  const again = await once();
  return { out: again.out, coldMs: cold.ms, warmMs: again.ms };
}

function compare(a: Float32Array, ref: Float32Array) {
  let se = 0, sr = 0, sa = 0, maxAbs = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = a[i] - ref[i];
    se += d * d; sr += ref[i] * ref[i]; sa += Math.abs(d); maxAbs = Math.max(maxAbs, Math.abs(d));
  }
  return { relL2: Math.sqrt(se / sr), mae: sa / ref.length, maxAbs, n: ref.length };
}

/** The embedding every transformer comparison uses: the official interpreter's, from the int8 file. */
async function referenceEmbedding(): Promise<Float32Array> {
  state.refEmbedding ??= (await runReference('predict_int8', { style_image: state.style! })).out;
  return state.refEmbedding;
}

/** Style predictor: the official interpreter (on the file or its float twin) vs our port in `mode`. */
async function predictor(mode: ActivationMode, reference: Reference = 'file', warm = false) {
  await referenceEmbedding();
  const ref = await runReference('predict_int8', { style_image: state.style! }, reference);
  const port = await runPort('predict_int8', { style_image: { data: state.style!, shape: [1, 256, 256, 3] } }, mode, warm);
  return { ...compare(port.out, ref.out), refMs: ref.ms, portColdMs: port.coldMs, portWarmMs: port.warmMs, first: Array.from(ref.out.slice(0, 4)), port: Array.from(port.out.slice(0, 4)) };
}

/** Transformer: both given the reference embedding and the same 384×384 content image. */
async function transfer(file: 'transfer_int8' | 'transfer_fp16', mode: ActivationMode, reference: Reference = 'file', warm = false) {
  await referenceEmbedding();
  const bottleneck = 'mobilenet_conv/Conv/BiasAdd';
  const key = `${file}:${reference}`;
  let refMs = NaN;
  if (!state.refTransfer[key]) {
    const ref = await runReference(file, { content_image: state.content!, [bottleneck]: state.refEmbedding! }, reference);
    state.refTransfer[key] = ref.out;
    refMs = ref.ms;
  }
  const port = await runPort(file, {
    content_image: { data: state.content!, shape: [1, 384, 384, 3] },
    [bottleneck]: { data: state.refEmbedding!, shape: [1, 1, 1, 100] },
  }, mode, warm);
  const ref = state.refTransfer[key];
  let lo = Infinity, hi = -Infinity;
  for (const v of port.out) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  return { ...compare(port.out, ref), refMs, portColdMs: port.coldMs, portWarmMs: port.warmMs, portMin: lo, portMax: hi };
}

/**
 * Layer-by-layer agreement (a diagnostic, not used by the spec): for every operator output (up to
 * `maxOps`) the interpreter runs the file cut down to that tensor (`writeTflite`); differences are
 * in units of the tensor's quantisation step for int8 tensors, absolute otherwise. Caveat: the
 * interpreter may pick other kernels for a cut-down graph (builtin instead of XNNPACK) than for the
 * whole file, and those round int8 MEAN differently.
 */
async function layers(file: ModelFile, mode: ActivationMode, maxOps = 1000) {
  await referenceEmbedding();
  const bytes = await bytesOf(file);
  const g = graph(file, bytes);
  const inputs: Record<string, { data: Float32Array; shape: number[] }> = file === 'predict_int8'
    ? { style_image: { data: state.style!, shape: [1, 256, 256, 3] } }
    : { content_image: { data: state.content!, shape: [1, 384, 384, 3] }, 'mobilenet_conv/Conv/BiasAdd': { data: state.refEmbedding!, shape: [1, 1, 1, 100] } };
  const ops = g.model.operators.slice(0, maxOps);
  const tfweb = (window as unknown as { tfweb: TfWeb }).tfweb;
  const rows = [];
  for (const op of ops) {
    const ti = op.outputs[0];
    const t = g.model.tensors[ti];
    let raw: ArrayLike<number>;
    try {
      const cut = writeTflite(g.model, { float: false, outputs: [ti] });
      const runner = await tfweb.TFLiteWebModelRunner.create(cut.buffer as ArrayBuffer, { numThreads: 1 });
      for (const info of runner.getInputs()) (info.data() as Float32Array).set(inputs[info.name].data);
      runner.infer();
      raw = runner.getOutputs()[0].data().slice();
      runner.cleanUp();
    } catch (e) {
      rows.push({ op: op.index, opcode: op.opcode, tensor: ti, error: String(e) });
      continue;
    }
    const scale = t.quant && t.type !== 'FLOAT32' ? t.quant.scale[0] : 1;
    const zp = t.quant && t.type !== 'FLOAT32' ? t.quant.zeroPoint[0] : 0;
    const ref = Float32Array.from(raw, (q) => (q - zp) * scale);
    const xs = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v.data, v.shape)]));
    const ys = g.execute(xs, { activations: mode, outputs: [ti] });
    const port = (await Object.values(ys)[0].data()) as Float32Array;
    tf.dispose([...Object.values(xs), ...Object.values(ys)]);
    let differ = 0, maxU = 0, sum = 0;
    for (let i = 0; i < ref.length; i++) {
      const u = Math.abs(port[i] - ref[i]) / scale;
      if (u > 0.5) differ++;
      maxU = Math.max(maxU, u); sum += u;
    }
    rows.push({ op: op.index, opcode: op.opcode, tensor: ti, type: t.type, n: ref.length, differFrac: differ / ref.length, maxUnits: maxU, meanUnits: sum / ref.length });
  }
  return rows;
}

/**
 * How much the official interpreter's own output moves when `count` input values move by one 8-bit
 * step (1/255): the floor for any port that is not bit-exact with its integer kernels.
 */
async function referenceSensitivity(file: ModelFile, count = 10) {
  await referenceEmbedding();
  const bottleneck = 'mobilenet_conv/Conv/BiasAdd';
  const base = file === 'predict_int8' ? state.style! : state.content!;
  const perturbed = base.slice();
  let s = 12345;
  for (let k = 0; k < count; k++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const i = s % perturbed.length;
    perturbed[i] = perturbed[i] >= 0.5 ? perturbed[i] - 1 / 255 : perturbed[i] + 1 / 255;
  }
  const run = (img: Float32Array) => runReference(file, file === 'predict_int8' ? { style_image: img } : { content_image: img, [bottleneck]: state.refEmbedding! });
  const a = await run(base);
  const b = await run(perturbed);
  return compare(b.out, a.out);
}

const api = { setup, modelsAvailable, predictor, transfer, layers, referenceSensitivity };
export type StyleTflitePage = typeof api;
(window as unknown as { styleTflite: StyleTflitePage }).styleTflite = api;
status('loaded');
