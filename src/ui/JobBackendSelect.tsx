/**
 * The compute backend a job's worker should use. Default policy: on a software WebGPU adapter
 * (SwiftShader: every dispatch emulated on the CPU, shaders compiled per shape) the CPU backend is
 * faster, so jobs use it; otherwise they follow the app's choice. The user can override.
 */
import { useState } from 'react';
import { useApp } from '../app/store';
import { isSoftwareAdapter, type BackendName } from '../core/backend/runtime';

export type BackendChoice = BackendName | 'default';

export interface JobBackend {
  choice: BackendChoice;
  setChoice: (c: BackendChoice) => void;
  /** What to pass to startJob's `backend`. */
  backend: BackendName | 'auto';
  /** The app runs WebGPU on a software adapter. */
  software: boolean;
}

export function useJobBackend(): JobBackend {
  const runtime = useApp((s) => s.runtime);
  const [choice, setChoice] = useState<BackendChoice>('default');
  const software = runtime?.backend === 'webgpu' && isSoftwareAdapter(runtime.adapter);
  const backend: BackendName | 'auto' = choice === 'default' ? (software ? 'cpu' : (runtime?.requested ?? 'auto')) : choice;
  return { choice, setChoice, backend, software };
}

export function JobBackendSelect({ job, testId }: { job: JobBackend; testId: string }) {
  const runtime = useApp((s) => s.runtime);
  return (
    <label>
      Backend
      <select value={job.choice} onChange={(e) => job.setChoice(e.target.value as BackendChoice)} data-testid={testId} data-backend={job.backend}>
        <option value="default">{job.software ? 'CPU (faster than this software WebGPU adapter)' : `Same as the app (${runtime?.backend ?? '…'})`}</option>
        <option value="webgpu">WebGPU</option>
        <option value="webgl">WebGL</option>
        <option value="cpu">CPU</option>
      </select>
    </label>
  );
}
