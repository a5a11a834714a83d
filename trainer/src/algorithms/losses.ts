import { tf } from '../backend.js';

/** Per-example cross-entropy −log softmax(z)_y, shape [B]. */
export function perExampleCE(logits: tf.Tensor2D, labels: tf.Tensor1D, numClasses: number): tf.Tensor1D {
  const logp = tf.logSoftmax(logits);
  return tf.neg(tf.sum(tf.mul(tf.oneHot(labels, numClasses), logp), 1)) as tf.Tensor1D;
}

/** Σ_i w_i·CE_i with per-example weights given on the host. */
export function weightedCE(logits: tf.Tensor2D, labels: tf.Tensor1D, weights: Float32Array, numClasses: number): tf.Scalar {
  return tf.sum(tf.mul(perExampleCE(logits, labels, numClasses), tf.tensor1d(weights)));
}

/**
 * Weights that turn Σ w_i·CE_i into XRM's class-balanced loss: the SUM over classes present in the batch
 * of the mean CE of that class's examples (docs/method.md §1.3 step 3): w_i = 1 / |{j : y_j = y_i}|.
 */
export function classBalancedWeights(labels: ArrayLike<number>): Float32Array {
  const counts = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) counts.set(labels[i], (counts.get(labels[i]) ?? 0) + 1);
  return Float32Array.from({ length: labels.length }, (_, i) => 1 / (counts.get(labels[i]) as number));
}
