/**
 * The shared figure component. A figure is data + a plotly spec: the same `table` the plot is
 * drawn from exports as CSV/JSON, and the rendered figure exports as PNG/SVG.
 */
import { useEffect, useRef } from 'react';
import Plotly from 'plotly.js-dist-min';
import { toCsv } from '../core/export/csv';
import { downloadBlob } from '../core/export/download';

export interface FigureTable {
  columns: string[];
  rows: (string | number | null)[][];
}

export interface PlotProps {
  /** File-name stem for exports. */
  name: string;
  data: Plotly.Data[];
  layout?: Partial<Plotly.Layout>;
  table: FigureTable;
  height?: number;
  onSelected?: (points: { pointIndex: number; curveNumber: number }[]) => void;
  onHover?: (point: { pointIndex: number; curveNumber: number } | null) => void;
}

/** Decode a data: URL (base64 or percent-encoded) without a fetch. */
export function dataUrlToBlob(url: string): Blob {
  const comma = url.indexOf(',');
  const header = url.slice(5, comma);
  const body = url.slice(comma + 1);
  const mime = header.split(';')[0] || 'application/octet-stream';
  if (header.endsWith(';base64')) {
    const bin = atob(body);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Blob([bytes], { type: mime });
  }
  return new Blob([decodeURIComponent(body)], { type: mime });
}

export function tableToObjects(t: FigureTable): Record<string, string | number | null>[] {
  return t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c, r[i]])));
}

export function Plot({ name, data, layout, table, height = 320, onSelected, onHover }: PlotProps) {
  const ref = useRef<HTMLDivElement>(null);
  // Handlers live in refs: plotly attaches `.on` to the element only after its first draw, so the
  // listeners are installed once that draw has finished and always call the latest callbacks.
  const handlers = useRef({ onSelected, onHover });
  useEffect(() => {
    handlers.current = { onSelected, onHover };
  }, [onSelected, onHover]);
  const listening = useRef(false);
  useEffect(() => {
    const el = ref.current as (HTMLDivElement & { on?: (ev: string, cb: (e: unknown) => void) => void }) | null;
    if (!el) return;
    void Plotly.react(el, data, { margin: { l: 50, r: 20, t: 30, b: 40 }, height, ...layout }, { displaylogo: false, responsive: true }).then(() => {
      if (listening.current || !el.on) return;
      listening.current = true;
      el.on('plotly_selected', (e) => handlers.current.onSelected?.(((e as Plotly.PlotSelectionEvent | undefined)?.points ?? []).map((p) => ({ pointIndex: p.pointIndex, curveNumber: p.curveNumber }))));
      el.on('plotly_hover', (e) => {
        const p = (e as Plotly.PlotHoverEvent).points[0];
        handlers.current.onHover?.(p ? { pointIndex: p.pointIndex, curveNumber: p.curveNumber } : null);
      });
      el.on('plotly_unhover', () => handlers.current.onHover?.(null));
    });
  }, [data, layout, height]);
  useEffect(() => () => {
    if (ref.current) Plotly.purge(ref.current);
    listening.current = false;
  }, []);

  const exportImage = async (format: 'png' | 'svg') => {
    if (!ref.current) return;
    const url = await Plotly.toImage(ref.current, { format, width: 1000, height: Math.max(height, 500) });
    const blob = dataUrlToBlob(url);
    downloadBlob(blob, `${name}.${format}`);
  };
  const exportData = (format: 'csv' | 'json') => {
    const text = format === 'csv' ? toCsv({ columns: table.columns, rows: table.rows }) : JSON.stringify(tableToObjects(table), null, 2);
    downloadBlob(new Blob([text], { type: format === 'csv' ? 'text/csv' : 'application/json' }), `${name}.${format}`);
  };
  return (
    <figure className="plot" data-testid={`plot-${name}`}>
      <div ref={ref} />
      <figcaption className="plot-export">
        Export:
        <button onClick={() => void exportImage('png')}>PNG</button>
        <button onClick={() => void exportImage('svg')}>SVG</button>
        <button onClick={() => exportData('csv')}>CSV</button>
        <button onClick={() => exportData('json')}>JSON</button>
      </figcaption>
    </figure>
  );
}
