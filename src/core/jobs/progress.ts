/**
 * Progress arithmetic shared by every job: fraction, throughput (items/s, smoothed) and ETA.
 * Pure so it can be tested with a fake clock.
 */
export interface ProgressReport {
  done: number;
  total: number;
  fraction: number;
  itemsPerSec: number;
  etaSec: number | null;
  elapsedSec: number;
  message?: string;
}

export class ProgressMeter {
  private readonly start: number;
  private lastT: number;
  private lastDone = 0;
  private rate = 0;

  constructor(private readonly now: () => number = () => performance.now(), private readonly smoothing = 0.3) {
    this.start = now();
    this.lastT = this.start;
  }

  update(done: number, total: number, message?: string): ProgressReport {
    const t = this.now();
    const dt = (t - this.lastT) / 1000;
    const elapsedSec = (t - this.start) / 1000;
    if (dt > 0 && done >= this.lastDone) {
      const instant = (done - this.lastDone) / dt;
      // The first measurement seeds the average; later ones are blended so the ETA does not jump.
      this.rate = this.lastDone === 0 && this.rate === 0 ? instant : this.smoothing * instant + (1 - this.smoothing) * this.rate;
      this.lastT = t;
      this.lastDone = done;
    }
    const overall = elapsedSec > 0 ? done / elapsedSec : 0;
    const itemsPerSec = this.rate > 0 ? this.rate : overall;
    const remaining = Math.max(0, total - done);
    const etaSec = total > 0 && itemsPerSec > 0 ? remaining / itemsPerSec : done >= total && total > 0 ? 0 : null;
    return { done, total, fraction: total > 0 ? Math.min(1, done / total) : 0, itemsPerSec, etaSec, elapsedSec, message };
  }
}

export function formatEta(sec: number | null): string {
  if (sec === null || !Number.isFinite(sec)) return '–';
  if (sec < 60) return `${Math.round(sec)} s`;
  if (sec < 3600) return `${Math.floor(sec / 60)} min ${Math.round(sec % 60)} s`;
  return `${Math.floor(sec / 3600)} h ${Math.round((sec % 3600) / 60)} min`;
}
