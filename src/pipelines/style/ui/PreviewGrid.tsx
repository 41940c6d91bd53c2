/** The preview tiles: per content image, the original and its augmented copies, with captions. */
import { useEffect, useRef } from 'react';
import type { PreviewTile } from '../service/protocol';
import { tileCaption } from './previewFigure';

function pixelSum(rgba: Uint8ClampedArray): number {
  let s = 0;
  for (let i = 0; i < rgba.length; i += 4) s += rgba[i] + rgba[i + 1] + rgba[i + 2];
  return s;
}

function Tile({ tile, display }: { tile: PreviewTile; display: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    c.width = tile.width;
    c.height = tile.height;
    ctx.putImageData(new ImageData(tile.rgba.slice(), tile.width, tile.height), 0, 0);
  }, [tile]);
  const scale = display / Math.max(tile.width, tile.height);
  const stylised = tile.record ? tile.record.stylised : null;
  return (
    <figure
      style={{ margin: 0, width: display, fontSize: 11 }}
      data-testid={tile.copy < 0 ? 'style-original' : 'style-tile'}
      data-row={tile.row}
      data-copy={tile.copy}
      data-stylised={stylised === null ? undefined : String(stylised)}
      data-alpha={tile.record ? tile.record.alpha : undefined}
      data-sum={pixelSum(tile.rgba)}
      data-ms={Math.round(tile.ms)}
      title={tile.record?.z ? `z[0..3] = ${tile.record.z.slice(0, 4).map((v) => v.toFixed(3)).join(', ')}…` : undefined}
    >
      <div style={{ width: display, height: display, display: 'flex', alignItems: 'center', justifyContent: 'center', background: '#eef1f5' }}>
        <canvas ref={ref} style={{ width: tile.width * scale, height: tile.height * scale, imageRendering: scale >= 2 ? 'pixelated' : 'auto', opacity: stylised === false ? 0.75 : 1 }} />
      </div>
      <figcaption style={{ color: stylised === false ? '#7a8294' : undefined, whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }}>{tileCaption(tile)}</figcaption>
    </figure>
  );
}

export function PreviewGrid({ tiles, rows, copies, names, busy }: { tiles: Record<string, PreviewTile>; rows: number; copies: number; names: string[]; busy: boolean }) {
  const display = 128;
  return (
    <div data-testid="style-grid" data-busy={String(busy)} style={{ overflowX: 'auto' }}>
      {Array.from({ length: rows }, (_, r) => (
        <div key={r} className="row" style={{ alignItems: 'flex-start', flexWrap: 'nowrap' }} data-testid="style-row">
          <div className="small muted" style={{ width: 110, overflowWrap: 'anywhere' }}>{names[r] ?? ''}</div>
          {Array.from({ length: copies + 1 }, (_, c) => {
            const t = tiles[`${r}:${c - 1}`];
            return t ? (
              <Tile key={c} tile={t} display={display} />
            ) : (
              <div key={c} style={{ width: display, height: display + 16, background: '#eef1f5' }} className="thumb-placeholder" />
            );
          })}
        </div>
      ))}
    </div>
  );
}
