/**
 * `cvwb`: the workbench's pipelines from the command line, headless, in Node (docs/cli.md). Each
 * command reuses the app's modules (SIMCEP generator, feature extractor, analysis, detector
 * training and evaluation) and writes files the app imports.
 *
 *   cvwb <command> [options]        cvwb <command> --help        cvwb --help
 *
 * Progress and messages go to stderr, the command's JSON summary to stdout. Exit codes: 0 done,
 * 1 failure, 2 bad arguments, 130 interrupted.
 *
 * `run(argv, io)` is the whole CLI for a given argument list (tests call it in-process); `main()`
 * is the process entry used by bin/cvwb.mjs and `node --import tsx cli/main.ts`: before a command
 * that may use WebGPU it re-runs itself with the Vulkan environment Dawn needs (vulkan.ts).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs, usage, UsageError, type ParsedArgs } from '../bench/lib/args';
import { releaseBackend } from './backend';
import { CliError, commandHelp, EXIT, Interrupted, processIo, type CliIo, type Command } from './common';
import { vulkanEnv } from './vulkan';

interface Entry {
  name: string;
  summary: string;
  /** May use WebGPU (with --backend auto or webgpu): main() sets up the Vulkan driver first. */
  gpu: boolean;
  load: () => Promise<Command>;
}

/** Commands in help order; loaded on use, so `cvwb simcep` never loads tfjs. */
export const COMMANDS: readonly Entry[] = [
  { name: 'simcep', summary: 'generate SIMCEP-style synthetic nuclei images with COCO / box-list annotations', gpu: false, load: async () => (await import('./simcep')).simcepCommand },
  { name: 'features', summary: 'CNN features of a folder of images → profile CSV for the Phenotypes panel', gpu: true, load: async () => (await import('./features')).featuresCommand },
  { name: 'merge', summary: 'concatenate profile CSVs (per-shard feature files) by column name', gpu: false, load: async () => (await import('./merge')).mergeCommand },
  { name: 'analyse', summary: 'PCA → t-SNE → k-means on a profile CSV → result CSV + JSON summary', gpu: true, load: async () => (await import('./analyse')).analyseCommand },
  { name: 'detector train', summary: 'train the counting detector → checkpoint zip the app imports', gpu: true, load: async () => (await import('./detectorTrain')).detectorTrainCommand },
  { name: 'detector eval', summary: 'evaluate a detector checkpoint on an annotated folder', gpu: true, load: async () => (await import('./detectorEval')).detectorEvalCommand },
];

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'cvwb — the CV Workbench pipelines from the command line (docs/cli.md)',
    '',
    'Usage: cvwb <command> [options]        cvwb <command> --help for its options',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Common options: --backend auto|webgpu|wasm|cpu (auto: WebGPU on a GPU, else wasm, else cpu), --seed S.',
    'Progress and messages go to stderr; each command prints a JSON summary on stdout.',
    'Exit codes: 0 done, 1 failure, 2 bad arguments, 130 interrupted.',
  ].join('\n');
}

/** The command named at the start of `argv` (one or two words) and the rest of the arguments. */
export function findCommand(argv: readonly string[]): { entry: Entry; rest: string[] } | null {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(' ');
    const entry = COMMANDS.find((c) => c.name === name);
    if (entry && argv.length >= words) return { entry, rest: argv.slice(words) };
  }
  return null;
}

/** Runs the CLI on `argv` (without `node` and the script); resolves with the exit code. */
export async function run(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const first = argv[0];
  if (first === undefined) {
    io.err(topHelp());
    return EXIT.usage;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    io.out(topHelp());
    return EXIT.ok;
  }
  if (first === '--version') {
    io.out(version());
    return EXIT.ok;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${first} `));
    if (group.length > 0 && (argv.length === 1 || argv[1] === '--help' || argv[1] === '-h')) {
      const text = [`Usage: cvwb ${first} <${group.map((c) => c.name.split(' ')[1]).join('|')}> [options]`, ...group.map((c) => `  cvwb ${c.name}: ${c.summary}`)].join('\n');
      if (argv.length === 1) {
        io.err(text);
        return EXIT.usage;
      }
      io.out(text);
      return EXIT.ok;
    }
    io.err(`cvwb: unknown command '${group.length > 0 ? argv.slice(0, 2).join(' ') : first}'\n\n${topHelp()}`);
    return EXIT.usage;
  }
  const cmd = await found.entry.load();
  if (found.rest.includes('--help') || found.rest.includes('-h')) {
    io.out(commandHelp(cmd, found.entry.summary, usage(`cvwb ${cmd.name}`, cmd.specs)));
    return EXIT.ok;
  }
  let args: ParsedArgs;
  try {
    args = parseArgs(found.rest, cmd.specs);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`cvwb ${cmd.name}: ${e.message}\nRun 'cvwb ${cmd.name} --help' for the options.`);
    return EXIT.usage;
  }
  try {
    return await cmd.run(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`cvwb ${cmd.name}: ${e.message}\nRun 'cvwb ${cmd.name} --help' for the options.`);
      return EXIT.usage;
    }
    if (e instanceof Interrupted) {
      io.err(`cvwb ${cmd.name}: ${e.message}`);
      return EXIT.interrupted;
    }
    const detail = e instanceof CliError || !(e instanceof Error) ? String(e instanceof Error ? e.message : e) : process.env.CVWB_DEBUG ? (e.stack ?? e.message) : e.message;
    io.err(`cvwb ${cmd.name}: failed: ${detail}`);
    return EXIT.failure;
  } finally {
    await releaseBackend();
  }
}

/** Whether `argv` runs a command that may use WebGPU (auto or webgpu backend). */
export function mayUseWebGpu(argv: readonly string[]): boolean {
  const found = findCommand(argv);
  if (!found?.entry.gpu) return false;
  if (found.rest.some((a) => a === '--help' || a === '-h')) return false;
  const i = found.rest.findIndex((a) => a === '--backend' || a.startsWith('--backend='));
  const value = i < 0 ? 'auto' : found.rest[i].includes('=') ? found.rest[i].slice('--backend='.length) : found.rest[i + 1];
  return value === 'auto' || value === 'webgpu';
}

/** Re-runs this process with `env` added, forwarding the exit status and termination signals. */
function rerun(env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, ...env } });
    // Ctrl-C reaches the child through the terminal; a batch system's SIGTERM goes to us only.
    const onInt = () => undefined;
    const onTerm = () => child.kill('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    child.on('error', (e) => {
      process.stderr.write(`cvwb: could not re-run with the Vulkan environment: ${e.message}\n`);
      resolve(EXIT.failure);
    });
    child.on('exit', (code, signal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(code ?? (signal === 'SIGINT' ? EXIT.interrupted : EXIT.failure));
    });
  });
}

/** Process entry: sets process.exitCode. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const env = mayUseWebGpu(argv) ? vulkanEnv(process.env) : null;
  process.exitCode = env ? await rerun(env) : await run(argv);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
