/**
 * Live preview of style augmentation (thesis §4.3, Eq 4.8): content images from a dropped folder
 * or the built-in demo scenes, each shown as the original and N augmented copies; α, the
 * augmentation ratio, random vs mean style, the seed, a style image, traditional augmentations and
 * the statistics all update the grid live. The networks run in a worker (service/).
 */
import { useEffect, useMemo, type ChangeEvent } from 'react';
import { useApp } from '../../../app/store';
import { newSeed } from '../../../core/rng/rng';
import { Dropzone } from '../../../ui/Dropzone';
import { DEFAULT_STYLE_STATS_DOMAIN } from '../randomize';
import { TRANSFORMER_IDS, type TransformerId } from '../service/protocol';
import { PreviewGrid } from './PreviewGrid';
import { clearStyleImage, ensureDefaultStats, ensureService, fitStatsFrom, MAX_ROWS, pickStyleImage, previewRowNames, runPreview, setContentFiles } from './previewActions';
import { activeStats, PREVIEW_SIZES, usePreview, type PreviewControls } from './previewStore';

const DEBOUNCE_MS = 250;

function formatMiB(b: number): string {
  return `${(b / 2 ** 20).toFixed(2)} MiB`;
}

function ServiceStatus() {
  const service = usePreview((s) => s.service);
  const p = service.progress;
  if (service.status === 'error') {
    return (
      <div className="notice error" role="alert" data-testid="style-service-error">
        Could not load the style networks: {service.error} <button onClick={() => { usePreview.setState((s) => ({ service: { ...s.service, key: '' } })); void ensureService(); }}>Retry</button>
      </div>
    );
  }
  if (service.status === 'ready' && service.info) {
    const i = service.info;
    return (
      <p className="small muted" data-testid="style-service">
        Style networks ready in a worker on <b data-testid="style-backend">{i.backend}</b>
        {i.adapter && <> ({i.adapter.vendor} / {i.adapter.architecture})</>}, loaded and sha256-verified in {(i.loadMs / 1000).toFixed(1)} s
        {i.fallbacks.length > 0 && <> — fell back from {i.fallbacks.map((f) => `${f.backend} (${f.reason})`).join(', ')}</>}.
      </p>
    );
  }
  return (
    <p className="small muted" data-testid="style-service-loading">
      Loading the style networks…{' '}
      {p?.stage === 'backend' && 'starting the compute backend'}
      {p?.stage === 'download' && (
        <>
          <progress value={p.progress.loaded} max={p.progress.total} /> {p.progress.phase === 'verified' ? 'verified' : p.progress.phase === 'cache' ? 'from cache' : 'downloading'} {p.progress.file} ({formatMiB(p.progress.loaded)} / {formatMiB(p.progress.total)})
        </>
      )}
      {p?.stage === 'build' && 'building the networks'}
    </p>
  );
}

function Slider({ label, value, onChange, testId, min = 0, max = 1, step = 0.01 }: { label: string; value: number; onChange: (v: number) => void; testId: string; min?: number; max?: number; step?: number }) {
  return (
    <label style={{ display: 'inline-flex', alignItems: 'center', gap: 6 }}>
      {label} <b style={{ width: 34 }}>{value.toFixed(2)}</b>
      <input type="range" min={min} max={max} step={step} value={value} onChange={(e) => onChange(+e.target.value)} data-testid={testId} style={{ width: 140 }} />
    </label>
  );
}

