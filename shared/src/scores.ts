import { argmax, clip, percentileFromQuantiles, softmax, vecMat } from './math.js';
import { base64ToFloat32 } from './base64.js';
import type { Calibration, Exemplars, ScoreCalibration } from './manifest.js';

/**
 * Shortcut posterior q = ½(softmax(a/τ) + softmax(b/τ))·C: what the held-out, shortcut-driven
 * XRM twins say about the label, calibrated by C = p(y | y_ho) (docs/design.md "Per-input scores").
 */
export function shortcutPosterior(twinA: ArrayLike<number>, twinB: ArrayLike<number>, cal: Calibration): number[] {
  const a = softmax(twinA, cal.tau), b = softmax(twinB, cal.tau);
  return vecMat(a.map((v, k) => 0.5 * (v + b[k])), cal.matrix);
}

/** Shortcut posterior of a training example from its own held-out twin only (the MAT p_ho of docs/method.md §2.2). */
export function heldOutPosterior(heldOutLogits: ArrayLike<number>, cal: Pick<Calibration, 'tau' | 'matrix'>): number[] {
  return vecMat(softmax(heldOutLogits, cal.tau), cal.matrix);
}

/** ½‖softmax(a) − softmax(b)‖₁: the prediction depends on which random half of the data was seen. */
export function twinDisagreement(twinA: ArrayLike<number>, twinB: ArrayLike<number>): number {
  const a = softmax(twinA), b = softmax(twinB);
  let s = 0;
  for (let k = 0; k < a.length; k++) s += Math.abs(a[k] - b[k]);
  return 0.5 * s;
}

/** XRM's flip probability towards `label`: (q[label] − 1/K)·K/(K−1), clipped to [0, 1]. */
export function reliance(q: ArrayLike<number>, label: number): number {
  const K = q.length;
  return clip(((q[label] - 1 / K) * K) / (K - 1), 0, 1);
}

/** Index of the reliance bucket: first upper edge ≥ r. */
export function relianceBucket(r: number, edges: readonly number[]): number {
  for (let i = 0; i < edges.length; i++) if (r <= edges[i]) return i;
  return edges.length - 1;
}

export interface SpuriousScores {
  shortcut_label: number;
  shortcut_confidence: number;
  conflict: boolean;
  reliance: number;
  slice_accuracy: number | null;
}

export function spuriousScores(
  predicted: number,
  twinA: ArrayLike<number>,
  twinB: ArrayLike<number>,
  cal: Calibration,
  scoreCal: Pick<ScoreCalibration, 'relianceBucketEdges' | 'sliceAccuracy'> | null,
): SpuriousScores {
  const q = shortcutPosterior(twinA, twinB, cal);
  const shortcutLabel = argmax(q);
  const conflict = shortcutLabel !== predicted;
  const r = reliance(q, predicted);
  let sliceAcc: number | null = null;
  if (scoreCal) {
    const bucket = relianceBucket(r, scoreCal.relianceBucketEdges);
    sliceAcc = scoreCal.sliceAccuracy.find((s) => s.label === predicted && s.conflict === conflict && s.relianceBucket === bucket)?.accuracy ?? null;
  }
  return { shortcut_label: shortcutLabel, shortcut_confidence: Math.max(...q), conflict, reliance: r, slice_accuracy: sliceAcc };
}

/** Exemplar set decoded once from memorization.json. */
export interface ExemplarTable {
  count: number;
  dim: number;
  /** L2-normalised rows, [count × dim]. */
  embeddings: Float32Array;
  ids: number[];
  labels: number[];
  scores: number[];
  inferredGroups: number[];
  /** For a table split out by label: the row of each exemplar in the whole table (where its similarity is read). */
  rows?: number[];
}

export function decodeExemplars(e: Exemplars): ExemplarTable {
  const embeddings = base64ToFloat32(e.embeddings);
  if (embeddings.length !== e.count * e.embeddingDim)
    throw new Error(`exemplar embeddings hold ${embeddings.length} floats, expected ${e.count}×${e.embeddingDim}`);
  return { count: e.count, dim: e.embeddingDim, embeddings, ids: e.ids, labels: e.labels, scores: e.scores, inferredGroups: e.inferredGroups };
}

/** Returns a unit-length copy (zero vector stays zero). */
export function l2Normalize(v: ArrayLike<number>): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  return Float32Array.from(v as ArrayLike<number>, (x) => x * inv);
}

