/**
 * Train a detector in a worker: preset, loss, live loss curve, per-evaluation metrics, pause/cancel,
 * and resume from the last checkpoint of a run that stopped early (GPU device lost, cancelled, or
 * interrupted by a reload). The section shows the latest training job, also after a reload.
 */
import { useEffect, useState } from 'react';
import { startJob, useJobs, type JobView } from '../../../core/jobs/jobStore';
import { getCheckpoint, openWorkbenchDb } from '../../../core/storage/db';
import { isResumable, resumeJob } from '../resume';
import { assignmentKinds, type AssignmentKind } from '../assignment';
import { LOSS_LABELS, PRESETS } from '../presets';
import type { DetectionTrainParams, DetectionTrainProgress } from '../trainJob';
import { JobBackendSelect, useJobBackend } from '../../../ui/JobBackendSelect';
import { TrainingProgressView } from './TrainingProgressView';

export function TrainingSection() {
  const [preset, setPreset] = useState<'small' | 'thesis'>('small');
  const [loss, setLoss] = useState<AssignmentKind>('responsibility');
  const [epochs, setEpochs] = useState(PRESETS.small.epochs);
  const [maxSteps, setMaxSteps] = useState<number | ''>('');
  const [evalEvery, setEvalEvery] = useState(50);
  const [seed, setSeed] = useState<number | ''>('');
  const [valImages, setValImages] = useState<number>(100);
  // On a software WebGPU adapter the CPU backend (with this project's fast CPU gradients) trains faster.
  const jobBackendState = useJobBackend();
  const jobBackend = jobBackendState.backend;
  const job = useJobs((s) => {
    const id = s.order.find((k) => s.jobs[k]?.kind === 'detection-train');
    return id ? s.jobs[id] : undefined;
  });
  const progress = job?.status === 'done' ? (job.result as DetectionTrainProgress | undefined) : (job?.partial as DetectionTrainProgress | undefined);
  const resumeStep = useResumeStep(job);

  const start = () => {
    const params: DetectionTrainParams = { preset, loss, epochs, evalEvery, valImages, ...(maxSteps ? { maxSteps } : {}) };
    startJob({ kind: 'detection-train', title: `Train detector (${preset}, ${loss})`, params, backend: jobBackend, ...(seed !== '' ? { seed } : {}) });
  };
  const resume = () => {
    if (!job) return;
    const r = resumeJob(job);
    startJob({ kind: 'detection-train', title: `Resume detector training (${r.params.preset}, ${r.params.loss}) from step ${resumeStep}`, params: r.params, seed: r.seed, backend: jobBackend });
  };
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
        <label>Epochs <input type="number" min={1} value={epochs} onChange={(e) => setEpochs(Math.max(1, +e.target.value))} style={{ width: 60 }} data-testid="train-epochs" /></label>
        <label>Max steps <input type="number" min={1} value={maxSteps} placeholder="all" onChange={(e) => setMaxSteps(e.target.value ? Math.max(1, +e.target.value) : '')} style={{ width: 70 }} data-testid="train-max-steps" /></label>
        <label>Validate every <input type="number" min={0} value={evalEvery} onChange={(e) => setEvalEvery(Math.max(0, +e.target.value))} style={{ width: 60 }} data-testid="train-eval-every" /> steps</label>
        <label>Validation images <input type="number" min={1} value={valImages} onChange={(e) => setValImages(Math.max(1, +e.target.value))} style={{ width: 70 }} data-testid="train-val-images" /></label>
        <label>Seed <input type="number" value={seed} placeholder="random" onChange={(e) => setSeed(e.target.value === '' ? '' : +e.target.value)} style={{ width: 110 }} data-testid="train-seed" /></label>
        <JobBackendSelect job={jobBackendState} testId="train-backend" />
        <button onClick={start} disabled={running} data-testid="train-start">Start training</button>
      </div>
      {job && <TrainingProgressView job={job} progress={progress} />}
      {job && resumeStep !== undefined && (
        <div className="row">
          {typeof resumeStep === 'number' && (
            <button onClick={resume} data-testid="train-resume" data-step={resumeStep}>Resume from the last checkpoint (step {resumeStep})</button>
          )}
          {resumeStep === null && <span className="muted" data-testid="train-no-checkpoint">No checkpoint was saved before this run stopped; start it again.</span>}
        </div>
      )}
      <p className="muted small">Thesis, validation set (Table 3.2): TPR 75.3%, FPR 19.4%, F1 0.773, count RMSE 2.28.</p>
    </div>
  );
}

/**
 * The step of the checkpoint a stopped training job can resume from: null when it saved none,
 * undefined while looking it up (or when the job is not resumable).
 */
function useResumeStep(job: JobView | undefined): number | null | undefined {
  const [found, setFound] = useState<{ jobId: string; step: number | null } | null>(null);
  const resumable = job ? isResumable(job) : false;
  useEffect(() => {
    if (!job || !resumable) return;
    let live = true;
    void openWorkbenchDb()
      .then((db) => getCheckpoint(db, resumeJob(job).checkpointId))
      .then((rec) => live && setFound({ jobId: job.id, step: typeof rec?.meta.step === 'number' ? rec.meta.step : null }))
      .catch(() => live && setFound({ jobId: job.id, step: null }));
    return () => {
      live = false;
    };
    // The lookup depends on the job's identity and whether it stopped, not on every progress update.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [job?.id, resumable]);
  return resumable && found && found.jobId === job?.id ? found.step : undefined;
}
