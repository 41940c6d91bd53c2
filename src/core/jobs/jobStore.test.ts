import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { listJobs, openWorkbenchDb, putJob, type JobRecord } from '../storage/db';
import { restoreJobs, useJobs } from './jobStore';

const record = (id: string, status: JobRecord['status'], startedAt: number): JobRecord => ({
  id, kind: 'detection-train', title: id, status, seed: 1, params: { preset: 'small' }, startedAt, fraction: 0.4,
  ...(status === 'done' ? { result: { steps: 4 }, fraction: 1, endedAt: startedAt + 1 } : {}),
});

describe('restoreJobs', () => {
  it('marks jobs that were running when the page closed as interrupted (in the view and on disk), and keeps finished ones', async () => {
    const db = await openWorkbenchDb();
    await putJob(db, record('finished', 'done', 1));
    await putJob(db, record('was-running', 'running', 2));
    await restoreJobs();
    const { jobs, order } = useJobs.getState();
    expect(order).toEqual(['was-running', 'finished']);
    expect(jobs['was-running'].status).toBe('interrupted');
    expect(jobs['was-running'].message).toMatch(/^Interrupted: the page was closed or reloaded/);
    expect(jobs.finished.status).toBe('done');
    expect(jobs.finished.result).toEqual({ steps: 4 });
    // Saved, so a second reload does not show it running either.
    await expect.poll(async () => (await listJobs(db)).find((j) => j.id === 'was-running')?.status).toBe('interrupted');
  });
});
