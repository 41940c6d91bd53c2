import { StrictMode } from 'react';
import * as tf from '@tensorflow/tfjs';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { useApp, defaultSettings, type Settings } from './app/store';
import { backendFromQuery, currentGpuDevice, initRuntime, onRuntimeChange } from './core/backend/runtime';
import { getSetting, openWorkbenchDb } from './core/storage/db';
import { destroyJobGpuDevice, restoreJobs, useJobs } from './core/jobs/jobStore';
import './app/app.css';

async function boot(): Promise<void> {
  const app = useApp.getState();
  let settings: Settings = defaultSettings;
  try {
    const db = await openWorkbenchDb();
    settings = { ...defaultSettings, ...(await getSetting<Partial<Settings>>(db, 'settings', {})) };
    app.setSettings(settings);
    await restoreJobs();
  } catch (e) {
    app.notify('error', `Project storage (IndexedDB) is unavailable: ${(e as Error).message}. Nothing will be saved.`);
  }
  onRuntimeChange((r) => useApp.getState().setRuntime(r));
  const fromQuery = backendFromQuery(location.search);
  try {
    await initRuntime(fromQuery !== 'auto' ? fromQuery : settings.backend);
  } catch (e) {
    app.setRuntimeError((e as Error).message);
  }
}

/** Fault-injection hooks for the e2e suite: simulate GPU device loss on the page or in running jobs' workers. */
(window as unknown as { __workbench: object }).__workbench = {
  destroyGpuDevice: () => currentGpuDevice()?.destroy(),
  /** Destroys the device of the job `id`, or of every running job; resolves to how many had one. */
  destroyJobGpuDevice: async (id?: string): Promise<number> => {
    const ids = id ? [id] : Object.values(useJobs.getState().jobs).filter((j) => j.status === 'running').map((j) => j.id);
    return (await Promise.all(ids.map(destroyJobGpuDevice))).filter(Boolean).length;
  },
};
(window as unknown as { __tf: typeof tf }).__tf = tf;

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
void boot();