export interface Neighbour { id: number; label: number; score: number; similarity: number; index: number }

/**
 * Memorization of a new input: softmax(similarity / T)-weighted mean of the measured memorization of its k
 * nearest training exemplars (cosine similarity in the served model's embedding space).
 */
export function neighbourMemorization(
  embedding: ArrayLike<number>,
  table: ExemplarTable,
  k: number,
  temperature: number,
  exemplarDot?: ArrayLike<number>,
): { score: number; neighbours: Neighbour[] } {
  const m = nearestExemplars(embedding, table, k, exemplarDot);
  const score = neighbourScore(table, m, temperature);
  const neighbours: Neighbour[] = new Array(m);
  for (let j = 0; j < m; j++) {
    const i = top.i[j];
    neighbours[j] = { id: table.ids[i], label: table.labels[i], score: table.scores[i], similarity: top.s[j], index: i };
  }
  return { score, neighbours };
}

/**
 * The k nearest exemplars of the last `nearestExemplars` call (rows and similarities, best first), in buffers reused
 * from row to row: this runs twice per scored input, where a few arrays per call cost more than the scan itself.
 */
const top = { i: new Int32Array(0), s: new Float64Array(0), w: new Float64Array(0) };

/** Fills `top` with the k most similar exemplars (ties kept in row order: a sorted insertion over one pass); returns how many. */
function nearestExemplars(embedding: ArrayLike<number>, table: ExemplarTable, k: number, exemplarDot?: ArrayLike<number>): number {
  if (table.count === 0) return 0;
  if (top.i.length < k) top.i = new Int32Array(k), top.s = new Float64Array(k), top.w = new Float64Array(k);
  const topI = top.i, topS = top.s, rows = table.rows;
  // Cosine similarity to exemplar i: from the graph's `exemplar_dot` row (embedding · eᵢ over the whole table) scaled
  // by 1/‖embedding‖, else computed here as unit embedding · eᵢ.
  const inv = exemplarDot ? inverseNorm(embedding) : 0;
  const u = exemplarDot ? null : l2Normalize(embedding), D = table.dim, E = table.embeddings;
  let m = 0;
  for (let i = 0; i < table.count; i++) {
    let s: number;
    if (exemplarDot) s = exemplarDot[rows ? rows[i] : i] * inv;
    else {
      s = 0;
      const off = i * D;
      for (let j = 0; j < D; j++) s += u![j] * E[off + j];
    }
    if (m < k || s > topS[m - 1]) {
      let p = m < k ? m++ : k - 1;
      for (; p > 0 && topS[p - 1] < s; p--) {
        topS[p] = topS[p - 1];
        topI[p] = topI[p - 1];
      }
      topS[p] = s;
      topI[p] = i;
    }
  }
  return m;
}

function inverseNorm(v: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < v.length; j++) s += v[j] * v[j];
  return s > 0 ? 1 / Math.sqrt(s) : 0;
}

/** softmax(similarity / T)-weighted mean of the measured memorization of the m exemplars in `top` (`softmax`'s arithmetic, in place). */
function neighbourScore(table: ExemplarTable, m: number, temperature: number): number {
  const w = top.w, s = top.s;
  let max = -Infinity, sum = 0, score = 0;
  for (let j = 0; j < m; j++) max = Math.max(max, s[j] / temperature);
  for (let j = 0; j < m; j++) {
    w[j] = Math.exp(s[j] / temperature - max);
    sum += w[j];
  }
  for (let j = 0; j < m; j++) score += (w[j] / sum) * table.scores[top.i[j]];
  return score;
}

export { percentileFromQuantiles };

/** The exemplar table split by label (one table per class, rows in their original order), for label-aware estimates. */
export function exemplarsByLabel(table: ExemplarTable, K: number): ExemplarTable[] {
  return Array.from({ length: K }, (_, c) => {
    const rows = table.labels.flatMap((l, i) => (l === c ? [i] : []));
    const embeddings = new Float32Array(rows.length * table.dim);
    rows.forEach((i, r) => embeddings.set(table.embeddings.subarray(i * table.dim, (i + 1) * table.dim), r * table.dim));
    const pick = <T>(a: T[]) => rows.map((i) => a[i]);
    return { count: rows.length, dim: table.dim, embeddings, ids: pick(table.ids), labels: pick(table.labels), scores: pick(table.scores), inferredGroups: pick(table.inferredGroups), rows };
  });
}

