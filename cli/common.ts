/**
 * What every `cvwb` command shares: where its text goes (summary JSON on stdout, progress and
 * messages on stderr), the exit-code convention, running a unit of work through the app's job
 * protocol (progress with fraction, throughput and ETA; Ctrl-C cancels between units), and the
 * small file-system helpers (listing a folder the way a drop lists it, writing outputs whole).
 */
import { mkdirSync, openAsBlob, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { positiveInt, UsageError, type OptionSpecs, type ParsedArgs } from '../bench/lib/args';
import { formatEta, type ProgressReport } from '../src/core/jobs/progress';
import { runJob, type CancelToken, type JobHandler } from '../src/core/jobs/protocol';
import type { FolderFile } from '../src/pipelines/detection/realImages';

export { UsageError };

/** Exit codes: 0 done, 1 failure (bad data, I/O, no result), 2 bad arguments, 130 interrupted. */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/** A failure that is not the user's arguments (exit code 1), with a message fit to print as is. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** The run was cancelled (Ctrl-C); exit code 130. */
export class Interrupted extends Error {
  constructor(message = 'interrupted') {
    super(message);
    this.name = 'Interrupted';
  }
}

export interface CliIo {
  /** One line to stdout (the command's summary JSON, nothing else). */
  out(line: string): void;
  /** One line to stderr (progress, backend, per-file problems, notes). */
  err(line: string): void;
  /** Minimum milliseconds between two progress lines of one task (default 1000; 0 = every report). */
  progressIntervalMs?: number;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export interface Command {
  /** `simcep`, `features`, `analyse`, `detector train`, … */
  name: string;
  /** Synopsis after `cvwb`, e.g. `simcep --count N --out DIR [options]`. */
  synopsis: string;
  specs: OptionSpecs;
  /** Shown under the options in --help. */
  details: string[];
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}

/** --help text of a command. */
export function commandHelp(cmd: Command, summary: string, usageText: string): string {
  return [`cvwb ${cmd.name}: ${summary}`, '', `Usage: cvwb ${cmd.synopsis}`, usageText.replace(/^Usage:.*\n/, ''), '', ...cmd.details].join('\n').trimEnd();
}

/** A required string option. */
export function required(args: ParsedArgs, name: string, what: string): string {
  const v = args.string(name);
  if (v === undefined || v === '') throw new UsageError(`--${name} <${what}> is required`);
  return v;
}

/** An optional integer option of at least `min`, or undefined when absent. */
export function positiveOrUndefined(args: ParsedArgs, name: string, min = 1): number | undefined {
  return args.has(name) ? positiveInt(args, name, min, min) : undefined;
}

/** `--seed` (default 1), a 32-bit unsigned integer as the Rng takes it. */
export function seedOf(args: ParsedArgs): number {
  const seed = args.int('seed') ?? 1;
  if (seed < 0 || seed > 0xffffffff) throw new UsageError(`--seed must be in 0…4294967295, got ${seed}`);
  return seed;
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Every file under `dir` (recursively), as sorted paths relative to it with forward slashes. */
export function listFilesRelative(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * A folder as the app sees a dropped one: each file with its path under the folder's own name
 * (`name/sub/file.png`) and a file-backed Blob (read only when needed).
 */
export async function folderFiles(dir: string, name: string): Promise<FolderFile[]> {
  return Promise.all(listFilesRelative(dir).map(async (p) => ({ path: `${name}/${p}`, blob: await openAsBlob(join(dir, p)) })));
}

/** Writes a file whole: to a temporary name first, then renamed, so a crash never leaves half a file. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path) || '.', { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** `result.csv` → `result.json` (the summary written beside a CSV output). */
export function besideWithExtension(path: string, ext: string): string {
  return /\.[^./\\]+$/.test(path) ? path.replace(/\.[^./\\]+$/, ext) : `${path}${ext}`;
}

/** JSON with typed arrays as plain arrays and non-finite numbers as null; `indent` 0 for compact. */
export function toJson(value: unknown, indent = 2): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) => {
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
      if (typeof v === 'number' && !Number.isFinite(v)) return null;
      return v;
    },
    indent || undefined,
  );
}

function formatRate(perSec: number): string {
  if (!(perSec > 0)) return '–';
  return perSec >= 100 ? perSec.toFixed(0) : perSec >= 10 ? perSec.toFixed(1) : perSec.toFixed(2);
}

/**
 * Prints job progress as lines on stderr: `label: 12/50 (24.0%), 3.20 images/s, ETA 12 s — message`.
 * At most one line per interval, plus the first and the last; a report with nothing counted yet
 * (e.g. "loading the model") prints its message alone. `unit` null: the counts are abstract work
 * units (the analysis), so only the fraction, ETA and message are shown.
 */
export function progressPrinter(io: CliIo, label: string, unit: string | null): (p: ProgressReport) => void {
  const interval = io.progressIntervalMs ?? 1000;
  let last = -Infinity;
  let lastMessage: string | undefined;
  return (p) => {
    const now = performance.now();
    const final = p.total > 0 && p.done >= p.total;
    const idle = p.done === 0;
    if (idle) {
      if (p.message && p.message !== lastMessage) io.err(`${label}: ${p.message}`);
      lastMessage = p.message;
      return;
    }
    if (!final && now - last < interval) return;
    last = now;
    // The mean rate since the start: work often arrives in bursts (a batch per forward pass), where
    // the meter's smoothed instantaneous rate swings; over a line every second the mean is steadier.
    const rate = p.elapsedSec > 0 ? p.done / p.elapsedSec : 0;
    const eta = final ? `done in ${formatEta(p.elapsedSec)}` : `ETA ${formatEta(rate > 0 ? (p.total - p.done) / rate : null)}`;
    const pct = `${(100 * p.fraction).toFixed(1)}%`;
    const head = unit === null ? pct : `${p.done}/${p.total} (${pct}), ${formatRate(rate)} ${unit}/s`;
    io.err(`${label}: ${head}, ${eta}${p.message ? ` — ${p.message}` : ''}`);
  };
}

/**
 * Runs `handler` through the app's job protocol with progress lines on stderr. Ctrl-C cancels at
 * the job's next checkpoint (a second Ctrl-C quits at once). Resolves with the result; throws
 * Interrupted on cancel and CliError with the job's message on failure.
 */
export async function runCliJob<P, R>(io: CliIo, label: string, unit: string | null, handler: JobHandler<P, R>, params: P, seed: number): Promise<R> {
  const token: CancelToken = { cancelled: false };
  const onSigint = () => {
    if (token.cancelled) process.exit(EXIT.interrupted);
    token.cancelled = true;
    io.err(`${label}: interrupt: stopping at the next checkpoint (press Ctrl-C again to quit at once)`);
  };
  process.on('SIGINT', onSigint);
  try {
    const outcome = await runJob(handler, params, seed, token, {
      onProgress: progressPrinter(io, label, unit),
      onLog: (m) => io.err(`${label}: ${m}`),
    });
    if (outcome.status === 'done') return outcome.result;
    if (outcome.status === 'cancelled') throw new Interrupted(`interrupted after ${formatEta(outcome.elapsedSec)}`);
    throw new CliError(outcome.message);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
