import type { ProgressReport } from '../core/jobs/progress';
import { formatEta } from '../core/jobs/progress';

export function JobProgress({ progress, unit = 'items' }: { progress: ProgressReport | null; unit?: string }) {
  if (!progress) return <progress data-testid="job-progress" />;
  return (
    <span className="job-progress">
      <progress data-testid="job-progress" value={progress.fraction} max={1} />
      <span>
        {Math.round(progress.fraction * 100)}% · {progress.done}/{progress.total} · {progress.itemsPerSec.toFixed(1)} {unit}/s · ETA {formatEta(progress.etaSec)}
      </span>
    </span>
  );
}
