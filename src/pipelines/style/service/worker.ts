/**
 * The Style panel's worker: owns the tfjs runtime (WebGPU by default) and the Magenta networks,
 * loaded once, and answers preview, "embed this style image" and "fit statistics" requests, so no
 * model work happens on the main thread. Exposed through comlink (see client.ts).
 *
 * Decoded content images and their content embeddings P(c) are cached by the caller's key, so
 * moving a slider only re-runs the transformer. A preview checks between tiles whether a newer
 * request superseded it and then stops.
 */
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs';
import { initRuntime, runtimeState } from '../../../core/backend/runtime';
import { decodeImageFile, decodeWithCanvas } from '../../../core/data/decode';
import { defaultModelCache } from '../../../core/models/cache';
import { loadModelFiles } from '../../../core/models/loader';
import { getModel } from '../../../core/models/registry';
import { StyleNetwork } from '../tflite';
import { fitEmbeddingStats, resizeShorterSideCentreCrop, StyleAugmenter, type EmbeddingStats } from '../randomize';
import { decodedToRgb, resizeLongest, rgbToRgba8, type RgbImage } from './imageRgb';
import { planStyle, renderCopy, rgbTensor, styleRecordsFor, tensorToRgb, traditionalRecordFor } from './styleCore';
import {
  PREDICTOR_ID,
  type EmbedResult,
  type FitResult,
  type ImageSource,
  type InitProgress,
  type InitRequest,
  type InitResult,
  type PreviewRequest,
  type PreviewResult,
  type PreviewRowInfo,
  type PreviewTile,
} from './protocol';

/** Style images are decoded at most this large before the predictor's own resize (memory bound). */
const STYLE_DECODE_MAX = 1024;
const CACHE_LIMIT = 64;

let net: StyleNetwork | null = null;
let initKey = '';
let initResult: InitResult | null = null;
let initializing: Promise<InitResult> | null = null;
let latestPreview = 0;

/** Insertion-ordered maps used as small LRU caches. */
const decoded = new Map<string, { image: RgbImage; originalWidth: number; originalHeight: number }>();
const contentEmbeddings = new Map<string, Float32Array>();
function remember<V>(m: Map<string, V>, key: string, value: V): V {
  m.delete(key);
  m.set(key, value);
  while (m.size > CACHE_LIMIT) m.delete(m.keys().next().value as string);
  return value;
}

let statsKey = '';
let statsObj: EmbeddingStats | null = null;
/** One object per distinct statistics (its Cholesky factor is cached per object). */
function sameStats(s: EmbeddingStats): EmbeddingStats {
  const key = `${s.source}|${s.createdAt}|${s.count}|${s.mean[0]}|${s.covariance[1]}`;
  if (key !== statsKey || !statsObj) {
    statsKey = key;
    statsObj = s;
  }
  return statsObj;
}

function sourceKey(r: InitRequest): string {
  const s = r.source;
  const where = s.kind === 'official' ? 'official' : s.kind === 'baseUrl' ? `url:${s.url}` : `local:${[...s.files.keys()].sort().join(',')}`;
  return `${r.backend}|${where}|${r.transformerId}`;
}

async function doInit(req: InitRequest, onProgress?: (p: InitProgress) => void): Promise<InitResult> {
  const t0 = performance.now();
  onProgress?.({ stage: 'backend' });
  const st = await initRuntime(req.backend);
  const models: InitResult['models'] = {};
  const files: Record<string, ArrayBuffer> = {};
  for (const id of [PREDICTOR_ID, req.transformerId]) {
    const entry = getModel(id);
    const got = await loadModelFiles(entry, req.source, { cache: defaultModelCache(), onProgress: (progress) => onProgress?.({ stage: 'download', progress }) });
    const spec = entry.files[0];
    files[id] = got.get(spec.name)!;
    models[id] = { file: spec.name, sha256: spec.sha256 ?? '' };
  }
  onProgress?.({ stage: 'build' });
  net?.dispose();
  net = null;
  net = StyleNetwork.load({ predictor: files[PREDICTOR_ID], transformer: files[req.transformerId] });
  contentEmbeddings.clear();
  return {
    backend: st.backend ?? 'none',
    adapter: st.adapter,
    fallbacks: st.fallbacks,
    models,
    loadMs: performance.now() - t0,
  };
}

function requireNet(): StyleNetwork {
  if (!net) throw new Error('The style networks are not loaded yet');
  return net;
}

async function decodeSource(source: ImageSource, longest: number | null): Promise<{ image: RgbImage; originalWidth: number; originalHeight: number }> {
  let full: RgbImage;
  if (source.kind === 'rgb') full = source.image;
  else {
    const bytes = new Uint8Array(await source.blob.arrayBuffer());
    full = decodedToRgb(await decodeImageFile(bytes, source.path, decodeWithCanvas));
  }
  const image = longest === null ? full : resizeLongest(full, longest);
  return { image, originalWidth: full.width, originalHeight: full.height };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message || e.name : String(e);
}

