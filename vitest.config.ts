import { defineConfig } from 'vitest/config';
import { existsSync } from 'node:fs';

// Node WebGPU tests (Dawn) need a Vulkan driver. Where Debian's Chromium is installed, its bundled
// SwiftShader ICD provides a software one; set it before vitest forks its workers so the dynamic
// loader sees it. A real GPU's ICD is used instead when VK_ICD_FILENAMES is already set.
const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(swiftshader)) {
  process.env.VK_ICD_FILENAMES = swiftshader;
  process.env.LD_LIBRARY_PATH = ['/usr/lib/chromium', process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
}

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'bench/**/*.test.ts', 'scripts/**/*.test.ts', 'cli/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'gpu-runner/**', 'bench/out/**'],
    environment: 'node',
    testTimeout: 120_000,
    pool: 'forks',
  },
});
