import { describe, expect, it } from 'vitest';
import { deviceLostMessage, stopOnDeviceLoss, type DeviceLoss } from './deviceLoss';
import type { JobOutcome } from './protocol';

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('stopOnDeviceLoss', () => {
  it('ends a job that never settles as soon as its device is lost, keeping its last partial result', async () => {
    const run = deferred<JobOutcome<number>>(); // e.g. a read-back from the lost device that never resolves
    const lost = deferred<DeviceLoss>();
    let stopped = 0;
    const pending = stopOnDeviceLoss(run.promise, lost.promise, () => stopped++, () => ({ checkpointId: 'ckpt-1' }), () => 2.5);
    lost.resolve({ reason: 'destroyed', message: 'Device was destroyed.' });
    const outcome = await pending;
    expect(outcome).toEqual({
      status: 'error',
      message: 'GPU device lost during the job (destroyed: Device was destroyed.); the job was stopped',
      partial: { checkpointId: 'ckpt-1' },
      elapsedSec: 2.5,
    });
    expect(stopped).toBe(1);
  });

  it("returns the job's own outcome when the device is not lost", async () => {
    const lost = deferred<DeviceLoss>();
    let stopped = 0;
    const outcome = await stopOnDeviceLoss(Promise.resolve<JobOutcome<number>>({ status: 'done', result: 7, elapsedSec: 1 }), lost.promise, () => stopped++, () => undefined, () => 1);
    expect(outcome).toEqual({ status: 'done', result: 7, elapsedSec: 1 });
    expect(stopped).toBe(0);
  });
});

describe('stopOnDeviceLoss, when the job fails first', () => {
  it('names the device loss if its event follows the error shortly', async () => {
    const lost = deferred<DeviceLoss>();
    const run = Promise.resolve<JobOutcome<number>>({ status: 'error', message: 'mapAsync failed', elapsedSec: 1 });
    const pending = stopOnDeviceLoss(run, lost.promise, () => undefined, () => undefined, () => 1, 1000);
    setTimeout(() => lost.resolve({ reason: 'destroyed', message: '' }), 20);
    expect(await pending).toEqual({ status: 'error', message: 'GPU device lost during the job (destroyed): mapAsync failed', elapsedSec: 1 });
  });

  it('keeps an ordinary error as it is when no loss follows', async () => {
    const run = Promise.resolve<JobOutcome<number>>({ status: 'error', message: 'bad input', elapsedSec: 1 });
    expect(await stopOnDeviceLoss(run, new Promise<DeviceLoss>(() => undefined), () => undefined, () => undefined, () => 1, 30))
      .toEqual({ status: 'error', message: 'bad input', elapsedSec: 1 });
  });
});

describe('deviceLostMessage', () => {
  it('names the reason and, when given, the error the job hit', () => {
    expect(deviceLostMessage({ reason: 'unknown', message: '' })).toBe('GPU device lost during the job (unknown); the job was stopped');
    expect(deviceLostMessage({ reason: 'destroyed', message: 'gone' }, 'mapAsync failed')).toBe('GPU device lost during the job (destroyed: gone): mapAsync failed');
  });
});
