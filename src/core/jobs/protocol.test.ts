import { describe, expect, it } from 'vitest';
import { runJob, type JobHandler } from './protocol';

const countTo: JobHandler<{ n: number; failAt?: number }, number> = async ({ n, failAt }, ctx) => {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    await ctx.checkpoint();
    if (i === failAt) throw new Error(`bad item ${i}`);
    sum += ctx.rng.int(0, 9);
    ctx.partial({ upTo: i, sum });
    ctx.progress(i + 1, n);
  }
  return sum;
};

describe('runJob', () => {
  it('completes, reports final progress and is reproducible for a seed', async () => {
    const reports: number[] = [];
    const a = await runJob(countTo, { n: 50 }, 7, { cancelled: false }, { onProgress: (p) => reports.push(p.fraction) });
    const b = await runJob(countTo, { n: 50 }, 7, { cancelled: false });
    const c = await runJob(countTo, { n: 50 }, 8, { cancelled: false });
    expect(a.status).toBe('done');
    expect(reports.at(-1)).toBe(1);
    if (a.status !== 'done' || b.status !== 'done' || c.status !== 'done') throw new Error('unreachable');
    expect(a.result).toBe(b.result);
    expect(a.result).not.toBe(c.result);
  });

  it('keeps the partial result and the message when a job fails', async () => {
    const out = await runJob(countTo, { n: 10, failAt: 4 }, 1, { cancelled: false });
    expect(out).toMatchObject({ status: 'error', message: 'bad item 4', partial: { upTo: 3 } });
  });

  it('stops at the next checkpoint after cancel and keeps the partial result', async () => {
    const token = { cancelled: false };
    const seen: number[] = [];
    const out = await runJob(countTo, { n: 1000 }, 1, token, {
      onPartial: (d) => {
        const upTo = (d as { upTo: number }).upTo;
        seen.push(upTo);
        if (upTo === 5) token.cancelled = true;
      },
    });
    expect(out.status).toBe('cancelled');
    expect(seen.at(-1)).toBe(5);
    expect(out).toMatchObject({ partial: { upTo: 5 } });
  });

  it('waits while paused and continues where it stopped on resume', async () => {
    const token = { cancelled: false, paused: false };
    const seen: number[] = [];
    const job = runJob(countTo, { n: 20 }, 1, token, {
      onPartial: (d) => {
        const upTo = (d as { upTo: number }).upTo;
        seen.push(upTo);
        if (upTo === 4) token.paused = true;
      },
    });
    await new Promise((r) => setTimeout(r, 350));
    expect(seen.at(-1)).toBe(4); // nothing ran while paused
    token.paused = false;
    const out = await job;
    expect(out.status).toBe('done');
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});
