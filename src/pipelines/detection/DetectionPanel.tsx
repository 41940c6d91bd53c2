/** Panel for thesis chapter 3: detection and counting without NMS. */
import { useEffect, useState } from 'react';
import shippedCheckpointUrl from '../../../models/detector-small/detector-small.zip?url';
import { useDetector } from './detectorStore';
import { CellEditor } from './ui/CellEditor';
import { TrainingSection } from './ui/TrainingSection';
import { EvaluateSection } from './ui/EvaluateSection';
import { listCheckpoints, openWorkbenchDb, type CheckpointRecord } from '../../core/storage/db';
import { LOSS_LABELS } from './presets';
import { decodeToGray } from './ui/decodeGray';
import { downloadBlob } from '../../core/export/download';

const SHIPPED = 'Shipped checkpoint (small, responsibility loss)';

async function loadShipped(): Promise<void> {
  const res = await fetch(shippedCheckpointUrl);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  await useDetector.getState().loadModel(SHIPPED, new Uint8Array(await res.arrayBuffer()));
}

function ModelPicker() {
  const { model, modelError, loadModel } = useDetector();
  const [saved, setSaved] = useState<CheckpointRecord[]>([]);
  useEffect(() => {
    void openWorkbenchDb().then(listCheckpoints).then((all) => setSaved(all.filter((c) => c.pipeline === 'detection')));
  }, [model]);
  return (
    <div className="row">
      <label>
        Detector:
        <select
          data-testid="model-picker"
          value={model?.name ?? ''}
          onChange={async (e) => {
            const v = e.target.value;
            if (v === SHIPPED) await loadShipped();
            const rec = saved.find((c) => c.name === v);
            if (rec) await loadModel(rec.name, new Uint8Array(await rec.zip.arrayBuffer()));
          }}
        >
          {!model && <option value="">—</option>}
          <option value={SHIPPED}>{SHIPPED}</option>
          {saved.map((c) => (
            <option key={c.id} value={c.name}>{c.name}</option>
          ))}
          {model && model.name !== SHIPPED && !saved.some((c) => c.name === model.name) && <option value={model.name}>{model.name}</option>}
        </select>
      </label>
      <label className="button">
        Load checkpoint (.zip)…
        <input type="file" hidden accept=".zip" onChange={async (e) => {
          const f = e.target.files?.[0];
          if (f) await loadModel(f.name, new Uint8Array(await f.arrayBuffer()));
          e.target.value = '';
        }} />
      </label>
      {model && (
        <span className="muted small" data-testid="model-info">
          {model.config.name} detector, {LOSS_LABELS[model.loss]}, seed {model.info.seed}, step {model.info.step}
          {model.info.metrics?.f1 !== undefined && <>, validation F1 {model.info.metrics.f1.toFixed(3)}</>}
        </span>
      )}
      {model && (
        <button onClick={() => downloadBlob(new Blob([model.zip as Uint8Array<ArrayBuffer>], { type: 'application/zip' }), `${model.name.replace(/[^\w.-]+/g, '_')}.zip`)}>
          Export checkpoint (zip)
        </button>
      )}
      {modelError && <span className="err" role="alert">{modelError}</span>}
    </div>
  );
}

export default function DetectionPanel() {
  const { scene, model, detections, threshold, setThreshold, newScene, setCells, deleteSelected, selected, inferenceMs, setUpload } = useDetector();
  const [size, setSize] = useState(128);
  const [sceneSeed, setSceneSeed] = useState<number | ''>('');
  const [uploadError, setUploadError] = useState<string | null>(null);
  useEffect(() => {
    if (!useDetector.getState().scene) newScene(128);
    if (!useDetector.getState().model) void loadShipped().catch((e) => useDetector.setState({ modelError: `Could not load the shipped checkpoint: ${(e as Error).message}` }));
  }, [newScene]);
  const count = detections ? detections.scores.filter((s) => s >= threshold).length : null;
  return (
    <section className="view" data-testid="view-detection">
      <h2>Detection &amp; counting without NMS</h2>
      <p className="muted">
        A fully convolutional detector (thesis Table 3.1) trained with the responsibility loss (Eq 3.1–3.4) emits one box per cell, so the count is simply the number of
        boxes above the confidence threshold — no non-maximum suppression. Draw cells on the synthetic image and watch the boxes follow.
      </p>
      <ModelPicker />
      <div className="row">
        <label>
          Image size
          <select value={size} onChange={(e) => setSize(+e.target.value)}>
            {[64, 96, 128, 160, 224].map((s) => (
              <option key={s} value={s}>{s}×{s}</option>
            ))}
          </select>
        </label>
        <label>
          Seed
          <input type="number" value={sceneSeed} placeholder="random" onChange={(e) => setSceneSeed(e.target.value === '' ? '' : +e.target.value)} style={{ width: 110 }} data-testid="scene-seed" />
        </label>
        <button onClick={() => newScene(size, sceneSeed === '' ? undefined : sceneSeed)} data-testid="new-image">New image</button>
        <button onClick={() => setCells([])} disabled={!scene || scene.source !== 'simcep'} data-testid="clear-cells">Clear cells</button>
        <button onClick={deleteSelected} disabled={selected === null}>Delete selected</button>
        <label className="button">
          Open image…
          <input type="file" hidden accept="image/*,.tif,.tiff" onChange={async (e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (!f) return;
            try {
              const g = await decodeToGray(f);
              setUploadError(null);
              setUpload(f.name, g.image, g.width, g.height);
            } catch (err) {
              setUploadError(`${f.name}: ${(err as Error).message}`);
            }
          }} />
        </label>
        {uploadError && <span className="err" role="alert">{uploadError}</span>}
      </div>
      <div className="split">
        <CellEditor />
        <div className="side">
          <div className="card">
            <label>
              Confidence threshold: <b>{threshold.toFixed(2)}</b>
              <input type="range" min={0.05} max={0.95} step={0.01} value={threshold} onChange={(e) => setThreshold(+e.target.value)} style={{ width: '100%' }} data-testid="threshold" />
            </label>
            <p style={{ fontSize: 22, margin: '8px 0' }}>
              Count: <b data-testid="detected-count">{count ?? '–'}</b>
              {scene?.boxes && <span className="muted" style={{ fontSize: 14 }}> (true: <span data-testid="true-count">{scene.boxes.length}</span>)</span>}
            </p>
            <p className="muted small">
              Red: confidence ≥ threshold (detections). Blue: below. Opacity shows confidence; boxes under 0.1 are hidden.
              {inferenceMs !== null && <> Inference {inferenceMs.toFixed(0)} ms.</>}
              {scene?.source === 'simcep' && <> Seed {scene.seed}.</>}
            </p>
            {!model && <p className="muted">Loading the detector…</p>}
            <p className="muted small">Click empty space to add a cell, drag to move, drag the yellow handle to resize, double-click or Delete to remove.</p>
          </div>
        </div>
      </div>
      <TrainingSection />
      <EvaluateSection />
    </section>
  );
}
