/** Thumbnails (or, for imported profiles without images, metadata rows) of a set of profile rows. */
import { useEffect, useState } from 'react';
import { thumbUrl } from '../../../ui/ThumbGrid';
import type { ProfileTable } from './phenotypeStore';

export function RowThumb({ profile, row, size = 88 }: { profile: ProfileTable; row: number; size?: number }) {
  const [url, setUrl] = useState<string | null>(null);
  const itemId = profile.itemIds?.[row];
  useEffect(() => {
    let alive = true;
    if (profile.datasetId !== null && itemId !== undefined) void thumbUrl(profile.datasetId, itemId).then((u) => alive && setUrl(u));
    return () => {
      alive = false;
    };
  }, [profile.datasetId, itemId]);
  const meta = profile.metadata[row] ?? {};
  const title = [profile.labels[row], ...Object.entries(meta).map(([k, v]) => `${k}: ${v}`)].join('\n');
  return (
    <div className="thumb" style={{ width: size }} title={title} data-testid="gallery-thumb">
      {url ? <img src={url} alt={profile.labels[row]} width={size} height={size} style={{ objectFit: 'contain' }} /> : <div className="thumb-placeholder" style={{ width: size, height: size }} />}
      <div className="thumb-caption">{profile.labels[row].split('/').pop()}</div>
    </div>
  );
}

export function Gallery({ profile, rows, limit = 120, testId = 'gallery' }: { profile: ProfileTable; rows: readonly number[]; limit?: number; testId?: string }) {
  const shown = rows.slice(0, limit);
  if (profile.itemIds === null) {
    const cols = profile.columns.slice(0, 8);
    return (
      <div data-testid={testId}>
        <table className="small">
          <thead>
            <tr>
              <th>profile</th>
              {cols.map((c) => <th key={c}>{c}</th>)}
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r}>
                <td>{profile.labels[r]}</td>
                {cols.map((c) => <td key={c}>{profile.metadata[r]?.[c] ?? ''}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
        {rows.length > limit && <p className="muted small">… and {rows.length - limit} more (export the CSV for all)</p>}
      </div>
    );
  }
  return (
    <div data-testid={testId}>
      <div className="row" style={{ gap: 6 }}>
        {shown.map((r) => <RowThumb key={r} profile={profile} row={r} />)}
      </div>
      {rows.length > limit && <p className="muted small">… and {rows.length - limit} more (export the CSV for all)</p>}
    </div>
  );
}
