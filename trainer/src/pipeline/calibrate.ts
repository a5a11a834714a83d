import {
  QUANTILE_LEVELS, quantiles, relianceBucket, rowEstimates, type Calibration, type CounterfactualProbe, type ScoreCalibration, type ServingTables,
} from '#shared';
import { outputRow, type SplitOutputs } from './outputs.js';

export const RELIANCE_BUCKET_EDGES = [0.25, 0.5, 0.75, 1];
/**
 * Label-free memorization of a new input: the same-label neighbour estimate in expectation over the served model's
 * p(·|x) (expectedLabelNeighbours), k and T as chosen on the validation protocol's selection subset (docs/validation.md).
 */
export const NEIGHBOURS: ScoreCalibration['neighbours'] = { k: 10, temperature: 0.02, estimator: 'expected_label' };

/** Per-input scores of every row of a split, by the same shared functions the worker serves. */
export interface RowScores {
  predicted: Int32Array;
  memorization: Float64Array;
  /** Memorization given the true label (/v1/evaluate's estimate); NaN where no labels were given. */
  labelledMemorization: Float64Array;
  twinDisagreement: Float64Array;
  reliance: Float64Array;
  shortcutConfidence: Float64Array;
  shortcutLabel: Int32Array;
  conflict: Uint8Array;
  /** Change under the declared intervention (or an old probe's estimate); NaN where there is neither. */
  counterfactualChange: Float64Array;
  /** 1 where the answer flips under the intervention; 0 also where there is none. */
  flip: Uint8Array;
  /** An old probe's flip probability; NaN otherwise. */
  flipProbability: Float64Array;
}

/**
 * Every row of a split through the shared `rowEstimates` (the numbers scoreRow serves), one column per field.
 * `counterfactual`: the outputs on the split's intervention splits, where `tables` declares an intervention.
 */
export function scoreRows(
  o: SplitOutputs, cal: Calibration, tables: ServingTables, labels: Int32Array | null = null, neighbours: ScoreCalibration['neighbours'] = NEIGHBOURS,
  counterfactual: readonly SplitOutputs[] | null = null,
): RowScores {
  const n = o.n;
  const s: RowScores = {
    predicted: new Int32Array(n), memorization: new Float64Array(n), labelledMemorization: new Float64Array(n).fill(NaN),
    twinDisagreement: new Float64Array(n), reliance: new Float64Array(n), shortcutConfidence: new Float64Array(n), shortcutLabel: new Int32Array(n),
    conflict: new Uint8Array(n), counterfactualChange: new Float64Array(n).fill(NaN), flip: new Uint8Array(n), flipProbability: new Float64Array(n).fill(NaN),
  };
  for (let i = 0; i < n; i++) {
    const e = rowEstimates(outputRow(o, i, counterfactual), cal, neighbours, tables, labels ? labels[i] : undefined);
    s.predicted[i] = e.label;
    s.memorization[i] = e.memorization;
    if (e.labelled !== null) s.labelledMemorization[i] = e.labelled;
    s.twinDisagreement[i] = e.twinDisagreement;
    s.reliance[i] = e.spurious.reliance;
    s.shortcutConfidence[i] = e.spurious.shortcut_confidence;
    s.shortcutLabel[i] = e.spurious.shortcut_label;
    s.conflict[i] = e.spurious.conflict ? 1 : 0;
    if (e.counterfactual) {
      s.counterfactualChange[i] = e.counterfactual.change;
      s.flip[i] = e.counterfactual.flip ? 1 : 0;
      s.flipProbability[i] = e.counterfactual.flipProbability ?? NaN;
    }
  }
  return s;
}

/**
 * Validation quantiles of every score (the counterfactual change where the rows have one), accuracy per slice (ŷ,
 * conflict, reliance bucket), and the counterfactual probe the rows were scored with (null where none: new bundles). `s` must be scored with the validation labels. `measured`: the training
 * set's measured (clipped) memorization, whose quantiles are the scale of a member's percentile.
 */
export function scoreCalibration(
  s: RowScores, y: Int32Array, K: number, probe: CounterfactualProbe | null = null, measured: Float64Array | null = null,
): ScoreCalibration {
  const slices = new Map<string, { label: number; conflict: boolean; relianceBucket: number; n: number; hits: number }>();
  for (let label = 0; label < K; label++) for (const conflict of [false, true]) for (let b = 0; b < RELIANCE_BUCKET_EDGES.length; b++)
    slices.set(`${label}|${conflict}|${b}`, { label, conflict, relianceBucket: b, n: 0, hits: 0 });
  s.predicted.forEach((p, i) => {
    const slice = slices.get(`${p}|${s.conflict[i] === 1}|${relianceBucket(s.reliance[i], RELIANCE_BUCKET_EDGES)}`)!;
    slice.n++;
    if (p === y[i]) slice.hits++;
  });
  const levels = [...QUANTILE_LEVELS];
  const finite = (a: Float64Array) => a.length > 0 && a.every(Number.isFinite);
  return {
    quantileLevels: levels,
    quantiles: {
      memorization: quantiles(s.memorization, levels),
      twinDisagreement: quantiles(s.twinDisagreement, levels),
      reliance: quantiles(s.reliance, levels),
      shortcutConfidence: quantiles(s.shortcutConfidence, levels),
      ...(finite(s.labelledMemorization) ? { labelledMemorization: quantiles(s.labelledMemorization, levels) } : {}),
      ...(measured && finite(measured) ? { measuredMemorization: quantiles(measured, levels) } : {}),
      ...(finite(s.counterfactualChange) ? { counterfactualChange: quantiles(s.counterfactualChange, levels) } : {}),
    },
    relianceBucketEdges: RELIANCE_BUCKET_EDGES,
    sliceAccuracy: [...slices.values()].map(({ hits, ...rest }) => ({ ...rest, accuracy: rest.n ? hits / rest.n : null })),
    neighbours: NEIGHBOURS,
    counterfactualProbe: probe,
  };
}
