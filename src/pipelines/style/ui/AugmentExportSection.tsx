/**
 * Exports of the Style panel: the preview grid as a labelled PNG figure (and its records as JSON),
 * and the whole content folder augmented into a zip by the 'style-augment-dataset' job.
 */
import { useEffect, useRef, useState } from 'react';
import { useApp } from '../../../app/store';
import { JobBackendSelect, useJobBackend } from '../../../ui/JobBackendSelect';
import { currentModelSource } from '../../../app/views/ModelsView';
import { downloadBlob } from '../../../core/export/download';
import { cancelJob, startJob, useJobs } from '../../../core/jobs/jobStore';
import { JobProgress } from '../../../ui/JobProgress';
import type { StyleAugmentDatasetParams, StyleAugmentDatasetResult, StyleAugmentZipPartial } from '../augmentDatasetJob';
import { encodeRgbPng } from '../augmentDatasetJob';
import { demoImages } from '../demoImages';
import { MAX_ROWS, previewRowNames } from './previewActions';
import { previewRecordsJson, renderFigure, settingsLine } from './previewFigure';
import { activeStats, optionsOf, settingsOf, usePreview } from './previewStore';

type SizeChoice = 'preview' | '128' | '256' | '512' | 'original';

function isZipPartial(p: unknown): p is StyleAugmentZipPartial {
  return typeof p === 'object' && p !== null && (p as { kind?: unknown }).kind === 'zip' && (p as { zip?: unknown }).zip instanceof Blob;
}

