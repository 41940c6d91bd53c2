import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { progressPrinter, type CliIo } from './common';
import { COMMANDS, findCommand, mayUseWebGpu } from './main';
import { cvwb } from './testIo';
import { vulkanEnv } from './vulkan';

describe('cvwb dispatch and exit codes', () => {
  it('prints the command list for --help (exit 0) and for no arguments (exit 2, on stderr)', async () => {
    const help = await cvwb('--help');
    expect(help.code).toBe(0);
    for (const c of COMMANDS) expect(help.stdout).toContain(c.name);
    const none = await cvwb();
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('Usage: cvwb <command>');
  });

  it('rejects an unknown command and a bad option with exit 2 and a message naming it', async () => {
    const unknown = await cvwb('segment', '--in', 'x');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'segment'/);
    const badSub = await cvwb('detector', 'predict');
    expect(badSub.code).toBe(2);
    expect(badSub.stderr).toMatch(/unknown command 'detector predict'/);
    const badOpt = await cvwb('simcep', '--out', '/tmp/x', '--colour', 'red');
    expect(badOpt.code).toBe(2);
    expect(badOpt.stderr).toMatch(/unknown option --colour/);
    const badValue = await cvwb('simcep', '--out', '/tmp/x', '--count', 'many');
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toMatch(/--count must be an integer/);
    const missing = await cvwb('analyse', '--out', 'r.csv');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--in <features.csv> is required/);
  });

  it('gives every command a --help with its options, without running it', async () => {
    for (const c of COMMANDS) {
      const r = await cvwb(...c.name.split(' '), '--help');
      expect(r.code, c.name).toBe(0);
      expect(r.stdout).toContain(`cvwb ${c.name}`);
      expect(r.stdout).toContain('--');
    }
    const group = await cvwb('detector');
    expect(group.code).toBe(2);
    expect(group.stderr).toMatch(/detector <train\|eval>/);
  });

  it('finds one- and two-word commands', () => {
    expect(findCommand(['detector', 'train', '--out', 'x'])?.entry.name).toBe('detector train');
    expect(findCommand(['detector', 'train'])?.rest).toEqual([]);
    expect(findCommand(['features', '--in', 'a'])?.rest).toEqual(['--in', 'a']);
    expect(findCommand(['detector'])).toBeNull();
  });

  it('re-runs with the Vulkan environment only for commands and backends that may use WebGPU', () => {
    expect(mayUseWebGpu(['features', '--in', 'a'])).toBe(true);
    expect(mayUseWebGpu(['analyse', '--backend=webgpu'])).toBe(true);
    expect(mayUseWebGpu(['detector', 'eval', '--backend', 'cpu'])).toBe(false);
    expect(mayUseWebGpu(['features', '--backend', 'wasm'])).toBe(false);
    expect(mayUseWebGpu(['simcep', '--out', 'x'])).toBe(false);
    expect(mayUseWebGpu(['features', '--help'])).toBe(false);
  });

  it('adds SwiftShader after the system Vulkan drivers, and leaves an explicit choice alone', () => {
    const env = vulkanEnv({ LD_LIBRARY_PATH: '/opt/lib' }, '/usr/lib/chromium/vk_swiftshader_icd.json', true, ['/usr/share/vulkan/icd.d/nvidia_icd.json']);
    expect(env).toEqual({
      VK_ICD_FILENAMES: '/usr/share/vulkan/icd.d/nvidia_icd.json:/usr/lib/chromium/vk_swiftshader_icd.json',
      LD_LIBRARY_PATH: '/usr/lib/chromium:/opt/lib',
    });
    expect(vulkanEnv({ VK_ICD_FILENAMES: '/x.json' }, '/usr/lib/chromium/vk_swiftshader_icd.json', true, [])).toBeNull();
    expect(vulkanEnv({}, '/nowhere/icd.json', false, [])).toBeNull();
  });

  it('prints progress with the fraction, the mean throughput and an ETA', () => {
    const lines: string[] = [];
    const io: CliIo = { out: () => undefined, err: (l) => lines.push(l), progressIntervalMs: 0 };
    const print = progressPrinter(io, 'features', 'images');
    print({ done: 0, total: 40, fraction: 0, itemsPerSec: 0, etaSec: null, elapsedSec: 0, message: 'Loading the model' });
    print({ done: 10, total: 40, fraction: 0.25, itemsPerSec: 99, etaSec: 1, elapsedSec: 5 });
    print({ done: 40, total: 40, fraction: 1, itemsPerSec: 99, etaSec: 0, elapsedSec: 20, message: 'last.png' });
    expect(lines).toEqual([
      'features: Loading the model',
      'features: 10/40 (25.0%), 2.00 images/s, ETA 15 s',
      'features: 40/40 (100.0%), 2.00 images/s, done in 20 s — last.png',
    ]);
  });

  it('runs from the bin launcher as a child process with the same exit codes', () => {
    const ok = spawnSync(process.execPath, ['bin/cvwb.mjs', '--version'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const bad = spawnSync(process.execPath, ['bin/cvwb.mjs', 'simcep', '--count', '0', '--out', '/tmp/never'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--count must be at least 1/);
  });
});
