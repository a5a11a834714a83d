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

/** The random halves of the training set the memorization models train on (model m on halves[m]); a pure function of n, pairs, seed. */
export function memorizationHalves(n: number, pairs: number, seed: number): Uint8Array[] {
  return randomHalves(n, pairs, new RandomState(seed + 7919));
}

/** Trains memorization model m (of `count`) on its half `member` and returns its p(y_i|x_i) on the whole training set. */
export async function memorizationModel(o: Omit<MemorizationOptions, 'pairs'>, member: Uint8Array, m: number, count: number): Promise<Float32Array> {
  const { data } = o;
  const trainIdx = Int32Array.from(Array.from(member).flatMap((v, i) => (v ? [i] : [])));
  const run = await o.runner.run(
    { profile: o.profile, algorithm: o.algorithm, hparams: o.hparams, seed: o.seed + 1000 + m, xrm: o.xrm, trainIdx, evaluate: false, steps: o.steps },
    `memorization ${o.algorithm} model ${m + 1}/${count}`,
  );
  const net = new Mlp(run.final.arch, run.final);
  const probs = labelProbabilities(forwardSplit([net], data.train).logits[0], data.train.y, data.numClasses);
  net.dispose();
  return probs;
}

/** The measure from every model's p(y_i|x_i), in membership order. */
export function memorizationMeasure(algorithm: AlgorithmName, labelProbs: Float32Array[], membership: Uint8Array[], steps: number): MemorizationMeasure {
  return { algorithm, scores: memorizationScores(labelProbs, membership), models: membership.length, steps, labelProbs, membership };
}

/**
 * Feldman-style memorization of `algorithm` on the training set: 2·pairs models of the same algorithm and
 * hyper-parameters, each trained on one random half, then in-minus-out p(y_i|x_i).
 */
export async function measureMemorization(o: MemorizationOptions): Promise<MemorizationMeasure> {
  const membership = memorizationHalves(o.data.train.n, o.pairs, o.seed);
  // All 2·pairs models at once (each its own seed); p(y|x) on the training set is read here, in membership order.
  const labelProbs = await Promise.all(membership.map((member, m) => memorizationModel(o, member, m, membership.length)));
  return memorizationMeasure(o.algorithm, labelProbs, membership, o.steps);
}
