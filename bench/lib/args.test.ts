import { describe, expect, it } from 'vitest';
import { parseArgs, positiveInt, UsageError, type OptionSpecs } from './args';

const specs: OptionSpecs = {
  preset: { type: 'string', choices: ['small', 'thesis'], help: '' },
  steps: { type: 'int', help: '' },
  lr: { type: 'number', help: '' },
  seeds: { type: 'list', help: '' },
  smoke: { type: 'flag', help: '' },
};

describe('parseArgs', () => {
  it('reads --name value, --name=value, flags and lists, and skips a bare --', () => {
    const a = parseArgs(['--', '--preset', 'thesis', '--steps=12', '--lr', '1e-3', '--seeds', '1, 2,3', '--smoke'], specs);
    expect(a.string('preset')).toBe('thesis');
    expect(a.int('steps')).toBe(12);
    expect(a.number('lr')).toBe(0.001);
    expect(a.list('seeds')).toEqual(['1', '2', '3']);
    expect(a.flag('smoke')).toBe(true);
    expect(a.has('lr')).toBe(true);
    expect(parseArgs([], specs).flag('smoke')).toBe(false);
  });

  it('rejects unknown options, bad values, missing values and repeats', () => {
    const bad = [['--nope'], ['--preset', 'big'], ['--steps', '1.5'], ['--lr', 'x'], ['--steps'], ['--steps', '--smoke'], ['--smoke=1'], ['--steps', '1', '--steps', '2'], ['positional']];
    for (const argv of bad) expect(() => parseArgs(argv, specs), argv.join(' ')).toThrow(UsageError);
  });

  it('positiveInt applies the fallback and the lower bound', () => {
    expect(positiveInt(parseArgs([], specs), 'steps', 7)).toBe(7);
    expect(() => positiveInt(parseArgs(['--steps', '0'], specs), 'steps', 7)).toThrow(UsageError);
    expect(positiveInt(parseArgs(['--steps', '0'], specs), 'steps', 7, 0)).toBe(0);
  });
});
