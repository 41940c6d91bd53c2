/**
 * Entry point of a benchmark that may use WebGPU through Dawn: the Vulkan loader and the dynamic
 * linker read VK_ICD_FILENAMES / LD_LIBRARY_PATH only at process start, so when SwiftShader has to
 * be added (after any system driver, cli/vulkan.ts) the script runs itself again with them set;
 * otherwise it runs `main` and releases Dawn at the end so the process can exit.
 */
import { spawnSync } from 'node:child_process';
import { vulkanEnv } from '../../cli/vulkan';
import { runCli, type OptionSpecs } from './args';

export function runGpuCli(name: string, command: string, specs: OptionSpecs, main: (argv: string[]) => Promise<number>): void {
  const extraEnv = vulkanEnv(process.env);
  if (extraEnv) {
    const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, ...extraEnv } });
    if (child.error) console.error(`${name}: could not re-run with SwiftShader: ${child.error.message}`);
    process.exitCode = child.status ?? 1;
    return;
  }
  runCli(name, command, specs, main, async () => (await import('../../src/core/backend/nodeWebgpu')).releaseNodeWebGpu());
}
