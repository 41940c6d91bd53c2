import { useEffect, useState } from 'react';
import { listCheckpoints, openWorkbenchDb, putCheckpoint, type CheckpointRecord } from '../../core/storage/db';
import { downloadBlob } from '../../core/export/download';
import { importLayersModelFromZip, repackModelZip } from '../../core/export/modelZip';
import { useApp } from '../store';

/**
 * Check an imported checkpoint before it is stored: complete weights (repackModelZip), a layers
 * model's weights matching its topology, a detection checkpoint's weights matching its detector
 * config. Resolves to the re-packed zip (model.json and shards only, safe entry names).
 */
async function checkedCheckpoint(file: File): Promise<{ zip: Uint8Array; pipeline: string }> {
  const { zip, modelJson } = repackModelZip(new Uint8Array(await file.arrayBuffer()), file.name);
  const meta = modelJson.userDefinedMetadata as { pipeline?: unknown } | undefined;
  const pipeline = typeof meta?.pipeline === 'string' ? meta.pipeline : 'imported';
  if (modelJson.modelTopology !== undefined) (await importLayersModelFromZip(zip)).dispose();
  if (pipeline === 'detection') {
    const { loadDetectorCheckpoint } = await import('../../pipelines/detection/checkpoint');
    const { disposeDetectorWeights } = await import('../../pipelines/detection/model');
    disposeDetectorWeights(loadDetectorCheckpoint(zip).weights);
  }
  return { zip, pipeline };
}

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
      const { zip, pipeline } = await checkedCheckpoint(file);
      const rec: CheckpointRecord = {
        id: `ckpt-${Date.now().toString(36)}`,
        name: file.name.replace(/\.zip$/i, ''),
        pipeline,
        createdAt: Date.now(),
        zip: new Blob([zip as Uint8Array<ArrayBuffer>], { type: 'application/zip' }),
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
        <input type="file" hidden accept=".zip" onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = ''; // the same file can be picked again after a fix
          if (f) void importZip(f);
        }} />
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