function Controls() {
  const c = usePreview((s) => s.controls);
  const set = usePreview((s) => s.setControls);
  const styleImage = usePreview((s) => s.styleImage);
  const styleImageError = usePreview((s) => s.styleImageError);
  const ready = usePreview((s) => s.service.status === 'ready');
  const num = (k: keyof PreviewControls) => (e: ChangeEvent<HTMLSelectElement>) => set({ [k]: +e.target.value } as Partial<PreviewControls>);
  return (
    <div className="card" data-testid="style-controls">
      <div className="row">
        <label>
          α{' '}
          <select value={c.alphaKind} onChange={(e) => set({ alphaKind: e.target.value as 'fixed' | 'range' })} data-testid="alpha-kind">
            <option value="fixed">fixed</option>
            <option value="range">uniform range</option>
          </select>
        </label>
        {c.alphaKind === 'fixed' ? (
          <Slider label="α" value={c.alpha} onChange={(v) => set({ alpha: v })} testId="alpha-slider" />
        ) : (
          <>
            <Slider label="from" value={c.alphaRange[0]} onChange={(v) => set({ alphaRange: [Math.min(v, c.alphaRange[1]), c.alphaRange[1]] })} testId="alpha-lo" />
            <Slider label="to" value={c.alphaRange[1]} onChange={(v) => set({ alphaRange: [c.alphaRange[0], Math.max(v, c.alphaRange[0])] })} testId="alpha-hi" />
          </>
        )}
        <Slider label="Augmentation ratio p" value={c.ratio} onChange={(v) => set({ ratio: v })} testId="ratio-slider" step={0.05} />
        <label>
          Style{' '}
          <select value={c.mode} onChange={(e) => set({ mode: e.target.value as PreviewControls['mode'] })} data-testid="style-mode" disabled={!!styleImage}>
            <option value="random">random: z ~ N(μ, Σ)</option>
            <option value="fixed-mean">fixed: the mean style μ</option>
          </select>
        </label>
      </div>
      <div className="row">
        <label>
          Seed <input type="number" value={c.seed} onChange={(e) => set({ seed: Math.max(0, Math.floor(+e.target.value)) >>> 0 })} style={{ width: 110 }} data-testid="style-seed" />
        </label>
        <button onClick={() => set({ seed: newSeed() })} data-testid="reseed">Reseed</button>
        <label>
          Copies{' '}
          <select value={c.copies} onChange={num('copies')} data-testid="style-copies">
            {[1, 2, 3, 4, 5, 6, 8].map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
        </label>
        <label>
          Images{' '}
          <select value={c.rows} onChange={num('rows')} data-testid="style-rows">
            {Array.from({ length: MAX_ROWS }, (_, i) => i + 1).map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
        </label>
        <label>
          Preview size{' '}
          <select value={c.size} onChange={num('size')} data-testid="style-size">
            {PREVIEW_SIZES.map((s) => <option key={s} value={s}>{s} px</option>)}
          </select>
        </label>
        <label>
          <input type="checkbox" checked={c.traditional} onChange={(e) => set({ traditional: e.target.checked })} data-testid="style-traditional" /> + traditional augmentations (“Both”)
        </label>
        <label title="The content image is resized to this square for its own style embedding P(c) in Eq 4.8">
          P(c) input{' '}
          <select value={c.predictorSize} onChange={num('predictorSize')} data-testid="style-predictor-size">
            <option value={256}>256 px (as trained)</option>
            <option value={128}>128 px (faster)</option>
          </select>
        </label>
        <label>
          Transformer{' '}
          <select value={c.transformerId} onChange={(e) => set({ transformerId: e.target.value as TransformerId })} data-testid="style-transformer">
            {TRANSFORMER_IDS.map((id) => <option key={id} value={id}>{id.endsWith('fp16') ? 'float16 weights' : 'int8 weights'}</option>)}
          </select>
        </label>
      </div>
      <div className="row">
        <label className="button" aria-disabled={!ready}>
          Style from an image…
          <input type="file" hidden accept="image/*,.tif,.tiff" disabled={!ready} data-testid="style-image-input" onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (f) void pickStyleImage(f);
          }} />
        </label>
        {styleImage ? (
          <span className="row" data-testid="style-image" style={{ margin: 0 }}>
            <img src={styleImage.url} alt="" style={{ height: 40 }} />
            <span className="small">z = α·P({styleImage.name}) + (1 − α)·P(c)</span>
            <button onClick={clearStyleImage}>Back to random styles</button>
          </span>
        ) : (
          <span className="small muted">Pick a painting to use its embedding P(s) instead of a random one (interpolated with α).</span>
        )}
        {styleImageError && <span role="alert" style={{ color: '#b22' }}>{styleImageError}</span>}
      </div>
    </div>
  );
}

function StatsCard() {
  const { statsSource, defaultStats, defaultStatsError, fitted, fitError, fitProgress } = usePreview();
  const ready = usePreview((s) => s.service.status === 'ready');
  return (
    <div className="card" data-testid="style-stats">
      <div className="row">
        <b>Style distribution N(μ, Σ)</b>
        <label>
          <input type="radio" checked={statsSource === 'default'} onChange={() => usePreview.setState({ statsSource: 'default' })} data-testid="stats-default" /> shipped
        </label>
        <label>
          <input type="radio" checked={statsSource === 'fitted'} disabled={!fitted} onChange={() => usePreview.setState({ statsSource: 'fitted' })} data-testid="stats-fitted" /> fitted to my style images
        </label>
      </div>
      {statsSource === 'default' && (
        <p className="small" data-testid="stats-info">
          {defaultStats ? (
            <>Fitted to the embeddings of {defaultStats.count} images: {defaultStats.source} (PACS “{DEFAULT_STYLE_STATS_DOMAIN}” domain; do not use it as a held-out target domain). Predictor: {defaultStats.predictor}.</>
          ) : defaultStatsError ? <span role="alert" style={{ color: '#b22' }}>{defaultStatsError}</span> : 'Loading…'}
        </p>
      )}
      {statsSource === 'fitted' && fitted && (
        <p className="small" data-testid="stats-info">
          Fitted to the embeddings of {fitted.stats.source}{fitted.problems.length > 0 && <>; {fitted.problems.length} could not be used ({fitted.problems.slice(0, 3).map((p) => `${p.path}: ${p.message}`).join('; ')})</>}.
        </p>
      )}
      <div style={{ opacity: ready ? 1 : 0.5 }} data-testid="stats-dropzone">
        <Dropzone label="Drop a folder of style images (at least 2) to fit μ and Σ to their embeddings" onFiles={(files, problems) => { if (ready) void fitStatsFrom(files, problems); }} />
      </div>
      {fitProgress && <p className="small">Embedding style images: <progress value={fitProgress.done} max={Math.max(1, fitProgress.total)} /> {fitProgress.done}/{fitProgress.total}</p>}
      {fitError && <p role="alert" style={{ color: '#b22' }} data-testid="fit-error">{fitError}</p>}
    </div>
  );
}

