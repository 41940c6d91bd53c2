/**
 * Virtualised thumbnail grid: only visible rows are in the DOM, and thumbnails are read from
 * IndexedDB on demand into a bounded cache of object URLs (revoked when evicted), so scrolling
 * through 10,000 images stays smooth and memory stays flat.
 */
import { useEffect, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { DatasetItem } from '../core/data/types';
import { getThumb, openWorkbenchDb } from '../core/storage/db';

const CACHE_LIMIT = 600;
const urlCache = new Map<string, string>();

export async function thumbUrl(datasetId: string, id: number): Promise<string | null> {
  const key = `${datasetId}/${id}`;
  const hit = urlCache.get(key);
  if (hit) {
    urlCache.delete(key);
    urlCache.set(key, hit); // LRU: move to the end
    return hit;
  }
  const blob = await getThumb(await openWorkbenchDb(), datasetId, id);
  if (!blob) return null;
  const url = URL.createObjectURL(blob);
  urlCache.set(key, url);
  while (urlCache.size > CACHE_LIMIT) {
    const [oldKey, oldUrl] = urlCache.entries().next().value as [string, string];
    URL.revokeObjectURL(oldUrl);
    urlCache.delete(oldKey);
  }
  return url;
}

function Thumb({ datasetId, item, size, onClick }: { datasetId: string; item: DatasetItem; size: number; onClick?: (item: DatasetItem) => void }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    void thumbUrl(datasetId, item.id).then((u) => alive && setUrl(u));
    return () => {
      alive = false;
    };
  }, [datasetId, item.id]);
  const label = Object.entries(item.labels).filter(([k]) => !k.startsWith('exif_')).map(([k, v]) => `${k}: ${v}`).join(', ');
  return (
    <div className="thumb" style={{ width: size, height: size + 18 }} title={`${item.path}\n${item.width}×${item.height}, ${item.channels} ch, ${item.bitDepth}-bit${item.pages > 1 ? `, ${item.pages} pages` : ''}\n${label}`} onClick={() => onClick?.(item)}>
      {url ? <img src={url} alt={item.path} width={size} height={size} style={{ objectFit: 'contain' }} /> : <div className="thumb-placeholder" style={{ width: size, height: size }} />}
      <div className="thumb-caption">{item.path.split('/').pop()}</div>
    </div>
  );
}

export function ThumbGrid({ datasetId, items, size = 96, height = 420, onClick }: { datasetId: string; items: DatasetItem[]; size?: number; height?: number; onClick?: (item: DatasetItem) => void }) {
  const parent = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  useEffect(() => {
    const el = parent.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    setWidth(el.clientWidth);
    return () => ro.disconnect();
  }, []);
  const cell = size + 8;
  const perRow = Math.max(1, Math.floor((width - 16) / cell));
  const rows = Math.ceil(items.length / perRow);
  const v = useVirtualizer({ count: rows, getScrollElement: () => parent.current, estimateSize: () => size + 26, overscan: 4 });
  return (
    <div ref={parent} className="thumbgrid" data-testid="thumbgrid" style={{ height, overflow: 'auto' }}>
      <div style={{ height: v.getTotalSize(), position: 'relative' }}>
        {v.getVirtualItems().map((row) => (
          <div key={row.key} className="thumbrow" style={{ position: 'absolute', top: 0, transform: `translateY(${row.start}px)`, display: 'flex', gap: 8 }}>
            {items.slice(row.index * perRow, row.index * perRow + perRow).map((it) => (
              <Thumb key={it.id} datasetId={datasetId} item={it} size={size} onClick={onClick} />
            ))}
          </div>
        ))}
      </div>
    </div>
  );
}
