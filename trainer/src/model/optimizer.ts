import { activeBackend, tf } from '../backend.js';
import { fusedAdam } from './blas-adam.js';

/**
 * PyTorch-semantics optimisers over a fixed variable list. Weight decay is L2 added to the gradient
 * (torch.optim.Adam / SGD `weight_decay`), which tfjs' built-in optimisers lack.
 */
export interface Optimizer {
  /** Applies one step from gradients keyed like the variables (by name). */
  step(grads: tf.NamedTensorMap): void;
  dispose(): void;
}

export interface AdamOptions { lr: number; weightDecay?: number; beta1?: number; beta2?: number; eps?: number }

export function adam(vars: tf.Variable[], o: AdamOptions): Optimizer {
  const { lr, weightDecay = 0, beta1 = 0.9, beta2 = 0.999, eps = 1e-8 } = o;
  const m = vars.map((v) => tf.variable(tf.zerosLike(v), false));
  const s = vars.map((v) => tf.variable(tf.zerosLike(v), false));
  let t = 0;
  return {
    step(grads) {
      t++;
      const c1 = 1 - beta1 ** t, c2 = 1 - beta2 ** t;
      // The BLAS path registers a fused kernel for the same arithmetic (same float32 operations, same order).
      const fused = activeBackend()?.startsWith('blas') ?? false;
      tf.tidy(() => {
        vars.forEach((v, i) => {
          let g = grads[v.name];
          if (!g) return;
          if (fused) {
            const [w1, m1, s1] = fusedAdam(v, g, m[i], s[i], { lr, beta1, beta2, eps, weightDecay, c1, c2 });
            v.assign(w1 as typeof v);
            m[i].assign(m1);
            s[i].assign(s1);
            return;
          }
          if (weightDecay) g = tf.add(g, tf.mul(v, weightDecay));
          m[i].assign(tf.add(tf.mul(m[i], beta1), tf.mul(g, 1 - beta1)));
          s[i].assign(tf.add(tf.mul(s[i], beta2), tf.mul(tf.square(g), 1 - beta2)));
          const denom = tf.add(tf.sqrt(tf.div(s[i], c2)), eps);
          v.assign(tf.sub(v, tf.mul(tf.div(m[i], denom), lr / c1)));
        });
      });
    },
    dispose() {
      for (const x of [...m, ...s]) x.dispose();
    },
  };
}

export interface SgdOptions { lr: number; momentum?: number; weightDecay?: number }

export function sgd(vars: tf.Variable[], o: SgdOptions): Optimizer {
  const { lr, momentum = 0, weightDecay = 0 } = o;
  const buf = momentum ? vars.map((v) => tf.variable(tf.zerosLike(v), false)) : [];
  return {
    step(grads) {
      tf.tidy(() => {
        vars.forEach((v, i) => {
          let g = grads[v.name];
          if (!g) return;
          if (weightDecay) g = tf.add(g, tf.mul(v, weightDecay));
          if (momentum) {
            buf[i].assign(tf.add(tf.mul(buf[i], momentum), g));
            g = buf[i];
          }
          v.assign(tf.sub(v, tf.mul(g, lr)));
        });
      });
    },
    dispose() {
      for (const x of buf) x.dispose();
    },
  };
}
