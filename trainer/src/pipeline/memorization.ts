import type { Hparams } from '#shared';
import type { AlgorithmName } from '../algorithms/registry.js';
import type { TrainingProfile } from '../algorithms/types.js';
import type { XrmResult } from '../algorithms/xrm-result.js';
import type { Dataset } from '../data/types.js';
import { Mlp } from '../model/mlp.js';
import { labelProbabilities, memorizationScores, randomHalves } from '../memorization/feldman.js';
import { RandomState } from '../random.js';
import type { Runner } from '../pool/runner.js';
import { forwardSplit } from '../train/forward.js';

export interface MemorizationOptions {
  data: Dataset;
  profile: TrainingProfile;
  algorithm: AlgorithmName;
  hparams: Hparams;
  xrm: XrmResult | null;
  /** Complementary random-half pairs (2 models each). */
  pairs: number;
  /** Steps per model: enough to fit its half, the regime where memorization shows (docs/method.md §3.3). */
  steps: number;
  seed: number;
  runner: Runner;
}

export interface MemorizationMeasure {
  algorithm: AlgorithmName;
  /** Raw in-minus-out p(y|x) per training example (in [−1, 1]; NaN if never in or never out). */
  scores: Float64Array;
  models: number;
  steps: number;
  /** Models' p(y_i|x_i) and membership, kept for "scored as if new" checks. */
  labelProbs: Float32Array[];
  membership: Uint8Array[];
}

/**
 * Feldman-style memorization of `algorithm` on the training set: 2·pairs models of the same algorithm and
 * hyper-parameters, each trained on one random half, then in-minus-out p(y_i|x_i).
 */
export async function measureMemorization(o: MemorizationOptions): Promise<MemorizationMeasure> {
  const { data } = o;
  const membership = randomHalves(data.train.n, o.pairs, new RandomState(o.seed + 7919));
  // All 2·pairs models at once (each its own seed); p(y|x) on the training set is read here, in membership order.
  const labelProbs = await Promise.all(membership.map(async (member, m) => {
    const trainIdx = Int32Array.from(Array.from(member).flatMap((v, i) => (v ? [i] : [])));
    const run = await o.runner.run(
      { profile: o.profile, algorithm: o.algorithm, hparams: o.hparams, seed: o.seed + 1000 + m, xrm: o.xrm, trainIdx, evaluate: false, steps: o.steps },
      `memorization ${o.algorithm} model ${m + 1}/${membership.length}`,
    );
    const net = new Mlp(run.final.arch, run.final);
    const probs = labelProbabilities(forwardSplit([net], data.train).logits[0], data.train.y, data.numClasses);
    net.dispose();
    return probs;
  }));
  return { algorithm: o.algorithm, scores: memorizationScores(labelProbs, membership), models: membership.length, steps: o.steps, labelProbs, membership };
}
