import { tf } from '../backend.js';
import { argmaxRows, forwardSplit } from '../train/forward.js';
import { BatchSource } from '../train/sampler.js';
import { createErm } from './erm.js';
import { newNetwork, newOptimizer, optimize } from './common.js';
import { perExampleCE } from './losses.js';
import type { Algorithm, AlgorithmContext } from './types.js';

/**
 * Just Train Twice (Liu et al. 2021), annotation-free: an ERM identification model trained for a fraction
 * of the step budget marks its misclassified training examples (the error set); the final model is ERM with
 * the error set's loss up-weighted by λ_up (loss weighting, the expectation of JTT's up-sampling).
 */
export function createJtt(ctx: AlgorithmContext): Algorithm {
  const K = ctx.arch.numClasses;
  const weights = new Float32Array(ctx.data.train.n).fill(1);
  const net = newNetwork(ctx);
  const opt = newOptimizer(ctx, net.variables);
  return {
    predictor: net,
    async prepare() {
      const id = createErm(ctx);
      const batches = new BatchSource(ctx, ctx.rng.fork());
      const idSteps = Math.max(1, Math.round(ctx.hp.jtt_id_fraction * ctx.profile.steps));
      for (let step = 0; step < idSteps; step++) {
        const b = batches.next();
        id.update(b, step);
        batches.release(b);
      }
      batches.dispose();
      const predicted = argmaxRows(forwardSplit([id.predictor], ctx.data.train).logits[0], K);
      predicted.forEach((p, i) => (weights[i] = p !== ctx.data.train.y[i] ? ctx.hp.jtt_upweight : 1));
      id.dispose();
    },
    update(b) {
      const w = Float32Array.from(b.idx, (i) => weights[i]);
      const norm = w.reduce((a, v) => a + v, 0);
      return optimize(opt, net.variables, () =>
        tf.div(tf.sum(tf.mul(perExampleCE(net.logits(b.x), b.y, K), tf.tensor1d(w))), norm) as tf.Scalar);
    },
    dispose() {
      opt.dispose();
      net.dispose();
    },
  };
}
