/**
 * Figures and tables of a style experiment: target-accuracy curves per arm (Fig 4.5/4.6 style, mean
 * over seeds with a ±1 std band, or every seed faint), the final-accuracy table beside the thesis's
 * own numbers (Table 4.1/4.2), and the sweep plot with error bars (Fig 4.4).
 */
import { useMemo } from 'react';
import type Plotly from 'plotly.js-dist-min';
import { Plot, type FigureTable } from '../../../ui/Plot';
import { toCsv } from '../../../core/export/csv';
import { downloadBlob } from '../../../core/export/download';
import { ARM_LABELS, ARMS, type Arm, type ArmSummary, type RunResult, type Sweep } from '../experiment/types';
import { curveGroups, formatMeanStd, sweepSeries, type CurveGroup } from './experimentData';
import { formatReference, referenceCells, THESIS_CSV_COLUMNS, THESIS_REFERENCE_LABEL } from './experimentReference';

/** Fig 4.6's colours: blue none, orange traditional, green style, red both; purple colour jitter. */
export const ARM_COLORS: Record<Arm, string> = {
  none: '#1f77b4',
  trad: '#ff7f0e',
  style: '#2ca02c',
  both: '#d62728',
  color: '#9467bd',
};

function rgba(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

function sweepLabel(param: Sweep['param'] | undefined, v: number | undefined): string {
  if (v === undefined) return '';
  return ` (${param === 'alpha' ? 'α' : 'ratio'} ${v})`;
}

/** Dash patterns tell sweep values of one arm apart. */
const DASHES = ['solid', 'dash', 'dot', 'dashdot', 'longdash', 'longdashdot'] as const;

export type CurveMode = 'band' | 'seeds';

export function AccuracyCurves({ runs, sweepParam, mode, name = 'style-target-accuracy' }: { runs: readonly RunResult[]; sweepParam?: Sweep['param']; mode: CurveMode; name?: string }) {
  const groups = useMemo(() => curveGroups(runs, ARMS), [runs]);
  const data = useMemo(() => {
    const traces: Plotly.Data[] = [];
    const sweepValues = [...new Set(groups.map((g) => g.sweepValue).filter((v): v is number => v !== undefined))].sort((a, b) => a - b);
    for (const g of groups) {
      const color = ARM_COLORS[g.arm];
      const dash = g.sweepValue === undefined ? 'solid' : DASHES[sweepValues.indexOf(g.sweepValue) % DASHES.length];
      const label = `${ARM_LABELS[g.arm]}${sweepLabel(sweepParam, g.sweepValue)}`;
      if (mode === 'band' && g.n.some((n) => n > 1)) {
        traces.push({ type: 'scatter', mode: 'lines', x: g.epochs, y: g.mean.map((m, i) => m + g.std[i]), line: { width: 0, color }, hoverinfo: 'skip', showlegend: false, legendgroup: g.key });
        traces.push({ type: 'scatter', mode: 'lines', x: g.epochs, y: g.mean.map((m, i) => m - g.std[i]), line: { width: 0, color }, fill: 'tonexty', fillcolor: rgba(color, 0.18), hoverinfo: 'skip', showlegend: false, legendgroup: g.key });
      }
      if (mode === 'seeds') {
        for (const s of g.seeds) {
          traces.push({ type: 'scatter', mode: 'lines', x: s.epochs, y: s.accuracy, line: { width: 1, color: rgba(color, 0.35), dash }, name: `${label} seed ${s.seed}`, showlegend: false, legendgroup: g.key });
        }
      }
      traces.push({
        type: 'scatter', mode: 'lines+markers', x: g.epochs, y: g.mean, name: label, legendgroup: g.key,
        line: { color, width: 2.5, dash }, marker: { size: 5 },
        text: g.n.map((n, i) => `${n} seed${n === 1 ? '' : 's'}, std ${g.std[i].toFixed(3)}`), hovertemplate: '%{y:.3f} (%{text})<extra>%{fullData.name}</extra>',
      });
    }
    return traces;
  }, [groups, mode, sweepParam]);
  const table = useMemo<FigureTable>(() => ({
    columns: ['arm', 'sweep_value', 'epoch', 'mean_target_accuracy', 'std', 'seeds'],
    rows: groups.flatMap((g: CurveGroup) => g.epochs.map((e, i) => [g.arm, g.sweepValue ?? null, e, g.mean[i], g.std[i], g.n[i]])),
  }), [groups]);
  const layout = useMemo<Partial<Plotly.Layout>>(() => ({
    title: { text: `Target-domain accuracy per epoch (mean over seeds${mode === 'band' ? ', band ±1 std' : ', each seed faint'})` },
    xaxis: { title: { text: 'epoch' }, dtick: 1 },
    yaxis: { title: { text: 'target accuracy' }, rangemode: 'tozero' },
    legend: { orientation: 'h', y: -0.2 },
  }), [mode]);
  if (groups.length === 0) return null;
  return <Plot name={name} data={data} table={table} layout={layout} height={340} />;
}

export function SweepPlot({ summary, sweep }: { summary: readonly ArmSummary[]; sweep: Sweep }) {
  const series = useMemo(() => sweepSeries(summary, ARMS), [summary]);
  const baselines = useMemo(() => summary.filter((s) => s.sweepValue === undefined), [summary]);
  const data = useMemo(() => {
    const lo = Math.min(...sweep.values), hi = Math.max(...sweep.values);
    const traces: Plotly.Data[] = series.map((s) => ({
      type: 'scatter', mode: 'lines+markers', name: ARM_LABELS[s.arm], x: s.x, y: s.y,
      error_y: { type: 'data', array: s.std, visible: true }, line: { color: ARM_COLORS[s.arm] }, marker: { color: ARM_COLORS[s.arm] },
    }));
    for (const b of baselines) {
      traces.push({ type: 'scatter', mode: 'lines', name: `${ARM_LABELS[b.arm]} (not swept)`, x: [lo, hi], y: [b.mean, b.mean], line: { color: ARM_COLORS[b.arm], dash: 'dash' } });
    }
    return traces;
  }, [series, baselines, sweep.values]);
  const table = useMemo<FigureTable>(() => ({
    columns: ['arm', sweep.param, 'mean_final_target_accuracy', 'std', 'runs'],
    rows: [...series.flatMap((s) => s.x.map((x, i) => [s.arm, x, s.y[i], s.std[i], s.runs[i]])), ...baselines.map((b) => [b.arm, null, b.mean, b.std, b.runs])],
  }), [series, baselines, sweep.param]);
  const layout = useMemo<Partial<Plotly.Layout>>(() => ({
    title: { text: `Final target accuracy against ${sweep.param === 'alpha' ? 'α (Eq 4.8)' : 'augmentation ratio (probability of stylising)'}; error bars ±1 std` },
    xaxis: { title: { text: sweep.param === 'alpha' ? 'α' : 'augmentation ratio' } },
    yaxis: { title: { text: 'final target accuracy' } },
  }), [sweep.param]);
  if (series.length === 0) return null;
  return <Plot name={`style-sweep-${sweep.param}`} data={data} table={table} layout={layout} height={320} />;
}

/** Rows of the final table (and its CSV): ours, then the thesis's reference numbers per arm. */
export function finalTableCsv(summary: readonly ArmSummary[], sweep?: Sweep): { columns: string[]; rows: (string | number | null)[][] } {
  const columns = ['arm', ...(sweep ? [sweep.param] : []), 'mean_final_target_accuracy', 'std', 'runs', ...THESIS_CSV_COLUMNS.map((c) => c.column)];
  const rows = summary.map((s) => [ARM_LABELS[s.arm], ...(sweep ? [s.sweepValue ?? null] : []), s.mean, s.std, s.runs, ...referenceCells(s.arm)]);
  return { columns, rows };
}

export function FinalTable({ summary, sweep, name = 'style-final-accuracy', partial }: { summary: readonly ArmSummary[]; sweep?: Sweep; name?: string; partial?: boolean }) {
  if (summary.length === 0) return null;
  const exportCsv = () => {
    const t = finalTableCsv(summary, sweep);
    downloadBlob(new Blob([toCsv(t)], { type: 'text/csv' }), `${name}.csv`);
  };
  return (
    <div data-testid="experiment-final-table" data-partial={partial ? 'true' : 'false'}>
      <table className="small">
        <thead>
          <tr>
            <th>Arm</th>
            {sweep && <th>{sweep.param === 'alpha' ? 'α' : 'ratio'}</th>}
            <th>Final target accuracy (mean ± std)</th>
            <th>Runs</th>
            <th>{THESIS_REFERENCE_LABEL}</th>
          </tr>
        </thead>
        <tbody>
          {summary.map((s) => (
            <tr key={`${s.arm}@${s.sweepValue ?? ''}`} data-testid={`final-row-${s.arm}`} data-mean={s.mean} data-std={s.std} data-runs={s.runs}>
              <td>{ARM_LABELS[s.arm]}</td>
              {sweep && <td>{s.sweepValue ?? '–'}</td>}
              <td>{formatMeanStd(s.mean, s.std, s.runs)}</td>
              <td>{s.runs}</td>
              <td className="muted">{formatReference(s.arm).map((l) => <div key={l}>{l}</div>)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="row small">
        <button onClick={exportCsv} data-testid="final-table-csv">Export table (CSV)</button>
        <span className="muted">
          {partial ? 'Partial: finished runs only. ' : ''}Mean ± sample std (n − 1) over seeds of the last epoch's target accuracy. The thesis columns are final test accuracies on Office
          (A = Amazon, D = DSLR, W = Webcam) with InceptionV3, 31 classes, 40k iterations: references, not comparable in absolute terms.
        </span>
      </div>
    </div>
  );
}
