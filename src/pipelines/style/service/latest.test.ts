import { describe, expect, it } from 'vitest';
import { LatestOnly } from './latest';

/** A run function whose calls the test finishes by hand. */
function controlled() {
  const calls: { args: string; id: number; finish: (v: string) => void; fail: (e: Error) => void }[] = [];
  const run = (args: string, id: number) =>
    new Promise<string>((resolve, reject) => calls.push({ args, id, finish: resolve, fail: reject }));
  return { calls, run };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('LatestOnly', () => {
  it('runs one request at a time and only the newest of those that arrived meanwhile', async () => {
    const { calls, run } = controlled();
    const superseded: number[] = [];
    const q = new LatestOnly(run, (id) => superseded.push(id));
    const a = q.submit('a');
    const b = q.submit('b');
    const c = q.submit('c');
    const d = q.submit('d');
    expect(calls.map((x) => x.args)).toEqual(['a']); // b, c, d wait; each replaces the previous
    expect(await b).toEqual({ status: 'superseded' });
    expect(await c).toEqual({ status: 'superseded' });
    expect(superseded).toEqual([1, 1, 1]); // the running request was told each time
    calls[0].finish('A');
    expect(await a).toEqual({ status: 'done', value: 'A' });
    await tick();
    expect(calls.map((x) => x.args)).toEqual(['a', 'd']);
    expect(calls[1].id).toBe(4);
    calls[1].finish('D');
    expect(await d).toEqual({ status: 'done', value: 'D' });
    expect(q.running).toBeNull();
    expect(q.pending).toBe(false);
  });

  it('starts at once when idle and keeps going after a failure', async () => {
    const { calls, run } = controlled();
    const q = new LatestOnly(run);
    const a = q.submit('a');
    const b = q.submit('b');
    calls[0].fail(new Error('boom'));
    await expect(a).rejects.toThrow('boom');
    await tick();
    calls[1].finish('B');
    expect(await b).toEqual({ status: 'done', value: 'B' });
    const c = q.submit('c');
    expect(calls.length).toBe(3);
    calls[2].finish('C');
    expect(await c).toEqual({ status: 'done', value: 'C' });
  });

  it('turns a synchronous throw into a rejection', async () => {
    const q = new LatestOnly<string, string>(() => {
      throw new Error('sync');
    });
    await expect(q.submit('x')).rejects.toThrow('sync');
    expect(q.running).toBeNull();
  });
});
