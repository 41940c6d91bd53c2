/**
 * Analysis settings and results: PCA components, t-SNE (perplexity, iterations, seed, method),
 * k-means (auto k by Kneedle with a cap, or fixed), engine; then the explained-variance plot, the
 * intra-cluster variance curve with the intra-well line (Fig 5.3) and the §5.4 validation metrics
 * beside the thesis's numbers.
 */
import { useMemo } from 'react';
import type Plotly from 'plotly.js-dist-min';
import { cancelJob } from '../../../core/jobs/jobStore';
import { JobProgress } from '../../../ui/JobProgress';
import { Plot } from '../../../ui/Plot';
import { METADATA_ROLES, type MetadataRole } from '../pipeline/roles';
import { usePhenotype } from './phenotypeStore';

const THESIS_PERCENT: Partial<Record<string, string>> = { well: '4.0%', 'chemical cluster': '66.5%' };

function NumberInput({ label, value, onChange, min, max, step = 1, testId }: { label: string; value: number; onChange: (v: number) => void; min: number; max: number; step?: number; testId?: string }) {
  return (
    <label>
      {label}{' '}
      <input type="number" value={value} min={min} max={max} step={step} style={{ width: 80 }} data-testid={testId}
        onChange={(e) => {
          const v = Number(e.target.value);
          if (Number.isFinite(v)) onChange(Math.min(max, Math.max(min, v)));
        }} />
    </label>
  );
}

