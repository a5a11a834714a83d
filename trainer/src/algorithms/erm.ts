import { tf } from '../backend.js';
import { newNetwork, newOptimizer, optimize } from './common.js';
import { perExampleCE } from './losses.js';
import type { Algorithm, AlgorithmContext } from './types.js';

/** Empirical risk minimisation: mean cross-entropy on the original labels. */
export function createErm(ctx: AlgorithmContext): Algorithm {
  const net = newNetwork(ctx);
  const opt = newOptimizer(ctx, net.variables);
  const K = ctx.arch.numClasses;
  return {
    predictor: net,
    update: (b) => optimize(opt, net.variables, () => tf.mean(perExampleCE(net.logits(b.x), b.y, K)) as tf.Scalar),
    dispose() {
      opt.dispose();
      net.dispose();
    },
  };
}
