/**
 * Feature extraction settings (thesis §5.2): backbone, layers (pre-activation maps, spatial
 * means), microscopy preprocessing (channel → RGB, per-channel percentiles, optional max side), and
 * the job that computes and caches them. Earlier feature sets of the dataset can be reused.
 */
import { useEffect, useState } from 'react';
import { useApp } from '../../../app/store';
import { currentModelSource } from '../../../app/views/ModelsView';
import { useDatasets } from '../../../core/data/datasetStore';
import { cancelJob, startJob } from '../../../core/jobs/jobStore';
import type { ProgressReport } from '../../../core/jobs/progress';
import { getFeatures, getItems, listFeatures, openWorkbenchDb, type FeatureRecord } from '../../../core/storage/db';
import { JobBackendSelect, useJobBackend } from '../../../ui/JobBackendSelect';
import { JobProgress } from '../../../ui/JobProgress';
import { getModel } from '../../../core/models/registry';
import { BACKBONES, INPUT_NORMALISATIONS, VGG16, type BackboneId, type InputNormalisation } from '../features/backbones';
import type { ChannelMapping } from '../features/preprocess';
import type { PhenotypeFeaturesParams, PhenotypeFeaturesResult } from '../featuresJob';
import { usePhenotype } from './phenotypeStore';
import { profileFromFeatures } from './profileTable';

type ChannelChoice = 'auto' | 'none' | number;

/** Channels offered in the RGB mapping selects. */
const MAX_CHANNELS = 8;

