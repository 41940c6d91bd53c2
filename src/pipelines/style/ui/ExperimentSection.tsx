/**
 * Domain-shift experiments (thesis §4.4.2, Table 4.1/4.2, Fig 4.4–4.6): drop a folder laid out
 * `domain/class/<images>`, train a classifier on some domains under several augmentation arms and
 * seeds in a worker, and watch the held-out target domain's accuracy per arm. Finished experiments
 * are kept in the project's IndexedDB and listed after a reload.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useApp } from '../../../app/store';
import { currentModelSource } from '../../../app/views/ModelsView';
import { JobBackendSelect, useJobBackend } from '../../../ui/JobBackendSelect';
import { cancelJob, startJob, useJobs } from '../../../core/jobs/jobStore';
import type { LoadProgress } from '../../../core/models/loader';
import { Dropzone, type PickedFile } from '../../../ui/Dropzone';
import { JobProgress } from '../../../ui/JobProgress';
import { DEFAULT_STYLE_STATS_DOMAIN, validateEmbeddingStats } from '../randomize';
import { EXPERIMENT_CONFIGS } from '../experiment/config';
import { summarise } from '../experiment/summary';
import {
  ARM_LABELS, ARMS, type Arm, type ClassifierKind, type ExperimentConfigName, type StyleExperimentParams, type StyleExperimentResult, type Sweep,
} from '../experiment/types';
import {
  isStatsDomain, parseSeedList, parseSweepValues, scanDomainFolder, seedsFromCount, sharedClasses, statsLeakWarning, STYLE_ARMS, type FolderSummary,
} from './experimentData';
import { fetchExperimentModels, type ModelRequest } from './experimentModels';
import { deleteExperiment, describeSetup, listExperiments, onExperimentsChanged, saveExperiment, setupOf, type SavedExperiment } from './experimentStore';
import { AccuracyCurves, FinalTable, SweepPlot, type CurveMode } from './experimentViews';

interface PickedFolder {
  name: string;
  files: { path: string; blob: Blob }[];
  summary: FolderSummary;
}

function configLabel(name: ExperimentConfigName): string {
  const c = EXPERIMENT_CONFIGS[name];
  const model = c.classifier === 'cnn' ? `small CNN (widths ${c.cnn.widths.join('-')})` : 'frozen MobileNet v1 + trained head';
  const style = c.stylisation === 'pool' ? `a pool of ${c.poolSize} stylised cop${c.poolSize === 1 ? 'y' : 'ies'} per image` : 'stylised on the fly';
  return `${name} — ${c.imageSize}², ${model}, Adam ${c.learningRate} (β1 ${c.beta1}), ${c.epochs} epochs, ${style}${name === 'small' ? ' (CPU-friendly)' : ' (needs a GPU)'}`;
}

const CONFIG_LABELS: Record<ExperimentConfigName, string> = { small: configLabel('small'), thesis: configLabel('thesis') };

const DEFAULT_SWEEP_VALUES: Record<Sweep['param'], string> = { ratio: '0.0625, 0.125, 0.25, 0.5, 1', alpha: '0, 0.25, 0.5, 0.75, 1' };

function folderName(files: readonly PickedFile[]): string {
  const first = files[0]?.path.split('/') ?? [];
  return first.length > 3 ? first[0] : 'dropped folder';
}

/** Default split: the last domain (by name) that is not the statistics domain is the target. */
function defaultSplit(s: FolderSummary): { train: string[]; target: string } {
  const names = s.domains.map((d) => d.name);
  const candidates = names.filter((n) => !isStatsDomain(n, DEFAULT_STYLE_STATS_DOMAIN));
  const target = candidates[candidates.length - 1] ?? names[names.length - 1] ?? '';
  return { train: names.filter((n) => n !== target), target };
}

