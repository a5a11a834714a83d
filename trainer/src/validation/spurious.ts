import {
  argmax, decodeExemplars, softmax, spuriousScores, type Calibration, type ScoreCalibration,
} from '../../../shared/src/index.js';
import { outputRow, type SplitOutputs } from '../pipeline/outputs.js';
import { scoreCalibration, scoreRows } from '../pipeline/calibrate.js';
import { totalVariation } from './stats.js';

/** An empty exemplar set: the spurious scores do not need one. */
const NO_EXEMPLARS = decodeExemplars({ count: 0, embeddingDim: 1, ids: [], labels: [], scores: [], inferredGroups: [], embeddings: '', inputs: null });

/** Slice accuracies etc. measured on validation exactly as the bundle does (trainPipeline → scoreCalibration). */
export function validationScoreCalibration(val: SplitOutputs, y: Int32Array, K: number, cal: Calibration): ScoreCalibration {
  return scoreCalibration(scoreRows(val, cal, NO_EXEMPLARS), y, K);
}

/** True reliance of the served model on each input: TV change of its output under the counterfactual, and whether ŷ flips. */
export interface TrueReliance {
  tv: Float64Array;
  flips: Uint8Array;
  /** K = 2: change of the logit margin z₁ − z₀ under the counterfactual (NaN for K > 2). */
  marginDelta: Float64Array;
}

export function trueReliance(o: SplitOutputs, cf: SplitOutputs): TrueReliance {
  const tv = new Float64Array(o.n), flips = new Uint8Array(o.n), marginDelta = new Float64Array(o.n).fill(NaN);
  for (let i = 0; i < o.n; i++) {
    if (o.K === 2) marginDelta[i] = (cf.logits[2 * i + 1] - cf.logits[2 * i]) - (o.logits[2 * i + 1] - o.logits[2 * i]);
    const p = softmax(o.logits.subarray(i * o.K, (i + 1) * o.K)), q = softmax(cf.logits.subarray(i * o.K, (i + 1) * o.K));
    tv[i] = totalVariation(p, q);
    flips[i] = argmax(p) !== argmax(q) ? 1 : 0;
  }
  return { tv, flips, marginDelta };
}

/** Candidate per-input spurious-reliance headlines (all computable at serving time from one ONNX run + the manifest). */
export const RELIANCE_CANDIDATES = ['reliance', 'reliance×(1−slice_acc)', 'shortcut_pull', 'shortcut_pull_soft', 'counterfactual_fit', 'counterfactual_probe', 'probe_flip_probability', 'probe_tv+flip'] as const;
export type RelianceCandidate = (typeof RELIANCE_CANDIDATES)[number];

/**
 * Per-input served spurious block plus candidate headline scores.
 * - reliance: the served default, clip((q[ŷ] − 1/K)·K/(K−1), 0, 1);
 * - reliance×(1−slice_acc): design.md's model-dependent variant;
 * - shortcut_pull: TV between the model's p and softmax(z − log(K·q)), the answer with the shortcut expert's evidence
 *   divided out (a product-of-experts reading of MAT's shift, method.md §2.3 / §7.2 S3);
 * - shortcut_pull_soft: the same with the twins at temperature 1 (q without τ sharpening).
 */
export interface SpuriousRows {
  predicted: Int32Array;
  conflict: Uint8Array;
  /** 1 − q[ŷ]: a continuous "against the shortcut" score (conflict's tie-breaker). */
  against: Float64Array;
  /** 1 − p[shortcut_label]: the served model's probability that the answer is not the shortcut's. */
  modelAgainst: Float64Array;
  shortcutLabel: Int32Array;
  candidates: Record<RelianceCandidate, Float64Array>;
  /** Served logits and the centred shortcut direction K·q − 1 per row ([n × K]), for the fitted counterfactual estimate. */
  logits: Float32Array;
  direction: Float64Array;
  K: number;
  /** Served slice_accuracy per row (NaN where the slice was empty on validation). */
  sliceAccuracy: Float64Array;
}

/**
 * Estimated counterfactual change: TV(softmax(z), softmax(z − gain·(K·q − 1))). The model's answer with the shortcut
 * evidence reversed by `gain` logits per unit of shortcut certainty; `gain` is fitted per model on validation counterfactuals.
 */
export function counterfactualEstimate(rows: SpuriousRows, gain: number): Float64Array {
  const { K } = rows;
  const out = new Float64Array(rows.predicted.length);
  for (let i = 0; i < out.length; i++) {
    const z = rows.logits.subarray(i * K, (i + 1) * K);
    const shifted = Array.from(z, (v, k) => v - gain * rows.direction[i * K + k]);
    out[i] = totalVariation(softmax(z), softmax(shifted));
  }
  return out;
}

function pull(z: ArrayLike<number>, q: ArrayLike<number>): number {
  const K = z.length;
  const p = softmax(z);
  const shifted = Array.from(z, (v, k) => v - Math.log(K * Math.max(q[k], 1e-6)));
  return totalVariation(p, softmax(shifted));
}

