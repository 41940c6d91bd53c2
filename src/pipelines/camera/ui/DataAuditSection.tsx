/**
 * Camera-bias data: generate the simulated batch-code dataset (with camera traits switchable) or
 * pick a dataset, choose where class and camera come from (labels / folder template / EXIF), and
 * audit the class × camera table: Cramér's V, the accuracy a camera-recognising "cheat" would get,
 * and a warning when camera predicts class.
 */
import { useEffect, useMemo, useState } from 'react';
import { useDatasets } from '../../../core/data/datasetStore';
import { startJob } from '../../../core/jobs/jobStore';
import type { ProgressReport } from '../../../core/jobs/progress';
import { JobProgress } from '../../../ui/JobProgress';
import { auditBias } from '../lab/audit';
import { twoLabelDataset } from '../lab/labels';
import { CAMERAS, TRAITS, type Trait } from '../sim/camera';
import type { CameraSimDatasetParams } from '../simDatasetJob';
import { useCamera } from './cameraStore';

const TRAIT_HELP: Record<Trait, string> = {
  prnu: 'fixed per-camera pixel gain pattern (PRNU)',
  noise: 'shot and read noise',
  bayer: 'colour filter array layout',
  demosaic: 'demosaicing method',
  denoise: 'in-camera denoising',
  sharpen: 'sharpening kernel',
  colour: 'colour matrix and white balance',
  tone: 'tone curve',
  jpeg: 'JPEG quality and chroma subsampling',
};

