import {
  exemplarsByLabel, heldOutPosterior, l2Normalize, labelFreeMemorization, labelledMemorization, neighbourMemorization, softmax, type Calibration,
  type ExemplarTable, type Hparams, type ScoreCalibration,
} from '#shared';
import type { TrainingProfile } from '../algorithms/types.js';
import type { XrmResult } from '../algorithms/xrm-result.js';
import type { Dataset } from '../data/types.js';
import { labelProbabilities, memorizationScores, randomHalves } from '../memorization/feldman.js';
import { Mlp } from '../model/mlp.js';
import { clipScores, selectExemplars } from '../pipeline/exemplars.js';
import { NEIGHBOURS } from '../pipeline/calibrate.js';
import type { Runner } from '../pool/runner.js';
import { RandomState } from '../random.js';
import { argmaxRows, forwardSplit } from '../train/forward.js';

export interface HalfModelsOptions {
  data: Dataset;
  profile: TrainingProfile;
  algorithm: 'erm' | 'mat';
  hparams: Hparams;
  xrm: XrmResult | null;
  pairs: number;
  epochs: number;
  seed: number;
  runner: Runner;
}

/** One random-half model: its membership, p(y_i|x_i), prediction and embedding of every training example. */
export interface HalfModel {
  member: Uint8Array;
  labelProbs: Float32Array;
  /** [n × K] logits on the training set. */
  logits: Float32Array;
  predicted: Int32Array;
  /** [n × E] penultimate activations (row-major). */
  embedding: Float32Array;
  E: number;
  /** Temperature of p(·|x) fitted on the validation labels (NLL), which carry the training labels' noise. */
  labelTemperature: number;
}

