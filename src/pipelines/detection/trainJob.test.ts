import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runJob, type CancelToken } from '../../core/jobs/protocol';
import { getCheckpoint, openWorkbenchDb } from '../../core/storage/db';
import { detectionTrainJob, type DetectionTrainParams, type DetectionTrainProgress } from './trainJob';
import { resumeJob } from './resume';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('detectionTrainJob', () => {
  it('stops with its last checkpoint kept, and a resumed job continues from that step to the end', async () => {
    const params: DetectionTrainParams = { preset: 'small', loss: 'responsibility', trainImages: 16, batchSize: 2, epochs: 1, maxSteps: 6, evalEvery: 2, valImages: 2 };
    const seed = 3;
    // Stop the first run as soon as its first checkpoint (step 2) is saved, as a lost device or a cancel would.
    const token: CancelToken = { cancelled: false };
    const first = await runJob(detectionTrainJob, params, seed, token, {
      onPartial: (d) => {
        if ((d as DetectionTrainProgress).checkpointId) token.cancelled = true;
      },
    });
    expect(first.status).toBe('cancelled');
    const stoppedAt = (first as { partial?: DetectionTrainProgress }).partial!;
    expect(stoppedAt.evals.map((e) => e.step)).toEqual([2]);

    const r = resumeJob({ params, seed });
    expect(r.checkpointId).toBe(stoppedAt.checkpointId);
    const db = await openWorkbenchDb();
    expect((await getCheckpoint(db, r.checkpointId))?.meta.step).toBe(2);

    const logs: string[] = [];
    const resumed = await runJob(detectionTrainJob, r.params, r.seed, { cancelled: false }, { onLog: (m) => logs.push(m) });
    expect(resumed.status).toBe('done');
    const result = (resumed as { result: DetectionTrainProgress }).result;
    expect(result.resumedFromStep).toBe(2);
    expect(result.curve.map((c) => c.step)).toEqual([3, 4, 5, 6]);
    expect(result.evals.map((e) => e.step)).toEqual([4, 6]);
    expect(logs.some((l) => l.includes('at step 2'))).toBe(true);
    // The run's checkpoint now holds the final step.
    expect((await getCheckpoint(db, r.checkpointId))?.meta.step).toBe(6);
  });

  it('refuses to resume from a checkpoint that is not in the project', async () => {
    const outcome = await runJob(detectionTrainJob, { preset: 'small', loss: 'responsibility', resumeFrom: 'missing' } as DetectionTrainParams, 1, { cancelled: false });
    expect(outcome.status === 'error' && outcome.message).toBe("Checkpoint 'missing' is not in this project");
  });
});
