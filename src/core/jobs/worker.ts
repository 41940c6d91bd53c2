/**
 * The job worker: one dedicated Web Worker per running job. Exposed through comlink; the main
 * thread calls `run` with proxied event callbacks and may call `cancel` at any time (delivered
 * between the handler's checkpoints).
 */
import * as Comlink from 'comlink';
import { jobHandlers } from './handlers';
import { runJob, type JobEvents, type JobOutcome } from './protocol';
import { currentGpuDevice, initRuntime, onRuntimeChange, runtimeState, type BackendName } from '../backend/runtime';
import { deviceLostMessage, stopOnDeviceLoss, type DeviceLoss } from './deviceLoss';

const token: { cancelled: boolean; paused: boolean } = { cancelled: false, paused: false };

/** Resolves when this worker's GPU device is lost. */
function deviceLost(): Promise<DeviceLoss> {
  return new Promise((resolve) => {
    const off = onRuntimeChange((s) => {
      if (!s.deviceLost) return;
      off();
      resolve(s.deviceLost);
    });
  });
}

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
    const t0 = performance.now();
    let lastPartial: unknown;
    const tracked: JobEvents = {
      onProgress: (p) => events.onProgress?.(p),
      onPartial: (d) => {
        lastPartial = d;
        events.onPartial?.(d);
      },
      onLog: (m) => events.onLog?.(m),
    };
    const running = runJob(handler, params as never, seed, token, tracked);
    const outcome = entry.needsTf && backendName === 'webgpu'
      ? await stopOnDeviceLoss(running, deviceLost(), () => (token.cancelled = true), () => lastPartial, () => (performance.now() - t0) / 1000)
      : await running;
    const lost = runtimeState().deviceLost;
    if (entry.needsTf && lost && outcome.status === 'error' && !outcome.message.startsWith('GPU device lost')) {
      return { ...outcome, message: deviceLostMessage(lost, outcome.message), backend: backendName };
    }
    return { ...outcome, backend: backendName };
  },
  cancel(): void {
    token.cancelled = true;
  },
  pause(paused: boolean): void {
    token.paused = paused;
  },
  /** Fault injection for the e2e suite: destroy this worker's GPU device (true if it had one). */
  destroyGpuDevice(): boolean {
    const device = currentGpuDevice();
    device?.destroy();
    return device !== null;
  },
};

export type JobWorkerApi = typeof api;
Comlink.expose(api);
