import { useEffect, useState } from 'react';
import { useApp, type Settings } from '../store';
import { getRegistry } from '../../core/models/registry';
import { loadModelFiles, type LoadProgress, type ModelSource } from '../../core/models/loader';
import { defaultModelCache, purgeModel } from '../../core/models/cache';
import { isQuotaError, openWorkbenchDb, putSetting } from '../../core/storage/db';
import { initRuntime, type BackendName } from '../../core/backend/runtime';
import { filesFromInput } from '../../ui/Dropzone';

/** Files from a folder the user picked this session (kept in memory only; file handles do not survive a reload). */
let pickedFolder: Map<string, Blob> | null = null;

export function currentModelSource(settings: Settings): ModelSource {
  if (pickedFolder) return { kind: 'localFiles', files: pickedFolder };
  return settings.modelSource === 'baseUrl' ? { kind: 'baseUrl', url: settings.modelBaseUrl } : { kind: 'official' };
}

async function saveSettings(s: Settings): Promise<void> {
  await putSetting(await openWorkbenchDb(), 'settings', s);
}

function formatMiB(b: number): string {
  return `${(b / 2 ** 20).toFixed(2)} MiB`;
}

function ModelRow({ id }: { id: string }) {
  const settings = useApp((s) => s.settings);
  const entry = getRegistry().models.find((m) => m.id === id)!;
  const [progress, setProgress] = useState<LoadProgress | null>(null);
  const [status, setStatus] = useState<string>('');
  const bytes = entry.files.reduce((s, f) => s + f.bytes, 0);
  const download = async () => {
    setStatus('loading…');
    try {
      let notCached = '';
      const files = await loadModelFiles(entry, currentModelSource(settings), {
        cache: defaultModelCache(),
        onProgress: setProgress,
        onCacheError: (e) => (notCached = isQuotaError(e) ? 'storage is full' : (e as Error)?.message || String(e)),
      });
      setStatus(`verified ${files.size} file(s) (sha256), ${notCached ? `not cached (${notCached}): they will be downloaded again next time` : 'cached'}`);
    } catch (e) {
      setStatus(`failed: ${(e as Error).message}`);
    }
  };
  return (
    <tr data-testid={`model-${id}`}>
      <td>
        <b>{entry.name}</b>
        <div className="muted small">{entry.description}</div>
        {entry.note && <div className="muted small">Note: {entry.note}</div>}
      </td>
      <td>{entry.format}</td>
      <td>{entry.files.length} files, {formatMiB(bytes)}</td>
      <td>{entry.licence}</td>
      <td>
        <button onClick={() => void download()}>Download &amp; verify</button>{' '}
        <button onClick={async () => setStatus(`removed ${await purgeModel(defaultModelCache(), id)} cached file(s)`)}>Remove from cache</button>
        {progress && status === 'loading…' && (
          <div>
            <progress value={progress.loaded} max={progress.total} /> {formatMiB(progress.loaded)} / {formatMiB(progress.total)} ({progress.file})
          </div>
        )}
        <div className="small" data-testid={`model-status-${id}`}>{status}</div>
      </td>
    </tr>
  );
}

export function ModelsView() {
  const { settings, setSettings, runtime, notify } = useApp();
  const [picked, setPicked] = useState<number>(pickedFolder?.size ?? 0);
  const registry = getRegistry();
  useEffect(() => {
    void saveSettings(settings).catch((e) => notify('error', (e as Error).message));
  }, [settings, notify]);
  return (
    <section className="view" data-testid="view-models">
      <h2>Models &amp; settings</h2>
      <div className="card">
        <h3>Compute backend</h3>
        <div className="row">
          <select
            value={settings.backend}
            data-testid="backend-setting"
            onChange={(e) => {
              const b = e.target.value as BackendName | 'auto';
              setSettings({ backend: b });
              void initRuntime(b).catch((err) => notify('error', (err as Error).message));
            }}
          >
            <option value="auto">Automatic (WebGPU → WebGL → CPU)</option>
            <option value="webgpu">WebGPU</option>
            <option value="webgl">WebGL</option>
            <option value="cpu">CPU</option>
            <option value="wasm">WebAssembly (CPU, SIMD)</option>
          </select>
          <span className="muted">Active: {runtime?.backend ?? '…'}. The URL query <code>?backend=cpu</code> overrides this for one visit.</span>
        </div>
      </div>
      <div className="card">
        <h3>Where model files come from</h3>
        <div className="row">
          <label>
            <input type="radio" checked={settings.modelSource === 'official'} onChange={() => setSettings({ modelSource: 'official' })} /> Official URLs (downloaded on demand, sha256-checked, cached)
          </label>
        </div>
        <div className="row">
          <label>
            <input type="radio" checked={settings.modelSource === 'baseUrl'} onChange={() => setSettings({ modelSource: 'baseUrl' })} /> Base URL:
          </label>
          <input type="text" value={settings.modelBaseUrl} size={40} onChange={(e) => setSettings({ modelBaseUrl: e.target.value })} data-testid="model-base-url" />
          <span className="muted small">files at &lt;base&gt;/&lt;model folder&gt;/&lt;file&gt;</span>
        </div>
        <div className="row">
          <label className="button">
            Use a local folder…
            <input
              type="file"
              hidden
              multiple
              {...({ webkitdirectory: '' } as Record<string, string>)}
              onChange={(e) => {
                const files = filesFromInput(e.target.files);
                pickedFolder = new Map(files.map((f) => [f.path, f.file as Blob]));
                setPicked(pickedFolder.size);
              }}
            />
          </label>
          {picked > 0 && (
            <>
              <span>{picked} files picked (used instead of URLs this session)</span>
              <button
                onClick={() => {
                  pickedFolder = null;
                  setPicked(0);
                }}
              >
                Forget folder
              </button>
            </>
          )}
        </div>
      </div>
      <h3>Registry</h3>
      <table>
        <tbody>
          {registry.models.map((m) => (
            <ModelRow key={m.id} id={m.id} />
          ))}
        </tbody>
      </table>
    </section>
  );
}
