/**
 * Resuming an in-browser training run that stopped early (GPU device lost, cancelled, or the page
 * reloaded): the run's checkpoint id follows from its configuration and seed, and the resumed job
 * re-runs the same parameters and seed from that checkpoint's step.
 */
import type { JobRecord } from '../../core/storage/db';
import type { DetectionTrainParams } from './trainJob';

/** IndexedDB id of a training run's checkpoint (overwritten at every evaluation of that run). */
export function trainCheckpointId(params: Pick<DetectionTrainParams, 'preset' | 'loss'>, seed: number): string {
  return `detection-${params.preset}-${params.loss}-${seed}`;
}

/** A training job that stopped before its end; it can go on from its checkpoint if one was saved. */
export function isResumable(job: Pick<JobRecord, 'kind' | 'status'>): boolean {
  return job.kind === 'detection-train' && (job.status === 'error' || job.status === 'cancelled' || job.status === 'interrupted');
}

/** The job to start for resuming `job`: the same parameters and seed, from its checkpoint. */
export function resumeJob(job: Pick<JobRecord, 'params' | 'seed'>): { params: DetectionTrainParams; seed: number; checkpointId: string } {
  const { resumeFrom: _previous, ...params } = job.params as DetectionTrainParams;
  const checkpointId = trainCheckpointId(params, job.seed);
  return { params: { ...params, resumeFrom: checkpointId }, seed: job.seed, checkpointId };
}
