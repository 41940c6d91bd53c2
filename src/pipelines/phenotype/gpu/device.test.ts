/**
 * requestComputeDevice in Node: with no navigator.gpu installed it loads Dawn through
 * core/backend/nodeWebgpu.ts by itself, raises the storage/workgroup limits to the adapter's
 * maxima and describes the adapter. Without a WebGPU adapter it must reject with the reason.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { describeAdapterInfo, isSoftwareAdapterInfo, requestComputeDevice, type ComputeDevice } from './device';
import { releaseTestDevice } from './testDevice';

const got: ComputeDevice | Error = await requestComputeDevice().catch((e: Error) => e);
if (got instanceof Error) console.log(`device.test: no WebGPU device (${got.message}); only the error path is checked`);
afterAll(async () => {
  if (!(got instanceof Error)) got.device.destroy();
  await releaseTestDevice();
});

describe('requestComputeDevice', () => {
  it.skipIf(got instanceof Error)('returns a device with the adapter maxima for the kernels’ limits', () => {
    const cd = got as ComputeDevice;
    const { device, adapter } = cd;
    for (const name of ['maxStorageBufferBindingSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup'] as const) {
      expect(device.limits[name]).toBe(adapter.limits[name]);
    }
    expect(device.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 2 ** 20);
    expect(cd.adapterDescription.length).toBeGreaterThan(0);
    expect(typeof cd.isSoftware).toBe('boolean');
    if (/swiftshader/i.test(cd.adapterDescription)) expect(cd.isSoftware).toBe(true);
  });

  it.skipIf(!(got instanceof Error))('explains why no device is available', () => {
    expect((got as Error).message).toMatch(/WebGPU|adapter/);
  });

  it('describes adapters and recognises software ones', () => {
    const sw = { vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader driver', device: '' };
    expect(describeAdapterInfo(sw, true)).toBe('google / swiftshader — SwiftShader driver [fallback adapter]');
    expect(isSoftwareAdapterInfo(sw)).toBe(true);
    const hw = { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100', device: '0x2330' };
    expect(describeAdapterInfo(hw)).toBe('nvidia / hopper — NVIDIA H100 (0x2330)');
    expect(isSoftwareAdapterInfo(hw)).toBe(false);
    expect(isSoftwareAdapterInfo(hw, true)).toBe(true);
    expect(describeAdapterInfo(undefined)).toBe('unknown vendor');
  });
});
