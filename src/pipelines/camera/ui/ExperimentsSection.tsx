/**
 * The thesis's camera-bias experiments as one-click presets (Tables 6.1–6.6, Figs 6.3–6.5,
 * 6.8/6.9): on the simulator (seeded, generated in the job) or on the chosen dataset, `small` or
 * `thesis` configuration, averaged over seeds, with live curves and the thesis's numbers beside
 * ours. Uses the split settings above (split seed, Partial cameras, Disjoint mapping).
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type Plotly from 'plotly.js-dist-min';
import { useDatasets } from '../../../core/data/datasetStore';
import { cancelJob, startJob } from '../../../core/jobs/jobStore';
import type { ProgressReport } from '../../../core/jobs/progress';
import { getFile, openWorkbenchDb } from '../../../core/storage/db';
import { JobBackendSelect, useJobBackend } from '../../../ui/JobBackendSelect';
import { JobProgress } from '../../../ui/JobProgress';
import { Plot } from '../../../ui/Plot';
import { PRESETS, PRESET_LABELS, type CameraExperimentParams, type CameraExperimentPartial, type CameraExperimentResult, type ConfigName, type ExperimentPreset } from '../train/experiments';
import { useCamera } from './cameraStore';
import { useApp } from '../../../app/store';
import { currentModelSource } from '../../../app/views/ModelsView';
import type { LoadProgress } from '../../../core/models/loader';
import { fetchExperimentModels } from '../../style/ui/experimentModels';
import { MOBILENET_OUTPUT_LAYER } from '../train/experiments';

function RgbaCanvas({ rgba, width, height, size = 200, testId }: { rgba: Uint8ClampedArray; width: number; height: number; size?: number; testId?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    const g = c?.getContext('2d');
    if (!c || !g) return;
    c.width = width;
    c.height = height;
    g.putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
  }, [rgba, width, height]);
  return <canvas ref={ref} style={{ width: size, height: (size * height) / width, imageRendering: 'pixelated' }} data-testid={testId} />;
}

const fmt = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(3));

export function ExperimentsSection() {
  const { datasetId, items, split } = useCamera();
  const { items: dsItems } = useDatasets();
  const [preset, setPreset] = useState<ExperimentPreset>('manufacturer');
  const [config, setConfig] = useState<ConfigName>('small');
  const [seeds, setSeeds] = useState(2);
  const [source, setSource] = useState<'simulator' | 'dataset'>('simulator');
  const [simSeed, setSimSeed] = useState(1);
  const [epochs, setEpochs] = useState<number | ''>('');
  const [trainPerCell, setTrainPerCell] = useState<number | ''>('');
  const [testPerCell, setTestPerCell] = useState<number | ''>('');
  const [withDownsampled, setWithDownsampled] = useState(false);
  const [model, setModel] = useState<'resnet' | 'mobilenet'>('resnet');
  const [loadProgress, setLoadProgress] = useState<LoadProgress | null>(null);
  const [preparing, setPreparing] = useState(false);
  const settings = useApp((s) => s.settings);
  const [jobId, setJobId] = useState<string | null>(null);
  const [progress, setProgress] = useState<ProgressReport | null>(null);
  const [partial, setPartial] = useState<CameraExperimentPartial | null>(null);
  const [result, setResult] = useState<CameraExperimentResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const job = useJobBackend();

  const run = async () => {
    setError(null);
    setResult(null);
    setPartial(null);
    let src: CameraExperimentParams['source'] = { kind: 'simulator', seed: simSeed };
    if (source === 'dataset') {
      if (!datasetId || items.length === 0) {
        setError('Choose a dataset with class and camera labels first');
        return;
      }
      const db = await openWorkbenchDb();
      const byId = new Map(dsItems.map((d) => [d.id, d]));
      const inputs: { path: string; file: Blob; cls: string; camera: string }[] = [];
      for (const it of items) {
        const file = await getFile(db, datasetId, it.id);
        if (file) inputs.push({ path: byId.get(it.id)?.path ?? it.path, file, cls: it.cls, camera: it.camera });
      }
      src = { kind: 'dataset', items: inputs };
    }
    let mobilenetFiles: Record<string, ArrayBuffer> | undefined;
    if (model === 'mobilenet') {
      setPreparing(true);
      try {
        mobilenetFiles = (await fetchExperimentModels({ style: false, transformer: 'int8', mobilenetLayer: MOBILENET_OUTPUT_LAYER }, currentModelSource(settings), setLoadProgress)).mobilenetFiles;
      } catch (e) {
        setError(`Could not load the MobileNet v1 files: ${(e as Error).message}`);
        return;
      } finally {
        setPreparing(false);
        setLoadProgress(null);
      }
    }
    const params: CameraExperimentParams = {
      preset, config, seeds: Array.from({ length: seeds }, (_, i) => i + 1), source: src, withDownsampled,
      ...(mobilenetFiles ? { model: 'mobilenet' as const, mobilenetFiles } : {}),
      splitSeed: split.seed, ...(split.mapping ? { disjointMapping: split.mapping } : {}), ...(split.partialCameras.length ? { partialCameras: split.partialCameras } : {}),
      ...(epochs !== '' ? { epochs } : {}),
      ...(trainPerCell !== '' ? { trainPerCell } : {}),
      ...(testPerCell !== '' ? { testPerCell } : {}),
    };
    const { id, done } = startJob<CameraExperimentParams, CameraExperimentResult>({
      kind: 'camera-experiment', title: `${PRESET_LABELS[preset]} — ${config}, ${seeds} seed(s)`, params, seed: params.seeds[0], backend: job.backend,
      onProgress: setProgress, onPartial: (p) => setPartial(p as CameraExperimentPartial),
    });
    setJobId(id);
    const outcome = await done;
    setJobId(null);
    if (outcome.status === 'done') setResult(outcome.result);
    else setError(outcome.status === 'error' ? outcome.message : 'Cancelled');
  };

  const shown = result ?? partial;
  const live = partial?.live;
  const curve = useMemo<Plotly.Data[]>(() => (live ? [
    { type: 'scatter', mode: 'lines+markers', x: live.epochs.map((e) => e.epoch), y: live.epochs.map((e) => e.trainAccuracy), name: 'train accuracy' },
    { type: 'scatter', mode: 'lines+markers', x: live.epochs.map((e) => e.epoch), y: live.epochs.map((e) => e.testAccuracy), name: 'test accuracy' },
  ] : []), [live]);

  return (
    <div data-testid="camera-experiments">
      <div className="row">
        <label>preset <select value={preset} onChange={(e) => setPreset(e.target.value as ExperimentPreset)} data-testid="camera-preset">
          {PRESETS.map((p) => <option key={p} value={p}>{PRESET_LABELS[p]}</option>)}
        </select></label>
        <label>config <select value={config} onChange={(e) => setConfig(e.target.value as ConfigName)} data-testid="camera-config">
          <option value="small">small (128², CPU minutes)</option>
          <option value="thesis">thesis (1024², GPU)</option>
        </select></label>
        <label>seeds <input type="number" min={1} max={10} value={seeds} onChange={(e) => setSeeds(Math.max(1, Number(e.target.value)))} style={{ width: 50 }} data-testid="camera-seeds" /></label>
        <label>epochs <input type="number" min={1} placeholder="config" value={epochs} onChange={(e) => setEpochs(e.target.value === '' ? '' : Math.max(1, Number(e.target.value)))} style={{ width: 60 }} data-testid="camera-epochs" /></label>
        <label title="simulated images per manufacturer × camera for training / for the test set (default: the config's)">
          per cell: train <input type="number" min={1} placeholder="config" value={trainPerCell} onChange={(e) => setTrainPerCell(e.target.value === '' ? '' : Math.max(1, Number(e.target.value)))} style={{ width: 60 }} data-testid="camera-train-per-cell" />
          {' '}test <input type="number" min={1} placeholder="config" value={testPerCell} onChange={(e) => setTestPerCell(e.target.value === '' ? '' : Math.max(1, Number(e.target.value)))} style={{ width: 60 }} data-testid="camera-test-per-cell" />
        </label>
      </div>
      <div className="row">
        <label>data <select value={source} onChange={(e) => setSource(e.target.value as 'simulator' | 'dataset')} data-testid="camera-source">
          <option value="simulator">simulator (generated in the job)</option>
          <option value="dataset">the chosen dataset ({items.length} labelled images)</option>
        </select></label>
        {source === 'simulator' && <label>simulator seed <input type="number" value={simSeed} onChange={(e) => setSimSeed(Number(e.target.value))} style={{ width: 60 }} /></label>}
        <label title="ResNet-style CNN trained from scratch on full-resolution input, or ImageNet MobileNet v1 (frozen, files from the model registry or the local model folder) with a trained dense head">model <select value={model} onChange={(e) => setModel(e.target.value as 'resnet' | 'mobilenet')} data-testid="camera-model">
          <option value="resnet">ResNet from scratch (full resolution)</option>
          <option value="mobilenet">MobileNet v1 (ImageNet, frozen) + head</option>
        </select></label>
        <label title="also train a model that downsamples its input first (the thesis's AlexNet/VGG observation)">
          <input type="checkbox" checked={withDownsampled} onChange={(e) => setWithDownsampled(e.target.checked)} /> + downsampled model
        </label>
        <JobBackendSelect job={job} testId="camera-backend" />
        <button onClick={() => void run()} disabled={jobId !== null || preparing} data-testid="camera-run">Run</button>
        {preparing && <span>Loading MobileNet v1 files…{loadProgress && <> <progress value={loadProgress.loaded} max={loadProgress.total} /> {loadProgress.file}</>}</span>}
        {jobId && (
          <>
            <JobProgress progress={progress} unit="steps" />
            <button onClick={() => cancelJob(jobId)}>Cancel</button>
          </>
        )}
      </div>
      {error && <div className="notice error" role="alert">{error}</div>}
      {live && !result && <Plot name="camera-live-curve" data={curve} height={260} layout={{ title: { text: `${live.rowId}, seed ${live.seed}` }, yaxis: { range: [0, 1] } }} table={{ columns: ['epoch', 'train_accuracy', 'test_accuracy'], rows: live.epochs.map((e) => [e.epoch, e.trainAccuracy, e.testAccuracy]) }} />}
      {shown && <ExperimentResultView result={shown} done={result !== null} />}
    </div>
  );
}

function ExperimentResultView({ result, done }: { result: CameraExperimentPartial | CameraExperimentResult; done: boolean }) {
  const barsRow = result.rows.find((r) => r.bars && r.bars.length > 0 && r.spec.training === 'disjoint') ?? result.rows.find((r) => r.bars && r.bars.length > 0);
  return (
    <div data-testid={done ? 'camera-result' : 'camera-partial'}>
      <p className="small">
        Classes {result.classes.join(', ')}; cameras {result.cameras.join(', ')}. Test set: {result.split.test}. Seeds {result.seeds.join(', ')}.
        {' '}<span data-testid="camera-result-model">Model: {result.settings.model === 'mobilenet' ? 'frozen MobileNet v1 + trained head' : 'ResNet from scratch'}, backend {String(result.settings.backend)}.</span>
        {' '}Each run’s trained model is saved under Checkpoints in the Jobs view (zip export).
      </p>
      <table className="small" data-testid="camera-result-table">
        <thead><tr><th>setting</th><th>train images</th><th>test accuracy (mean ± std)</th><th>worst group</th><th>thesis ({result.rows[0]?.thesisReference.model ?? 'ResNet34'})</th></tr></thead>
        <tbody>
          {result.rows.map((r) => (
            <tr key={r.spec.id} data-testid={`camera-row-${r.spec.id}`}>
              <td>{r.spec.label}</td><td>{r.trainImages}</td><td>{fmt(r.mean)} ± {fmt(r.std)}</td><td>{fmt(r.worstGroupMean)}</td><td>{fmt(r.thesisReference.value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {Object.entries(result.split.trainings).map(([k, t]) => <p key={k} className="small muted">{k}: {t.text}{t.mapping ? ` — ${t.mapping}` : ''}</p>)}
      {barsRow?.bars && (
        <Plot
          name="camera-per-camera-predictions"
          height={300}
          data={barsRow.labels.map((label, li) => ({ type: 'bar', name: `predicted ${label}`, x: barsRow.bars!.map((b) => b.name), y: barsRow.bars!.map((b) => b.predicted[li]) }))}
          layout={{ barmode: 'stack', title: { text: `Predictions per test camera — ${barsRow.spec.label} (Figs 6.3/6.4)` } }}
          table={{ columns: ['camera', ...barsRow.labels.map((l) => `predicted_${l}`), 'accuracy'], rows: barsRow.bars.map((b) => [b.name, ...b.predicted, b.accuracy]) }}
        />
      )}
      {result.heatmaps && (
        <div className="row" style={{ alignItems: 'flex-start' }}>
          <Plot name="camera-crop-heatmap-average" height={320}
            data={[{ type: 'heatmap', z: chunk(result.heatmaps.relative, result.heatmaps.grid), colorscale: 'Greys', reversescale: true }]}
            layout={{ title: { text: `Relative crop accuracy by position, all test images (Fig 6.9); crops ${(100 * result.heatmaps.cropAccuracy).toFixed(1)}% correct` }, yaxis: { autorange: 'reversed' } }}
            table={{ columns: ['row', 'column', 'relative_accuracy'], rows: result.heatmaps.relative.map((v, i) => [Math.floor(i / result.heatmaps!.grid), i % result.heatmaps!.grid, v]) }} />
          {result.heatmaps.perImage.slice(0, 5).map((p) => (
            <Plot key={p.item} name={`camera-crop-heatmap-${p.camera}`} height={220}
              data={[{ type: 'heatmap', z: chunk(p.grid, result.heatmaps!.grid), colorscale: 'Greys', reversescale: true, zmin: 0, zmax: 1, showscale: false }]}
              layout={{ title: { text: `${p.camera} (${(100 * p.accuracy).toFixed(0)}%)` }, yaxis: { autorange: 'reversed' }, width: 220 }}
              table={{ columns: ['cell', 'accuracy'], rows: p.grid.map((v, i) => [i, v]) }} />
          ))}
        </div>
      )}
      {result.adversarial && (
        <div className="card" data-testid="camera-adversarial">
          <strong>Adversarial perturbations towards {result.adversarial.target} (Fig 6.5), test image from {result.adversarial.camera}</strong>
          <div className="row" style={{ alignItems: 'flex-start' }}>
            <figure><RgbaCanvas rgba={result.adversarial.image} width={result.adversarial.width} height={result.adversarial.height} /><figcaption className="small">input</figcaption></figure>
            {result.adversarial.views.map((v) => (
              <figure key={v.model} data-testid={`adversarial-${v.model}`}>
                <div className="row">
                  <RgbaCanvas rgba={v.overlay} width={result.adversarial!.width} height={result.adversarial!.height} />
                  <RgbaCanvas rgba={v.amplified} width={result.adversarial!.width} height={result.adversarial!.height} />
                </div>
                <figcaption className="small">
                  {v.model} model: {v.originalPrediction} → {v.finalPrediction} {v.flipped ? `in ${v.steps} steps` : '(not flipped)'}; max |δ| {v.maxAbs.toFixed(4)};
                  {' '}{(100 * v.codeShare).toFixed(0)}% of the perturbation on the batch code ({(100 * v.codeArea).toFixed(0)}% of the image){v.error ? ` — ${v.error}` : ''}
                </figcaption>
              </figure>
            ))}
          </div>
        </div>
      )}
      {result.problems.length > 0 && <ul className="small">{result.problems.slice(0, 20).map((p) => <li key={p.path}>{p.path}: {p.message}</li>)}</ul>}
    </div>
  );
}

function chunk(values: readonly number[], width: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < values.length; i += width) out.push(values.slice(i, i + width));
  return out;
}
