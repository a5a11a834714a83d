import {
  l2Normalize, neighbourMemorization, type ExemplarTable, type Hparams,
} from '../../../shared/src/index.js';
import type { TrainingProfile } from '../algorithms/types.js';
import type { XrmResult } from '../algorithms/xrm-result.js';
import type { Dataset } from '../data/types.js';
import { labelProbabilities, memorizationScores, randomHalves } from '../memorization/feldman.js';
import { Mlp } from '../model/mlp.js';
import { clipScores, selectExemplars } from '../pipeline/exemplars.js';
import { NEIGHBOURS } from '../pipeline/calibrate.js';
import type { Progress } from '../pipeline/progress.js';
import { RandomState } from '../random.js';
import { argmaxRows, forwardSplit } from '../train/forward.js';
import { runAlgorithm } from '../train/run.js';

export interface HalfModelsOptions {
  data: Dataset;
  profile: TrainingProfile;
  algorithm: 'erm' | 'mat';
  hparams: Hparams;
  xrm: XrmResult | null;
  pairs: number;
  epochs: number;
  seed: number;
  progress: Progress;
}

/** One random-half model: its membership, p(y_i|x_i), prediction and embedding of every training example. */
export interface HalfModel {
  member: Uint8Array;
  labelProbs: Float32Array;
  predicted: Int32Array;
  /** [n × E] penultimate activations (row-major). */
  embedding: Float32Array;
  E: number;
}

/**
 * Trains 2·pairs models of one algorithm on complementary random halves (same recipe as pipeline/memorization.ts,
 * seeds offset so that they differ from the bundle's own memorization models), keeping their outputs on the training set.
 */
export async function trainHalfModels(o: HalfModelsOptions): Promise<HalfModel[]> {
  const { data } = o;
  const membership = randomHalves(data.train.n, o.pairs, new RandomState(o.seed + 15485863));
  const batch = o.hparams.batch_size ?? data.train.n;
  const steps = o.profile.fullBatch ? o.profile.steps : Math.max(1, Math.ceil((o.epochs * data.train.n) / 2 / batch));
  const out: HalfModel[] = [];
  for (const [m, member] of membership.entries()) {
    const trainIdx = Int32Array.from(Array.from(member).flatMap((v, i) => (v ? [i] : [])));
    const bar = o.progress.task(`validation: ${o.algorithm} half-model ${m + 1}/${membership.length}`, steps);
    const run = await runAlgorithm({
      data, profile: o.profile, algorithm: o.algorithm, hparams: o.hparams, seed: o.seed + 5000 + m, xrm: o.xrm,
      trainIdx, evaluate: false, steps, onStep: (s) => bar.tick(s + 1),
    });
    bar.done();
    const net = new Mlp(run.final.arch, run.final);
    const f = forwardSplit([net], data.train, true);
    net.dispose();
    out.push({
      member,
      labelProbs: labelProbabilities(f.logits[0], data.train.y, data.numClasses),
      predicted: argmaxRows(f.logits[0], data.numClasses),
      embedding: f.embedding[0],
      E: run.final.arch.embeddingDim,
    });
  }
  return out;
}

/** Measured Feldman-style score (raw in-minus-out p(y|x)) from a set of half models. */
export function measuredScores(models: HalfModel[]): Float64Array {
  return memorizationScores(models.map((m) => m.labelProbs), models.map((m) => m.member));
}

/** Exemplar table of model `m` built only from its own training half, scored by `scores` (clipped to [0, 1]). */
export function halfExemplars(model: HalfModel, scores: Float64Array, count: number, rng: RandomState, labels: Int32Array, onlyLabel?: number): ExemplarTable {
  const inHalf = Int32Array.from(Array.from(model.member).flatMap((v, i) => (v && (onlyLabel === undefined || labels[i] === onlyLabel) ? [i] : [])));
  const clipped = clipScores(Float64Array.from(inHalf, (i) => scores[i]));
  const pick = selectExemplars(clipped, Math.min(count, inHalf.length), rng);
  const E = model.E;
  const embeddings = new Float32Array(pick.length * E);
  pick.forEach((j, r) => embeddings.set(l2Normalize(model.embedding.subarray(inHalf[j] * E, (inHalf[j] + 1) * E)), r * E));
  return {
    count: pick.length, dim: E, embeddings,
    ids: Array.from(pick, (j) => inHalf[j]),
    labels: Array.from(pick, (j) => labels[inHalf[j]]),
    scores: Array.from(pick, (j) => clipped[j]),
    inferredGroups: Array.from(pick, () => 0),
  };
}

export const MEMORIZATION_CANDIDATES = ['neighbours', 'neighbours_same_label', 'neighbours_same_prediction', 'held_out_1−p(y)', 'held_out+neighbours_same_label'] as const;
export type MemorizationCandidate = (typeof MEMORIZATION_CANDIDATES)[number];

export interface AsIfNewOptions {
  /** Models used for the as-if-new estimate (only the ones with member[i] = 0 are used for i). */
  estimators: HalfModel[];
  /** Measured scores of the exemplars (from models disjoint from nothing in particular; i itself is never an exemplar of its out-model). */
  exemplarScores: Float64Array;
  labels: Int32Array;
  K: number;
  indices: Int32Array;
  exemplars: number;
  seed: number;
  neighbours?: { k: number; temperature: number };
}

/**
 * Scores training examples "as if new": for example i only the estimator models that did not train on i contribute
 * (their embedding of x_i, exemplars drawn from their own training half, their p(y_i|x_i)); averaged over those models.
 */
export function asIfNewScores(o: AsIfNewOptions): Record<MemorizationCandidate, Float64Array> {
  const nb = o.neighbours ?? NEIGHBOURS;
  const rng = new RandomState(o.seed + 104729);
  const tables = o.estimators.map((m) => ({
    all: halfExemplars(m, o.exemplarScores, o.exemplars, rng, o.labels),
    byLabel: Array.from({ length: o.K }, (_, c) => halfExemplars(m, o.exemplarScores, Math.ceil(o.exemplars / o.K), rng, o.labels, c)),
  }));
  const res = Object.fromEntries(MEMORIZATION_CANDIDATES.map((c) => [c, new Float64Array(o.indices.length)])) as Record<MemorizationCandidate, Float64Array>;
  o.indices.forEach((i, r) => {
    let count = 0;
    o.estimators.forEach((m, mi) => {
      if (m.member[i]) return;
      count++;
      const e = m.embedding.subarray(i * m.E, (i + 1) * m.E);
      const t = tables[mi];
      res.neighbours[r] += neighbourMemorization(e, t.all, nb.k, nb.temperature).score;
      res.neighbours_same_label[r] += neighbourMemorization(e, t.byLabel[o.labels[i]], nb.k, nb.temperature).score;
      res.neighbours_same_prediction[r] += neighbourMemorization(e, t.byLabel[m.predicted[i]], nb.k, nb.temperature).score;
      res['held_out_1−p(y)'][r] += 1 - m.labelProbs[i];
    });
    for (const c of MEMORIZATION_CANDIDATES) res[c][r] = count ? res[c][r] / count : NaN;
    res['held_out+neighbours_same_label'][r] = 0.5 * (res['held_out_1−p(y)'][r] + res.neighbours_same_label[r]);
  });
  return res;
}