const api = {
  /** Start the runtime and load (or reuse) the networks. Safe to call repeatedly. */
  async init(req: InitRequest, onProgress?: (p: InitProgress) => void): Promise<InitResult> {
    const key = sourceKey(req);
    if (initResult && key === initKey && net) return initResult;
    if (initializing && key === initKey) return initializing;
    initKey = key;
    initResult = null;
    initializing = doInit(req, onProgress).then(
      (r) => {
        initResult = r;
        initializing = null;
        return r;
      },
      (e) => {
        initializing = null;
        initKey = '';
        throw e;
      },
    );
    return initializing;
  },

  /** Mark every preview with a smaller id as superseded: it stops before its next tile. */
  supersede(id: number): void {
    latestPreview = Math.max(latestPreview, id + 1);
  },

  async preview(req: PreviewRequest, id: number, onTile: (t: PreviewTile) => void): Promise<PreviewResult> {
    latestPreview = Math.max(latestPreview, id);
    const t0 = performance.now();
    const stale = () => id < latestPreview;
    const network = requireNet();
    const stats = sameStats(req.stats);
    const augmenter = new StyleAugmenter(network, stats, req.settings.options, { predictorSize: req.predictorSize });
    const send = (tile: PreviewTile) => onTile(Comlink.transfer(tile, [tile.rgba.buffer]));
    const partial = (rows: PreviewRowInfo[]) => ({ complete: false, rows, ms: performance.now() - t0, numTensors: tf.memory().numTensors });
    // Originals first (decoding is quick), so the grid fills in before the networks run.
    const rows: PreviewRowInfo[] = [];
    const images: (RgbImage | null)[] = [];
    for (let r = 0; r < req.rows.length; r++) {
      const row = req.rows[r];
      const info: PreviewRowInfo = { row: r, key: row.key, width: 0, height: 0, originalWidth: 0, originalHeight: 0, contentEmbedding: null, embedMs: 0, traditional: null };
      try {
        const sizeKey = `${row.key}@${req.size}`;
        const dec = decoded.get(sizeKey) ?? remember(decoded, sizeKey, await decodeSource(row.source, req.size));
        Object.assign(info, { width: dec.image.width, height: dec.image.height, originalWidth: dec.originalWidth, originalHeight: dec.originalHeight });
        images.push(dec.image);
        send({ row: r, copy: -1, width: dec.image.width, height: dec.image.height, rgba: rgbToRgba8(dec.image), record: null, traditional: null, ms: 0 });
      } catch (e) {
        info.error = errorText(e);
        images.push(null);
      }
      rows.push(info);
    }
    for (let r = 0; r < req.rows.length; r++) {
      const rgb = images[r];
      if (!rgb) continue;
      if (stale()) return partial(rows);
      const row = req.rows[r];
      const info = rows[r];
      const { width, height } = rgb;
      const image = rgbTensor(rgb);
      try {
        const plan = planStyle(stats, req.settings, row.batchIndex, req.copies);
        let pc: Float32Array | undefined;
        if (plan.needsContent) {
          const pcKey = `${row.key}@${req.size}@p${augmenter.predictorSize}`;
          pc = contentEmbeddings.get(pcKey);
          if (!pc) {
            const te = performance.now();
            pc = remember(contentEmbeddings, pcKey, (await augmenter.contentEmbeddings(image))[0]);
            info.embedMs = performance.now() - te;
          }
        }
        const records = styleRecordsFor(stats, req.settings, row.batchIndex, req.copies, pc);
        const trad = traditionalRecordFor(req.settings, row.batchIndex, req.copies, height, width);
        info.contentEmbedding = pc ? Array.from(pc) : null;
        info.traditional = trad;
        for (let k = 0; k < req.copies; k++) {
          if (stale()) return partial(rows);
          const t1 = performance.now();
          const out = renderCopy(augmenter, image, records[k], trad, k);
          let res: RgbImage;
          try {
            res = await tensorToRgb(out);
          } finally {
            out.dispose();
          }
          send({ row: r, copy: k, width, height, rgba: rgbToRgba8(res), record: records[k], traditional: trad ? trad.images[k] : null, ms: performance.now() - t1 });
        }
      } catch (e) {
        info.error = errorText(e);
      } finally {
        image.dispose();
      }
    }
    return { complete: true, rows, ms: performance.now() - t0, numTensors: tf.memory().numTensors };
  },

  /** P(s) of one style image: shorter side → 256, centre crop, predictor. */
  async embedStyle(source: ImageSource): Promise<EmbedResult> {
    const network = requireNet();
    const { image } = await decodeSource(source, null);
    const small = Math.max(image.width, image.height) > STYLE_DECODE_MAX ? resizeLongest(image, STYLE_DECODE_MAX) : image;
    const z = tf.tidy(() => {
      const t = rgbTensor(small);
      return network.predictStyle(resizeShorterSideCentreCrop(t, 256));
    });
    try {
      return { z: Array.from(await z.data()), width: image.width, height: image.height };
    } finally {
      z.dispose();
    }
  },

  /** Fit N(μ, Σ) to the embeddings of a folder of style images (≥ 2 that decode). */
  async fitStats(files: { path: string; blob: Blob }[], label: string, onProgress?: (done: number, total: number) => void): Promise<FitResult> {
    const embeddings: number[][] = [];
    const problems: FitResult['problems'] = [];
    for (let i = 0; i < files.length; i++) {
      try {
        embeddings.push((await api.embedStyle({ kind: 'file', blob: files[i].blob, path: files[i].path })).z);
      } catch (e) {
        problems.push({ path: files[i].path, message: errorText(e) });
      }
      onProgress?.(i + 1, files.length);
    }
    const predictor = initResult?.models[PREDICTOR_ID];
    const stats = fitEmbeddingStats(embeddings, {
      source: `${label} (${embeddings.length} style image${embeddings.length === 1 ? '' : 's'})`,
      predictor: predictor ? `${predictor.file} sha256 ${predictor.sha256}` : PREDICTOR_ID,
    });
    return { stats, problems };
  },

  memory(): { numTensors: number; numBytes: number; backend: string | null } {
    const m = tf.memory();
    return { numTensors: m.numTensors, numBytes: m.numBytes, backend: runtimeState().backend };
  },
};

export type StyleWorkerApi = typeof api;
Comlink.expose(api);
