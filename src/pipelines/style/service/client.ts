/**
 * Main-thread handle on the style worker: one worker for the page (kept while the user switches
 * views, so the networks load once), with live previews scheduled "latest wins" (latest.ts).
 */
import * as Comlink from 'comlink';
import type { StyleWorkerApi } from './worker';
import { LatestOnly, type LatestOutcome } from './latest';
import type { EmbedResult, FitResult, ImageSource, InitProgress, InitRequest, InitResult, PreviewRequest, PreviewResult, PreviewTile } from './protocol';

interface PreviewArgs {
  req: PreviewRequest;
  onTile: (t: PreviewTile) => void;
}

export class StyleService {
  private readonly worker: Worker;
  private readonly api: Comlink.Remote<StyleWorkerApi>;
  private readonly previews: LatestOnly<PreviewArgs, PreviewResult>;

  constructor() {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'style-service' });
    this.worker.onerror = (ev) => ev.preventDefault();
    this.api = Comlink.wrap<StyleWorkerApi>(this.worker);
    this.previews = new LatestOnly(
      ({ req, onTile }, id) => this.api.preview(req, id, Comlink.proxy(onTile)),
      (id) => void this.api.supersede(id),
    );
  }

  init(req: InitRequest, onProgress?: (p: InitProgress) => void): Promise<InitResult> {
    return this.api.init(req, onProgress ? Comlink.proxy(onProgress) : undefined);
  }

  /** Resolves 'superseded' when a newer preview replaced this one before it started. */
  preview(req: PreviewRequest, onTile: (t: PreviewTile) => void): Promise<LatestOutcome<PreviewResult>> {
    return this.previews.submit({ req, onTile });
  }

  embedStyle(source: ImageSource): Promise<EmbedResult> {
    return this.api.embedStyle(source);
  }

  fitStats(files: { path: string; blob: Blob }[], label: string, onProgress?: (done: number, total: number) => void): Promise<FitResult> {
    return this.api.fitStats(files, label, onProgress ? Comlink.proxy(onProgress) : undefined);
  }

  memory(): Promise<{ numTensors: number; numBytes: number; backend: string | null }> {
    return this.api.memory();
  }

  terminate(): void {
    this.api[Comlink.releaseProxy]();
    this.worker.terminate();
  }
}

let shared: StyleService | null = null;

/** The page's style service (created on first use). */
export function styleService(): StyleService {
  shared ??= new StyleService();
  return shared;
}
