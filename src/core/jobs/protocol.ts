/**
 * The one job protocol used by every long task. A job handler is an async function of its params
 * and a `JobContext`; it reports progress, may publish partial results, and calls
 * `ctx.checkpoint()` between units of work, which yields to the event loop (so a cancel message
 * can arrive) and throws `JobCancelled` once cancel was requested.
 *
 * `runJob` is independent of workers: the worker entry, the headless CLI and the unit tests all
 * call it the same way.
 */
import { Rng } from '../rng/rng';
import { ProgressMeter, type ProgressReport } from './progress';

export class JobCancelled extends Error {
  constructor() {
    super('Cancelled by user');
    this.name = 'JobCancelled';
  }
}

export interface JobContext {
  readonly seed: number;
  readonly rng: Rng;
  readonly cancelled: boolean;
  progress(done: number, total: number, message?: string): void;
  /** Publish a partial result; the last one is kept if the job later fails or is cancelled. */
  partial(data: unknown): void;
  /** Yield to the event loop and throw JobCancelled if cancel was requested. */
  checkpoint(): Promise<void>;
  log(message: string): void;
}

export type JobHandler<P = unknown, R = unknown> = (params: P, ctx: JobContext) => Promise<R>;

export interface JobEvents {
  onProgress?: (p: ProgressReport) => void;
  onPartial?: (data: unknown) => void;
  onLog?: (message: string) => void;
  /** Sent once the worker knows which compute backend it runs on. */
  onStart?: (info: { backend?: string }) => void;
}

export type JobOutcome<R = unknown> =
  | { status: 'done'; result: R; elapsedSec: number }
  | { status: 'cancelled'; partial?: unknown; elapsedSec: number }
  | { status: 'error'; message: string; partial?: unknown; elapsedSec: number };

export interface CancelToken {
  cancelled: boolean;
  /** While true, checkpoint() waits (the job is paused between units of work). */
  paused?: boolean;
}

const yieldToEventLoop = (): Promise<void> =>
  new Promise((resolve) => {
    // MessageChannel yields faster than setTimeout(0) (no 4 ms clamp) where it exists.
    if (typeof MessageChannel !== 'undefined') {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        resolve();
      };
      ch.port2.postMessage(null);
    } else setTimeout(resolve, 0);
  });

/** Throttle progress messages to ~10/s so a fast loop does not flood the main thread. */
const PROGRESS_INTERVAL_MS = 100;

export async function runJob<P, R>(
  handler: JobHandler<P, R>,
  params: P,
  seed: number,
  token: CancelToken,
  events: JobEvents = {},
): Promise<JobOutcome<R>> {
  const meter = new ProgressMeter();
  const t0 = performance.now();
  let lastPartial: unknown;
  let lastSent = -Infinity;
  const ctx: JobContext = {
    seed,
    rng: new Rng(seed),
    get cancelled() {
      return token.cancelled;
    },
    progress(done, total, message) {
      const report = meter.update(done, total, message);
      const now = performance.now();
      if (now - lastSent >= PROGRESS_INTERVAL_MS || done >= total) {
        lastSent = now;
        events.onProgress?.(report);
      }
    },
    partial(data) {
      lastPartial = data;
      events.onPartial?.(data);
    },
    async checkpoint() {
      await yieldToEventLoop();
      while (token.paused && !token.cancelled) await new Promise((r) => setTimeout(r, 100));
      if (token.cancelled) throw new JobCancelled();
    },
    log(message) {
      events.onLog?.(message);
    },
  };
  const elapsed = () => (performance.now() - t0) / 1000;
  try {
    const result = await handler(params, ctx);
    if (token.cancelled) return { status: 'cancelled', partial: lastPartial, elapsedSec: elapsed() };
    return { status: 'done', result, elapsedSec: elapsed() };
  } catch (e) {
    if (e instanceof JobCancelled || token.cancelled) return { status: 'cancelled', partial: lastPartial, elapsedSec: elapsed() };
    const message = e instanceof Error ? e.message || e.name : String(e);
    return { status: 'error', message, partial: lastPartial, elapsedSec: elapsed() };
  }
}