export function spuriousRows(o: SplitOutputs, cal: Calibration, scoreCal: ScoreCalibration): SpuriousRows {
  const n = o.n;
  const cand = Object.fromEntries(RELIANCE_CANDIDATES.map((c) => [c, new Float64Array(n)])) as Record<RelianceCandidate, Float64Array>;
  const rows: SpuriousRows = {
    predicted: new Int32Array(n), conflict: new Uint8Array(n), against: new Float64Array(n), modelAgainst: new Float64Array(n), shortcutLabel: new Int32Array(n), candidates: cand,
    logits: o.logits, direction: new Float64Array(n * o.K), K: o.K, sliceAccuracy: new Float64Array(n),
  };
  const softCal = { ...cal, tau: 1 };
  for (let i = 0; i < n; i++) {
    const r = outputRow(o, i);
    const label = argmax(r.logits);
    const sp = spuriousScores(label, r.twinA, r.twinB, cal, scoreCal);
    rows.predicted[i] = label;
    rows.conflict[i] = sp.conflict ? 1 : 0;
    rows.shortcutLabel[i] = sp.shortcut_label;
    const a = softmax(r.twinA, cal.tau), b = softmax(r.twinB, cal.tau);
    const q = cal.matrix[0].map((_, c) => a.reduce((s, _v, k) => s + 0.5 * (a[k] + b[k]) * cal.matrix[k][c], 0));
    rows.against[i] = 1 - q[label];
    rows.sliceAccuracy[i] = sp.slice_accuracy ?? NaN;
    rows.modelAgainst[i] = 1 - softmax(r.logits)[sp.shortcut_label];
    q.forEach((v, k) => (rows.direction[i * o.K + k] = o.K * v - 1));
    cand.reliance[i] = sp.reliance;
    cand['reliance×(1−slice_acc)'][i] = sp.reliance * (1 - (sp.slice_accuracy ?? 0));
    cand.shortcut_pull[i] = pull(r.logits, q);
    const as = softmax(r.twinA, softCal.tau), bs = softmax(r.twinB, softCal.tau);
    const qs = cal.matrix[0].map((_, c) => as.reduce((s, _v, k) => s + 0.5 * (as[k] + bs[k]) * cal.matrix[k][c], 0));
    cand.shortcut_pull_soft[i] = pull(r.logits, qs);
  }
  return rows;
}

/**
 * Reliability diagram of the served slice_accuracy: rows binned by their predicted accuracy, against the observed
 * accuracy of the served model in each bin (empty bins left out).
 */
export function sliceReliability(rows: SpuriousRows, y: Int32Array, bins = 10): { lower: number; upper: number; confidence: number; accuracy: number; count: number }[] {
  const acc = Array.from({ length: bins }, () => ({ conf: 0, hits: 0, count: 0 }));
  rows.sliceAccuracy.forEach((s, i) => {
    if (!Number.isFinite(s)) return;
    const b = Math.min(bins - 1, Math.floor(s * bins));
    acc[b].conf += s; acc[b].count++;
    if (rows.predicted[i] === y[i]) acc[b].hits++;
  });
  return acc.flatMap((a, b) => (a.count ? [{ lower: b / bins, upper: (b + 1) / bins, confidence: a.conf / a.count, accuracy: a.hits / a.count, count: a.count }] : []));
}

/** Standard-normal quantiles at (k + ½)/7, k = 0..6: a 7-point average over the probe's residual. */
const NORMAL_POINTS = [-1.4652, -0.7916, -0.3661, 0, 0.3661, 0.7916, 1.4652];

/**
 * Estimated TV from a predicted margin change Δ̂ (K = 2): E|σ(m) − σ(m + Δ̂ + ε)| with ε ~ N(0, σ²), σ the probe's
 * validation residual (σ = 0: the plug-in |σ(m) − σ(m + Δ̂)|). The average accounts for how close m is to the boundary.
 */
export function marginShiftTv(rows: SpuriousRows, delta: Float64Array, sigma = 0): Float64Array {
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const points = sigma > 0 ? NORMAL_POINTS : [0];
  return Float64Array.from(delta, (d, i) => {
    const m = rows.logits[2 * i + 1] - rows.logits[2 * i];
    let s = 0;
    for (const e of points) s += Math.abs(sig(m) - sig(m + d + sigma * e));
    return s / points.length;
  });
}

/** Signed shortcut direction for K = 2: q₁ − q₀ ∈ [−1, 1]. */
export function shortcutSign(rows: SpuriousRows): Float64Array {
  return Float64Array.from(rows.predicted, (_, i) => rows.direction[i * rows.K + 1] / 2 - rows.direction[i * rows.K] / 2);
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 via erf; |error| < 1.5e-7). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x) / Math.SQRT2);
  const y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(x * x) / 2);
  return x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/** K = 2: probability that the prediction flips, P(sign(m + Δ̂ + ε) ≠ sign(m)), ε ~ N(0, σ²). */
export function flipProbability(rows: SpuriousRows, delta: Float64Array, sigma: number): Float64Array {
  return Float64Array.from(delta, (d, i) => {
    const m = rows.logits[2 * i + 1] - rows.logits[2 * i];
    const sgn = m >= 0 ? 1 : -1;
    return normalCdf((-sgn * (m + d)) / Math.max(sigma, 1e-6));
  });
}