export function DataAuditSection() {
  const { datasets, items: dsItems, select, selectedId, refreshList } = useDatasets();
  const { datasetId, setDatasetId, source, setSource, items, problems, setLabelled } = useCamera();
  const [size, setSize] = useState(128);
  const [perCell, setPerCell] = useState(24);
  const [fieldOfView, setFieldOfView] = useState(0.25);
  const [seed, setSeed] = useState(1);
  const [traits, setTraits] = useState<Record<Trait, boolean>>(Object.fromEntries(TRAITS.map((t) => [t, true])) as Record<Trait, boolean>);
  const [progress, setProgress] = useState<ProgressReport | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (datasetId && selectedId !== datasetId) void select(datasetId);
  }, [datasetId, selectedId, select]);
  useEffect(() => {
    if (!datasetId || selectedId !== datasetId) return;
    const r = twoLabelDataset(dsItems, source);
    setLabelled(r.items, r.problems);
  }, [datasetId, selectedId, dsItems, source, setLabelled]);
  const audit = useMemo(() => (items.length ? auditBias(items) : null), [items]);

  const generate = async () => {
    setBusy(true);
    setError(null);
    const id = `ds-camsim-${Date.now().toString(36)}`;
    const off = TRAITS.filter((t) => !traits[t]);
    const { done } = startJob<CameraSimDatasetParams>({
      kind: 'camera-sim-dataset',
      title: `Simulate batch codes (${2 * CAMERAS.length * perCell} images, ${size}²)`,
      params: { datasetId: id, name: `Simulated batch codes ${size}²${fieldOfView < 1 ? `, ${fieldOfView} field of view` : ''} (seed ${seed}${off.length ? `, off: ${off.join(', ')}` : ''})`, perCell, size, seed, traits, fieldOfView },
      seed,
      onProgress: setProgress,
    });
    const outcome = await done;
    setBusy(false);
    await refreshList();
    if (outcome.status === 'done') setDatasetId(id);
    else setError(outcome.status === 'error' ? outcome.message : 'Cancelled');
  };

  return (
    <div data-testid="camera-data">
      <div className="row">
        <strong>Simulator</strong>
        <label>size <select value={size} onChange={(e) => setSize(Number(e.target.value))} data-testid="sim-size">{[64, 128, 256, 512, 1024].map((s) => <option key={s} value={s}>{s}²</option>)}</select></label>
        <label title="how much of the thesis's photo the image shows, centred on the code: the whole crop (thesis framing; printer dots are sub-pixel below 512²) or a closer view in which the dots stay resolvable at small sizes">field of view <select value={fieldOfView} onChange={(e) => setFieldOfView(Number(e.target.value))} data-testid="sim-fov">
          <option value={1}>whole crop (thesis)</option>
          <option value={0.5}>½ around the code</option>
          <option value={0.25}>¼ around the code (small config)</option>
        </select></label>
        <label>images per manufacturer × camera <input type="number" min={2} max={1000} value={perCell} onChange={(e) => setPerCell(Math.max(2, Number(e.target.value)))} style={{ width: 70 }} data-testid="sim-per-cell" /></label>
        <label>seed <input type="number" value={seed} onChange={(e) => setSeed(Number(e.target.value))} style={{ width: 70 }} /></label>
        <button onClick={() => void generate()} disabled={busy} data-testid="sim-generate">Generate dataset</button>
        {busy && <JobProgress progress={progress} unit="images" />}
      </div>
      <div className="row small">
        Camera traits:
        {TRAITS.map((t) => (
          <label key={t} title={TRAIT_HELP[t]}>
            <input type="checkbox" checked={traits[t]} onChange={(e) => setTraits({ ...traits, [t]: e.target.checked })} /> {t}
          </label>
        ))}
        <span className="muted">(off = the same neutral stage for every camera)</span>
      </div>
      <div className="row">
        <label>
          Dataset{' '}
          <select value={datasetId ?? ''} onChange={(e) => setDatasetId(e.target.value || null)} data-testid="camera-dataset">
            <option value="">(choose)</option>
            {datasets.map((d) => <option key={d.id} value={d.id}>{d.name} ({d.itemCount})</option>)}
          </select>
        </label>
        <label>
          labels from{' '}
          <select
            value={source.kind}
            onChange={(e) => setSource(e.target.value === 'exif' ? { kind: 'exif' } : e.target.value === 'folder' ? { kind: 'folder' } : { kind: 'labels', classKey: 'class', cameraKey: 'camera' })}
            data-testid="label-source"
          >
            <option value="labels">class / camera labels (template or manifest)</option>
            <option value="folder">folder template class/camera/…</option>
            <option value="exif">camera from EXIF make/model, class from folder</option>
          </select>
        </label>
      </div>
      {error && <div className="notice error">{error}</div>}
      {problems.length > 0 && (
        <details className="small">
          <summary>{problems.length} file(s) without both labels</summary>
          <ul>{problems.slice(0, 50).map((p) => <li key={p.path + p.reason}>{p.path || '(source)'}: {p.reason}</li>)}</ul>
        </details>
      )}
      {audit && (
        <div className="card" data-testid="bias-audit">
          <strong>Bias audit</strong>{' '}
          <span className={audit.verdict === 'ok' ? 'status done' : 'status error'} data-testid="audit-verdict">{audit.verdict}</span>
          <table className="small">
            <thead>
              <tr><th>class \ camera</th>{audit.table.cameras.map((c) => <th key={c}>{c}</th>)}<th>total</th></tr>
            </thead>
            <tbody>
              {audit.table.classes.map((cls, i) => (
                <tr key={cls}><td>{cls}</td>{audit.table.counts[i].map((v, j) => <td key={j}>{v}</td>)}<td>{audit.table.classTotals[i]}</td></tr>
              ))}
            </tbody>
          </table>
          <p className="small">
            Cramér's V {audit.cramersV.toFixed(3)} (bias-corrected {audit.cramersVCorrected.toFixed(3)}); a classifier that only recognises cameras would score{' '}
            {(100 * audit.cheatAccuracy).toFixed(1)}% (majority class: {(100 * audit.majorityAccuracy).toFixed(1)}%).
          </p>
          <ul className="small">{audit.messages.map((m) => <li key={m}>{m}</li>)}</ul>
          {audit.disabledReason && <div className="notice warning">{audit.disabledReason}</div>}
        </div>
      )}
    </div>
  );
}
