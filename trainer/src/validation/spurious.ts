import {
  argmax, crossMistake, decodeExemplars, servingTables, softmax, spuriousScores, type Calibration, type CounterfactualProbe,
  type ScoreCalibration,
} from '#shared';
import type { Dataset } from '../data/types.js';
import { scoreCalibration, scoreRows, type RowScores } from '../pipeline/calibrate.js';
import { outputRow, type SplitOutputs } from '../pipeline/outputs.js';
import { totalVariation } from './stats.js';

/** An empty exemplar set: the spurious scores do not need one. */
const NO_EXEMPLARS = decodeExemplars({ count: 0, embeddingDim: 1, ids: [], labels: [], scores: [], inferredGroups: [], embeddings: '', inputs: null });

/** True reliance of the served model on each input: TV change of its output under the counterfactual, and whether ŷ flips. */
export interface TrueReliance {
  tv: Float64Array;
  flips: Uint8Array;
}

export function trueReliance(o: SplitOutputs, cf: SplitOutputs): TrueReliance {
  const tv = new Float64Array(o.n), flips = new Uint8Array(o.n);
  for (let i = 0; i < o.n; i++) {
    const p = softmax(o.logits.subarray(i * o.K, (i + 1) * o.K)), q = softmax(cf.logits.subarray(i * o.K, (i + 1) * o.K));
    tv[i] = totalVariation(p, q);
    flips[i] = argmax(p) !== argmax(q) ? 1 : 0;
  }
  return { tv, flips };
}

/** One split scored exactly as the worker serves it, plus what the checks need beside the served fields. */
export interface ServedSplit {
  outputs: SplitOutputs;
  rows: RowScores;
  /** Served slice_accuracy per row (NaN where the slice was empty on validation). */
  sliceAccuracy: Float64Array;
  /** /v1/evaluate's label-aware conflict: the label against the held-out twins (XRM's cross-mistake bit). */
  labelConflict: Uint8Array;
  truth: TrueReliance | null;
}

/** Validation and test of one model (in memory or a written bundle), scored by the shared serving functions. */
export interface SpuriousPart { val: ServedSplit; test: ServedSplit; scoreCalibration: ScoreCalibration }

function servedSplit(o: SplitOutputs, y: Int32Array, cal: Calibration, scoreCal: ScoreCalibration, rows: RowScores, cf: SplitOutputs | null): ServedSplit {
  const sliceAccuracy = new Float64Array(o.n), labelConflict = new Uint8Array(o.n);
  for (let i = 0; i < o.n; i++) {
    const r = outputRow(o, i);
    sliceAccuracy[i] = spuriousScores(rows.predicted[i], r.twinA, r.twinB, cal, scoreCal).slice_accuracy ?? NaN;
    labelConflict[i] = crossMistake(r.twinA, r.twinB, y[i]) ? 1 : 0;
  }
  return { outputs: o, rows, sliceAccuracy, labelConflict, truth: cf ? trueReliance(o, cf) : null };
}

export interface PartInputs {
  data: Dataset;
  calibration: Calibration;
  val: SplitOutputs;
  test: SplitOutputs;
  /** The served model's outputs on the counterfactual val and test inputs (null without a counterfactual). */
  cf: { val: SplitOutputs; test: SplitOutputs } | null;
  /** The bundle's score calibration (written bundles), or null to measure it on validation as trainPipeline does. */
  scores: ScoreCalibration | null;
  /** The counterfactual probe (a bundle's, or the one trainPipeline would fit). */
  probe: CounterfactualProbe | null;
}

/** Scores validation and test through scoreRows (the served per-input scores) with the bundle's calibration. */
export function spuriousPart(p: PartInputs): SpuriousPart {
  const { data } = p;
  const tables = servingTables(NO_EXEMPLARS, data.numClasses, p.probe);
  const valRows = scoreRows(p.val, p.calibration, tables, data.val.y);
  const scoreCal = p.scores ?? scoreCalibration(valRows, data.val.y, data.numClasses, p.probe);
  return {
    val: servedSplit(p.val, data.val.y, p.calibration, scoreCal, valRows, p.cf?.val ?? null),
    test: servedSplit(p.test, data.test.y, p.calibration, scoreCal, scoreRows(p.test, p.calibration, tables, data.test.y), p.cf?.test ?? null),
    scoreCalibration: scoreCal,
  };
}

/**
 * Reliability diagram of the served slice_accuracy: rows binned by their predicted accuracy, against the observed
 * accuracy of the served model in each bin (empty bins left out).
 */
export function sliceReliability(s: ServedSplit, y: Int32Array, bins = 10): { lower: number; upper: number; confidence: number; accuracy: number; count: number }[] {
  const acc = Array.from({ length: bins }, () => ({ conf: 0, hits: 0, count: 0 }));
  s.sliceAccuracy.forEach((v, i) => {
    if (!Number.isFinite(v)) return;
    const b = Math.min(bins - 1, Math.floor(v * bins));
    acc[b].conf += v; acc[b].count++;
    if (s.rows.predicted[i] === y[i]) acc[b].hits++;
  });
  return acc.flatMap((a, b) => (a.count ? [{ lower: b / bins, upper: (b + 1) / bins, confidence: a.conf / a.count, accuracy: a.hits / a.count, count: a.count }] : []));
}