export function AugmentExportSection() {
  const s = usePreview();
  const settings = useApp((a) => a.settings);
  const jobBackendState = useJobBackend();
  const jobBackend = jobBackendState.backend;
  const [copies, setCopies] = useState(2);
  const [sizeChoice, setSizeChoice] = useState<SizeChoice>('256');
  const [includeOriginals, setIncludeOriginals] = useState(false);
  const [jobId, setJobId] = useState<string | null>(null);
  const [figureError, setFigureError] = useState<string | null>(null);
  const job = useJobs((j) => (jobId ? j.jobs[jobId] : undefined));
  const downloaded = useRef<string | null>(null);
  const stats = activeStats(s);
  const { controls, files, tiles, rowInfo, styleImage } = s;
  const maxSide = sizeChoice === 'original' ? null : sizeChoice === 'preview' ? controls.size : +sizeChoice;
  const zip = job && isZipPartial(job.partial) ? job.partial : null;
  const result = job?.status === 'done' ? (job.result as StyleAugmentDatasetResult) : null;

  // Save the zip as soon as the job delivers it (once per job).
  useEffect(() => {
    if (zip && job?.status === 'done' && downloaded.current !== job.id) {
      downloaded.current = job.id;
      downloadBlob(zip.zip, zip.fileName);
    }
  }, [zip, job?.status, job?.id]);

  const rows = Object.values(tiles).reduce((m, t) => Math.max(m, t.row + 1), 0);

  const exportFigure = async () => {
    setFigureError(null);
    try {
      const shown = Object.values(tiles).filter((t) => t.copy < controls.copies);
      const title = settingsLine(settingsOf(controls, styleImage), stats, styleImage?.name ?? null);
      const blob = await renderFigure(shown, rows, controls.copies, title, previewRowNames());
      downloadBlob(blob, `style-preview-seed${controls.seed}.png`);
    } catch (e) {
      setFigureError((e as Error).message);
    }
  };
  const exportRecords = () => {
    const json = previewRecordsJson(Object.values(tiles), rowInfo, settingsOf(controls, styleImage), stats, controls.size, previewRowNames());
    downloadBlob(new Blob([json], { type: 'application/json' }), `style-preview-seed${controls.seed}.json`);
  };

  const start = () => {
    if (!stats) return;
    const content =
      files.length > 0
        ? files.map((f) => ({ path: f.path, blob: f.file as Blob }))
        : demoImages(MAX_ROWS, maxSide ?? 256, controls.demoSeed).map((d) => ({ path: `demo/${d.name}`, blob: new Blob([encodeRgbPng(d) as Uint8Array<ArrayBuffer>], { type: 'image/png' }) }));
    const params: StyleAugmentDatasetParams = {
      files: content,
      options: optionsOf(controls),
      copies,
      maxSide,
      traditional: controls.traditional,
      styleImage: styleImage ? { name: styleImage.name, z: styleImage.z } : null,
      stats,
      models: { source: currentModelSource(settings), transformerId: controls.transformerId },
      includeOriginals,
      predictorSize: controls.predictorSize,
      name: `style-augmented-seed${controls.seed}`,
    };
    const { id } = startJob({ kind: 'style-augment-dataset', title: `Style-augment ${content.length} images ×${copies}`, params, seed: controls.seed, backend: jobBackend });
    setJobId(id);
  };
  const running = job?.status === 'running';
  return (
    <div className="card" data-testid="style-export">
      <h3>Export</h3>
      <div className="row">
        <button onClick={() => void exportFigure()} disabled={rows === 0} data-testid="export-figure">Figure (PNG)</button>
        <button onClick={exportRecords} disabled={rows === 0} data-testid="export-records">Preview records (JSON)</button>
        {figureError && <span role="alert" style={{ color: '#b22' }}>{figureError}</span>}
      </div>
      <div className="row">
        <b>Augmented dataset (zip)</b>
        <span className="small muted">{files.length > 0 ? `${files.length} images from the dropped folder` : `the ${MAX_ROWS} demo images`}</span>
        <label>
          Copies per image <input type="number" min={1} max={64} value={copies} onChange={(e) => setCopies(Math.min(64, Math.max(1, Math.floor(+e.target.value) || 1)))} style={{ width: 60 }} data-testid="export-copies" />
        </label>
        <label>
          Size{' '}
          <select value={sizeChoice} onChange={(e) => setSizeChoice(e.target.value as SizeChoice)} data-testid="export-size">
            <option value="preview">as the preview ({controls.size} px)</option>
            <option value="128">longest side 128 px</option>
            <option value="256">longest side 256 px</option>
            <option value="512">longest side 512 px</option>
            <option value="original">original size</option>
          </select>
        </label>
        <label>
          <input type="checkbox" checked={includeOriginals} onChange={(e) => setIncludeOriginals(e.target.checked)} /> include the originals
        </label>
        <JobBackendSelect job={jobBackendState} testId="export-backend-choice" />
        <button onClick={start} disabled={running || !stats} data-testid="export-zip">Augment &amp; export zip</button>
      </div>
      {job && (
        <div className="row" data-testid="export-status" data-status={job.status}>
          <b>{job.status}</b> · seed {job.seed}{job.backend && <> · backend <span data-testid="export-backend">{job.backend}</span></>}
          {running && <JobProgress progress={job.progress} unit="images" />}
          {running && <button onClick={() => cancelJob(job.id)}>Cancel</button>}
          {job.message && <span style={{ color: job.status === 'error' ? '#b22' : undefined }} role={job.status === 'error' ? 'alert' : undefined}>{job.message}</span>}
        </div>
      )}
      {result && (
        <div className="small" data-testid="export-result">
          {result.outputs} images from {result.images} sources ({result.stylised} stylised), {(result.bytes / 2 ** 20).toFixed(2)} MiB.{' '}
          {zip && <button onClick={() => downloadBlob(zip.zip, zip.fileName)} data-testid="export-download">Download {zip.fileName} again</button>}
          {result.problems.length > 0 && (
            <details data-testid="export-problems">
              <summary>{result.problems.length} file(s) not augmented</summary>
              <ul>{result.problems.map((p) => <li key={p.path}>{p.path}: {p.message}</li>)}</ul>
            </details>
          )}
        </div>
      )}
      <p className="small muted">
        The zip keeps the folder structure (<code>class/name_aug0.png</code>, …) and adds <code>augmentations.json</code> (seed, options, statistics source, each copy’s
        style record with its z and its traditional transforms) and <code>style-stats.json</code>, so every image can be replayed.
      </p>
    </div>
  );
}
