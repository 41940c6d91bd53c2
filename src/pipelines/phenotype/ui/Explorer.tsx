/**
 * The phenotype map (thesis Fig 5.6): a WebGL scatter of the t-SNE embedding coloured by k-means
 * cluster or any metadata column, live while t-SNE runs. Hovering shows the image and its
 * metadata; lasso/box selection opens a gallery; clusters get representative-sample galleries
 * (Fig 5.5) and can be marked interesting/uninteresting; selections, interesting clusters and a
 * per-compound summary export as CSV, the map as PNG/SVG.
 */
import { useCallback, useMemo, useState } from 'react';
import type Plotly from 'plotly.js-dist-min';
import { Plot } from '../../../ui/Plot';
import { toCsv } from '../../../core/export/csv';
import { downloadBlob } from '../../../core/export/download';
import { Gallery, RowThumb } from './Gallery';
import { groupRows, groupSummaryTable, interestingRows, representativeRows, rowsTable, summariseClusters } from './explorerData';
import { shownLabels, usePhenotype, type ClusterMark, type ProfileTable } from './phenotypeStore';

const SAMPLES_PER_CLUSTER = 8;

function downloadCsv(table: { columns: string[]; rows: unknown[][] }, name: string) {
  downloadBlob(new Blob([toCsv(table)], { type: 'text/csv' }), name);
}

