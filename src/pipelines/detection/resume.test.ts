import { describe, expect, it } from 'vitest';
import { isResumable, resumeJob, trainCheckpointId } from './resume';

describe('resuming a detector training run', () => {
  const params = { preset: 'small' as const, loss: 'responsibility' as const, epochs: 2, maxSteps: 8, evalEvery: 2, valImages: 4 };

  it('only offers resume for training jobs that stopped before their end', () => {
    for (const status of ['error', 'cancelled', 'interrupted'] as const) expect(isResumable({ kind: 'detection-train', status })).toBe(true);
    for (const status of ['running', 'done', 'queued'] as const) expect(isResumable({ kind: 'detection-train', status })).toBe(false);
    expect(isResumable({ kind: 'detection-finetune', status: 'error' })).toBe(false);
  });

  it("re-runs the same parameters and seed from the run's own checkpoint", () => {
    const r = resumeJob({ params, seed: 42 });
    expect(r.seed).toBe(42);
    expect(r.checkpointId).toBe(trainCheckpointId(params, 42));
    expect(r.params).toEqual({ ...params, resumeFrom: r.checkpointId });
    // Checkpoints of different runs never collide.
    expect(new Set([trainCheckpointId(params, 42), trainCheckpointId(params, 43), trainCheckpointId({ ...params, loss: 'max-iou' }, 42)]).size).toBe(3);
  });

  it('resuming a resumed run continues the same lineage (same checkpoint, no nested resume)', () => {
    const first = resumeJob({ params, seed: 7 });
    const second = resumeJob({ params: first.params, seed: 7 });
    expect(second).toEqual(first);
  });
});