function ContentCard() {
  const files = usePreview((s) => s.files);
  const problems = usePreview((s) => s.dropProblems);
  const c = usePreview((s) => s.controls);
  const set = usePreview((s) => s.setControls);
  return (
    <div className="card" data-testid="style-content">
      <Dropzone label="Drop a folder of content images (PNG, JPEG, TIFF, …)" onFiles={setContentFiles} />
      <div className="row">
        {files.length > 0 ? (
          <>
            <span data-testid="content-count">{files.length}</span> images from the dropped folder.
            <button disabled={c.offset === 0} onClick={() => set({ offset: Math.max(0, c.offset - c.rows) })}>‹ Previous</button>
            <span className="small muted">showing {c.offset + 1}–{Math.min(files.length, c.offset + c.rows)}</span>
            <button disabled={c.offset + c.rows >= files.length} onClick={() => set({ offset: c.offset + c.rows })}>Next ›</button>
            <button onClick={() => setContentFiles([], [])}>Use the demo images</button>
          </>
        ) : (
          <>
            <span className="muted">Showing built-in demo scenes (procedural, seed</span>
            <input type="number" value={c.demoSeed} onChange={(e) => set({ demoSeed: Math.floor(+e.target.value) >>> 0 })} style={{ width: 80 }} data-testid="demo-seed" />
            <span className="muted">).</span>
          </>
        )}
      </div>
      {problems.length > 0 && (
        <details className="small" data-testid="content-problems">
          <summary>{problems.length} file(s) not used</summary>
          <ul>{problems.slice(0, 50).map((p) => <li key={p}>{p}</li>)}</ul>
        </details>
      )}
    </div>
  );
}

export function PreviewSection() {
  const runtimeRequested = useApp((s) => s.runtime?.requested);
  const modelSettings = useApp((s) => s.settings);
  const s = usePreview();
  const { controls, files, statsSource, defaultStats, fitted, styleImage, service, tiles, rowInfo, busy, lastMs, workerTensors, previewError } = s;

  useEffect(() => {
    void ensureDefaultStats();
  }, []);
  useEffect(() => {
    if (runtimeRequested !== undefined) void ensureService();
  }, [runtimeRequested, modelSettings, controls.transformerId]);

  // Live update: any change re-sends the preview after a short pause (latest wins in the service).
  const ready = service.status === 'ready';
  useEffect(() => {
    if (!ready) return;
    const t = setTimeout(() => void runPreview(), DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [ready, controls, files, statsSource, defaultStats, fitted, styleImage]);

  const rows = Math.min(controls.rows, files.length > 0 ? Math.max(0, files.length - controls.offset) : MAX_ROWS);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- previewRowNames reads these from the store
  const names = useMemo(() => previewRowNames(), [files, controls.offset, controls.rows, controls.size, controls.demoSeed]);
  const stats = activeStats(s);
  const stylisedCount = Object.values(tiles).filter((t) => t.row < rows && t.copy >= 0 && t.copy < controls.copies && t.record?.stylised).length;
  const shown = Object.values(tiles).filter((t) => t.row < rows && t.copy >= 0 && t.copy < controls.copies).length;
  const errors = rowInfo.filter((r) => r.error);
  return (
    <div data-testid="style-preview">
      <ServiceStatus />
      <ContentCard />
      <Controls />
      <StatsCard />
      <div className="card">
        <div className="row">
          <b>Preview</b>
          <span className="small muted" data-testid="preview-status" data-embed-ms={rowInfo.map((r) => Math.round(r.embedMs)).join(' ')} data-worker-tensors={workerTensors ?? ''}>
            {!stats ? 'waiting for the style statistics' : !ready ? 'waiting for the networks' : busy ? 'updating…' : lastMs !== null ? `${stylisedCount} of ${shown} copies stylised · ${(lastMs / 1000).toFixed(1)} s · worker tensors ${workerTensors}` : ''}
          </span>
        </div>
        {previewError && <p role="alert" style={{ color: '#b22' }} data-testid="preview-error">{previewError}</p>}
        {errors.map((r) => <p key={r.row} role="alert" style={{ color: '#b22' }} className="small">{names[r.row] ?? r.key}: {r.error}</p>)}
        <PreviewGrid tiles={tiles} rows={rows} copies={controls.copies} names={names} busy={busy} />
        <p className="small muted">
          Each row is one batch of the randomisation (batch index = the image's position in the folder), its copies the batch's images: the same seed and
          options give the same tiles here and in the exported dataset. Grey captions: copies the augmentation ratio left unstylised.
        </p>
      </div>
    </div>
  );
}
