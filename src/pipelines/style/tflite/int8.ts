/**
 * Float emulation of TFLite int8 activations ('int8-emulated' mode of `TfliteGraph`): values stay
 * float32 (dequantised) but every int8 tensor is rounded onto its grid. Against the official
 * interpreter (XNNPACK int8 kernels) this agrees to one quantisation step per operator; it is not
 * bit-exact (accumulation order and requantisation rounding differ near ties).
 */
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from './parse';

const QUANT_RANGE: Record<string, [number, number]> = { INT8: [-128, 127], UINT8: [0, 255], INT16: [-32768, 32767] };

/** Per-tensor quantisation params of an integer activation tensor, or null. */
export function activationQuant(t: TensorInfo): { scale: number; zeroPoint: number; lo: number; hi: number } | null {
  const range = QUANT_RANGE[t.type];
  if (!range || !t.quant) return null;
  if (t.quant.scale.length !== 1) throw new Error(`Tensor ${t.index} "${t.name}": per-channel activation quantisation is not supported`);
  return { scale: t.quant.scale[0], zeroPoint: t.quant.zeroPoint[0] ?? 0, lo: range[0], hi: range[1] };
}

/** Round `x` onto the quantisation grid of tensor `t` (round(x/scale) clamped to the integer range). */
export function fakeQuantize(x: tf.Tensor, t: TensorInfo): tf.Tensor {
  const q = activationQuant(t);
  if (!q) return x;
  return tf.mul(tf.clipByValue(tf.round(tf.div(x, q.scale)), q.lo - q.zeroPoint, q.hi - q.zeroPoint), q.scale);
}
