import type { z } from 'zod';
import type { EvaluationStats, FlagReason as FlagReasonSchema, Prediction, ScoreHistogram } from './api.js';
import type { GroupedAccuracy, GroupMetric } from './manifest.js';
import { addPartial, addPartials, exactTotal } from './exact-sum.js';
import { accuracyFromCounts, countInGroup, emptyGroupCounts, inferredGroupId, inferredGroupNames, type GroupCounts } from './metrics.js';

/**
 * The evaluation of a labelled set (what /v1/evaluate and `mat-edge evaluate` report), kept as sufficient statistics:
 * per-group counts and fixed-bin score histograms. Two evaluations of disjoint inputs add up field by field
 * (`mergeEvaluations`), so a large set scored in chunks says what one pass over it would have said.
 */

/** Bins of every score histogram over [0, 1] (every served score lies in [0, 1]): quantiles are read to 1/1000. */
export const SCORE_BINS = 1000;

export type { EvaluationStats, ScoreHistogram };

/** One scored, labelled input. */
export interface EvaluatedInput {
  prediction: Prediction;
  label: number;
  /** True group id, where the data has them. */
  group?: number;
  /** XRM cross-mistake bit of the label: either held-out twin misses it. */
  crossMistake: boolean;
}

export function emptyHistogram(): ScoreHistogram {
  return { n: 0, partials: [], min: null, max: null, counts: new Array<number>(SCORE_BINS).fill(0) };
}

export function addToHistogram(h: ScoreHistogram, v: number, name: string): void {
  if (!Number.isFinite(v)) throw new RangeError(`${name} score ${v} is not a finite number`);
  h.counts[Math.min(SCORE_BINS - 1, Math.max(0, Math.floor(v * SCORE_BINS)))]++;
  h.n++;
  addPartial(h.partials, v);
  h.min = h.min === null ? v : Math.min(h.min, v);
  h.max = h.max === null ? v : Math.max(h.max, v);
}

/** The smaller (or larger) of two optional extremes. */
const extreme = (pick: (a: number, b: number) => number, a: number | null, b: number | null) => (a === null ? b : b === null ? a : pick(a, b));

export function mergeHistograms(a: ScoreHistogram, b: ScoreHistogram): ScoreHistogram {
  if (a.counts.length !== b.counts.length) throw new RangeError(`cannot merge histograms of ${a.counts.length} and ${b.counts.length} bins`);
  return {
    n: a.n + b.n, partials: addPartials(a.partials, b.partials), min: extreme(Math.min, a.min, b.min), max: extreme(Math.max, a.max, b.max),
    counts: a.counts.map((c, i) => c + b.counts[i]),
  };
}

/** Exact sum of a histogram's scores, correctly rounded (the same whatever order the scores came in). */
export const histogramSum = (h: ScoreHistogram): number => exactTotal(h.partials);

/**
 * The j-th smallest score (0-based) read off the histogram: scores of a bin are taken as evenly spread across it,
 * within [min, max]. Off by at most one bin width.
 */
function orderStatistic(h: ScoreHistogram, j: number): number {
  const min = h.min ?? 0, max = h.max ?? 0;
  let before = 0;
  for (let b = 0; b < SCORE_BINS; b++) {
    const c = h.counts[b];
    if (j < before + c) return Math.min(max, Math.max(min, (b + (j - before + 0.5) / c) / SCORE_BINS));
    before += c;
  }
  return max;
}

/** Quantile at level q, interpolated between order statistics as numpy's default (and shared `quantiles`) does. */
export function histogramQuantile(h: ScoreHistogram, q: number): number {
  if (h.n === 0) return NaN;
  const pos = (h.n - 1) * q, lo = Math.floor(pos), hi = Math.ceil(pos);
  const a = orderStatistic(h, lo);
  return lo === hi ? a : a + (orderStatistic(h, hi) - a) * (pos - lo);
}

