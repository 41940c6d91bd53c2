import { useEffect, useMemo, useState } from 'react';
import { useDatasets } from '../../core/data/datasetStore';
import { useJobs } from '../../core/jobs/jobStore';
import type { LabelTemplateId } from '../../core/data/types';
import { safeRelativePath } from '../../core/data/path';
import { Dropzone, type PickedFile } from '../../ui/Dropzone';
import { ThumbGrid } from '../../ui/ThumbGrid';
import { JobProgress } from '../../ui/JobProgress';
import { Plot } from '../../ui/Plot';
import { cancelJob } from '../../core/jobs/jobStore';

const TEMPLATES: { id: LabelTemplateId; text: string }[] = [
  { id: 'class', text: 'class/…' },
  { id: 'domain/class', text: 'domain/class/…' },
  { id: 'class/camera', text: 'class/camera/…' },
  { id: 'none', text: 'no labels from folders' },
];

function LabelCounts({ counts }: { counts: Record<string, Record<string, number>> }) {
  const keys = Object.keys(counts).filter((k) => !k.startsWith('exif_') || Object.keys(counts).length === 1);
  const [key, setKey] = useState<string>('');
  const active = keys.includes(key) ? key : keys[0];
  const entries = useMemo(() => Object.entries(counts[active] ?? {}).sort((a, b) => b[1] - a[1]), [counts, active]);
  const data = useMemo(() => [{ type: 'bar' as const, x: entries.map((e) => e[0]), y: entries.map((e) => e[1]), marker: { color: '#4a78c2' } }], [entries]);
  const table = useMemo(() => ({ columns: [active ?? 'label', 'count'], rows: entries.map(([v, c]) => [v, c]) }), [entries, active]);
  if (!active) return <p className="muted">No labels yet: choose a folder template or load a manifest.</p>;
  return (
    <div>
      <div className="row">
        Counts per
        <select value={active} onChange={(e) => setKey(e.target.value)} data-testid="label-key">
          {keys.map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
      </div>
      <table className="counts" data-testid="label-counts">
        <tbody>
          {entries.map(([v, c]) => (
            <tr key={v}>
              <td>{v}</td>
              <td>{c}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Plot name={`label-counts-${active}`} data={data} table={table} layout={{ title: { text: `Images per ${active}` }, xaxis: { type: 'category' } }} height={260} />
    </div>
  );
}

export function DatasetsView() {
  const s = useDatasets();
  const job = useJobs((j) => (s.activeJobId ? j.jobs[s.activeJobId] : undefined));
  const [template, setTemplate] = useState<LabelTemplateId>('class');
  const [dropProblems, setDropProblems] = useState<string[]>([]);
  useEffect(() => {
    void s.refresh();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const meta = s.datasets.find((d) => d.id === s.selectedId);
  const errors = s.errors.filter((e) => e.severity !== 'warning');
  const warnings = s.errors.filter((e) => e.severity === 'warning');

  const onFiles = (files: PickedFile[], problems: string[]) => {
    setDropProblems(problems);
    if (files.length === 0) {
      setDropProblems([...problems, 'Nothing to ingest: the drop contained no files (empty folder?).']);
      return;
    }
    const first = safeRelativePath(files[0].path).path; // a crafted '../x.png' must not name the dataset '..'
    const root = first.includes('/') ? first.split('/')[0] : 'Dropped files';
    void s.ingest(root, template, files);
  };

  return (
    <section className="view" data-testid="view-datasets">
      <h2>Datasets</h2>
      <div className="row">
        <label>
          Labels from folders:
          <select value={template} onChange={(e) => setTemplate(e.target.value as LabelTemplateId)} data-testid="template">
            {TEMPLATES.map((t) => (
              <option key={t.id} value={t.id}>
                {t.text}
              </option>
            ))}
          </select>
        </label>
        <button onClick={() => void s.generateSynthetic(30)} disabled={!!s.activeJobId} data-testid="generate-synthetic">
          Generate demo dataset (synthetic shapes)
        </button>
      </div>
      <Dropzone onFiles={onFiles} />
      {dropProblems.length > 0 && (
        <ul className="errors">
          {dropProblems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {s.jobError && (
        <p className="err" role="alert" data-testid="dataset-job-error">
          {s.jobError}
        </p>
      )}
      {job && job.status === 'running' && (
        <div className="row" data-testid="ingest-progress">
          {job.title}: <JobProgress progress={job.progress} unit="files" />
          <button onClick={() => cancelJob(job.id)}>Cancel</button>
        </div>
      )}
      <div className="row">
        <label>
          Dataset:
          <select value={s.selectedId ?? ''} onChange={(e) => void s.select(e.target.value || null)} data-testid="dataset-select">
            <option value="">—</option>
            {s.datasets.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name} ({d.itemCount} images{d.errorCount ? `, ${d.errorCount} errors` : ''})
              </option>
            ))}
          </select>
        </label>
        {meta && (
          <>
            <button onClick={() => void s.applyTemplate(template)}>Re-label with template</button>
            <label className="button">
              Load manifest (CSV/JSON)…
              <input
                type="file"
                hidden
                accept=".csv,.tsv,.txt,.json"
                data-testid="manifest-input"
                onChange={async (e) => {
                  const f = e.target.files?.[0];
                  if (f) await s.applyManifest(f.name, await f.text());
                  e.target.value = '';
                }}
              />
            </label>
            <button onClick={() => confirm(`Delete dataset '${meta.name}'?`) && void s.remove(meta.id)}>Delete</button>
          </>
        )}
      </div>
      {meta && (
        <div className="dataset" data-testid="dataset-summary">
          <p>
            <b data-testid="item-count">{s.items.length}</b> images · <b data-testid="error-count">{errors.length}</b> errors · {warnings.length} warnings · template {meta.template}
            {meta.seed !== undefined && <> · seed {meta.seed}</>}
          </p>
          {s.manifestReport && (
            <ul className="report" data-testid="manifest-report">
              {s.manifestReport.map((r, i) => (
                <li key={i}>{r}</li>
              ))}
            </ul>
          )}
          <div className="split">
            <div className="grow">
              <ThumbGrid datasetId={meta.id} items={s.items} />
            </div>
            <div className="side">
              <LabelCounts counts={meta.labelCounts} />
            </div>
          </div>
          {(errors.length > 0 || warnings.length > 0) && (
            <details open={errors.length > 0} className="file-errors">
              <summary>Per-file problems ({errors.length} errors, {warnings.length} warnings)</summary>
              <table data-testid="file-errors">
                <tbody>
                  {[...errors, ...warnings].slice(0, 2000).map((e, i) => (
                    <tr key={i} className={e.severity === 'warning' ? 'warn' : 'err'}>
                      <td>{e.severity === 'warning' ? 'warning' : 'error'}</td>
                      <td>{e.path}</td>
                      <td>{e.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          )}
        </div>
      )}
      {!meta && s.datasets.length === 0 && <p className="muted">No datasets yet. Drop a folder above, or generate the demo dataset.</p>}
    </section>
  );
}
