import * as tf from '@tensorflow/tfjs';
import type { JobHandler } from './protocol';
import { runtimeState } from '../backend/runtime';

/**
 * A short job that proves the worker's compute backend works end to end: it multiplies random
 * matrices on the active backend and checks the result against a plain-JS product.
 */
export const runtimeCheck: JobHandler<{ size?: number; repeats?: number }, { backend: string; adapter: string; maxAbsError: number; msPerMatmul: number }> =
  async ({ size = 64, repeats = 10 }, ctx) => {
    const n = size;
    const a = Float32Array.from({ length: n * n }, () => ctx.rng.uniform(-1, 1));
    const b = Float32Array.from({ length: n * n }, () => ctx.rng.uniform(-1, 1));
    const ta = tf.tensor2d(a, [n, n]);
    const tb = tf.tensor2d(b, [n, n]);
    let product: Float32Array = new Float32Array(0);
    const t0 = performance.now();
    for (let r = 0; r < repeats; r++) {
      const c = tf.matMul(ta, tb);
      product = (await c.data()) as Float32Array;
      c.dispose();
      ctx.progress(r + 1, repeats);
      await ctx.checkpoint();
    }
    const msPerMatmul = (performance.now() - t0) / repeats;
    ta.dispose();
    tb.dispose();
    let maxAbsError = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
        maxAbsError = Math.max(maxAbsError, Math.abs(s - product[i * n + j]));
      }
    }
    const st = runtimeState();
    return {
      backend: tf.getBackend(),
      adapter: st.adapter ? `${st.adapter.vendor} ${st.adapter.architecture}`.trim() : '',
      maxAbsError,
      msPerMatmul,
    };
  };
