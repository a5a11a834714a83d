import type { Prediction } from './api.js';
import { counterfactualScores, decodeProbe, interventionAnswer, type DecodedProbe } from './counterfactual.js';
import { prepareIntervention, type PreparedIntervention } from './intervention.js';
import type { Calibration, CounterfactualProbe, Manifest, MemorizationIndex, ScoreCalibration } from './manifest.js';
import { argmax, percentileFromQuantiles, softmax } from './math.js';
import {
  decodeExemplars, exemplarsByLabel, labelFreeMemorization, labelledMemorization, shortcutPosterior, spuriousScores, twinDisagreement,
  type ExemplarTable, type Neighbour, type SpuriousScores,
} from './scores.js';

/** One input's row of the four ONNX outputs. */
export interface OutputRow {
  logits: ArrayLike<number>;
  embedding: ArrayLike<number>;
  twinA: ArrayLike<number>;
  twinB: ArrayLike<number>;
  /** The graph's `exemplar_dot` row (ONNX_EXEMPLAR_DOT) where the bundle's graph has it; else similarities are computed in JS. */
  exemplarDot?: ArrayLike<number>;
  /** Logits of the input's counterfactuals under the bundle's intervention (same graph call); required where it declares one. */
  counterfactualLogits?: readonly ArrayLike<number>[];
}

/** What a bundle's scorers need besides the manifest, decoded once per bundle load. */
export interface ServingTables {
  exemplars: ExemplarTable;
  /** The exemplars split by label, for the label-aware memorization of /v1/evaluate. */
  byLabel: ExemplarTable[];
  /** The probe of a bundle written before `intervention` existed; null where the bundle declares an intervention. */
  probe: DecodedProbe | null;
  /** The declared intervention, decoded: its counterfactuals run in the same graph call as the inputs. */
  intervention: PreparedIntervention | null;
}

export function servingTables(
  exemplars: ExemplarTable, numClasses: number, probe: CounterfactualProbe | null | undefined, intervention: PreparedIntervention | null = null,
): ServingTables {
  // A declared intervention is the model's own answer; the probe only stands in for bundles that have nothing better.
  return { exemplars, byLabel: exemplarsByLabel(exemplars, numClasses), probe: probe && !intervention ? decodeProbe(probe) : null, intervention };
}

/** The serving tables of a bundle (manifest + memorization index), decoded once per load. */
export function bundleTables(manifest: Manifest, exemplars: MemorizationIndex['exemplars']): ServingTables {
  const intervention = manifest.intervention ? prepareIntervention(manifest.intervention, manifest.input.dim) : null;
  return servingTables(decodeExemplars(exemplars), manifest.classNames.length, manifest.scores.counterfactualProbe, intervention);
}

/** How the counterfactual answer was obtained: the intervention run through the model, or an estimate. */
export type CounterfactualSource = 'applied' | 'estimated';

export interface CounterfactualEstimate {
  /** Total-variation change of the probabilities (the largest over the counterfactuals). */
  change: number;
  flip: boolean;
  /** The probe's flip probability (bundles written before `intervention` existed); null otherwise. */
  flipProbability: number | null;
  source: CounterfactualSource;
}

/**
 * The counterfactual answer of one row: the model's outputs on its counterfactuals where the bundle declares an
 * intervention (`estimated` when the intervention itself is estimated), else the old probe's estimate, else null.
 */
export function counterfactualEstimate(out: OutputRow, tables: ServingTables, calibration: Calibration): CounterfactualEstimate | null {
  const iv = tables.intervention;
  if (iv) {
    const cf = out.counterfactualLogits;
    if (!cf || cf.length !== iv.alternatives) throw new Error(`the bundle's intervention needs ${iv.alternatives} counterfactual row(s) per input, got ${cf?.length ?? 0}`);
    return { ...interventionAnswer(out.logits, cf), flipProbability: null, source: iv.mode };
  }
  if (!tables.probe) return null;
  const e = counterfactualScores(tables.probe, out.logits, out.embedding, shortcutPosterior(out.twinA, out.twinB, calibration));
  return { change: e.change, flip: e.flipProbability >= 0.5, flipProbability: e.flipProbability, source: 'estimated' };
}

export interface RowOptions {
  /** Measured memorization score when the input is a training example (membership audit), else null. */
  memberScore: number | null;
  /** The input's true label where the caller knows it (/v1/evaluate): memorization is then estimated for (x, y). */
  label?: number;
  explain: boolean;
}

/**
 * The per-input numbers every served field is read from, before any is ranked against calibration quantiles. The
 * trainer measures those quantiles on validation from these very numbers (trainer/src/pipeline/calibrate.ts).
 */
