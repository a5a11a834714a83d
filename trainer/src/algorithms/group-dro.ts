import { newNetwork, newOptimizer, optimize } from './common.js';
import { perExampleCE } from './losses.js';
import { tf } from '../backend.js';
import type { Algorithm, AlgorithmContext } from './types.js';

/**
 * GroupDRO (Sagawa et al. 2020): keeps a distribution q over groups, q_g ← q_g·exp(η·loss_g), and
 * minimises Σ_g q_g·loss_g. Needs training group labels.
 */
export function createGroupDro(ctx: AlgorithmContext): Algorithm {
  const groups = ctx.data.train.group;
  if (!groups) throw new Error('GroupDRO needs group labels on the training split (add a group or attribute column)');
  const G = ctx.data.groupNames.length, K = ctx.arch.numClasses, eta = ctx.hp.groupdro_eta;
  const q = new Float64Array(G).fill(1 / G);
  const net = newNetwork(ctx);
  const opt = newOptimizer(ctx, net.variables);
  return {
    predictor: net,
    update(b) {
      const g = Int32Array.from(b.idx, (i) => groups[i]);
      const counts = new Array<number>(G).fill(0);
      g.forEach((v) => counts[v]++);
      return optimize(opt, net.variables, () => {
        const ce = perExampleCE(net.logits(b.x), b.y, K);
        const losses = ce.dataSync();
        const groupLoss = new Array<number>(G).fill(0);
        g.forEach((v, j) => (groupLoss[v] += losses[j] / counts[v]));
        let total = 0;
        for (let k = 0; k < G; k++) {
          if (counts[k]) q[k] *= Math.exp(eta * groupLoss[k]);
          total += q[k];
        }
        for (let k = 0; k < G; k++) q[k] /= total;
        const w = Float32Array.from(g, (v) => q[v] / counts[v]);
        return tf.sum(tf.mul(ce, tf.tensor1d(w))) as tf.Scalar;
      });
    },
    dispose() {
      opt.dispose();
      net.dispose();
    },
  };
}
