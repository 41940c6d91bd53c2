/**
 * A job whose GPU device is lost cannot finish: tensors on the lost device are gone and a read-back
 * may never settle. The job worker therefore ends the job as soon as the device-lost event arrives,
 * with a message that says so, and keeps the job's last partial result (e.g. the id of the last
 * checkpoint it saved) so the UI can offer to resume.
 */
import type { JobOutcome } from './protocol';

export interface DeviceLoss {
  reason: string;
  message: string;
}

export function deviceLostMessage(lost: DeviceLoss, detail?: string): string {
  const what = `GPU device lost during the job (${lost.reason}${lost.message ? `: ${lost.message}` : ''})`;
  return detail ? `${what}: ${detail}` : `${what}; the job was stopped`;
}

/**
 * The job's own outcome, or an error outcome as soon as `lost` resolves, whichever comes first.
 * `stop` is called on loss (to cancel the job at its next checkpoint); `partial` gives the job's
 * last published partial result. A job can also fail a moment before the device-lost event
 * arrives (a read-back rejects first); its error then waits up to `graceMs` for that event so the
 * message says the device was lost.
 */
export async function stopOnDeviceLoss<R>(
  run: Promise<JobOutcome<R>>,
  lost: Promise<DeviceLoss>,
  stop: () => void,
  partial: () => unknown,
  elapsedSec: () => number,
  graceMs = 1500,
): Promise<JobOutcome<R>> {
  const onLoss = lost.then((l): JobOutcome<R> => {
    stop();
    return { status: 'error', message: deviceLostMessage(l), partial: partial(), elapsedSec: elapsedSec() };
  });
  const outcome = await Promise.race([run, onLoss]);
  if (outcome.status !== 'error' || outcome.message.startsWith('GPU device lost')) return outcome;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = await Promise.race([lost, new Promise<null>((r) => (timer = setTimeout(() => r(null), graceMs)))]);
  clearTimeout(timer);
  return late ? { ...outcome, message: deviceLostMessage(late, outcome.message) } : outcome;
}
