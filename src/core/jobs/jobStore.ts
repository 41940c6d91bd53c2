/**
 * Main-thread job manager: starts each job in its own worker, mirrors its progress into a zustand
 * store for the Jobs view, persists a record (with its seed) to IndexedDB, and cancels on request.
 */
import { summariseParams, summariseResult } from './summarise';
import * as Comlink from 'comlink';
import { create } from 'zustand';
import type { ProgressReport } from './progress';
import type { JobOutcome } from './protocol';
import type { JobWorkerApi } from './worker';
import { newSeed } from '../rng/rng';
import { openWorkbenchDb, putJob, listJobs, type JobRecord } from '../storage/db';
import { runtimeState, type BackendName } from '../backend/runtime';

export interface JobView extends JobRecord {
  paused?: boolean;
  progress: ProgressReport | null;
  partial?: unknown;
  logs: string[];
  backend?: string;
}

interface JobState {
  jobs: Record<string, JobView>;
  order: string[];
  upsert: (j: JobView) => void;
  patch: (id: string, p: Partial<JobView>) => void;
}

export const useJobs = create<JobState>((set) => ({
  jobs: {},
  order: [],
  upsert: (j) => set((s) => ({ jobs: { ...s.jobs, [j.id]: j }, order: s.order.includes(j.id) ? s.order : [j.id, ...s.order] })),
  patch: (id, p) => set((s) => (s.jobs[id] ? { jobs: { ...s.jobs, [id]: { ...s.jobs[id], ...p } } } : s)),
}));

const live = new Map<string, { worker: Worker; api: Comlink.Remote<JobWorkerApi> }>();

export interface StartOptions<P> {
  kind: string;
  title: string;
  params: P;
  seed?: number;
  onPartial?: (data: unknown) => void;
  onProgress?: (p: ProgressReport) => void;
  /** Compute backend for this job's worker (default: the app's choice). */
  backend?: BackendName | 'auto';
}

function persist(j: JobView): void {
  const { progress: _p, partial: _pa, logs: _l, backend: _b, paused: _pz, ...record } = j;
  void openWorkbenchDb()
    .then((db) => putJob(db, { ...record, params: summariseParams(record.params), result: summariseResult(record.result) }))
    .catch((e) => useJobs.getState().patch(j.id, { logs: [...j.logs, `Could not save the job record: ${(e as Error).message}`] }));
}

export function startJob<P, R = unknown>(opts: StartOptions<P>): { id: string; done: Promise<JobOutcome<R>> } {
  const id = `${opts.kind}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const seed = opts.seed ?? newSeed();
  const view: JobView = {
    id, kind: opts.kind, title: opts.title, status: 'running', seed, params: opts.params,
    startedAt: Date.now(), fraction: 0, progress: null, logs: [],
  };
  const store = useJobs.getState();
  store.upsert(view);
  persist(view);

  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: `job:${opts.kind}` });
  const api = Comlink.wrap<JobWorkerApi>(worker);
  live.set(id, { worker, api });

  const events = Comlink.proxy({
    onProgress: (p: ProgressReport) => {
      useJobs.getState().patch(id, { progress: p, fraction: p.fraction });
      opts.onProgress?.(p);
    },
    onPartial: (d: unknown) => {
      useJobs.getState().patch(id, { partial: d });
      opts.onPartial?.(d);
    },
    onStart: (info: { backend?: string }) => useJobs.getState().patch(id, { backend: info.backend }),
    onLog: (m: string) => {
      const j = useJobs.getState().jobs[id];
      useJobs.getState().patch(id, { logs: [...(j?.logs ?? []), m] });
    },
  });

  const requested = opts.backend ?? runtimeState().requested;
  const done = (async (): Promise<JobOutcome<R>> => {
    let outcome: JobOutcome<R> & { backend?: string };
    try {
      worker.onerror = (ev) => ev.preventDefault();
      outcome = (await api.run(opts.kind, opts.params, seed, requested, events)) as JobOutcome<R> & { backend?: string };
    } catch (e) {
      outcome = { status: 'error', message: `The job worker crashed: ${(e as Error).message}`, elapsedSec: 0 };
    }
    const end: Partial<JobView> = { status: outcome.status, endedAt: Date.now(), backend: outcome.backend };
    if (outcome.status === 'done') Object.assign(end, { result: outcome.result, fraction: 1 });
    else if (outcome.status === 'error') Object.assign(end, { message: outcome.message, partial: outcome.partial });
    else Object.assign(end, { message: 'Cancelled', partial: outcome.partial });
    useJobs.getState().patch(id, end);
    const final = useJobs.getState().jobs[id];
    if (final) persist(final);
    live.delete(id);
    worker.terminate();
    return outcome;
  })();
  return { id, done };
}

/** Request cancel; the worker stops at its next checkpoint, and is killed if it does not within 5 s. */
export function cancelJob(id: string): void {
  const l = live.get(id);
  if (!l) return;
  void l.api.cancel();
  useJobs.getState().patch(id, { message: 'Cancelling…' });
  setTimeout(() => {
    if (!live.has(id)) return;
    l.worker.terminate();
    live.delete(id);
    useJobs.getState().patch(id, { status: 'cancelled', endedAt: Date.now(), message: 'Cancelled (worker stopped)' });
  }, 5000);
}

/** Pause or resume a running job; it holds at its next checkpoint (its worker and state stay alive). */
export function pauseJob(id: string, paused: boolean): void {
  const l = live.get(id);
  if (!l) return;
  void l.api.pause(paused);
  useJobs.getState().patch(id, { paused, message: paused ? 'Paused' : undefined });
}

/** Fault injection for the e2e suite: destroy the GPU device of a running job's worker (true if it had one). */
export async function destroyJobGpuDevice(id: string): Promise<boolean> {
  const l = live.get(id);
  return l ? l.api.destroyGpuDevice() : false;
}

/** Load finished job records from earlier sessions; jobs that were running when the page closed are marked interrupted. */
export async function restoreJobs(): Promise<void> {
  const db = await openWorkbenchDb();
  const records = await listJobs(db);
  for (const r of [...records].reverse()) {
    if (useJobs.getState().jobs[r.id]) continue;
    const interrupted = r.status === 'running' || r.status === 'queued';
    const view: JobView = { ...r, progress: null, logs: [], ...(interrupted ? { status: 'interrupted', message: 'Interrupted: the page was closed or reloaded while the job ran' } : {}) };
    useJobs.getState().upsert(view);
    if (interrupted) persist(view);
  }
}