/**
 * Memorization of a labelled input that is not a training example (what /v1/evaluate reports):
 * ½(1 − p(y|x)) + ½ · the neighbour estimate among exemplars of the same label. The first half is the held-out
 * evidence (a model that never saw x gives y little probability: fitting (x, y) would need memorizing it), the second
 * how much similar examples of that label were memorized. Chosen on the validation protocol's selection subset.
 */
export function labelledMemorization(
  probabilities: ArrayLike<number>,
  embedding: ArrayLike<number>,
  label: number,
  byLabel: readonly ExemplarTable[],
  k: number,
  temperature: number,
  exemplarDot?: ArrayLike<number>,
): number {
  const table = byLabel[label];
  // The score alone: the neighbours themselves are never shown for this estimate.
  return 0.5 * (1 - probabilities[label]) + 0.5 * neighbourScore(table, nearestExemplars(embedding, table, k, exemplarDot), temperature);
}

/**
 * Memorization of a new input without its label (/v1/predict, for bundles whose `scores.neighbours.estimator` is
 * `expected_label`): the same-label neighbour estimate of labelledMemorization in expectation over the label, drawn from
 * the served model's own p(·|x): Σ_c p_c · (neighbour estimate among exemplars of label c). Memorization belongs to a
 * pair (x, y); without y this weighs each class's similar exemplars by how likely that label is, where the nearest
 * exemplars of any label (`nearest`) mix classes the model rules out. The other half of labelledMemorization, 1 − p(y|x),
 * has no label-free counterpart that ranks well (its expectation, 1 − Σ_c p_c², is the model's uncertainty, not whether
 * the label will go against it): docs/validation.md "Why these estimators".
 */
export function expectedLabelNeighbours(
  probabilities: ArrayLike<number>,
  embedding: ArrayLike<number>,
  byLabel: readonly ExemplarTable[],
  k: number,
  temperature: number,
  exemplarDot?: ArrayLike<number>,
): number {
  let s = 0;
  for (let c = 0; c < probabilities.length; c++)
    if (probabilities[c] > 0 && byLabel[c].count > 0) s += probabilities[c] * neighbourScore(byLabel[c], nearestExemplars(embedding, byLabel[c], k, exemplarDot), temperature);
  return s;
}

/** The nearest exemplars of any label and their own estimate. */
type Nearest = { score: number; neighbours: Neighbour[] };

/**
 * The label-free memorization estimate a bundle's `scores.neighbours` names (`nearest` where `estimator` is absent: a
 * bundle keeps the estimator its validation quantiles were measured with), with the nearest exemplars of any label
 * (what `explain` shows; with `withNearest: false` left out, null, where the estimator does not need them).
 */
export function labelFreeMemorization(
  settings: ScoreCalibration['neighbours'], probabilities: ArrayLike<number>, embedding: ArrayLike<number>, exemplars: ExemplarTable,
  byLabel: readonly ExemplarTable[], exemplarDot?: ArrayLike<number>, withNearest?: true,
): { score: number; nearest: Nearest };
export function labelFreeMemorization(
  settings: ScoreCalibration['neighbours'], probabilities: ArrayLike<number>, embedding: ArrayLike<number>, exemplars: ExemplarTable,
  byLabel: readonly ExemplarTable[], exemplarDot: ArrayLike<number> | undefined, withNearest: boolean,
): { score: number; nearest: Nearest | null };
export function labelFreeMemorization(
  settings: ScoreCalibration['neighbours'],
  probabilities: ArrayLike<number>,
  embedding: ArrayLike<number>,
  exemplars: ExemplarTable,
  byLabel: readonly ExemplarTable[],
  exemplarDot?: ArrayLike<number>,
  withNearest = true,
): { score: number; nearest: Nearest | null } {
  const { k, temperature } = settings;
  const expected = settings.estimator === 'expected_label';
  const nearest = withNearest || !expected ? neighbourMemorization(embedding, exemplars, k, temperature, exemplarDot) : null;
  const score = expected ? expectedLabelNeighbours(probabilities, embedding, byLabel, k, temperature, exemplarDot) : nearest!.score;
  return { score, nearest };
}
