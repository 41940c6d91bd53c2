/**
 * Convolution and 2×2 max pooling with the same forward ops as tf.conv2d / tf.maxPool but with
 * gradients computed by flat typed-array loops. tfjs-backend-cpu implements Conv2DBackpropFilter
 * and MaxPoolGrad with per-element TensorBuffer.get calls, which made one training step of even
 * the small detector take seconds; these loops do the same arithmetic about 50× faster. Used only
 * on the 'cpu' backend (they read tensor data synchronously); other backends use the native ops.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * 'same' convolution, NHWC, kernel [k, k, in, out]; supports odd k at stride 1 and k = stride
 * (no padding), the two cases Table 3.1 needs.
 */
export function conv2dSameCpuGrad(x: tf.Tensor4D, kernel: tf.Tensor4D, stride: number): tf.Tensor4D {
  const k = kernel.shape[0];
  if (!((stride === 1 && k % 2 === 1) || k === stride)) throw new Error(`conv2dSameCpuGrad: kernel ${k} at stride ${stride}`);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, wIn, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([xIn, wIn]);
    const value = tf.conv2d(xIn, wIn, stride, 'same');
    const gradFunc = (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
      const dx = tf.conv2dTranspose(dy, ws, xs.shape, stride, 'same');
      return [dx, filterGradient(xs, dy, ws.shape, stride)];
    };
    return { value, gradFunc };
  });
  return op(x, kernel);
}

/** dW[kh, kw, ci, co] = Σ_{n, oy, ox} x[n, oy·s + kh − pad, ox·s + kw − pad, ci] · dy[n, oy, ox, co]. */
function filterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, shape: [number, number, number, number], stride: number): tf.Tensor4D {
  const [n, h, w, cin] = x.shape;
  const [, oh, ow, cout] = dy.shape;
  const k = shape[0];
  const pad = stride === 1 ? (k - 1) / 2 : 0;
  const xv = x.dataSync() as Float32Array;
  const dyv = dy.dataSync() as Float32Array;
  const dw = new Float32Array(k * k * cin * cout);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const g = ((b * oh + oy) * ow + ox) * cout;
        for (let kh = 0; kh < k; kh++) {
          const iy = oy * stride + kh - pad;
          if (iy < 0 || iy >= h) continue;
          for (let kw = 0; kw < k; kw++) {
            const ix = ox * stride + kw - pad;
            if (ix < 0 || ix >= w) continue;
            const xo = ((b * h + iy) * w + ix) * cin;
            const wo = (kh * k + kw) * cin * cout;
            for (let ci = 0; ci < cin; ci++) {
              const v = xv[xo + ci];
              if (v === 0) continue;
              const o = wo + ci * cout;
              for (let co = 0; co < cout; co++) dw[o + co] += v * dyv[g + co];
            }
          }
        }
      }
    }
  }
  return tf.tensor4d(dw, shape);
}

/** 2×2 stride-2 max pooling; the gradient goes to the first maximum of each window (as MaxPoolGrad). */
export function maxPool2x2CpuGrad(x: tf.Tensor4D): tf.Tensor4D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    save([xIn]);
    const value = tf.maxPool(xIn, 2, 2, 'valid');
    const gradFunc = (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
      const xs = saved[0] as tf.Tensor4D;
      const [n, h, w, c] = xs.shape;
      const oh = h >> 1, ow = w >> 1;
      const xv = xs.dataSync() as Float32Array;
      const dyv = dy.dataSync() as Float32Array;
      const dx = new Float32Array(xv.length);
      for (let b = 0; b < n; b++) {
        for (let oy = 0; oy < oh; oy++) {
          for (let ox = 0; ox < ow; ox++) {
            const top = ((b * h + 2 * oy) * w + 2 * ox) * c;
            const candidates = [top, top + c, top + w * c, top + w * c + c];
            const g = ((b * oh + oy) * ow + ox) * c;
            for (let ch = 0; ch < c; ch++) {
              let best = candidates[0] + ch;
              for (let q = 1; q < 4; q++) if (xv[candidates[q] + ch] > xv[best]) best = candidates[q] + ch;
              dx[best] += dyv[g + ch];
            }
          }
        }
      }
      return [tf.tensor4d(dx, xs.shape)];
    };
    return { value, gradFunc };
  });
  return op(x);
}
