/**
 * The job worker: one dedicated Web Worker per running job. Exposed through comlink; the main
 * thread calls `run` with proxied event callbacks and may call `cancel` at any time (delivered
 * between the handler's checkpoints).
 */
import * as Comlink from 'comlink';
import { jobHandlers } from './handlers';
import { runJob, type JobEvents, type JobOutcome } from './protocol';
import { initRuntime, runtimeState, type BackendName } from '../backend/runtime';

const token: { cancelled: boolean; paused: boolean } = { cancelled: false, paused: false };

const api = {
  async run(kind: string, params: unknown, seed: number, backend: BackendName | 'auto', events: JobEvents): Promise<JobOutcome & { backend?: string }> {
    const entry = jobHandlers[kind];
    if (!entry) return { status: 'error', message: `Unknown job kind '${kind}'`, elapsedSec: 0 };
    let backendName: string | undefined;
    if (entry.needsTf) {
      try {
        const st = await initRuntime(backend);
        backendName = st.backend ?? undefined;
        if (st.fallbacks.length > 0) events.onLog?.(`Worker backend ${st.backend}; skipped: ${st.fallbacks.map((f) => `${f.backend} (${f.reason})`).join(', ')}`);
      } catch (e) {
        return { status: 'error', message: (e as Error).message, elapsedSec: 0 };
      }
    }
    events.onStart?.({ backend: backendName });
    const handler = await entry.load();
    const outcome = await runJob(handler, params as never, seed, token, events);
    if (entry.needsTf && runtimeState().deviceLost && outcome.status === 'error') {
      return { ...outcome, message: `GPU device lost during the job: ${outcome.message}`, backend: backendName };
    }
    return { ...outcome, backend: backendName };
  },
  cancel(): void {
    token.cancelled = true;
  },
  pause(paused: boolean): void {
    token.paused = paused;
  },
};

export type JobWorkerApi = typeof api;
Comlink.expose(api);
