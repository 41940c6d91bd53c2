/**
 * The official TFLite interpreter for the e2e/benchmark pages: `@tensorflow/tfjs-tflite`'s
 * standalone WebAssembly client, loaded as a script (it pins an older tfjs-core, so it is not
 * bundled with the app), with its WASM files served from the same package folder.
 */
import clientUrl from '@tensorflow/tfjs-tflite/wasm/tflite_web_api_client.js?url';
import { loadScript } from './pageUtils';

export interface RefTensorInfo { name: string; shape: string; dataType?: string; data(): Float32Array | Int8Array | Uint8Array | Int32Array }
export interface RefRunner { getInputs(): RefTensorInfo[]; getOutputs(): RefTensorInfo[]; infer(): boolean; cleanUp(): void }
export interface TfWeb {
  tflite_web_api: { setWasmPath(path: string): void; getWasmFeatures(): Promise<{ simd: boolean; multiThreading: boolean }> };
  TFLiteWebModelRunner: { create(model: ArrayBuffer, options: { numThreads?: number }): Promise<RefRunner> };
}

/** Load the client once per page; returns it with the WASM features it found (SIMD, threads). */
export async function loadTfliteClient(): Promise<{ tfweb: TfWeb; wasm: { simd: boolean; multiThreading: boolean } }> {
  const w = window as unknown as { tfweb?: TfWeb };
  if (!w.tfweb) await loadScript(clientUrl);
  const tfweb = w.tfweb!;
  tfweb.tflite_web_api.setWasmPath(clientUrl.replace(/[^/]*$/, ''));
  return { tfweb, wasm: await tfweb.tflite_web_api.getWasmFeatures() };
}