function optionalNumber(v: string): number | undefined {
  if (v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : NaN;
}

function inUnit(v: number): boolean {
  return Number.isFinite(v) && v >= 0 && v <= 1;
}

export default function ExperimentSection() {
  const settings = useApp((s) => s.settings);

  const [folder, setFolder] = useState<PickedFolder | null>(null);
  const [trainDomains, setTrainDomains] = useState<string[]>([]);
  const [target, setTarget] = useState('');
  const [arms, setArms] = useState<Arm[]>(['none', 'trad', 'style', 'both']);
  const [seedMode, setSeedMode] = useState<'list' | 'count'>('count');
  const [seedList, setSeedList] = useState('1, 2, 3');
  const [seedCount, setSeedCount] = useState(3);
  const [baseSeed, setBaseSeed] = useState(1);
  const [config, setConfig] = useState<ExperimentConfigName>('small');
  const [classifier, setClassifier] = useState<ClassifierKind>('cnn');
  const [epochs, setEpochs] = useState('');
  const [imageSize, setImageSize] = useState('');
  const [batchSize, setBatchSize] = useState('');
  const [learningRate, setLearningRate] = useState('');
  const [ratio, setRatio] = useState('0.5');
  const [alphaMode, setAlphaMode] = useState<'fixed' | 'uniform'>('fixed');
  const [alpha, setAlpha] = useState('0.5');
  const [alphaLo, setAlphaLo] = useState('0');
  const [alphaHi, setAlphaHi] = useState('1');
  const [transformer, setTransformer] = useState<ModelRequest['transformer']>('fp16');
  const [stylisation, setStylisation] = useState<'default' | 'pool' | 'online'>('default');
  const [poolSize, setPoolSize] = useState('');
  const [perClass, setPerClass] = useState('');
  const [sweepOn, setSweepOn] = useState(false);
  const [sweepParam, setSweepParam] = useState<Sweep['param']>('ratio');
  const [sweepText, setSweepText] = useState(DEFAULT_SWEEP_VALUES.ratio);
  const [customStats, setCustomStats] = useState<{ name: string; stats: unknown } | null>(null);
  const [statsError, setStatsError] = useState<string | null>(null);
  const [curveMode, setCurveMode] = useState<CurveMode>('band');

  // A running experiment started before this section was last mounted (e.g. the user switched views) is picked up again.
  const [jobId, setJobId] = useState<string | null>(() => {
    const { jobs, order } = useJobs.getState();
    return order.find((id) => jobs[id]?.kind === 'style-experiment' && jobs[id]?.status === 'running') ?? null;
  });
  const [preparing, setPreparing] = useState<string | null>(null);
  const [loadProgress, setLoadProgress] = useState<LoadProgress | null>(null);
  const [startError, setStartError] = useState<string | null>(null);
  const [past, setPast] = useState<SavedExperiment[]>([]);
  const [shownPast, setShownPast] = useState<string | null>(null);
  const [pastError, setPastError] = useState<string | null>(null);

  const job = useJobs((s) => (jobId ? s.jobs[jobId] : undefined));
  const running = job?.status === 'running' || preparing !== null;
  const preset = EXPERIMENT_CONFIGS[config];

  const refreshPast = useCallback(async () => {
    try {
      setPast(await listExperiments());
      setPastError(null);
    } catch (e) {
      setPastError(`Could not read saved experiments: ${(e as Error).message}`);
    }
  }, []);
  useEffect(() => {
    void refreshPast();
    return onExperimentsChanged(() => void refreshPast());
  }, [refreshPast]);

  const onFiles = (picked: PickedFile[], problems: string[]) => {
    const files = picked.map((f) => ({ path: f.path, blob: f.file as Blob }));
    const summary = scanDomainFolder(files);
    for (const p of problems) summary.problems.push({ path: p, message: 'could not be read' });
    setFolder({ name: folderName(picked), files, summary });
    const split = defaultSplit(summary);
    setTrainDomains(split.train);
    setTarget(split.target);
    setShownPast(null);
  };

  const seeds = useMemo(() => (seedMode === 'list' ? parseSeedList(seedList) : { seeds: seedsFromCount(seedCount, baseSeed) }), [seedMode, seedList, seedCount, baseSeed]);
  const sweepValues = useMemo(() => (sweepOn ? parseSweepValues(sweepText, sweepParam) : null), [sweepOn, sweepText, sweepParam]);
  const usesStyle = arms.some((a) => STYLE_ARMS.includes(a));
  const leak = statsLeakWarning(arms, target, DEFAULT_STYLE_STATS_DOMAIN, customStats !== null);

  const problems = useMemo(() => {
    const out: string[] = [];
    if (!folder) return ['Drop a folder first.'];
    if (folder.summary.domains.length < 2) out.push(`Found ${folder.summary.domains.length} domain(s); a domain-shift experiment needs at least 2.`);
    if (trainDomains.length === 0) out.push('Choose at least one training domain.');
    if (!target) out.push('Choose a target domain.');
    if (trainDomains.includes(target)) out.push(`The target domain '${target}' is also a training domain.`);
    if (arms.length === 0) out.push('Choose at least one arm.');
    if ('error' in seeds) out.push(`Seeds: ${seeds.error}.`);
    if (sweepValues && 'error' in sweepValues) out.push(`Sweep: ${sweepValues.error}.`);
    if (sweepOn && !arms.some((a) => STYLE_ARMS.includes(a))) out.push('A sweep of the ratio or α needs the style or both arm.');
    const used = [...trainDomains, target].filter(Boolean);
    if (used.length >= 2 && sharedClasses(folder.summary, used).length < 2) out.push('The chosen domains share fewer than 2 classes.');
    const r = Number(ratio);
    if (!inUnit(r)) out.push('The augmentation ratio must be in [0, 1].');
    if (alphaMode === 'fixed' ? !inUnit(Number(alpha)) : !(inUnit(Number(alphaLo)) && inUnit(Number(alphaHi)) && Number(alphaLo) <= Number(alphaHi))) out.push('α must be in [0, 1] (and lo ≤ hi).');
    for (const [name, v, int] of [['Epochs', epochs, true], ['Image size', imageSize, true], ['Batch size', batchSize, true], ['Learning rate', learningRate, false]] as const) {
      const n = optionalNumber(v);
      if (n !== undefined && (!(n > 0) || (int && !Number.isInteger(n)))) out.push(`${name} must be a positive ${int ? 'integer' : 'number'}.`);
    }
    const size = optionalNumber(imageSize) ?? preset.imageSize;
    if (classifier === 'mobilenet' && size % 32 !== 0) out.push(`MobileNet needs an image size that is a multiple of 32 (now ${size}).`);
    const cnnMultiple = 2 ** preset.cnn.widths.length;
    if (classifier === 'cnn' && size % cnnMultiple !== 0) out.push(`The ${config} CNN pools ${preset.cnn.widths.length} times: the image size must be a multiple of ${cnnMultiple} (now ${size}).`);
    for (const [name, v] of [['Pool size', poolSize], ['Images per class', perClass]] as const) {
      const n = optionalNumber(v);
      if (n !== undefined && !(Number.isInteger(n) && n > 0)) out.push(`${name} must be a positive integer.`);
    }
    if (leak) out.push(leak);
    return out;
  }, [folder, trainDomains, target, arms, seeds, sweepValues, sweepOn, ratio, alphaMode, alpha, alphaLo, alphaHi, epochs, imageSize, batchSize, learningRate, classifier, preset, config, poolSize, perClass, leak]);

  const jobBackendState = useJobBackend();
  const jobBackend = jobBackendState.backend;

  const start = async () => {
    if (!folder || problems.length > 0 || 'error' in seeds) return;
    setStartError(null);
    setShownPast(null);
    const sweep: Sweep | undefined = sweepValues && 'values' in sweepValues ? { param: sweepParam, values: sweepValues.values } : undefined;
    const base: StyleExperimentParams = {
      files: folder.files,
      trainDomains: [...trainDomains].sort(),
      targetDomain: target,
      arms: ARMS.filter((a) => arms.includes(a)),
      seeds: seeds.seeds,
      config,
      classifier,
      ...(optionalNumber(epochs) !== undefined ? { epochs: Number(epochs) } : {}),
      ...(optionalNumber(imageSize) !== undefined ? { imageSize: Number(imageSize) } : {}),
      ...(optionalNumber(batchSize) !== undefined ? { batchSize: Number(batchSize) } : {}),
      ...(optionalNumber(learningRate) !== undefined ? { learningRate: Number(learningRate) } : {}),
      ...(usesStyle || sweep ? { styleRatio: Number(ratio), alpha: alphaMode === 'fixed' ? Number(alpha) : [Number(alphaLo), Number(alphaHi)] as [number, number] } : {}),
      ...(stylisation !== 'default' ? { stylisation } : {}),
      ...(stylisation !== 'online' && optionalNumber(poolSize) !== undefined ? { poolSize: Number(poolSize) } : {}),
      ...(optionalNumber(perClass) !== undefined ? { trainPerClass: Number(perClass) } : {}),
      ...(sweep ? { sweep } : {}),
      ...(customStats ? { styleStats: customStats.stats } : {}),
    };
    let params = base;
    try {
      const needMobilenet = classifier === 'mobilenet';
      if (usesStyle || needMobilenet) {
        setPreparing('Loading model files…');
        const models = await fetchExperimentModels({ style: usesStyle, transformer, mobilenetLayer: needMobilenet ? preset.mobilenet.outputLayer : null }, currentModelSource(settings), setLoadProgress);
        params = { ...base, ...models };
      }
    } catch (e) {
      setStartError(`Could not load the model files: ${(e as Error).message}`);
      setPreparing(null);
      setLoadProgress(null);
      return;
    }
    setPreparing(null);
    setLoadProgress(null);
    const title = `Style experiment: ${base.trainDomains.join('+')} → ${target} (${base.arms.join(', ')}; ${base.seeds.length} seed${base.seeds.length === 1 ? '' : 's'})`;
    const { id, done } = startJob<StyleExperimentParams, StyleExperimentResult>({ kind: 'style-experiment', title, params, backend: jobBackend, seed: base.seeds[0] });
    setJobId(id);
    const setup = { ...setupOf(params, folder.name), ...(usesStyle ? { transformer } : {}) };
    void done.then(async (outcome) => {
      if (outcome.status !== 'done') return;
      const j = useJobs.getState().jobs[id];
      try {
        await saveExperiment({ id, createdAt: Date.now(), seed: base.seeds[0], setup, result: outcome.result, backend: j?.backend, elapsedSec: outcome.elapsedSec });
      } catch (e) {
        // The section may have been unmounted meanwhile: report through the app's notices.
        useApp.getState().notify('error', `Could not save the style experiment: ${(e as Error).message}`);
      }
    });
  };

  // What the results area shows: a saved experiment picked from the list, else the current job.
  const shown = useMemo(() => {
    if (shownPast) {
      const p = past.find((e) => e.id === shownPast);
      if (p) return { result: p.result, sweep: p.setup.sweep, partial: false, title: describeSetup(p.setup) };
    }
    if (!job) return null;
    const result = (job.status === 'done' ? job.result : job.partial) as StyleExperimentResult | undefined;
    if (!result?.runs) return null;
    const params = job.params as StyleExperimentParams;
    return { result, sweep: params.sweep, partial: job.status !== 'done', title: job.title };
  }, [shownPast, past, job]);
  const summary = useMemo(() => {
    if (!shown) return [];
    // The job's summary covers finished runs only (also in its partial results).
    if (shown.result.summary?.length) return shown.result.summary;
    return shown.partial ? [] : summarise(shown.result.runs.filter((r) => Number.isFinite(r.finalTargetAccuracy)), ARMS);
  }, [shown]);

  const toggle = <T,>(list: T[], v: T, on: boolean) => (on ? [...list, v] : list.filter((x) => x !== v));

  return (
    <div className="card" data-testid="style-experiments">
      <h3>Domain-shift experiments (thesis §4.4.2)</h3>
      <p className="muted small">
        Train a classifier on some domains of a folder laid out <code>domain/class/&lt;images&gt;</code> (e.g. PACS: art_painting, cartoon, photo) and test it on a held-out
        domain, with no augmentation, the seven traditional augmentations, style augmentation, both, or colour jitter only (Table 4.1/4.2), over several seeds.
      </p>
      <Dropzone onFiles={onFiles} label="Drop a folder laid out domain/class/<images>" />
      {folder && (
        <div data-testid="experiment-folder">
          <div className="row small">
            <b>{folder.name}</b> · {folder.summary.images} images · {folder.summary.domains.length} domains · {folder.summary.classes.length} classes
          </div>
          <table className="small" data-testid="experiment-domains">
            <thead>
              <tr>
                <th>Domain</th><th>Images</th>
                {folder.summary.classes.map((c) => <th key={c}>{c}</th>)}
              </tr>
            </thead>
            <tbody>
              {folder.summary.domains.map((d) => (
                <tr key={d.name} data-testid={`domain-row-${d.name}`}>
                  <td>{d.name}{isStatsDomain(d.name, DEFAULT_STYLE_STATS_DOMAIN) ? <span className="muted"> (default style statistics)</span> : null}</td>
                  <td>{d.images}</td>
                  {folder.summary.classes.map((c) => <td key={c}>{d.classes[c] ?? 0}</td>)}
                </tr>
              ))}
            </tbody>
          </table>
          {folder.summary.problems.length > 0 && (
            <details className="small">
              <summary>{folder.summary.problems.length} file(s) or domain(s) with problems</summary>
              <ul>{folder.summary.problems.slice(0, 200).map((p, i) => <li key={i}><code>{p.path}</code>: {p.message}</li>)}</ul>
            </details>
          )}
        </div>
      )}

      <div className="row">
        <span>Training domains:</span>
        {(folder?.summary.domains ?? []).map((d) => (
          <label key={d.name}>
            <input type="checkbox" checked={trainDomains.includes(d.name)} disabled={d.name === target} data-testid={`train-domain-${d.name}`}
              onChange={(e) => setTrainDomains((t) => toggle(t, d.name, e.target.checked))} /> {d.name}
          </label>
        ))}
        <label>
          Target domain{' '}
          <select value={target} data-testid="target-domain" onChange={(e) => {
            setTarget(e.target.value);
            setTrainDomains((t) => t.filter((x) => x !== e.target.value));
          }}>
            <option value="">–</option>
            {(folder?.summary.domains ?? []).map((d) => <option key={d.name} value={d.name}>{d.name}</option>)}
          </select>
        </label>
      </div>
      <div className="row">
        <span>Arms:</span>
        {ARMS.map((a) => (
          <label key={a}>
            <input type="checkbox" checked={arms.includes(a)} data-testid={`arm-${a}`} onChange={(e) => setArms((x) => toggle(x, a, e.target.checked))} /> {ARM_LABELS[a]}
          </label>
        ))}
      </div>
      <div className="row">
        <label>
          Seeds{' '}
          <select value={seedMode} onChange={(e) => setSeedMode(e.target.value as 'list' | 'count')} data-testid="seed-mode">
            <option value="count">count + base seed</option>
            <option value="list">list</option>
          </select>
        </label>
        {seedMode === 'count' ? (
          <>
            <label>count <input type="number" min={1} value={seedCount} onChange={(e) => setSeedCount(Math.max(1, Math.floor(+e.target.value || 1)))} style={{ width: 60 }} data-testid="seed-count" /></label>
            <label>base seed <input type="number" min={0} value={baseSeed} onChange={(e) => setBaseSeed(Math.max(0, Math.floor(+e.target.value || 0)))} style={{ width: 90 }} data-testid="base-seed" /></label>
          </>
        ) : (
          <input type="text" value={seedList} onChange={(e) => setSeedList(e.target.value)} style={{ width: 160 }} data-testid="seed-list" />
        )}
        {'seeds' in seeds && <span className="muted small">seeds {seeds.seeds.join(', ')}</span>}
      </div>
      <div className="row">
        <label>
          Configuration{' '}
          <select value={config} onChange={(e) => {
            const c = e.target.value as ExperimentConfigName;
            setConfig(c);
            setClassifier(EXPERIMENT_CONFIGS[c].classifier);
          }} data-testid="experiment-config">
            {(Object.keys(EXPERIMENT_CONFIGS) as ExperimentConfigName[]).map((k) => <option key={k} value={k}>{CONFIG_LABELS[k] ?? k}</option>)}
          </select>
        </label>
        <label>
          Classifier{' '}
          <select value={classifier} onChange={(e) => setClassifier(e.target.value as ClassifierKind)} data-testid="experiment-classifier">
            <option value="cnn">small CNN from scratch</option>
            <option value="mobilenet">MobileNet v1 (ImageNet, frozen) + dense head</option>
          </select>
        </label>
        <label>Epochs <input type="number" min={1} value={epochs} placeholder={String(preset.epochs)} onChange={(e) => setEpochs(e.target.value)} style={{ width: 60 }} data-testid="experiment-epochs" /></label>
        <label>Image size <input type="number" min={8} value={imageSize} placeholder={String(preset.imageSize)} onChange={(e) => setImageSize(e.target.value)} style={{ width: 65 }} data-testid="experiment-image-size" /></label>
        <label>Batch <input type="number" min={1} value={batchSize} placeholder={String(preset.batchSize)} onChange={(e) => setBatchSize(e.target.value)} style={{ width: 55 }} data-testid="experiment-batch" /></label>
        <label title="Use at most this many training images per (domain, class); empty: all">Images per class <input type="number" min={1} value={perClass} placeholder="all" onChange={(e) => setPerClass(e.target.value)} style={{ width: 60 }} data-testid="experiment-per-class" /></label>
        <label>Learning rate <input type="number" min={0} step="any" value={learningRate} placeholder={String(preset.learningRate)} onChange={(e) => setLearningRate(e.target.value)} style={{ width: 80 }} data-testid="experiment-lr" /></label>
      </div>
      <div className="row">
        <label title="Probability that a training image is stylised; the thesis found 2:1 (p = 0.5) best">
          Augmentation ratio <input type="number" min={0} max={1} step={0.05} value={ratio} onChange={(e) => setRatio(e.target.value)} style={{ width: 65 }} data-testid="experiment-ratio" />
        </label>
        <label>
          α (Eq 4.8){' '}
          <select value={alphaMode} onChange={(e) => setAlphaMode(e.target.value as 'fixed' | 'uniform')} data-testid="experiment-alpha-mode">
            <option value="fixed">fixed</option>
            <option value="uniform">U(lo, hi) per image</option>
          </select>
        </label>
        {alphaMode === 'fixed' ? (
          <input type="number" min={0} max={1} step={0.05} value={alpha} onChange={(e) => setAlpha(e.target.value)} style={{ width: 65 }} data-testid="experiment-alpha" />
        ) : (
          <>
            <input type="number" min={0} max={1} step={0.05} value={alphaLo} onChange={(e) => setAlphaLo(e.target.value)} style={{ width: 60 }} />
            <input type="number" min={0} max={1} step={0.05} value={alphaHi} onChange={(e) => setAlphaHi(e.target.value)} style={{ width: 60 }} />
          </>
        )}
        <label title="pool: K stylised variants per image computed once per seed; online: every batch stylised afresh (as in the thesis)">
          Stylisation{' '}
          <select value={stylisation} onChange={(e) => setStylisation(e.target.value as 'default' | 'pool' | 'online')} data-testid="experiment-stylisation">
            <option value="default">config default ({preset.stylisation}{preset.stylisation === 'pool' ? `, ${preset.poolSize} per image` : ''})</option>
            <option value="pool">pool of K variants per image</option>
            <option value="online">every batch (online)</option>
          </select>
        </label>
        {stylisation !== 'online' && (stylisation === 'pool' || preset.stylisation === 'pool') && (
          <label>K <input type="number" min={1} value={poolSize} placeholder={String(preset.poolSize || 1)} onChange={(e) => setPoolSize(e.target.value)} style={{ width: 50 }} data-testid="experiment-pool-size" /></label>
        )}
        <label>
          Transformer{' '}
          <select value={transformer} onChange={(e) => setTransformer(e.target.value as ModelRequest['transformer'])}>
            <option value="fp16">float16 weights</option>
            <option value="int8">int8 weights</option>
          </select>
        </label>
        <label>
          <input type="checkbox" checked={sweepOn} onChange={(e) => setSweepOn(e.target.checked)} data-testid="experiment-sweep" /> Sweep (Fig 4.4)
        </label>
        {sweepOn && (
          <>
            <select value={sweepParam} onChange={(e) => {
              const p = e.target.value as Sweep['param'];
              setSweepParam(p);
              setSweepText(DEFAULT_SWEEP_VALUES[p]);
            }} data-testid="experiment-sweep-param">
              <option value="ratio">augmentation ratio</option>
              <option value="alpha">α</option>
            </select>
            <input type="text" value={sweepText} onChange={(e) => setSweepText(e.target.value)} style={{ width: 200 }} data-testid="experiment-sweep-values" />
          </>
        )}
      </div>
      <div className="row small">
        <span>Style statistics (μ, Σ):</span>
        {customStats ? (
          <>
            <b>{customStats.name}</b>
            <button onClick={() => setCustomStats(null)}>Use the shipped ones</button>
          </>
        ) : (
          <span className="muted">shipped (from PACS {DEFAULT_STYLE_STATS_DOMAIN})</span>
        )}
        <label className="button">
          Load statistics JSON…
          <input type="file" accept=".json,application/json" hidden onChange={async (e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (!f) return;
            try {
              const stats = validateEmbeddingStats(JSON.parse(await f.text()));
              setCustomStats({ name: `${f.name} (${stats.source})`, stats });
              setStatsError(null);
            } catch (err) {
              setStatsError(`${f.name}: ${(err as Error).message}`);
            }
          }} />
        </label>
        {statsError && <span className="err">{statsError}</span>}
        <JobBackendSelect job={jobBackendState} testId="experiment-backend" />
      </div>
      {leak && <div className="notice warning" data-testid="stats-warning">{leak}</div>}
      {problems.length > 0 && !leak && folder && (
        <ul className="small err" data-testid="experiment-problems">{problems.map((p) => <li key={p}>{p}</li>)}</ul>
      )}
      <div className="row">
        <button onClick={() => void start()} disabled={running || problems.length > 0} data-testid="experiment-start">Run experiment</button>
        {preparing && (
          <span className="small">
            {preparing}
            {loadProgress && <> <progress value={loadProgress.loaded} max={loadProgress.total} /> {loadProgress.file}</>}
          </span>
        )}
        {startError && <span className="err small">{startError}</span>}
      </div>
      {job && (
        <div className="row small" data-testid="experiment-status" data-status={job.status}>
          <b>{job.status}</b> · seeds {(job.params as StyleExperimentParams).seeds.join(', ')}
          {job.backend && <> · backend <span data-testid="experiment-job-backend">{job.backend}</span></>}
          {job.status === 'running' && <JobProgress progress={job.progress} unit="steps" />}
          {job.status === 'running' && job.progress?.message && <span className="muted">{job.progress.message}</span>}
          {job.status === 'running' && <button onClick={() => cancelJob(job.id)} data-testid="experiment-cancel">Cancel</button>}
          {job.message && <span className={job.status === 'error' ? 'err' : 'muted'}>{job.message}</span>}
        </div>
      )}

      {shown && (
        <div data-testid="experiment-results">
          <div className="row small">
            <b>{shown.title}</b>
            {shown.result.trainImages > 0 && <span className="muted">{shown.result.trainImages} training / {shown.result.targetImages} target images · {shown.result.classes.length} classes</span>}
            <label>
              Curves{' '}
              <select value={curveMode} onChange={(e) => setCurveMode(e.target.value as CurveMode)}>
                <option value="band">mean ± std band</option>
                <option value="seeds">mean + every seed</option>
              </select>
            </label>
          </div>
          <AccuracyCurves runs={shown.result.runs} sweepParam={shown.sweep?.param} mode={curveMode} />
          {shown.sweep && <SweepPlot summary={summary} sweep={shown.sweep} />}
          <FinalTable summary={summary} sweep={shown.sweep} partial={shown.partial} />
          {shown.result.problems?.length > 0 && (
            <details className="small">
              <summary>{shown.result.problems.length} file(s) the job could not use</summary>
              <ul>{shown.result.problems.slice(0, 200).map((p, i) => <li key={i}><code>{p.path}</code>: {p.message}</li>)}</ul>
            </details>
          )}
        </div>
      )}

      <h4>Saved experiments</h4>
      {pastError && <div className="err small">{pastError}</div>}
      {past.length === 0 ? (
        <p className="muted small">None yet: finished experiments are kept in this browser's project storage.</p>
      ) : (
        <table className="small" data-testid="past-experiments">
          <thead>
            <tr><th>Finished</th><th>Set-up</th><th>Runs</th><th>Backend</th><th /></tr>
          </thead>
          <tbody>
            {past.map((e) => (
              <tr key={e.id} data-testid="past-experiment" className={e.id === shownPast ? 'selected' : undefined}>
                <td>{new Date(e.createdAt).toLocaleString()}</td>
                <td>{describeSetup(e.setup)}</td>
                <td>{e.result.runs.length}</td>
                <td>{e.backend ?? '–'}</td>
                <td>
                  <button onClick={() => setShownPast(e.id === shownPast ? null : e.id)} data-testid="past-show">{e.id === shownPast ? 'Hide' : 'Show'}</button>{' '}
                  <button onClick={async () => {
                    if (shownPast === e.id) setShownPast(null);
                    await deleteExperiment(e.id);
                  }}>Delete</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
