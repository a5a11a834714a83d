import {
  crossMistake, decodeExemplars, interventionAnswer, prepareIntervention, servingTables, spuriousScores, type Calibration,
  type CounterfactualProbe, type Intervention, type PreparedIntervention, type ScoreCalibration,
} from '#shared';
import { estimateIntervention } from '../data/estimated-intervention.js';
import type { Dataset, Split } from '../data/types.js';
import { NEIGHBOURS, scoreCalibration, scoreRows, type RowScores } from '../pipeline/calibrate.js';
import { interventionSplits, outputRow, type SplitOutputs } from '../pipeline/outputs.js';

/** An empty exemplar set: the spurious scores do not need one. */
const NO_EXEMPLARS = decodeExemplars({ count: 0, embeddingDim: 1, ids: [], labels: [], scores: [], inferredGroups: [], embeddings: '', inputs: null });

/**
 * The model's change and flips under an intervention, row by row: the largest total-variation change over the
 * counterfactual splits and whether any changes ŷ (shared interventionAnswer, as served). With the known true
 * counterfactual this is the ground truth of the checks.
 */
export interface TrueReliance {
  tv: Float64Array;
  flips: Uint8Array;
}

export function trueReliance(o: SplitOutputs, cf: SplitOutputs | readonly SplitOutputs[]): TrueReliance {
  const cfs = Array.isArray(cf) ? cf : [cf as SplitOutputs];
  const tv = new Float64Array(o.n), flips = new Uint8Array(o.n);
  for (let i = 0; i < o.n; i++) {
    const a = interventionAnswer(outputRow(o, i).logits, cfs.map((c) => outputRow(c, i).logits));
    tv[i] = a.change;
    flips[i] = a.flip ? 1 : 0;
  }
  return { tv, flips };
}

/** The outputs of one model on every counterfactual split of `split` under `iv` (`run`: tfjs in memory, or a bundle's ONNX). */
export async function interventionOutputs(
  data: Dataset, split: Split, iv: PreparedIntervention, run: (s: Pick<Split, 'x' | 'n' | 'd'>) => SplitOutputs | Promise<SplitOutputs>,
): Promise<SplitOutputs[]> {
  const out: SplitOutputs[] = [];
  for (const s of interventionSplits(data, split, iv)) out.push(await run(s));
  return out;
}

/** The dataset's declared intervention, decoded (null where it declares none). */
export const declaredIntervention = (data: Dataset, spec: Intervention | undefined = data.intervention?.spec): PreparedIntervention | null =>
  spec ? prepareIntervention(spec, data.input.dim) : null;

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
export interface SpuriousPart {
  val: ServedSplit;
  test: ServedSplit;
  scoreCalibration: ScoreCalibration;
  /** Change and flips on test under the estimated intervention (null where none could be fitted). */
  estimated: TrueReliance | null;
}

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
  /** The served model's outputs on the true counterfactual val and test inputs (null without a known counterfactual). */
  cf: { val: SplitOutputs; test: SplitOutputs } | null;
  /** The bundle's score calibration (written bundles), or null to measure it on validation as trainPipeline does. */
  scores: ScoreCalibration | null;
  /** An old bundle's counterfactual probe (null for models that declare an intervention). */
  probe: CounterfactualProbe | null;
  /** The declared intervention and the served model's outputs on its counterfactual val and test splits. */
  intervention: { prepared: PreparedIntervention; val: SplitOutputs[]; test: SplitOutputs[] } | null;
  /** The model's outputs on the test split under an estimated intervention (estimatedIntervention), to check it against the truth. */
  estimated: SplitOutputs[] | null;
}

/** Scores validation and test through scoreRows (the served per-input scores) with the bundle's calibration. */
export function spuriousPart(p: PartInputs): SpuriousPart {
  const { data } = p;
  const iv = p.intervention;
  const tables = servingTables(NO_EXEMPLARS, data.numClasses, p.probe, iv?.prepared ?? null);
  const valRows = scoreRows(p.val, p.calibration, tables, data.val.y, NEIGHBOURS, iv?.val ?? null);
  const scoreCal = p.scores ?? scoreCalibration(valRows, data.val.y, data.numClasses, p.probe);
  return {
    val: servedSplit(p.val, data.val.y, p.calibration, scoreCal, valRows, p.cf?.val ?? null),
    test: servedSplit(p.test, data.test.y, p.calibration, scoreCal, scoreRows(p.test, p.calibration, tables, data.test.y, NEIGHBOURS, iv?.test ?? null), p.cf?.test ?? null),
    scoreCalibration: scoreCal,
    estimated: p.estimated ? trueReliance(p.test, p.estimated) : null,
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

/**
 * The annotation an `estimated` intervention can be checked on where the exact one is known: a two-valued attribute
 * that the protocol treats as if it were not an input (the planted CSV's attribute column, Colored MNIST's colour).
 */
export function estimationAttribute(data: Dataset): { column: string; val: Int32Array } | null {
  const column = data.columns?.attribute ?? (data.val.meta.colour ? 'colour' : null);
  const val = data.columns?.attribute ? data.val.meta.attribute : data.val.meta.colour;
  if (!column || !val || val.some((a) => a !== 0 && a !== 1)) return null;
  return { column, val };
}

/** The estimated intervention of `data`'s annotation, fitted on validation only (null where estimationAttribute has none). */
export function estimatedIntervention(data: Dataset): PreparedIntervention | null {
  const a = estimationAttribute(data);
  return a ? declaredIntervention(data, estimateIntervention(data.val, a.val, data.numClasses, a.column, [`${a.column} 0`, `${a.column} 1`])) : null;
}
