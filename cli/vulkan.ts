/**
 * Dawn (WebGPU for Node) finds its driver through the Vulkan loader, which reads VK_ICD_FILENAMES
 * and LD_LIBRARY_PATH only at process start. `vulkanEnv` gives the environment to re-run `cvwb`
 * with so that Debian Chromium's SwiftShader (a Vulkan driver on the CPU) is available next to any
 * system driver; main.ts re-runs itself with it before a command that may use WebGPU.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
/** Where Vulkan drivers register themselves (the loader's default search). */
const SYSTEM_ICD_DIRS = ['/etc/vulkan/icd.d', '/usr/share/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];

export function systemIcds(dirs: readonly string[] = SYSTEM_ICD_DIRS): string[] {
  return dirs.flatMap((d) => {
    try {
      return readdirSync(d).filter((f) => f.endsWith('.json')).sort().map((f) => join(d, f));
    } catch {
      return [];
    }
  });
}

/**
 * The environment to re-run with, or null when nothing needs to change: only when
 * VK_ICD_FILENAMES is unset (an explicit choice wins) and SwiftShader's ICD file exists. The
 * system's drivers stay in the list, first, so a real GPU is still found (Dawn asks for the
 * high-performance adapter).
 */
export function vulkanEnv(
  env: Readonly<Record<string, string | undefined>>,
  icd = SWIFTSHADER_ICD,
  icdExists = existsSync(icd),
  system: readonly string[] = systemIcds(),
): Record<string, string> | null {
  if (env.VK_ICD_FILENAMES || !icdExists) return null;
  const dir = icd.slice(0, icd.lastIndexOf('/'));
  return {
    VK_ICD_FILENAMES: [...system, icd].join(':'),
    LD_LIBRARY_PATH: [dir, env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
  };
}
