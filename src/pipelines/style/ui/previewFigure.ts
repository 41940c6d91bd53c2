/** The preview grid as a labelled figure (PNG through a canvas) and its records as JSON. */
import type { EmbeddingStats } from '../randomize';
import type { PreviewRowInfo, PreviewTile } from '../service/protocol';
import type { StyleSettings } from '../service/styleCore';

/** Short caption of one tile (also used under the tiles in the panel). */
export function tileCaption(tile: Pick<PreviewTile, 'copy' | 'record' | 'traditional'>): string {
  if (tile.copy < 0) return 'original';
  const r = tile.record;
  const style = !r ? '—' : r.stylised ? `α ${r.alpha.toFixed(2)}` : 'not stylised';
  const trad = tile.traditional && tile.traditional.length > 0 ? ` + ${tile.traditional.map((t) => t.op).join(', ')}` : '';
  return style + trad;
}

/** One line describing the settings, for figure titles and file metadata. */
export function settingsLine(settings: StyleSettings, stats: EmbeddingStats | null, styleImage: string | null): string {
  const o = settings.options;
  const alpha = typeof o.alpha === 'number' ? `α = ${o.alpha}` : `α ~ U(${o.alpha[0]}, ${o.alpha[1]})`;
  const style = styleImage ? `style from ${styleImage}` : o.mode === 'random' ? 'z ~ N(μ, Σ)' : 'z = μ';
  return `Style augmentation: ${alpha}, p(stylise) = ${o.ratio}, ${style}${settings.traditional ? ', + traditional' : ''}, seed ${o.seed}${stats ? `; statistics: ${stats.source}` : ''}`;
}

export interface FigureLayout {
  width: number;
  height: number;
  /** Integer upscaling of the tiles (small previews are enlarged, pixelated). */
  scale: number;
  cell: { width: number; height: number };
  /** Width of the row-name column. */
  label: number;
  titleLines: number;
  lineHeight: number;
  caption: number;
  pad: number;
}

/**
 * Grid geometry: equal cells sized to the largest tile (enlarged by an integer factor so a cell is
 * at least `minCell` px), a caption strip under each, a column of row names and the title lines.
 */
export function figureLayout(tiles: readonly Pick<PreviewTile, 'width' | 'height'>[], rows: number, copies: number, titleLines = 1, minCell = 128): FigureLayout {
  const pad = 8, caption = 16, lineHeight = 16, label = 110;
  const tw = Math.max(1, ...tiles.map((t) => t.width));
  const th = Math.max(1, ...tiles.map((t) => t.height));
  const scale = Math.max(1, Math.floor(minCell / Math.max(tw, th)));
  const cell = { width: tw * scale, height: th * scale };
  return {
    width: pad + label + (copies + 1) * (cell.width + pad),
    height: pad + titleLines * lineHeight + pad + rows * (cell.height + caption + pad),
    scale,
    cell,
    label,
    titleLines,
    lineHeight,
    caption,
    pad,
  };
}

/** Greedy word wrap of `text` into lines no wider than `width` by `measure`. */
export function wrapText(text: string, width: number, measure: (s: string) => number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (line && measure(next) > width) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/** Draw the grid with row names, captions and a title into a PNG blob. */
export async function renderFigure(tiles: readonly PreviewTile[], rows: number, copies: number, title: string, rowNames: readonly string[] = []): Promise<Blob> {
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('No 2D canvas to draw the figure with');
  const font = '12px system-ui, sans-serif';
  ctx.font = font;
  const probe = figureLayout(tiles, rows, copies);
  const lines = wrapText(title, probe.width - 2 * probe.pad, (t) => ctx.measureText(t).width);
  const L = figureLayout(tiles, rows, copies, lines.length);
  canvas.width = L.width;
  canvas.height = L.height;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, L.width, L.height);
  ctx.fillStyle = '#111';
  ctx.font = font;
  ctx.textBaseline = 'middle';
  lines.forEach((line, i) => ctx.fillText(line, L.pad, L.pad + (i + 0.5) * L.lineHeight));
  const top = L.pad + L.titleLines * L.lineHeight + L.pad;
  ctx.imageSmoothingEnabled = false;
  for (let r = 0; r < rows; r++) {
    const name = rowNames[r];
    if (!name) continue;
    ctx.fillStyle = '#333';
    ctx.font = '11px system-ui, sans-serif';
    const nameLines = wrapText(name.replace(/\//g, '/ '), L.label - L.pad, (t) => ctx.measureText(t).width).slice(0, 4);
    nameLines.forEach((line, i) => ctx.fillText(line.replace(/\/ /g, '/'), L.pad, top + r * (L.cell.height + L.caption + L.pad) + (i + 0.5) * 14, L.label - L.pad));
  }
  for (const t of tiles) {
    if (t.row >= rows || t.copy >= copies) continue;
    const x = L.pad + L.label + (t.copy + 1) * (L.cell.width + L.pad);
    const y = top + t.row * (L.cell.height + L.caption + L.pad);
    const w = t.width * L.scale, h = t.height * L.scale;
    const tile = new OffscreenCanvas(t.width, t.height);
    tile.getContext('2d')!.putImageData(new ImageData(t.rgba.slice(), t.width, t.height), 0, 0);
    ctx.drawImage(tile, x + Math.floor((L.cell.width - w) / 2), y + Math.floor((L.cell.height - h) / 2), w, h);
    ctx.fillStyle = t.record && !t.record.stylised ? '#777' : '#111';
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillText(tileCaption(t), x, y + L.cell.height + L.caption / 2 + 1, L.cell.width);
  }
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('The canvas could not be encoded as PNG'))), 'image/png'));
}

/** The preview's records: enough to replay every tile (same size, seed, options and statistics). */
export function previewRecordsJson(tiles: readonly PreviewTile[], rows: readonly PreviewRowInfo[], settings: StyleSettings, stats: EmbeddingStats | null, size: number, names: readonly string[]): string {
  return JSON.stringify(
    {
      format: 'cv-workbench/style-preview',
      version: 1,
      createdAt: new Date().toISOString(),
      size,
      options: settings.options,
      styleEmbedding: settings.styleEmbedding ?? null,
      traditional: settings.traditional,
      stats: stats ? { source: stats.source, count: stats.count, predictor: stats.predictor, createdAt: stats.createdAt } : null,
      rows: rows.map((r) => ({
        content: names[r.row] ?? r.key,
        width: r.width,
        height: r.height,
        contentEmbedding: r.contentEmbedding,
        traditionalRecord: r.traditional,
        copies: tiles.filter((t) => t.row === r.row && t.copy >= 0).sort((a, b) => a.copy - b.copy).map((t) => ({ copy: t.copy, style: t.record, traditional: t.traditional })),
      })),
    },
    null,
    1,
  );
}