export function AnalysisSection() {
  const { profile, options, setOptions, engine, setEngine, roles, setRoles, runAnalysis, jobId, progress, error, analysis } = usePhenotype();
  const o = options;
  const curveData = useMemo<Plotly.Data[]>(() => {
    if (!analysis) return [];
    const c = analysis.curve;
    const traces: Plotly.Data[] = [{ type: 'scatter', mode: 'lines+markers', x: c.ks, y: c.meanVariance, name: 'mean intra-cluster variance' }];
    if (c.intraWell !== null) traces.push({ type: 'scatter', mode: 'lines', x: [c.ks[0], c.ks[c.ks.length - 1]], y: [c.intraWell, c.intraWell], name: 'mean intra-well variance', line: { dash: 'dash' } });
    const ki = c.ks.indexOf(analysis.k);
    if (ki >= 0) traces.push({ type: 'scatter', mode: 'markers', x: [analysis.k], y: [c.meanVariance[ki]], name: `chosen k = ${analysis.k}${analysis.kFromKnee ? ' (knee)' : ''}`, marker: { size: 12, symbol: 'diamond' } });
    return traces;
  }, [analysis]);
  if (!profile) return null;
  const columns = profile.columns;
  return (
    <div>
      <div className="row">
        <label title="z-score every feature before PCA (off = PCA on raw features, as in the thesis)">
          <input type="checkbox" checked={o.standardise} onChange={(e) => setOptions({ ...o, standardise: e.target.checked })} /> standardise features
        </label>
        <NumberInput label="PCA components" value={o.pcaComponents} min={2} max={100} onChange={(v) => setOptions({ ...o, pcaComponents: v })} />
        <NumberInput label="perplexity" value={o.tsne.perplexity} min={2} max={100} onChange={(v) => setOptions({ ...o, tsne: { ...o.tsne, perplexity: v } })} />
        <NumberInput label="iterations" value={o.tsne.iterations} min={50} max={5000} step={50} testId="tsne-iterations" onChange={(v) => setOptions({ ...o, tsne: { ...o.tsne, iterations: v } })} />
        <NumberInput label="t-SNE seed" value={o.tsne.seed} min={0} max={2 ** 31} onChange={(v) => setOptions({ ...o, tsne: { ...o.tsne, seed: v } })} />
        <label>
          t-SNE{' '}
          <select value={o.tsne.method} onChange={(e) => setOptions({ ...o, tsne: { ...o.tsne, method: e.target.value as typeof o.tsne.method } })}>
            <option value="auto">auto (exact for small N)</option>
            <option value="exact">exact gradients</option>
            <option value="approximate">approximate (large N)</option>
          </select>
        </label>
      </div>
      <div className="row">
        <label>
          k{' '}
          <select value={o.kmeans.k === 'auto' ? 'auto' : 'fixed'} onChange={(e) => setOptions({ ...o, kmeans: { ...o.kmeans, k: e.target.value === 'auto' ? 'auto' : Math.min(10, o.kmeans.kMax) } })}>
            <option value="auto">automatic (knee of the variance curve)</option>
            <option value="fixed">fixed</option>
          </select>
        </label>
        {o.kmeans.k !== 'auto' && <NumberInput label="clusters" value={o.kmeans.k} min={2} max={o.kmeans.kMax} onChange={(v) => setOptions({ ...o, kmeans: { ...o.kmeans, k: v } })} />}
        <NumberInput label="largest k (cap)" value={o.kmeans.kMax} min={3} max={200} testId="k-cap" onChange={(v) => setOptions({ ...o, kmeans: { ...o.kmeans, kMax: v } })} />
        <NumberInput label="k-means seed" value={o.kmeans.seed} min={0} max={2 ** 31} onChange={(v) => setOptions({ ...o, kmeans: { ...o.kmeans, seed: v } })} />
        <label>
          engine{' '}
          <select value={engine} onChange={(e) => setEngine(e.target.value as typeof engine)} data-testid="analysis-engine">
            <option value="auto">auto (WebGPU on a hardware GPU, else CPU)</option>
            <option value="webgpu">WebGPU kernels</option>
            <option value="cpu">CPU (TypeScript)</option>
          </select>
        </label>
      </div>
      <details>
        <summary className="small">Metadata roles for the validation metrics</summary>
        <div className="row">
          {METADATA_ROLES.map((role: MetadataRole) => (
            <label key={role} className="small">
              {role}{' '}
              <select value={roles[role] ?? ''} onChange={(e) => setRoles({ ...roles, [role]: e.target.value || undefined })}>
                <option value="">(none)</option>
                {columns.map((c) => <option key={c} value={c}>{c}</option>)}
              </select>
            </label>
          ))}
        </div>
      </details>
      <div className="row">
        <button onClick={() => void runAnalysis()} disabled={jobId !== null} data-testid="run-analysis">Run analysis ({profile.n} profiles × {profile.d} features)</button>
        {jobId && (
          <>
            <JobProgress progress={progress} unit="steps" />
            <button onClick={() => cancelJob(jobId)}>Cancel</button>
          </>
        )}
      </div>
      {error && <div className="notice error" role="alert">{error}</div>}
      {analysis && (
        <div data-testid="analysis-results">
          {analysis.notes.length > 0 && (
            <div className="notice info">
              <ul>{analysis.notes.map((n) => <li key={n}>{n}</li>)}</ul>
            </div>
          )}
          <p className="small muted">
            {analysis.n} profiles, {analysis.keptFeatures} features; PCA {analysis.pca.components} components explain {(100 * analysis.pca.cumulative[analysis.pca.components - 1]).toFixed(1)}% of the variance;
            t-SNE {analysis.tsne.method}, perplexity {analysis.tsne.perplexity}, {analysis.tsne.iterations} iterations, seed {analysis.tsne.seed}, KL {analysis.tsne.kl.toFixed(3)};
            k-means seed {analysis.curve.seed}; engine {analysis.engine}.
          </p>
          <table className="small" data-testid="validation-metrics">
            <thead>
              <tr><th>grouping</th><th>column</th><th>groups</th><th>mean intra-group variance (% of dataset)</th><th>thesis</th></tr>
            </thead>
            <tbody>
              {analysis.metrics.map((m) => (
                <tr key={m.role}><td>{m.role}</td><td>{m.column}</td><td>{m.groups}</td><td>{m.percent.toFixed(1)}%</td><td>{THESIS_PERCENT[m.role] ?? ''}</td></tr>
              ))}
              {analysis.nsc && (
                <tr data-testid="nsc"><td>NSC 1-NN MoA accuracy</td><td>treatment means, cosine</td><td>{analysis.nsc.evaluated}</td><td>{(100 * analysis.nsc.accuracy).toFixed(1)}% ({analysis.nsc.correct}/{analysis.nsc.evaluated})</td><td /></tr>
              )}
            </tbody>
          </table>
          <div className="split">
            <div className="grow">
              <Plot name="intra-cluster-variance" data={curveData} height={300}
                layout={{ title: { text: 'Mean intra-cluster variance vs k (Fig 5.3)' }, xaxis: { title: { text: 'k' } }, yaxis: { title: { text: 'variance (PCA space)' } } }}
                table={{ columns: ['k', 'mean_intra_cluster_variance', 'intra_well_variance'], rows: analysis.curve.ks.map((k, i) => [k, analysis.curve.meanVariance[i], analysis.curve.intraWell]) }} />
            </div>
            <div className="grow">
              <Plot name="pca-explained-variance" height={300}
                data={[
                  { type: 'bar', x: analysis.pca.explainedRatio.map((_, i) => i + 1), y: analysis.pca.explainedRatio, name: 'per component' },
                  { type: 'scatter', mode: 'lines+markers', x: analysis.pca.cumulative.map((_, i) => i + 1), y: analysis.pca.cumulative, name: 'cumulative' },
                ]}
                layout={{ title: { text: 'PCA explained variance' }, xaxis: { title: { text: 'component' } }, yaxis: { range: [0, 1] } }}
                table={{ columns: ['component', 'explained_ratio', 'cumulative'], rows: analysis.pca.explainedRatio.map((r, i) => [i + 1, r, analysis.pca.cumulative[i]]) }} />
            </div>
          </div>
        </div>
      )}
    </div>
  );
}
