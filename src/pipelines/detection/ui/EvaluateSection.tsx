/** Evaluate the loaded detector on a real annotated folder (e.g. DSB2018 nuclei with boxes). */
import { useMemo, useState } from 'react';
import { startJob, cancelJob, useJobs } from '../../../core/jobs/jobStore';
import { Dropzone, type PickedFile } from '../../../ui/Dropzone';
import { JobProgress } from '../../../ui/JobProgress';
import { Plot } from '../../../ui/Plot';
import { useDetector } from '../detectorStore';
import type { DetectionEvaluateParams, DetectionEvaluateResult } from '../evaluateJob';
import { useApp } from '../../../app/store';
import { isSoftwareAdapter } from '../../../core/backend/runtime';

const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '–');

export function EvaluateSection() {
  const { model, threshold } = useDetector();
  const [limit, setLimit] = useState(100);
  const runtime = useApp((s) => s.runtime);
  // Same policy as training: a software WebGPU adapter is slower than the CPU backend.
  const backend = runtime?.backend === 'webgpu' && isSoftwareAdapter(runtime.adapter) ? 'cpu' : undefined;
  const [jobId, setJobId] = useState<string | null>(null);
  const job = useJobs((s) => (jobId ? s.jobs[jobId] : undefined));
  const result = job?.status === 'done' ? (job.result as DetectionEvaluateResult) : null;
  const onFiles = (files: PickedFile[]) => {
    if (!model || files.length === 0) return;
    const params: DetectionEvaluateParams = {
      files: files.map((f) => ({ path: f.path, blob: f.file })),
      checkpoint: model.zip,
      checkpointName: model.name,
      limit,
      threshold,
    };
    setJobId(startJob({ kind: 'detection-evaluate', title: `Evaluate ${model.name} on ${files.length} files`, params, backend }).id);
  };
  const scatter = useMemo(() => {
    const c = result?.counts ?? [];
    const max = Math.max(1, ...c.map((x) => Math.max(x.truth, x.predicted)));
    return [
      { type: 'scattergl' as const, mode: 'markers' as const, name: 'images', x: c.map((x) => x.truth), y: c.map((x) => x.predicted), text: c.map((x) => x.path) },
      { type: 'scatter' as const, mode: 'lines' as const, name: 'predicted = true', x: [0, max], y: [0, max], line: { dash: 'dash' as const, color: '#888' } },
    ];
  }, [result]);
  const table = useMemo(() => ({ columns: ['path', 'true_count', 'predicted_count'], rows: (result?.counts ?? []).map((c) => [c.path, c.truth, c.predicted]) }), [result]);
  return (
    <div className="card" data-testid="detection-evaluate">
      <h3>Evaluate on real annotated images</h3>
      <p className="muted small">
        Drop a folder with COCO or box-list JSON (like DSB2018 nuclei), <code>&lt;id&gt;/images</code> + <code>&lt;id&gt;/masks</code> folders, or BBBC005-style <code>_C&lt;n&gt;_</code> counts in file names. Images are padded to multiples of 32.
      </p>
      <div className="row">
        <label>At most <input type="number" min={1} value={limit} onChange={(e) => setLimit(Math.max(1, +e.target.value))} style={{ width: 80 }} /> images</label>
        <span className="muted">Model: {model?.name ?? 'none loaded'} · threshold {threshold.toFixed(2)}</span>
      </div>
      {model && <Dropzone onFiles={onFiles} label="Drop an annotated folder here" />}
      {job && job.status === 'running' && (
        <div className="row">
          <JobProgress progress={job.progress} unit="images" /> <button onClick={() => cancelJob(job.id)}>Cancel</button>
        </div>
      )}
      {job?.status === 'error' && <p className="err" role="alert">{job.message}</p>}
      {result && (
        <div data-testid="evaluate-result">
          <p>
            {result.images} images · count RMSE <b>{result.countRmse.toFixed(2)}</b> · MAE {result.countMae.toFixed(2)}
            {result.report && (
              <>
                {' '}· TPR {pct(result.report.all.truePositiveRate)} · FPR {pct(result.report.all.falsePositiveRate)} · F1 <b>{result.report.all.f1.toFixed(3)}</b> · heavy-overlap images {result.report.heavyOverlap.images} (F1 {Number.isFinite(result.report.heavyOverlap.f1) ? result.report.heavyOverlap.f1.toFixed(3) : '–'})
              </>
            )}
          </p>
          <Plot name="detection-real-counts" data={scatter} table={table} layout={{ title: { text: 'Predicted vs true count' }, xaxis: { title: { text: 'true count' } }, yaxis: { title: { text: 'predicted count' } } }} height={300} />
          {result.problems.length > 0 && (
            <details>
              <summary>{result.problems.length} problems in the folder</summary>
              <ul className="small">
                {result.problems.slice(0, 200).map((p, i) => (
                  <li key={i}>{p.path}: {p.message}</li>
                ))}
              </ul>
            </details>
          )}
        </div>
      )}
    </div>
  );
}
