import { describe, expect, it } from 'vitest';
import { backendFromQuery, initRuntime, isSoftwareAdapter } from './runtime';

describe('runtime', () => {
  it('parses ?backend= and ignores unknown values', () => {
    expect(backendFromQuery('?backend=cpu')).toBe('cpu');
    expect(backendFromQuery('?x=1&backend=webgpu')).toBe('webgpu');
    expect(backendFromQuery('?backend=cuda')).toBe('auto');
    expect(backendFromQuery('')).toBe('auto');
  });

  it('falls back from WebGPU to CPU in Node and records why', async () => {
    const s = await initRuntime('auto');
    expect(s.backend).toBe('cpu');
    expect(s.fallbacks.map((f) => f.backend)).toEqual(['webgpu', 'webgl']);
    expect(s.fallbacks[0].reason).toMatch(/navigator\.gpu/);
  });

  it('recognises software adapters', () => {
    expect(isSoftwareAdapter({ vendor: 'google', architecture: 'swiftshader', device: '', description: '' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'mesa', architecture: '', device: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H100' })).toBe(false);
    expect(isSoftwareAdapter(null)).toBe(false);
  });
});
