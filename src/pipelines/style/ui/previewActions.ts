/** What the preview's controls do: start the worker, send previews, embed and fit style images. */
import { useApp } from '../../../app/store';
import { currentModelSource } from '../../../app/views/ModelsView';
import { isLikelyImagePath } from '../../../core/data/sniff';
import type { PickedFile } from '../../../ui/Dropzone';
import { demoImages, type DemoImage } from '../demoImages';
import { loadDefaultStyleStats } from '../randomize';
import { styleService } from '../service/client';
import type { InitRequest, PreviewRow } from '../service/protocol';
import { activeStats, settingsOf, usePreview } from './previewStore';

/** Content images the panel can show at most at once. */
export const MAX_ROWS = 6;

function errorText(e: unknown): string {
  return e instanceof Error ? e.message || e.name : String(e);
}

function initRequest(): InitRequest {
  const app = useApp.getState();
  return {
    backend: app.runtime?.requested ?? app.settings.backend,
    source: currentModelSource(app.settings),
    transformerId: usePreview.getState().controls.transformerId,
  };
}

function initKey(r: InitRequest): string {
  const s = r.source;
  const where = s.kind === 'baseUrl' ? s.url : s.kind === 'localFiles' ? `local:${[...s.files.keys()].sort().join(',')}` : 'official';
  return `${r.backend}|${where}|${r.transformerId}`;
}

/** Start the worker and load the networks (again only when the backend, source or transformer changed). */
export async function ensureService(): Promise<void> {
  const req = initRequest();
  const key = initKey(req);
  const cur = usePreview.getState().service;
  if (cur.key === key && (cur.status === 'ready' || cur.status === 'loading')) return;
  usePreview.setState({ service: { status: 'loading', progress: null, info: null, error: null, key } });
  try {
    const info = await styleService().init(req, (progress) => {
      if (usePreview.getState().service.key === key) usePreview.setState((s) => ({ service: { ...s.service, progress } }));
    });
    if (usePreview.getState().service.key === key) usePreview.setState({ service: { status: 'ready', progress: null, info, error: null, key } });
  } catch (e) {
    if (usePreview.getState().service.key === key) usePreview.setState({ service: { status: 'error', progress: null, info: null, error: errorText(e), key } });
  }
}

/** Load the shipped statistics once. */
export async function ensureDefaultStats(): Promise<void> {
  if (usePreview.getState().defaultStats) return;
  try {
    const stats = await loadDefaultStyleStats();
    usePreview.setState({ defaultStats: stats, defaultStatsError: null });
  } catch (e) {
    usePreview.setState({ defaultStatsError: `Could not load the shipped style statistics: ${errorText(e)}` });
  }
}

