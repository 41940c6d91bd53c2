/** Live view of a detector training or fine-tuning job: status, loss curve, validation metrics, checkpoint. */
import { useMemo } from 'react';
import { cancelJob, pauseJob, type JobView } from '../../../core/jobs/jobStore';
import { getCheckpoint, openWorkbenchDb } from '../../../core/storage/db';
import { JobProgress } from '../../../ui/JobProgress';
import { Plot } from '../../../ui/Plot';
import { useDetector } from '../detectorStore';
import type { DetectionTrainProgress } from '../trainJob';

function pct(v: number): string {
  return Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '–';
}

function meanLoss(points: { loss: number }[]): number {
  return points.reduce((s, p) => s + p.loss, 0) / Math.max(1, points.length);
}

export function TrainingProgressView({ job, progress, name = 'detection' }: { job: JobView; progress: DetectionTrainProgress | undefined; name?: string }) {
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
  const running = job.status === 'running';
  return (
    <>
        <div className="row" data-testid="train-status" data-status={job.status}>
          <b>{job.status}{job.paused ? ' (paused)' : ''}</b> · seed {job.seed}{job.backend && <> · backend <span data-testid="train-job-backend">{job.backend}</span></>}
          {running && <JobProgress progress={job.progress} unit="steps" />}
          {running && <button onClick={() => pauseJob(job.id, !job.paused)}>{job.paused ? 'Resume' : 'Pause'}</button>}
          {running && <button onClick={() => cancelJob(job.id)}>Cancel</button>}
          {job.message && <span className={job.status === 'error' ? 'err' : 'muted'} data-testid="train-message">{job.message}</span>}
          {progress?.resumedFromStep !== undefined && <span className="muted" data-testid="train-resumed-from">resumed from the checkpoint at step {progress.resumedFromStep}</span>}
          {curve.length >= 2 && (
            <span data-testid="loss-summary" data-first={meanLoss(curve.slice(0, 3))} data-last={meanLoss(curve.slice(-3))} data-first-step={curve[0].step} data-last-step={curve[curve.length - 1].step}>
              loss (mean of 3 steps): {meanLoss(curve.slice(0, 3)).toFixed(4)} → {meanLoss(curve.slice(-3)).toFixed(4)}
            </span>
          )}
          {progress?.checkpointId && <button onClick={() => void loadLatestCheckpoint()} data-testid="use-checkpoint">Use latest checkpoint in the editor</button>}
        </div>
      {curve.length > 0 && (
        <div className="split">
          <div className="grow">
            <Plot name={`${name}-loss`} data={lossData} table={lossTable} layout={{ title: { text: 'Training loss (Eq 3.4)' }, xaxis: { title: { text: 'step' } }, yaxis: { type: 'log' } }} height={280} />
          </div>
          <div className="grow">
            {evals.length > 0 && (
              <Plot
                name={`${name}-validation`}
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
    </>
  );
}