export interface RowEstimates {
  probabilities: number[];
  label: number;
  /** The nearest exemplars (what `explain` shows) and their own estimate (the `nearest` estimator); null without `explain`, where the estimator does not need them. */
  neighbours: { score: number; neighbours: Neighbour[] } | null;
  /** Memorization of a new, unlabelled input by the bundle's label-free estimator (`scores.neighbours.estimator`). */
  memorization: number;
  /** Memorization given the true label (label-aware estimate); null where no label was given. */
  labelled: number | null;
  twinDisagreement: number;
  /** slice_accuracy is null unless `slices` were given. */
  spurious: SpuriousScores;
  counterfactual: CounterfactualEstimate | null;
}

export function rowEstimates(
  out: OutputRow,
  calibration: Calibration,
  neighbourSettings: ScoreCalibration['neighbours'],
  tables: ServingTables,
  label?: number,
  slices: Pick<ScoreCalibration, 'relianceBucketEdges' | 'sliceAccuracy'> | null = null,
  explain = true,
): RowEstimates {
  const probabilities = softmax(out.logits);
  const predicted = argmax(probabilities);
  const { k, temperature } = neighbourSettings;
  const free = labelFreeMemorization(neighbourSettings, probabilities, out.embedding, tables.exemplars, tables.byLabel, out.exemplarDot, explain);
  return {
    probabilities,
    label: predicted,
    neighbours: free.nearest,
    memorization: free.score,
    labelled: label === undefined ? null : labelledMemorization(probabilities, out.embedding, label, tables.byLabel, k, temperature, out.exemplarDot),
    twinDisagreement: twinDisagreement(out.twinA, out.twinB),
    spurious: spuriousScores(predicted, out.twinA, out.twinB, calibration, slices),
    counterfactual: counterfactualEstimate(out, tables, calibration),
  };
}

export type MemorizationEstimator = 'measured' | 'neighbours' | 'label_and_neighbours';

/**
 * Which estimator answers for an input, and the quantiles of that same estimator its percentile is read against, so
 * that `percentile` and `high_memorization` never compare two estimators: a training example's measured score
 * against the measured scores of the training set, a labelled new input's label-aware estimate against that estimate
 * on validation, any other input's neighbour estimate against the neighbour estimate on validation. A bundle written
 * before a quantile set existed falls back as ScoreCalibration documents (shared/src/manifest.ts).
 */
export function servedMemorization(
  e: Pick<RowEstimates, 'memorization' | 'labelled'>,
  memberScore: number | null,
  q: ScoreCalibration['quantiles'],
): { score: number; estimator: MemorizationEstimator; quantiles: number[] } {
  if (memberScore !== null) return { score: memberScore, estimator: 'measured', quantiles: q.measuredMemorization ?? q.memorization };
  if (e.labelled !== null && q.labelledMemorization) return { score: e.labelled, estimator: 'label_and_neighbours', quantiles: q.labelledMemorization };
  return { score: e.memorization, estimator: 'neighbours', quantiles: q.memorization };
}

/** Everything the API says about one input, from the four model outputs and the bundle's calibration. */
export function scoreRow(out: OutputRow, manifest: Manifest, tables: ServingTables, opts: RowOptions): Prediction {
  const sc = manifest.scores;
  const e = rowEstimates(out, manifest.calibration, sc.neighbours, tables, opts.memberScore === null ? opts.label : undefined, sc, opts.explain);
  const mem = servedMemorization(e, opts.memberScore, sc.quantiles);
  const sp = e.spurious;
  return {
    label: e.label,
    class_name: manifest.classNames[e.label],
    probabilities: e.probabilities,
    memorization: {
      score: mem.score,
      member: opts.memberScore !== null,
      estimator: mem.estimator,
      percentile: percentileFromQuantiles(mem.score, mem.quantiles, sc.quantileLevels),
      twin_disagreement: e.twinDisagreement,
      ...(opts.explain && e.neighbours ? { nearest: e.neighbours.neighbours.map(({ id, label: l, score, similarity }) => ({ id, label: l, score, similarity })) } : {}),
    },
    spurious: {
      ...sp,
      shortcut_class_name: manifest.classNames[sp.shortcut_label],
      percentile: percentileFromQuantiles(sp.reliance, sc.quantiles.reliance, sc.quantileLevels),
      intervention: e.counterfactual ? e.counterfactual.source : null,
      counterfactual_change: e.counterfactual ? e.counterfactual.change : null,
      flip: e.counterfactual ? e.counterfactual.flip : null,
      flip_probability: e.counterfactual ? e.counterfactual.flipProbability : null,
    },
  };
}
