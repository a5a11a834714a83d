import { tf } from '../backend.js';
import { newNetwork, newOptimizer, optimize } from './common.js';
import { perExampleCE } from './losses.js';
import { calibrationMatrix, matShift } from './mat-shift.js';
import type { Algorithm, AlgorithmContext } from './types.js';

/**
 * Memorization-aware training (docs/method.md §2): cross-entropy on f(x) + δ, δ = log of the calibrated
 * held-out posterior from XRM, a constant per example. Prediction uses f(x) alone.
 */
export function createMat(ctx: AlgorithmContext): Algorithm {
  if (!ctx.xrm) throw new Error('MAT needs an XRM run (held-out logits)');
  const K = ctx.arch.numClasses, tau = ctx.hp.tau;
  const C = calibrationMatrix(ctx.xrm.heldOutLogits, ctx.data.train.y, K, tau);
  const delta = matShift(ctx.xrm.heldOutLogits, C, tau);
  const net = newNetwork(ctx);
  const opt = newOptimizer(ctx, net.variables);
  return {
    predictor: net,
    update(b) {
      const shift = new Float32Array(b.idx.length * K);
      b.idx.forEach((i, j) => shift.set(delta.subarray(i * K, (i + 1) * K), j * K));
      return optimize(opt, net.variables, () =>
        tf.mean(perExampleCE(tf.add(net.logits(b.x), tf.tensor2d(shift, [b.idx.length, K])), b.y, K)) as tf.Scalar);
    },
    dispose() {
      opt.dispose();
      net.dispose();
    },
  };
}
