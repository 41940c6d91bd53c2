/**
 * A small, strict command-line parser for the Node scripts (train-detector, bench:detection):
 * `--name value`, `--name=value` and boolean `--flag`; unknown options and malformed values are
 * usage errors (exit code 2), so a typo never silently falls back to a default.
 */

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  /** 'flag' takes no value; everything else takes exactly one. */
  type: 'string' | 'int' | 'number' | 'flag' | 'list';
  help: string;
  /** Allowed values for 'string' options. */
  choices?: readonly string[];
}

export type OptionSpecs = Record<string, OptionSpec>;

export interface ParsedArgs {
  has(name: string): boolean;
  string(name: string): string | undefined;
  int(name: string): number | undefined;
  number(name: string): number | undefined;
  list(name: string): string[] | undefined;
  flag(name: string): boolean;
}

export function parseArgs(argv: readonly string[], specs: OptionSpecs): ParsedArgs {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') continue; // npm run passes a bare `--` through on some versions
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument '${arg}' (options start with --)`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const spec = specs[name];
    if (!spec) throw new UsageError(`unknown option --${name}`);
    if (values.has(name)) throw new UsageError(`--${name} given twice`);
    if (spec.type === 'flag') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      values.set(name, 'true');
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      i++;
    }
    check(name, spec, value);
    values.set(name, value);
  }
  return {
    has: (name) => values.has(name),
    string: (name) => values.get(name),
    int: (name) => (values.has(name) ? Number(values.get(name)) : undefined),
    number: (name) => (values.has(name) ? Number(values.get(name)) : undefined),
    list: (name) => values.get(name)?.split(',').map((s) => s.trim()).filter((s) => s.length > 0),
    flag: (name) => values.has(name),
  };
}

function check(name: string, spec: OptionSpec, value: string): void {
  if (spec.type === 'int' && !/^-?\d+$/.test(value)) throw new UsageError(`--${name} must be an integer, got '${value}'`);
  if (spec.type === 'number' && !Number.isFinite(Number(value))) throw new UsageError(`--${name} must be a number, got '${value}'`);
  if (spec.type === 'string' && spec.choices && !spec.choices.includes(value)) {
    throw new UsageError(`--${name} must be one of ${spec.choices.join(', ')}, got '${value}'`);
  }
  if (spec.type === 'list' && value.split(',').every((s) => s.trim() === '')) throw new UsageError(`--${name} needs a comma-separated list`);
}

/** Usage text listing every option. */
export function usage(command: string, specs: OptionSpecs): string {
  const lines = Object.entries(specs).map(([name, s]) => {
    const arg = s.type === 'flag' ? '' : s.choices ? ` <${s.choices.join('|')}>` : ` <${s.type}>`;
    const left = `  --${name}${arg}`;
    return left.length < 44 ? left.padEnd(44) + s.help : `${left}\n${' '.repeat(44)}${s.help}`;
  });
  return `Usage: ${command} [options]\n${lines.join('\n')}`;
}

/** A positive-integer option, or the fallback; out-of-range values are usage errors. */
export function positiveInt(args: ParsedArgs, name: string, fallback: number, min = 1): number {
  const v = args.int(name);
  if (v === undefined) return fallback;
  if (v < min) throw new UsageError(`--${name} must be at least ${min}, got ${v}`);
  return v;
}

/**
 * Run a CLI's async main with the shared exit-code convention: 0/its code on success, 2 with the
 * usage text for a UsageError, 1 with the stack for any other failure; `finally` runs last.
 */
export function runCli(name: string, command: string, specs: OptionSpecs, main: (argv: string[]) => Promise<number>, finally_: () => Promise<void> | void = () => {}): void {
  main(process.argv.slice(2))
    .then(
      (code) => {
        process.exitCode = code;
      },
      (e: unknown) => {
        if (e instanceof UsageError) {
          console.error(`${name}: ${e.message}\n\n${usage(command, specs)}`);
          process.exitCode = 2;
        } else {
          console.error(`${name}: failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
          process.exitCode = 1;
        }
      },
    )
    .finally(finally_);
}