/** Temperature t minimising the NLL of softmax(logits / t) on `labels` (a 1.05-spaced grid over 0.5 … 30). */
export function fitLabelTemperature(logits: Float32Array, labels: Int32Array, K: number): number {
  let best = 1, bestNll = Infinity;
  for (let t = 0.5; t <= 30; t *= 1.05) {
    let nll = 0;
    for (let i = 0; i < labels.length; i++) nll -= Math.log(Math.max(1e-12, softmax(logits.subarray(i * K, (i + 1) * K), t)[labels[i]]));
    if (nll < bestNll) { bestNll = nll; best = t; }
  }
  return best;
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
  // All half models at once; their outputs are read here, in membership order.
  return Promise.all(membership.map(async (member, m): Promise<HalfModel> => {
    const trainIdx = Int32Array.from(Array.from(member).flatMap((v, i) => (v ? [i] : [])));
    const run = await o.runner.run(
      { profile: o.profile, algorithm: o.algorithm, hparams: o.hparams, seed: o.seed + 5000 + m, xrm: o.xrm, trainIdx, evaluate: false, steps },
      `validation: ${o.algorithm} half-model ${m + 1}/${membership.length}`,
    );
    const net = new Mlp(run.final.arch, run.final);
    const f = forwardSplit([net], data.train, true), val = forwardSplit([net], data.val);
    net.dispose();
    return {
      member,
      labelProbs: labelProbabilities(f.logits[0], data.train.y, data.numClasses),
      logits: f.logits[0],
      predicted: argmaxRows(f.logits[0], data.numClasses),
      embedding: f.embedding[0],
      E: run.final.arch.embeddingDim,
      labelTemperature: fitLabelTemperature(val.logits[0], data.val.y, data.numClasses),
    };
  }));
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

/**
 * Candidate estimates for an example scored as if new. `neighbours` is what /v1/predict serves for a new input (no
 * label: shared labelFreeMemorization with the trainer's NEIGHBOURS); `nearest_any_label` is the label-free estimate of
 * bundles written before 2026-12-01 (the nearest exemplars of any label); `label_and_neighbours` is what /v1/evaluate
 * serves for a new labelled input (shared labelledMemorization); the next two are its halves, kept as evidence.
 * The label-free candidates after them (docs/validation.md "Why these estimators") replace the served
 * model's p(·|x) in `neighbours` by another label distribution: `neighbours_tempered` softmax(logits / t) with t fitted
 * on validation labels (HalfModel.labelTemperature), `neighbours_twin_posterior` the held-out XRM twin's posterior
 * through calibration.matrix (heldOutPosterior), `neighbours_label_frequency` the softmax(sim/T)-weighted label shares
 * of the k nearest exemplars of any label; `neighbours_inclusion_weighted` keeps p but weights each exemplar by its
 * inverse inclusion probability (selectExemplars keeps the most memorized half and samples the rest).
 */
export const MEMORIZATION_CANDIDATES = [
  'neighbours', 'nearest_any_label', 'label_and_neighbours', 'neighbours_same_label', 'held_out_1−p(y)',
  'neighbours_tempered', 'neighbours_twin_posterior', 'neighbours_label_frequency', 'neighbours_inclusion_weighted',
] as const;
export type MemorizationCandidate = (typeof MEMORIZATION_CANDIDATES)[number];

export interface AsIfNewOptions {
  /** Models used for the as-if-new estimate (only the ones with member[i] = 0 are used for i). */
  estimators: HalfModel[];
  /** Measured scores of the exemplars (i itself is never an exemplar of its out-model). */
  exemplarScores: Float64Array;
  labels: Int32Array;
  K: number;
  indices: ArrayLike<number>;
  exemplars: number;
  seed: number;
  neighbours?: ScoreCalibration['neighbours'];
  /** XRM's held-out twin logits on the training set [n × K] and the bundle calibration (`neighbours_twin_posterior`; NaN without). */
  heldOut?: { logits: Float32Array; calibration: Pick<Calibration, 'tau' | 'matrix'> };
}

/** Σ_c w_c · (softmax(sim/T)-weighted mean score of the k nearest exemplars of label c, each also weighted by `weight`). */
function weightedNeighbours(w: ArrayLike<number>, sims: Float64Array, t: ExemplarTable, weight: Float64Array | null, k: number, T: number): number {
  let s = 0;
  for (let c = 0; c < w.length; c++) {
    if (!(w[c] > 0)) continue;
    const rows: number[] = [];
    for (let q = 0; q < t.count; q++) if (t.labels[q] === c) rows.push(q);
    rows.sort((a, b) => sims[b] - sims[a]);
    rows.length = Math.min(k, rows.length);
    if (!rows.length) continue;
    const mx = Math.max(...rows.map((q) => sims[q] / T));
    let sw = 0, v = 0;
    for (const q of rows) { const u = Math.exp(sims[q] / T - mx) * (weight ? weight[q] : 1); sw += u; v += u * t.scores[q]; }
    s += w[c] * (v / sw);
  }
  return s;
}

/** softmax(sim/T)-weighted label shares of the k nearest exemplars of any label. */
function neighbourLabelShares(sims: Float64Array, t: ExemplarTable, K: number, k: number, T: number): number[] {
  const rows = Array.from({ length: t.count }, (_, q) => q).sort((a, b) => sims[b] - sims[a]).slice(0, k);
  const w = new Array<number>(K).fill(0);
  if (!rows.length) return w;
  const mx = Math.max(...rows.map((q) => sims[q] / T));
  let sw = 0;
  for (const q of rows) { const u = Math.exp(sims[q] / T - mx); sw += u; w[t.labels[q]] += u; }
  return w.map((v) => v / sw);
}

/**
 * Inverse inclusion probability of each exemplar of a table drawn by selectExemplars from `population` examples: the
 * floor(count/2) highest scores were all kept (weight 1), the rest sampled uniformly from the others.
 */
export function inclusionWeights(t: Pick<ExemplarTable, 'count' | 'scores'>, population: number): Float64Array {
  const top = Math.floor(t.count / 2);
  const w = new Float64Array(t.count).fill(t.count >= population ? 1 : (population - top) / (t.count - top));
  Array.from({ length: t.count }, (_, q) => q).sort((a, b) => t.scores[b] - t.scores[a]).slice(0, top).forEach((q) => { w[q] = 1; });
  return w;
}

/**
 * Scores training examples "as if new": for example i only the estimator models that did not train on i contribute
 * (their embedding of x_i, an exemplar table drawn from their own training half, their p(·|x_i)), through the same
 * shared functions the worker serves; averaged over those models.
 */
export function asIfNewScores(o: AsIfNewOptions): Record<MemorizationCandidate, Float64Array> {
  const nb = o.neighbours ?? NEIGHBOURS;
  const rng = new RandomState(o.seed + 104729);
  const tables = o.estimators.map((m) => {
    const all = halfExemplars(m, o.exemplarScores, o.exemplars, rng, o.labels);
    return { all, byLabel: exemplarsByLabel(all, o.K), inclusion: inclusionWeights(all, m.member.reduce((a, v) => a + v, 0)) };
  });
  const res = Object.fromEntries(MEMORIZATION_CANDIDATES.map((c) => [c, new Float64Array(o.indices.length)])) as Record<MemorizationCandidate, Float64Array>;
  Array.from(o.indices).forEach((i, r) => {
    let count = 0;
    o.estimators.forEach((m, mi) => {
      if (m.member[i]) return;
      count++;
      const e = m.embedding.subarray(i * m.E, (i + 1) * m.E);
      const t = tables[mi], y = o.labels[i];
      const p = softmax(m.logits.subarray(i * o.K, (i + 1) * o.K));
      const free = labelFreeMemorization(nb, p, e, t.all, t.byLabel);
      res.neighbours[r] += free.score;
      res.nearest_any_label[r] += free.nearest.score;
      res.label_and_neighbours[r] += labelledMemorization(p, e, y, t.byLabel, nb.k, nb.temperature);
      res.neighbours_same_label[r] += neighbourMemorization(e, t.byLabel[y], nb.k, nb.temperature).score;
      res['held_out_1−p(y)'][r] += 1 - p[y];
      // Label-free alternatives to `neighbours` (same k, T): similarities to the whole table once.
      const u = l2Normalize(e), sims = new Float64Array(t.all.count);
      for (let q = 0; q < t.all.count; q++) { let s = 0; for (let j = 0; j < m.E; j++) s += u[j] * t.all.embeddings[q * m.E + j]; sims[q] = s; }
      const { k, temperature: T } = nb;
      res.neighbours_tempered[r] += weightedNeighbours(softmax(m.logits.subarray(i * o.K, (i + 1) * o.K), m.labelTemperature), sims, t.all, null, k, T);
      res.neighbours_twin_posterior[r] += o.heldOut
        ? weightedNeighbours(heldOutPosterior(o.heldOut.logits.subarray(i * o.K, (i + 1) * o.K), o.heldOut.calibration), sims, t.all, null, k, T) : NaN;
      res.neighbours_label_frequency[r] += weightedNeighbours(neighbourLabelShares(sims, t.all, o.K, k, T), sims, t.all, null, k, T);
      res.neighbours_inclusion_weighted[r] += weightedNeighbours(p, sims, t.all, t.inclusion, k, T);
    });
    for (const c of MEMORIZATION_CANDIDATES) res[c][r] = count ? res[c][r] / count : NaN;
  });
  return res;
}

/** For every pair f, the measured scores without it (models 2f, 2f + 1): what crossFitted measures fold f with. */
export function leaveOnePairOut(models: HalfModel[]): Float64Array[] {
  return Array.from({ length: models.length / 2 }, (_, f) => measuredScores(models.filter((_, m) => Math.floor(m / 2) !== f)));
}

/**
 * Cross-fitted estimate and measurement over P random-half pairs: example at position r of `indices` is scored as if
 * new by pair f = r mod P and measured by the other P − 1 pairs, so the estimate never shares a model with its
 * measurement while every pair both estimates and measures.
 */
export function crossFitted(models: HalfModel[], without: Float64Array[], o: Omit<AsIfNewOptions, 'estimators' | 'exemplarScores'>): { estimate: Record<MemorizationCandidate, Float64Array>; measured: Float64Array } {
  const P = models.length / 2;
  if (P < 2) throw new Error('cross-fitting needs at least 2 random-half pairs');
  const n = o.indices.length;
  const estimate = Object.fromEntries(MEMORIZATION_CANDIDATES.map((c) => [c, new Float64Array(n)])) as Record<MemorizationCandidate, Float64Array>;
  const measured = new Float64Array(n);
  for (let f = 0; f < P; f++) {
    const positions = Array.from({ length: n }, (_, r) => r).filter((r) => r % P === f);
    const est = asIfNewScores({ ...o, estimators: models.slice(2 * f, 2 * f + 2), exemplarScores: without[f], indices: positions.map((r) => o.indices[r]), seed: o.seed + f });
    positions.forEach((r, j) => {
      for (const c of MEMORIZATION_CANDIDATES) estimate[c][r] = est[c][j];
      measured[r] = without[f][o.indices[r]];
    });
  }
  return { estimate, measured };
}

/**
 * Spearman ceiling of a label-free estimate that reads only `cells` (labelFreeCells): each evaluation example gets the
 * mean measured score of its cell on the selection subset (fitted there, evaluated on the other subset).
 */
export function cellMeanEstimate(cells: Int32Array, selection: ArrayLike<number>, selectionMeasured: ArrayLike<number>, evaluation: ArrayLike<number>): Float64Array {
  const sum = new Map<number, number>(), count = new Map<number, number>();
  Array.from(selection).forEach((i, r) => {
    sum.set(cells[i], (sum.get(cells[i]) ?? 0) + selectionMeasured[r]);
    count.set(cells[i], (count.get(cells[i]) ?? 0) + 1);
  });
  return Float64Array.from(evaluation, (i) => (count.get(cells[i]) ? sum.get(cells[i])! / count.get(cells[i])! : NaN));
}