export function Explorer() {
  const { profile, analysis, snapshot, shownK, marks, selection, colourBy, roles, setShownK, mark, select, setColourBy } = usePhenotype();
  const [hover, setHover] = useState<number | null>(null);
  const [openCluster, setOpenCluster] = useState<number | null>(null);
  const labels = useMemo(() => (analysis ? shownLabels(analysis, shownK) : null), [analysis, shownK]);
  const embedding = analysis?.tsne.embedding ?? snapshot?.embedding ?? null;
  const groups = useMemo(() => (profile ? groupRows(profile, labels, colourBy) : []), [profile, labels, colourBy]);
  const big = (profile?.n ?? 0) > 5000;
  const data = useMemo<Plotly.Data[]>(() => {
    if (!profile || !embedding) return [];
    return groups.map((g) => ({
      type: 'scattergl',
      mode: 'markers',
      name: `${g.name} (${g.rows.length})`,
      x: g.rows.map((i) => embedding[2 * i]),
      y: g.rows.map((i) => embedding[2 * i + 1]),
      text: g.rows.map((i) => profile.labels[i]),
      hovertemplate: '%{text}<extra></extra>',
      marker: { size: big ? 3 : 6, opacity: 0.8 },
    }));
  }, [profile, embedding, groups, big]);
  const layout = useMemo<Partial<Plotly.Layout>>(
    () => ({
      dragmode: 'lasso',
      hovermode: 'closest',
      xaxis: { title: { text: 't-SNE 1' }, zeroline: false },
      yaxis: { title: { text: 't-SNE 2' }, zeroline: false, scaleanchor: 'x' },
      legend: { font: { size: 10 } },
      title: { text: snapshot && !analysis ? `t-SNE iteration ${snapshot.iteration}/${snapshot.iterations}` : '' },
      uirevision: 'map',
    }),
    [snapshot, analysis],
  );
  const table = useMemo(() => {
    if (!profile || !embedding) return { columns: [], rows: [] };
    const all = Array.from({ length: profile.n }, (_, i) => i);
    return rowsTable(profile, all, embedding, labels ?? new Int32Array(profile.n), marks);
  }, [profile, embedding, labels, marks]);
  const rowOf = useCallback((p: { curveNumber: number; pointIndex: number }) => groups[p.curveNumber]?.rows[p.pointIndex], [groups]);
  const onSelected = useCallback((pts: { curveNumber: number; pointIndex: number }[]) => select(pts.map(rowOf).filter((r): r is number => r !== undefined).sort((a, b) => a - b)), [rowOf, select]);
  const onHover = useCallback((p: { curveNumber: number; pointIndex: number } | null) => setHover(p ? rowOf(p) ?? null : null), [rowOf]);

  const summaryColumn = roles.compound ?? roles.moa ?? profile?.columns[0];
  const clusters = useMemo(() => (analysis && labels && profile ? summariseClusters(labels, profile.metadata, summaryColumn) : []), [analysis, labels, profile, summaryColumn]);
  const interesting = useMemo(() => (labels ? interestingRows(labels, marks) : { rows: [], reduction: null }), [labels, marks]);

  if (!profile) return null;
  if (!embedding) return <p className="muted">Run the analysis to see the map.</p>;
  const name = profile.name.replace(/[^\w.-]+/g, '_');
  return (
    <div data-testid="phenotype-explorer">
      <div className="row">
        <label>
          Colour by{' '}
          <select value={colourBy} onChange={(e) => setColourBy(e.target.value)} data-testid="colour-by">
            <option value="cluster">k-means cluster</option>
            {profile.columns.map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
        </label>
        {analysis && (
          <label>
            k{' '}
            <select value={shownK ?? analysis.k} onChange={(e) => setShownK(Number(e.target.value))} data-testid="shown-k">
              {analysis.curve.ks.map((k) => <option key={k} value={k}>{k}{k === analysis.k ? (analysis.kFromKnee ? ' (knee)' : ' (chosen)') : ''}</option>)}
            </select>
          </label>
        )}
        <span className="muted small">Lasso or box-select points to open them in a gallery. {profile.n.toLocaleString()} points.</span>
      </div>
      <div className="split">
        <div className="grow">
          <Plot name={`${name}-tsne-map`} data={data} layout={layout} table={table} height={560} onSelected={onSelected} onHover={onHover} />
        </div>
        <div className="side card" data-testid="hover-card" style={{ minHeight: 200 }}>
          {hover === null ? (
            <p className="muted small">Hover a point to see its image and metadata.</p>
          ) : (
            <>
              <RowThumb profile={profile} row={hover} size={160} />
              <table className="small">
                <tbody>
                  {labels && <tr><td>cluster</td><td>{labels[hover]}{marks[labels[hover]] ? ` (${marks[labels[hover]]})` : ''}</td></tr>}
                  {profile.columns.map((c) => <tr key={c}><td>{c}</td><td>{profile.metadata[hover]?.[c]}</td></tr>)}
                </tbody>
              </table>
            </>
          )}
        </div>
      </div>

      {selection.length > 0 && (
        <div className="card" data-testid="selection">
          <div className="row">
            <strong>Selection: {selection.length} images</strong>
            <button onClick={() => downloadCsv(rowsTable(profile, selection, embedding, labels ?? new Int32Array(profile.n), marks), `${name}-selection.csv`)}>Export selection CSV</button>
            <button onClick={() => select([])}>Clear</button>
          </div>
          <Gallery profile={profile} rows={selection} testId="selection-gallery" />
        </div>
      )}

      {analysis && labels && (
        <div className="card" data-testid="clusters">
          <div className="row">
            <strong>Clusters (k = {shownK ?? analysis.k})</strong>
            <span className="muted small">
              Mark each cluster; images in interesting clusters:{' '}
              {interesting.reduction === null ? 'none marked yet' : `${interesting.rows.length} of ${profile.n} (${interesting.reduction.toFixed(1)}-fold reduction)`}
            </span>
            <button disabled={interesting.rows.length === 0} onClick={() => downloadCsv(rowsTable(profile, interesting.rows, embedding, labels, marks), `${name}-interesting-images.csv`)}>
              Export interesting images CSV
            </button>
            {summaryColumn && (
              <button onClick={() => downloadCsv(groupSummaryTable(profile, summaryColumn, labels, marks), `${name}-${summaryColumn}-summary.csv`)}>Export per-{summaryColumn} CSV</button>
            )}
            {roles.well && <button onClick={() => downloadCsv(groupSummaryTable(profile, roles.well!, labels, marks), `${name}-wells.csv`)}>Export per-well CSV</button>}
          </div>
          <table className="small clusters">
            <thead>
              <tr><th>cluster</th><th>images</th><th>{summaryColumn ? `top ${summaryColumn}` : ''}</th><th>mark</th><th /></tr>
            </thead>
            <tbody>
              {clusters.map((c) => (
                <ClusterRow
                  key={c.cluster}
                  profile={profile}
                  summary={c}
                  markValue={marks[c.cluster] ?? null}
                  onMark={(m) => mark(c.cluster, m)}
                  open={openCluster === c.cluster}
                  onToggle={() => setOpenCluster(openCluster === c.cluster ? null : c.cluster)}
                  samples={() => representativeRows(embedding, labels, c.cluster, SAMPLES_PER_CLUSTER)}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function ClusterRow(props: { profile: ProfileTable; summary: ReturnType<typeof summariseClusters>[number]; markValue: ClusterMark | null; onMark: (m: ClusterMark | null) => void; open: boolean; onToggle: () => void; samples: () => number[] }) {
  const { summary: c } = props;
  return (
    <>
      <tr data-testid={`cluster-row-${c.cluster}`}>
        <td>{c.cluster}</td>
        <td>{c.size}</td>
        <td>{c.top.map((t) => `${t.value} (${t.count})`).join(', ')}</td>
        <td>
          <select value={props.markValue ?? ''} onChange={(e) => props.onMark((e.target.value || null) as ClusterMark | null)} aria-label={`mark cluster ${c.cluster}`}>
            <option value="">—</option>
            <option value="interesting">interesting</option>
            <option value="uninteresting">uninteresting</option>
          </select>
        </td>
        <td><button onClick={props.onToggle}>{props.open ? 'Hide samples' : 'Samples'}</button></td>
      </tr>
      {props.open && (
        <tr>
          <td colSpan={5}>
            <Gallery profile={props.profile} rows={props.samples()} testId={`cluster-gallery-${c.cluster}`} />
          </td>
        </tr>
      )}
    </>
  );
}