/** Dropped content: images only, sorted by path (their index is the randomisation's batch index). */
export function setContentFiles(files: PickedFile[], problems: string[]): void {
  const skipped = files.filter((f) => !isLikelyImagePath(f.path)).map((f) => `${f.path}: skipped (not an image file name)`);
  const images = files.filter((f) => isLikelyImagePath(f.path)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  usePreview.setState((s) => ({ files: images, dropProblems: [...problems, ...skipped], tiles: {}, rowInfo: [], controls: { ...s.controls, offset: 0 } }));
}

let demoCache: { key: string; images: DemoImage[] } | null = null;

/** The built-in demo images at the preview size (cached per size and seed). */
export function demoContent(size: number, seed: number): DemoImage[] {
  const key = `${size}|${seed}`;
  if (demoCache?.key !== key) demoCache = { key, images: demoImages(MAX_ROWS, size, seed) };
  return demoCache.images;
}

/** The rows the current controls show. */
export function previewRows(): PreviewRow[] {
  const { files, controls } = usePreview.getState();
  const rows = Math.min(controls.rows, MAX_ROWS);
  if (files.length === 0) {
    return demoContent(controls.size, controls.demoSeed).slice(0, rows).map((img, i) => ({
      key: `demo:${img.name}:${controls.size}`,
      source: { kind: 'rgb', image: { width: img.width, height: img.height, data: img.data } },
      batchIndex: i,
    }));
  }
  const start = Math.min(controls.offset, Math.max(0, files.length - 1));
  return files.slice(start, start + rows).map((f, j) => ({
    key: `file:${f.path}:${f.file.size}:${f.file.lastModified}`,
    source: { kind: 'file', blob: f.file, path: f.path },
    batchIndex: start + j,
  }));
}

/** Display names of the rows the current controls show (file paths or demo names). */
export function previewRowNames(): string[] {
  const { files, controls } = usePreview.getState();
  const rows = Math.min(controls.rows, MAX_ROWS);
  if (files.length === 0) return demoContent(controls.size, controls.demoSeed).slice(0, rows).map((d) => d.name);
  const start = Math.min(controls.offset, Math.max(0, files.length - 1));
  return files.slice(start, start + rows).map((f) => f.path);
}

/** Send a preview for the current state (latest wins; tiles stream into the store). */
export async function runPreview(): Promise<void> {
  const st = usePreview.getState();
  const stats = activeStats(st);
  if (st.service.status !== 'ready' || !stats) return;
  const generation = st.generation + 1;
  const copies = st.controls.copies;
  usePreview.setState({ generation, busy: true, previewError: null });
  try {
    const outcome = await styleService().preview(
      { rows: previewRows(), size: st.controls.size, copies, predictorSize: st.controls.predictorSize, stats, settings: settingsOf(st.controls, st.styleImage) },
      (tile) => {
        if (usePreview.getState().generation !== generation) return;
        usePreview.setState((s) => ({ tiles: { ...s.tiles, [`${tile.row}:${tile.copy}`]: tile } }));
      },
    );
    if (outcome.status !== 'done' || usePreview.getState().generation !== generation) return;
    const r = outcome.value;
    const keep: Record<string, boolean> = {};
    for (const info of r.rows) for (let k = -1; k < copies; k++) keep[`${info.row}:${k}`] = true;
    usePreview.setState((s) => ({
      busy: false,
      rowInfo: r.rows,
      lastMs: r.complete ? r.ms : s.lastMs,
      workerTensors: r.numTensors,
      // Drop tiles of rows/copies that are no longer shown.
      tiles: r.complete ? Object.fromEntries(Object.entries(s.tiles).filter(([k]) => keep[k])) : s.tiles,
    }));
  } catch (e) {
    if (usePreview.getState().generation === generation) usePreview.setState({ busy: false, previewError: errorText(e) });
  }
}

/** "Style from this image": its P(s) replaces the random style. */
export async function pickStyleImage(file: File): Promise<void> {
  usePreview.setState({ styleImageError: null });
  try {
    const r = await styleService().embedStyle({ kind: 'file', blob: file, path: file.name });
    const prev = usePreview.getState().styleImage;
    if (prev) URL.revokeObjectURL(prev.url);
    usePreview.setState({ styleImage: { name: file.name, z: r.z, url: URL.createObjectURL(file), width: r.width, height: r.height } });
  } catch (e) {
    usePreview.setState({ styleImageError: `${file.name}: ${errorText(e)}` });
  }
}

export function clearStyleImage(): void {
  const prev = usePreview.getState().styleImage;
  if (prev) URL.revokeObjectURL(prev.url);
  usePreview.setState({ styleImage: null, styleImageError: null });
}

/** Fit N(μ, Σ) to a dropped folder of style images (needs ≥ 2 that decode). */
export async function fitStatsFrom(files: PickedFile[], problems: string[]): Promise<void> {
  const images = files.filter((f) => isLikelyImagePath(f.path));
  const root = images[0]?.path.split('/')[0] ?? 'dropped';
  usePreview.setState({ fitError: null, fitProgress: { done: 0, total: images.length } });
  try {
    const r = await styleService().fitStats(
      images.map((f) => ({ path: f.path, blob: f.file })),
      `folder "${root}"`,
      (done, total) => usePreview.setState({ fitProgress: { done, total } }),
    );
    usePreview.setState({
      fitted: { stats: r.stats, problems: [...problems.map((p) => ({ path: p, message: 'could not be read' })), ...r.problems], files: images.length },
      statsSource: 'fitted',
      fitProgress: null,
    });
  } catch (e) {
    usePreview.setState({ fitError: errorText(e), fitProgress: null });
  }
}