export interface ScoreDistribution { mean: number; p50: number; p95: number; max: number }

/** Mean and max exact, p50 and p95 to a bin width; all 0 for an empty histogram. */
export function scoreDistribution(h: ScoreHistogram): ScoreDistribution {
  if (h.n === 0) return { mean: 0, p50: 0, p95: 0, max: 0 };
  return { mean: histogramSum(h) / h.n, p50: histogramQuantile(h, 0.5), p95: histogramQuantile(h, 0.95), max: h.max ?? 0 };
}

/** An empty evaluation for a model of `numClasses` classes, with `numTrueGroups` annotated groups (null: none). */
export function emptyEvaluation(numClasses: number, numTrueGroups: number | null, counterfactual: boolean): EvaluationStats {
  return {
    n: 0,
    trueGroups: numTrueGroups === null ? null : emptyGroupCounts(numTrueGroups),
    inferredGroups: emptyGroupCounts(2 * numClasses),
    labelConflicts: 0,
    predictionConflicts: 0,
    members: 0,
    scores: {
      memorization: emptyHistogram(), reliance: emptyHistogram(), twin_disagreement: emptyHistogram(),
      counterfactual_change: counterfactual ? emptyHistogram() : null,
    },
  };
}

/** Adds one input to `s` (in place). */
export function addEvaluated(s: EvaluationStats, input: EvaluatedInput): void {
  const { prediction: p, label } = input;
  const correct = p.label === label;
  if (s.trueGroups) {
    if (input.group === undefined) throw new RangeError(`input ${s.n} has no group, but the evaluation counts true groups`);
    countInGroup(s.trueGroups, input.group, correct, s.n);
  }
  countInGroup(s.inferredGroups, inferredGroupId(label, input.crossMistake), correct, s.n);
  if (input.crossMistake) s.labelConflicts++;
  if (p.spurious.conflict) s.predictionConflicts++;
  if (p.memorization.member) s.members++;
  addToHistogram(s.scores.memorization, p.memorization.score, 'memorization');
  addToHistogram(s.scores.reliance, p.spurious.reliance, 'reliance');
  addToHistogram(s.scores.twin_disagreement, p.memorization.twin_disagreement, 'twin_disagreement');
  if (s.scores.counterfactual_change) addToHistogram(s.scores.counterfactual_change, p.spurious.counterfactual_change ?? 0, 'counterfactual_change');
  s.n++;
}

export function evaluateInputs(inputs: Iterable<EvaluatedInput>, numClasses: number, numTrueGroups: number | null, counterfactual: boolean): EvaluationStats {
  const s = emptyEvaluation(numClasses, numTrueGroups, counterfactual);
  for (const input of inputs) addEvaluated(s, input);
  return s;
}

function addCounts(a: GroupCounts, b: GroupCounts, what: string): GroupCounts {
  if (a.n.length !== b.n.length) throw new RangeError(`cannot merge evaluations over ${a.n.length} and ${b.n.length} ${what}`);
  return { n: a.n.map((v, g) => v + b.n[g]), correct: a.correct.map((v, g) => v + b.correct[g]) };
}

/** The evaluation of the union of two disjoint sets of inputs evaluated by the same model. */
export function mergeEvaluations(a: EvaluationStats, b: EvaluationStats): EvaluationStats {
  if ((a.trueGroups === null) !== (b.trueGroups === null)) throw new RangeError('cannot merge an evaluation with true groups and one without');
  if ((a.scores.counterfactual_change === null) !== (b.scores.counterfactual_change === null))
    throw new RangeError('cannot merge an evaluation with counterfactual change and one without');
  const cf = a.scores.counterfactual_change && b.scores.counterfactual_change;
  return {
    n: a.n + b.n,
    trueGroups: a.trueGroups && b.trueGroups ? addCounts(a.trueGroups, b.trueGroups, 'true groups') : null,
    inferredGroups: addCounts(a.inferredGroups, b.inferredGroups, 'inferred groups'),
    labelConflicts: a.labelConflicts + b.labelConflicts,
    predictionConflicts: a.predictionConflicts + b.predictionConflicts,
    members: a.members + b.members,
    scores: {
      memorization: mergeHistograms(a.scores.memorization, b.scores.memorization),
      reliance: mergeHistograms(a.scores.reliance, b.scores.reliance),
      twin_disagreement: mergeHistograms(a.scores.twin_disagreement, b.scores.twin_disagreement),
      counterfactual_change: cf ? mergeHistograms(a.scores.counterfactual_change!, b.scores.counterfactual_change!) : null,
    },
  };
}

