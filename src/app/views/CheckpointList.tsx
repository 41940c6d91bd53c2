import { useEffect, useState } from 'react';
import { listCheckpoints, openWorkbenchDb, putCheckpoint, type CheckpointRecord } from '../../core/storage/db';
import { downloadBlob } from '../../core/export/download';
import { readZip } from '../../core/export/zip';
import { useApp } from '../store';

/** Checkpoints saved by training jobs: export as a tfjs-format zip, import one back. */
export function CheckpointList() {
  const [items, setItems] = useState<CheckpointRecord[]>([]);
  const notify = useApp((s) => s.notify);
  const refresh = async () => setItems(await listCheckpoints(await openWorkbenchDb()));
  useEffect(() => {
    void refresh();
  }, []);
  const importZip = async (file: File) => {
    try {
      const entries = readZip(new Uint8Array(await file.arrayBuffer()));
      const names = Object.keys(entries);
      if (!names.includes('model.json')) throw new Error(`${file.name} has no model.json (entries: ${names.slice(0, 10).join(', ')})`);
      const modelJson = JSON.parse(new TextDecoder().decode(entries['model.json'])) as { userDefinedMetadata?: { pipeline?: string } };
      const rec: CheckpointRecord = {
        id: `ckpt-${Date.now().toString(36)}`,
        name: file.name.replace(/\.zip$/i, ''),
        pipeline: modelJson.userDefinedMetadata?.pipeline ?? 'imported',
        createdAt: Date.now(),
        zip: file,
        meta: { importedFrom: file.name },
      };
      await putCheckpoint(await openWorkbenchDb(), rec);
      notify('info', `Imported checkpoint ${rec.name}`);
      await refresh();
    } catch (e) {
      notify('error', `Could not import ${file.name}: ${(e as Error).message}`);
    }
  };
  return (
    <div data-testid="checkpoints">
      <h3>Checkpoints</h3>
      <label className="button">
        Import checkpoint (.zip)…
        <input type="file" hidden accept=".zip" onChange={(e) => e.target.files?.[0] && void importZip(e.target.files[0])} />
      </label>
      {items.length === 0 ? (
        <p className="muted">No checkpoints yet. Training jobs save them here.</p>
      ) : (
        <table>
          <tbody>
            {items.map((c) => (
              <tr key={c.id}>
                <td>{c.name}</td>
                <td>{c.pipeline}</td>
                <td>{new Date(c.createdAt).toLocaleString()}</td>
                <td>
                  <button onClick={() => downloadBlob(c.zip, `${c.name}.zip`)}>Export (zip)</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
