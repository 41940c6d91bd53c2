import { useEffect, useState } from 'react';
import * as tf from '@tensorflow/tfjs';
import { useApp } from './store';

function formatBytes(b: number): string {
  if (b < 1024) return `${b} B`;
  if (b < 2 ** 20) return `${(b / 1024).toFixed(1)} KiB`;
  if (b < 2 ** 30) return `${(b / 2 ** 20).toFixed(1)} MiB`;
  return `${(b / 2 ** 30).toFixed(2)} GiB`;
}

/** Active backend, adapter and live tf.memory() of the main thread. */
export function StatusBar() {
  const runtime = useApp((s) => s.runtime);
  const runtimeError = useApp((s) => s.runtimeError);
  const [mem, setMem] = useState({ numTensors: 0, numBytes: 0 });
  useEffect(() => {
    const t = setInterval(() => {
      const m = tf.memory();
      setMem({ numTensors: m.numTensors, numBytes: m.numBytes });
    }, 1000);
    return () => clearInterval(t);
  }, []);
  const adapter = runtime?.adapter;
  return (
    <footer className="statusbar" data-testid="statusbar">
      <span>
        Backend: <b data-testid="backend">{runtime?.backend ?? (runtimeError ? 'none' : 'starting…')}</b>
        {runtime && runtime.requested !== 'auto' && <> (forced: {runtime.requested})</>}
      </span>
      <span data-testid="adapter">
        Adapter: {adapter ? `${adapter.vendor} / ${adapter.architecture}${adapter.description ? ` (${adapter.description})` : ''}` : runtime?.backend ? 'n/a' : '…'}
      </span>
      <span data-testid="memory">
        tf.memory: {mem.numTensors} tensors, {formatBytes(mem.numBytes)}
      </span>
      {runtime?.deviceLost && (
        <span className="warn" data-testid="device-lost">
          GPU device lost ({runtime.deviceLost.reason}: {runtime.deviceLost.message}); re-initialised {runtime.reinitCount}×
        </span>
      )}
    </footer>
  );
}

/** A visible notice whenever the runtime is not on the preferred backend, with the reasons. */
export function FallbackNotice() {
  const runtime = useApp((s) => s.runtime);
  const runtimeError = useApp((s) => s.runtimeError);
  if (runtimeError) return <div className="notice error" role="alert">No compute backend could start: {runtimeError}</div>;
  if (!runtime || runtime.fallbacks.length === 0) return null;
  return (
    <div className="notice warning" role="status" data-testid="fallback-notice">
      Running on <b>{runtime.backend}</b> instead of {runtime.fallbacks[0].backend}:
      <ul>
        {runtime.fallbacks.map((f) => (
          <li key={f.backend}>
            {f.backend}: {f.reason}
          </li>
        ))}
      </ul>
    </div>
  );
}