/** The evaluation of the union of disjoint batches (e.g. the `stats` of /v1/evaluate responses), in any order. */
export function mergeAllEvaluations(parts: readonly EvaluationStats[]): EvaluationStats {
  if (parts.length === 0) throw new RangeError('no evaluations to merge');
  return parts.reduce(mergeEvaluations);
}

/** The figures both /v1/evaluate and `mat-edge evaluate` report (field names of the API). */
export interface EvaluationSummary {
  n: number;
  /** Headline: true groups where the inputs have them, else XRM-inferred. */
  accuracy: number;
  worst_group_accuracy: number;
  group_source: 'true' | 'inferred';
  per_group: GroupMetric[];
  true_groups: GroupedAccuracy | null;
  inferred_groups: GroupedAccuracy;
  scores: {
    memorization: ScoreDistribution;
    reliance: ScoreDistribution;
    counterfactual_change: ScoreDistribution | null;
    twin_disagreement: ScoreDistribution;
    conflict_rate: number;
    prediction_conflict_rate: number;
  };
}

export function summarizeEvaluation(s: EvaluationStats, classNames: readonly string[], groupNames: readonly string[]): EvaluationSummary {
  const trueGroups = s.trueGroups ? accuracyFromCounts(s.trueGroups, groupNames) : null;
  const inferredGroups = accuracyFromCounts(s.inferredGroups, inferredGroupNames(classNames));
  const headline = trueGroups ?? inferredGroups;
  const share = (k: number) => (s.n ? k / s.n : 0);
  const cf = s.scores.counterfactual_change;
  return {
    n: s.n,
    accuracy: headline.average,
    worst_group_accuracy: headline.worstGroup,
    group_source: trueGroups ? 'true' : 'inferred',
    per_group: headline.perGroup,
    true_groups: trueGroups,
    inferred_groups: inferredGroups,
    scores: {
      memorization: scoreDistribution(s.scores.memorization),
      reliance: scoreDistribution(s.scores.reliance),
      counterfactual_change: cf ? scoreDistribution(cf) : null,
      twin_disagreement: scoreDistribution(s.scores.twin_disagreement),
      conflict_rate: share(s.labelConflicts),
      prediction_conflict_rate: share(s.predictionConflicts),
    },
  };
}

type FlagReason = z.infer<typeof FlagReasonSchema>;

export interface FlagThresholds { memorization_percentile: number; reliance: number; flip_probability: number }

/** Why one labelled input is flagged (FlagReason in shared/src/api.ts); empty when it is not. */
export function flagReasons(input: EvaluatedInput, t: FlagThresholds): FlagReason[] {
  const p = input.prediction, reasons: FlagReason[] = [];
  if (p.label !== input.label) reasons.push('misclassified');
  if (p.memorization.percentile >= t.memorization_percentile) reasons.push('high_memorization');
  if (p.spurious.reliance >= t.reliance) reasons.push('shortcut_reliance');
  // The model's own flip where the bundle declares an intervention; the old probe's probability against the threshold otherwise.
  const probed = p.spurious.flip_probability;
  if (probed !== null ? probed >= t.flip_probability : p.spurious.flip === true) reasons.push('shortcut_flip');
  if (input.crossMistake) reasons.push('shortcut_conflict');
  return reasons;
}
