import { activeBackend, tf } from '../backend.js';

/**
 * x·W with a custom gradient written with explicit transposes: tfjs' own MatMul gradient uses the
 * transposeA/transposeB flags, which run ~10× slower on the wasm backend (docs/offline.md B2).
 */
export const transposeFreeDense = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, w, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, [xs, ws]: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, tf.transpose(ws as tf.Tensor2D)),
      tf.matMul(tf.transpose(xs as tf.Tensor2D), dy as tf.Tensor2D),
    ],
  };
}) as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

/**
 * The dense product every layer uses. On the BLAS path tfjs' own gradient is the faster one: its transpose flags
 * are sgemm flags there, and the explicit transposes would only add copies.
 */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return activeBackend()?.startsWith('blas') ? tf.matMul(x, w) : transposeFreeDense(x, w);
}
