import { tf } from '../backend.js';
import { Mlp } from '../model/mlp.js';
import { adam, sgd, type Optimizer } from '../model/optimizer.js';
import type { AlgorithmContext } from './types.js';

/** A fresh network from the dataset's factory (same architecture and init for every algorithm). */
export function newNetwork(ctx: AlgorithmContext): Mlp {
  return new Mlp(ctx.arch, ctx.profile.init, ctx.rng);
}

export function newOptimizer(ctx: AlgorithmContext, vars: tf.Variable[]): Optimizer {
  const lr = ctx.hp.lr, weightDecay = ctx.hp.weight_decay ?? 0;
  return ctx.profile.optimizer === 'adam' ? adam(vars, { lr, weightDecay }) : sgd(vars, { lr, weightDecay, momentum: ctx.hp.momentum ?? 0 });
}

/** One gradient step on `loss`; returns its value. */
export function optimize(opt: Optimizer, vars: tf.Variable[], loss: () => tf.Scalar): number {
  const { value, grads } = tf.variableGrads(loss, vars);
  opt.step(grads);
  const v = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  return v;
}
