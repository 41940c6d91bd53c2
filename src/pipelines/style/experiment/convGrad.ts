/**
 * 3×3 (any odd k) stride-1 'same' convolution whose gradients are expressed with forward ops the
 * `wasm` backend runs fast (XNNPACK convolution and matrix multiply), instead of its missing
 * Conv2DBackpropFilter and slow Conv2DBackpropInput:
 *
 *   dx = conv2d(dy, W rotated 180° with in/out channels swapped, 'same')
 *   dW[i, j, c, o] = Σ_{n,y,x} xpad[n, y+i, x+j, c] · dy[n, y, x, o]: a 'valid' convolution of the
 *        padded input with channels and batch swapped ([C, H+2p, W+2p, N]) by dy as the filter
 *        ([H, W, N, O]), giving [C, k, k, O]
 *
 * Same forward op and same gradients as tf.conv2d (checked against the native kernels in
 * convGrad.test.ts). The typed-array gradients of detection/cpuGradients.ts stay the choice on
 * the `cpu` backend, where matrix multiply and convolution are themselves JavaScript loops.
 */
import * as tf from '@tensorflow/tfjs';

export function conv2dSameMatmulGrad(x: tf.Tensor4D, kernel: tf.Tensor4D): tf.Tensor4D {
  const k = kernel.shape[0];
  if (k % 2 !== 1 || kernel.shape[1] !== k) throw new Error(`conv2dSameMatmulGrad: needs an odd square kernel, got ${kernel.shape[0]}×${kernel.shape[1]}`);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, wIn, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([xIn, wIn]);
    const value = tf.conv2d(xIn, wIn, 1, 'same');
    const gradFunc = (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
      const flipped = tf.transpose(tf.reverse(ws, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
      const dx = tf.conv2d(dy, flipped, 1, 'same');
      const p = (k - 1) / 2;
      const padded = p ? tf.pad(xs, [[0, 0], [p, p], [p, p], [0, 0]]) : xs;
      const swapped = tf.transpose(padded, [3, 1, 2, 0]) as tf.Tensor4D;
      const filter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
      const dw = tf.transpose(tf.conv2d(swapped, filter, 1, 'valid'), [1, 2, 0, 3]);
      return [dx, dw];
    };
    return { value, gradFunc };
  });
  return op(x, kernel);
}