export function FeaturesSection() {
  const settings = useApp((s) => s.settings);
  const { datasets } = useDatasets();
  const { datasetId, setProfile, profile } = usePhenotype();
  const [backboneId, setBackboneId] = useState<BackboneId>('mobilenet-v1');
  const backbone = BACKBONES.find((b) => b.id === backboneId);
  const [layerText, setLayerText] = useState(BACKBONES.find((b) => b.id === 'mobilenet-v1')!.defaultLayers.join(', '));
  const [mapping, setMapping] = useState<[ChannelChoice, ChannelChoice, ChannelChoice]>(['auto', 'auto', 'auto']);
  const [lowPct, setLowPct] = useState(0.1);
  const [highPct, setHighPct] = useState(99.9);
  const [maxSide, setMaxSide] = useState(0);
  const [customFiles, setCustomFiles] = useState<File[]>([]);
  const [normalisation, setNormalisation] = useState<InputNormalisation>('unit');
  const [vggFile, setVggFile] = useState<File | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const [progress, setProgress] = useState<ProgressReport | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [cached, setCached] = useState<FeatureRecord[]>([]);
  const job = useJobBackend();
  const dataset = datasets.find((d) => d.id === datasetId);

  useEffect(() => {
    let alive = true;
    if (datasetId) void openWorkbenchDb().then((db) => listFeatures(db, datasetId)).then((f) => alive && setCached(f));
    else setCached([]);
    return () => {
      alive = false;
    };
  }, [datasetId, jobId]);

  const chooseBackbone = (id: BackboneId) => {
    setBackboneId(id);
    const b = BACKBONES.find((x) => x.id === id);
    setLayerText(b ? b.defaultLayers.join(', ') : '');
  };

  const applyRecord = async (rec: FeatureRecord) => {
    const items = await getItems(await openWorkbenchDb(), rec.datasetId);
    setProfile(profileFromFeatures(rec, items, `${dataset?.name ?? rec.datasetId} · ${String(rec.spec.backbone)}`));
  };

  const run = async () => {
    if (!datasetId) return;
    const layers = layerText.split(/[\s,]+/).filter(Boolean);
    const channelMap: ChannelMapping | undefined = mapping.every((m) => m === 'auto') ? undefined : (mapping.map((m, slot) => (m === 'auto' ? slot : m === 'none' ? null : m)) as unknown as ChannelMapping);
    const params: PhenotypeFeaturesParams = {
      datasetId,
      backbone: backboneId,
      layers,
      preprocess: { channelMap, lowPct, highPct, ...(maxSide > 0 ? { maxSide } : {}) },
      // A picked weights file stands for the registry's file whatever it is called (a browser may have
      // saved it as "… (1).h5"); its size and MD5 decide whether it is the right one.
      source: backboneId === 'vgg16' && vggFile ? { kind: 'localFiles', files: new Map([[vggWeightsName(), vggFile]]) } : currentModelSource(settings),
      ...(backboneId === 'custom' ? { custom: { files: customFiles.map((f) => ({ name: f.name, blob: f })), normalisation } } : {}),
    };
    setMessage(null);
    setProgress(null);
    const { id, done } = startJob<PhenotypeFeaturesParams, PhenotypeFeaturesResult>({
      kind: 'phenotype-features', title: `Features of ${dataset?.name ?? datasetId} (${backbone?.label ?? 'custom model'})`, params, backend: job.backend, onProgress: setProgress,
    });
    setJobId(id);
    const outcome = await done;
    setJobId(null);
    if (outcome.status !== 'done') {
      setMessage(outcome.status === 'error' ? `Feature extraction failed: ${outcome.message}` : 'Feature extraction cancelled');
      return;
    }
    const r = outcome.result;
    setMessage(`${r.n} images × ${r.dim} features${r.cached ? ' (from the cache)' : r.imagesPerSec ? `, ${r.imagesPerSec.toFixed(1)} images/s` : ''}${r.failures ? `; ${r.failures} image(s) could not be read (listed below the map)` : ''}.`);
    const rec = await getFeatures(await openWorkbenchDb(), r.key);
    if (rec) await applyRecord(rec);
  };

  if (!datasetId) return <p className="muted">Choose or create a dataset above (or import profiles) first.</p>;
  const channelOptions = (
    <>
      <option value="auto">auto</option>
      <option value="none">none</option>
      {Array.from({ length: MAX_CHANNELS }, (_, c) => <option key={c} value={c}>channel {c}</option>)}
    </>
  );
  return (
    <div data-testid="phenotype-features">
      <div className="row">
        <label>
          Backbone{' '}
          <select value={backboneId} onChange={(e) => chooseBackbone(e.target.value as BackboneId)} data-testid="backbone">
            {BACKBONES.map((b) => <option key={b.id} value={b.id}>{b.label}</option>)}
            <option value="custom">Custom tfjs layers model…</option>
          </select>
        </label>
        {backbone && (
          <label>
            Layers{' '}
            <select value={backbone.layerSets.find((s) => s.layers.join(', ') === layerText)?.id ?? ''} onChange={(e) => setLayerText(backbone.layerSets.find((s) => s.id === e.target.value)?.layers.join(', ') ?? layerText)}>
              {backbone.layerSets.map((s) => <option key={s.id} value={s.id} title={s.description}>{s.label}</option>)}
              <option value="">custom list</option>
            </select>
          </label>
        )}
        <input value={layerText} onChange={(e) => setLayerText(e.target.value)} size={48} title="Comma-separated layer names; features are the spatial means of their maps" data-testid="layers" />
      </div>
      {backbone && <p className="muted small">{backbone.description}</p>}
      {backboneId === 'vgg16' && (
        <p className="small">
          VGG16 weights (58.9 MB HDF5, checked by MD5) come from the model source in Models &amp; settings, or pick a local copy:{' '}
          <input type="file" accept=".h5,.hdf5" onChange={(e) => setVggFile(e.target.files?.[0] ?? null)} />
        </p>
      )}
      {backboneId === 'custom' && (
        <div className="row small">
          Model folder (model.json + weight files):
          <input type="file" multiple {...({ webkitdirectory: '' } as object)} onChange={(e) => setCustomFiles([...(e.target.files ?? [])])} />
          <label>
            input{' '}
            <select value={normalisation} onChange={(e) => setNormalisation(e.target.value as InputNormalisation)}>
              {INPUT_NORMALISATIONS.map((n) => <option key={n} value={n}>{n === 'unit' ? '[0, 1]' : n === 'symmetric' ? '[-1, 1]' : 'caffe (BGR − mean)'}</option>)}
            </select>
          </label>
          <span className="muted">{customFiles.length} files</span>
        </div>
      )}
      <div className="row small">
        <span title="auto: the default mapping (gray → RGB, RGB kept, first three of many); once one slot is set, auto means channel 0/1/2 for R/G/B">Channels</span> → R{' '}
        <select value={String(mapping[0])} onChange={(e) => setMapping([parseChoice(e.target.value), mapping[1], mapping[2]])}>{channelOptions}</select>
        G{' '}
        <select value={String(mapping[1])} onChange={(e) => setMapping([mapping[0], parseChoice(e.target.value), mapping[2]])}>{channelOptions}</select>
        B{' '}
        <select value={String(mapping[2])} onChange={(e) => setMapping([mapping[0], mapping[1], parseChoice(e.target.value)])}>{channelOptions}</select>
        <label>percentiles <input type="number" step={0.1} min={0} max={50} value={lowPct} onChange={(e) => setLowPct(Number(e.target.value))} style={{ width: 60 }} /></label>
        –<input type="number" step={0.1} min={50} max={100} value={highPct} onChange={(e) => setHighPct(Number(e.target.value))} style={{ width: 60 }} />
        <label title="0 = full resolution (the thesis's choice)">max side <input type="number" min={0} step={32} value={maxSide} onChange={(e) => setMaxSide(Math.max(0, Number(e.target.value)))} style={{ width: 70 }} /></label>
        <JobBackendSelect job={job} testId="features-backend" />
      </div>
      <div className="row">
        <button onClick={() => void run()} disabled={jobId !== null} data-testid="run-features">Extract features</button>
        {jobId && (
          <>
            <JobProgress progress={progress} unit="images" />
            <button onClick={() => cancelJob(jobId)}>Cancel</button>
          </>
        )}
        {message && <span data-testid="features-message">{message}</span>}
      </div>
      {cached.length > 0 && (
        <details>
          <summary className="small">Cached feature sets of this dataset ({cached.length})</summary>
          <ul className="small">
            {cached.map((c) => (
              <li key={c.key}>
                {String(c.spec.backbone)} [{(c.spec.layers as string[] | undefined)?.join(', ')}] {c.n}×{c.dim}, {new Date(c.createdAt).toLocaleString()}{' '}
                <button onClick={() => void applyRecord(c)} disabled={profile?.featureKey === c.key}>{profile?.featureKey === c.key ? 'in use' : 'Use'}</button>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

/** File name of the VGG16 weights in the model registry. */
function vggWeightsName(): string {
  return getModel(VGG16.modelId as string).files[0].name;
}

function parseChoice(v: string): ChannelChoice {
  return v === 'auto' || v === 'none' ? v : Number(v);
}
