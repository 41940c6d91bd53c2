/** Test helpers for the CLI: run `cvwb` in-process with captured output, scratch folders, a tiny backbone. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tinyBackboneFiles } from '../src/pipelines/phenotype/features/testdata/tinyBackbone';
import { run } from './main';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as the command's JSON summary (throws if it is not JSON). */
  json<T = Record<string, unknown>>(): T;
}

/** `cvwb …args` in this process; progress lines are not throttled so short runs show them. */
export async function cvwb(...args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { out: (l) => out.push(l), err: (l) => err.push(l), progressIntervalMs: 0 });
  const stdout = out.join('\n');
  return { code, stdout, stderr: err.join('\n'), json: <T>() => JSON.parse(stdout) as T };
}

/** A fresh temporary folder and its removal. */
export function scratch(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `cvwb-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The tiny test backbone (conv_a: 4 maps, conv_b: 3 maps) written as tfjs layers files into `dir`. */
export async function writeTinyBackbone(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const f of await tinyBackboneFiles()) writeFileSync(join(dir, f.name), f.bytes);
}
