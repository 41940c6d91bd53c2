/** Train a detector in a worker: preset, loss, live loss curve, per-evaluation metrics, pause/cancel. */
import { useMemo, useState } from 'react';
import { startJob, cancelJob, pauseJob, useJobs } from '../../../core/jobs/jobStore';
import { JobProgress } from '../../../ui/JobProgress';
import { Plot } from '../../../ui/Plot';
import { assignmentKinds, type AssignmentKind } from '../assignment';
import { LOSS_LABELS, PRESETS } from '../presets';
import type { DetectionTrainParams, DetectionTrainProgress } from '../trainJob';
import { getCheckpoint, openWorkbenchDb } from '../../../core/storage/db';
import { useDetector } from '../detectorStore';
import { useApp } from '../../../app/store';
import { isSoftwareAdapter, type BackendName } from '../../../core/backend/runtime';

function pct(v: number): string {
  return Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '–';
}

function meanLoss(points: { loss: number }[]): number {
  return points.reduce((s, p) => s + p.loss, 0) / Math.max(1, points.length);
}

export function TrainingSection() {
  const [preset, setPreset] = useState<'small' | 'thesis'>('small');
  const [loss, setLoss] = useState<AssignmentKind>('responsibility');
  const [epochs, setEpochs] = useState(PRESETS.small.epochs);
  const [maxSteps, setMaxSteps] = useState<number | ''>('');
  const [evalEvery, setEvalEvery] = useState(50);
  const [seed, setSeed] = useState<number | ''>('');
  const [valImages, setValImages] = useState<number>(100);
  const [jobId, setJobId] = useState<string | null>(null);
  const runtime = useApp((s) => s.runtime);
  const software = runtime?.backend === 'webgpu' && isSoftwareAdapter(runtime.adapter);
  const [backendChoice, setBackendChoice] = useState<BackendName | 'default'>('default');
  // On a software WebGPU adapter the CPU backend (with this project's fast CPU gradients) trains faster.
  const jobBackend: BackendName | 'auto' = backendChoice === 'default' ? (software ? 'cpu' : 'auto') : backendChoice;
  const job = useJobs((s) => (jobId ? s.jobs[jobId] : undefined));
  const progress = job?.status === 'done' ? (job.result as DetectionTrainProgress | undefined) : (job?.partial as DetectionTrainProgress | undefined);

  const start = () => {
    const params: DetectionTrainParams = { preset, loss, epochs, evalEvery, valImages, ...(maxSteps ? { maxSteps } : {}) };
    const { id } = startJob({ kind: 'detection-train', title: `Train detector (${preset}, ${loss})`, params, backend: jobBackend, ...(seed !== '' ? { seed } : {}) });
    setJobId(id);
  };
  const loadLatestCheckpoint = async () => {
    if (!progress?.checkpointId) return;
    const rec = await getCheckpoint(await openWorkbenchDb(), progress.checkpointId);
    if (rec) await useDetector.getState().loadModel(rec.name, new Uint8Array(await rec.zip.arrayBuffer()));
  };

  const curve = useMemo(() => progress?.curve ?? [], [progress]);
  const evals = useMemo(() => progress?.evals ?? [], [progress]);
  const lossData = useMemo(
    () => [
      { type: 'scattergl' as const, mode: 'lines' as const, name: 'loss', x: curve.map((c) => c.step), y: curve.map((c) => c.loss) },
      { type: 'scattergl' as const, mode: 'lines' as const, name: 'confidence term', x: curve.map((c) => c.step), y: curve.map((c) => c.confidence), line: { dash: 'dot' as const } },
      { type: 'scattergl' as const, mode: 'lines' as const, name: 'regression term', x: curve.map((c) => c.step), y: curve.map((c) => c.regression), line: { dash: 'dot' as const } },
    ],
    [curve],
  );
  const lossTable = useMemo(() => ({ columns: ['step', 'loss', 'confidence', 'regression'], rows: curve.map((c) => [c.step, c.loss, c.confidence, c.regression]) }), [curve]);
  const valData = useMemo(
    () => [
      { type: 'scatter' as const, mode: 'lines+markers' as const, name: 'F1', x: evals.map((e) => e.step), y: evals.map((e) => e.all.f1) },
      { type: 'scatter' as const, mode: 'lines+markers' as const, name: 'TPR', x: evals.map((e) => e.step), y: evals.map((e) => e.all.truePositiveRate) },
      { type: 'scatter' as const, mode: 'lines+markers' as const, name: 'FPR', x: evals.map((e) => e.step), y: evals.map((e) => e.all.falsePositiveRate) },
      { type: 'scatter' as const, mode: 'lines+markers' as const, name: 'count RMSE', x: evals.map((e) => e.step), y: evals.map((e) => e.all.countRmse), yaxis: 'y2' },
    ],
    [evals],
  );
  const valTable = useMemo(
    () => ({
      columns: ['step', 'epoch', 'tpr', 'fpr', 'f1', 'count_rmse', 'count_mae', 'heavy_overlap_images', 'heavy_overlap_f1', 'heavy_overlap_rmse'],
      rows: evals.map((e) => [e.step, e.epoch + 1, e.all.truePositiveRate, e.all.falsePositiveRate, e.all.f1, e.all.countRmse, e.all.countMae, e.heavyOverlap.images, e.heavyOverlap.f1, e.heavyOverlap.countRmse]),
    }),
    [evals],
  );
  const running = job?.status === 'running';
  return (
    <div className="card" data-testid="detection-training">
      <h3>Train in the browser</h3>
      <div className="row">
        <label>
          Configuration
          <select value={preset} onChange={(e) => { const p = e.target.value as 'small' | 'thesis'; setPreset(p); setEpochs(PRESETS[p].epochs); setValImages(p === 'small' ? 100 : PRESETS[p].valImages); }} data-testid="train-preset">
            <option value="small">small — {PRESETS.small.simcep.width}², {PRESETS.small.trainImages} images, ¼-width layers (CPU-friendly)</option>
            <option value="thesis">thesis — 224², 17,000 / 3,000 images, Table 3.1 widths (needs a GPU)</option>
          </select>
        </label>
        <label>
          Loss
          <select value={loss} onChange={(e) => setLoss(e.target.value as AssignmentKind)} data-testid="train-loss">
            {assignmentKinds.map((k) => (
              <option key={k} value={k}>{LOSS_LABELS[k]}</option>
            ))}
          </select>
        </label>
        <label>Epochs <input type="number" min={1} value={epochs} onChange={(e) => setEpochs(Math.max(1, +e.target.value))} style={{ width: 60 }} /></label>
        <label>Max steps <input type="number" min={1} value={maxSteps} placeholder="all" onChange={(e) => setMaxSteps(e.target.value ? Math.max(1, +e.target.value) : '')} style={{ width: 70 }} data-testid="train-max-steps" /></label>
        <label>Validate every <input type="number" min={0} value={evalEvery} onChange={(e) => setEvalEvery(Math.max(0, +e.target.value))} style={{ width: 60 }} /> steps</label>
        <label>Validation images <input type="number" min={1} value={valImages} onChange={(e) => setValImages(Math.max(1, +e.target.value))} style={{ width: 70 }} data-testid="train-val-images" /></label>
        <label>Seed <input type="number" value={seed} placeholder="random" onChange={(e) => setSeed(e.target.value === '' ? '' : +e.target.value)} style={{ width: 110 }} /></label>
        <label>
          Backend
          <select value={backendChoice} onChange={(e) => setBackendChoice(e.target.value as BackendName | 'default')} data-testid="train-backend">
            <option value="default">{software ? 'CPU (faster than this software WebGPU adapter)' : `Same as the app (${runtime?.backend ?? '…'})`}</option>
            <option value="webgpu">WebGPU</option>
            <option value="webgl">WebGL</option>
            <option value="cpu">CPU</option>
          </select>
        </label>
        <button onClick={start} disabled={running} data-testid="train-start">Start training</button>
      </div>
      {job && (
        <div className="row" data-testid="train-status" data-status={job.status}>
          <b>{job.status}{job.paused ? ' (paused)' : ''}</b> · seed {job.seed}{job.backend && <> · backend <span data-testid="train-job-backend">{job.backend}</span></>}
          {running && <JobProgress progress={job.progress} unit="steps" />}
          {running && <button onClick={() => pauseJob(job.id, !job.paused)}>{job.paused ? 'Resume' : 'Pause'}</button>}
          {running && <button onClick={() => cancelJob(job.id)}>Cancel</button>}
          {job.message && <span className={job.status === 'error' ? 'err' : 'muted'}>{job.message}</span>}
          {curve.length >= 2 && (
            <span data-testid="loss-summary" data-first={meanLoss(curve.slice(0, 3))} data-last={meanLoss(curve.slice(-3))}>
              loss (mean of 3 steps): {meanLoss(curve.slice(0, 3)).toFixed(4)} → {meanLoss(curve.slice(-3)).toFixed(4)}
            </span>
          )}
          {progress?.checkpointId && <button onClick={() => void loadLatestCheckpoint()} data-testid="use-checkpoint">Use latest checkpoint in the editor</button>}
        </div>
      )}
      {curve.length > 0 && (
        <div className="split">
          <div className="grow">
            <Plot name="detection-loss" data={lossData} table={lossTable} layout={{ title: { text: 'Training loss (Eq 3.4)' }, xaxis: { title: { text: 'step' } }, yaxis: { type: 'log' } }} height={280} />
          </div>
          <div className="grow">
            {evals.length > 0 && (
              <Plot
                name="detection-validation"
                data={valData}
                table={valTable}
                layout={{ title: { text: 'Validation (Table 3.2 metrics)' }, xaxis: { title: { text: 'step' } }, yaxis: { range: [0, 1] }, yaxis2: { overlaying: 'y', side: 'right', title: { text: 'count RMSE' } } }}
                height={280}
              />
            )}
          </div>
        </div>
      )}
      {evals.length > 0 && (
        <table data-testid="eval-table" className="small">
          <thead>
            <tr><th>step</th><th>epoch</th><th>TPR</th><th>FPR</th><th>F1</th><th>count RMSE</th><th>MAE</th><th>heavy overlap: images / F1 / RMSE</th></tr>
          </thead>
          <tbody>
            {evals.map((e) => (
              <tr key={e.step}>
                <td>{e.step}</td><td>{e.epoch + 1}</td><td>{pct(e.all.truePositiveRate)}</td><td>{pct(e.all.falsePositiveRate)}</td><td>{e.all.f1.toFixed(3)}</td>
                <td>{e.all.countRmse.toFixed(2)}</td><td>{e.all.countMae.toFixed(2)}</td>
                <td>{e.heavyOverlap.images} / {Number.isFinite(e.heavyOverlap.f1) ? e.heavyOverlap.f1.toFixed(3) : '–'} / {Number.isFinite(e.heavyOverlap.countRmse) ? e.heavyOverlap.countRmse.toFixed(2) : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="muted small">Thesis, validation set (Table 3.2): TPR 75.3%, FPR 19.4%, F1 0.773, count RMSE 2.28.</p>
    </div>
  );
}
