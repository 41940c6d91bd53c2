/** Evaluate the loaded detector on a real annotated folder (e.g. DSB2018 nuclei with boxes), or fine-tune it there. */
import { useMemo, useState } from 'react';
import { startJob, cancelJob, useJobs } from '../../../core/jobs/jobStore';
import { Dropzone, type PickedFile } from '../../../ui/Dropzone';
import { JobProgress } from '../../../ui/JobProgress';
import { Plot } from '../../../ui/Plot';
import { useDetector } from '../detectorStore';
import type { DetectionEvaluateParams, DetectionEvaluateResult } from '../evaluateJob';
import type { DetectionFinetuneParams, DetectionFinetuneResult } from '../finetuneJob';
import { TrainingProgressView } from './TrainingProgressView';
import { useJobBackend } from '../../../ui/JobBackendSelect';

const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '–');

export function EvaluateSection() {
  const { model, threshold } = useDetector();
  const [limit, setLimit] = useState(100);
  // Same policy as training: a software WebGPU adapter is slower than the CPU backend.
  const backend = useJobBackend().backend;
  const [jobId, setJobId] = useState<string | null>(null);
  const [folder, setFolder] = useState<{ name: string; files: PickedFile[] } | null>(null);
  const [ft, setFt] = useState({ cropSize: 96, scale: 1, valFraction: 0.2, epochs: 10, batchSize: 8, learningRate: 3e-4, evalEvery: 50 });
  const [ftJobId, setFtJobId] = useState<string | null>(null);
  const job = useJobs((s) => (jobId ? s.jobs[jobId] : undefined));
  const ftJob = useJobs((s) => (ftJobId ? s.jobs[ftJobId] : undefined));
  const ftProgress = (ftJob?.status === 'done' ? ftJob.result : ftJob?.partial) as DetectionFinetuneResult | undefined;
  const result = job?.status === 'done' ? (job.result as DetectionEvaluateResult) : null;
  const toFiles = (files: PickedFile[]) => files.map((f) => ({ path: f.path, blob: f.file }));
  const evaluate = (picked = folder) => {
    if (!model || !picked) return;
    const params: DetectionEvaluateParams = { files: toFiles(picked.files), checkpoint: model.zip, checkpointName: model.name, limit, threshold };
    setJobId(startJob({ kind: 'detection-evaluate', title: `Evaluate ${model.name} on ${picked.name}`, params, backend }).id);
  };
  const finetune = () => {
    if (!model || !folder) return;
    const params: DetectionFinetuneParams = { files: toFiles(folder.files), folderName: folder.name, checkpoint: model.zip, checkpointName: model.name, limit, ...ft };
    setFtJobId(startJob({ kind: 'detection-finetune', title: `Fine-tune ${model.name} on ${folder.name}`, params, backend }).id);
  };
  const onFiles = (files: PickedFile[]) => {
    if (files.length === 0) return;
    const picked = { name: files[0].path.split('/')[0] || 'folder', files };
    setFolder(picked);
    evaluate(picked);
  };
  const num = (key: keyof typeof ft, min: number, step = 1) => (
    <input type="number" min={min} step={step} value={ft[key]} onChange={(e) => setFt({ ...ft, [key]: Math.max(min, +e.target.value) })} style={{ width: 70 }} data-testid={`finetune-${key}`} />
  );
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
      {model && folder && (
        <div className="row">
          <span className="muted">{folder.name}: {folder.files.length} files</span>
          <button onClick={() => evaluate()} disabled={job?.status === 'running'}>Evaluate again</button>
        </div>
      )}
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
      {model && folder && (
        <div className="card" data-testid="detection-finetune">
          <h4>Fine-tune on this folder</h4>
          <p className="muted small">
            Starts from the loaded model; images with boxes are split by image into training and validation (seeded), trained on random crops and validated on whole images. Scale resizes every image first so objects come near the size the model was trained on. Checkpoints go to the project at every validation.
          </p>
          <div className="row">
            <label>Crop {num('cropSize', 32, 32)} px</label>
            <label>Scale {num('scale', 0.1, 0.1)}</label>
            <label>Validation fraction {num('valFraction', 0.05, 0.05)}</label>
            <label>Epochs {num('epochs', 1)}</label>
            <label>Batch {num('batchSize', 1)}</label>
            <label>Learning rate {num('learningRate', 1e-6, 1e-4)}</label>
            <label>Validate every {num('evalEvery', 0)} steps</label>
            <button onClick={finetune} disabled={ftJob?.status === 'running'} data-testid="finetune-start">Fine-tune</button>
          </div>
          {ftJob && <TrainingProgressView job={ftJob} progress={ftProgress} name="detection-finetune" />}
          {ftJob?.status === 'done' && ftProgress && (
            <p className="small">Trained on {ftProgress.trainImages} images, validated on {ftProgress.validationImages}{ftProgress.problems.length > 0 ? ` · ${ftProgress.problems.length} problems (see Evaluate)` : ''}.</p>
          )}
        </div>
      )}
    </div>
  );
}
