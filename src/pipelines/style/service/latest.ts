/**
 * "Latest wins" request scheduling for live previews: at most one request runs at a time, at most
 * one waits, and a new request replaces the waiting one (which resolves as superseded) and asks
 * the running one to stop early. A slider dragged through twenty values therefore computes the
 * value it was in flight for and the one it ended on, never the eighteen in between.
 */

export type LatestOutcome<R> = { status: 'done'; value: R } | { status: 'superseded' };

interface Waiting<A, R> {
  id: number;
  args: A;
  resolve: (o: LatestOutcome<R>) => void;
  reject: (e: unknown) => void;
}

export class LatestOnly<A, R> {
  private nextId = 1;
  private runningId: number | null = null;
  private waiting: Waiting<A, R> | null = null;

  /**
   * `run(args, id)` does the work; `supersede(id)` is told when the request with that id (running)
   * has been overtaken, so it can stop at its next safe point (it may still complete normally).
   */
  constructor(
    private readonly run: (args: A, id: number) => Promise<R>,
    private readonly supersede: (id: number) => void = () => undefined,
  ) {}

  /** Id of the running request, or null. */
  get running(): number | null {
    return this.runningId;
  }

  get pending(): boolean {
    return this.waiting !== null;
  }

  submit(args: A): Promise<LatestOutcome<R>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.waiting) this.waiting.resolve({ status: 'superseded' });
      this.waiting = { id, args, resolve, reject };
      if (this.runningId !== null) this.supersede(this.runningId);
      else this.startNext();
    });
  }

  private startNext(): void {
    const w = this.waiting;
    if (!w) return;
    this.waiting = null;
    this.runningId = w.id;
    let p: Promise<R>;
    try {
      p = this.run(w.args, w.id);
    } catch (e) {
      p = Promise.reject(e);
    }
    // Free the slot (and start the waiting request) before the caller hears back, so a request
    // submitted from the caller's continuation sees the current state.
    const settle = (report: () => void) => {
      this.runningId = null;
      this.startNext();
      report();
    };
    p.then(
      (value) => settle(() => w.resolve({ status: 'done', value })),
      (e) => settle(() => w.reject(e)),
    );
  }
}
