import {
  float32ToBase64, probeFeatures, probeMarginChange, shortcutPosterior, type Calibration, type CounterfactualProbe,
} from '#shared';
import type { Dataset } from '../data/types.js';
import type { BundleNetworks } from '../model/weights.js';
import { counterfactualSplit, outputRow, splitOutputs, type SplitOutputs } from './outputs.js';

/** Relative ridge: λ = RIDGE × mean diagonal of XᵀX (scale-free; 1e-4..1e-2 gave the same test fit on Colored MNIST). */
export const PROBE_RIDGE = 1e-3;

/** Solves (A + λI)·w = b for a symmetric positive semi-definite A ([p × p] row-major) by Cholesky. */
export function ridgeSolve(A: Float64Array, b: Float64Array, p: number, lambda: number): Float64Array {
  const L = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * p + j] + (i === j ? lambda : 0);
      for (let k = 0; k < j; k++) s -= L[i * p + k] * L[j * p + k];
      if (i === j) L[i * p + i] = Math.sqrt(Math.max(s, 1e-12));
      else L[i * p + j] = s / L[j * p + j];
    }
  }
  const z = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * p + k] * z[k];
    z[i] = s / L[i * p + i];
  }
  const w = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let s = z[i];
    for (let k = i + 1; k < p; k++) s -= L[k * p + i] * w[k];
    w[i] = s / L[i * p + i];
  }
  return w;
}

/** Signed shortcut posterior s = q₁ − q₀ of every row (K = 2). */
export function shortcutSigns(o: SplitOutputs, cal: Calibration): Float64Array {
  return Float64Array.from({ length: o.n }, (_, i) => {
    const r = outputRow(o, i);
    const q = shortcutPosterior(r.twinA, r.twinB, cal);
    return q[1] - q[0];
  });
}

/** Change of the logit margin z₁ − z₀ from `o` to `cf`, row by row (K = 2). */
export function marginChanges(o: SplitOutputs, cf: SplitOutputs): Float64Array {
  return Float64Array.from({ length: o.n }, (_, i) => (cf.logits[2 * i + 1] - cf.logits[2 * i]) - (o.logits[2 * i + 1] - o.logits[2 * i]));
}

/** Ridge fit of `target` on the probe features [1, s, e, s·e]; returns the weights (float32, as served) and their root-mean-square residual. */
export function fitRidgeProbe(o: SplitOutputs, s: Float64Array, target: Float64Array, ridge = PROBE_RIDGE): { weights: Float32Array; residualSigma: number } {
  const p = 2 + 2 * o.E;
  const A = new Float64Array(p * p), b = new Float64Array(p), x = new Float64Array(p);
  for (let i = 0; i < o.n; i++) {
    probeFeatures(o.embedding.subarray(i * o.E, (i + 1) * o.E), s[i], x);
    for (let r = 0; r < p; r++) {
      const xr = x[r];
      if (xr === 0) continue;
      b[r] += xr * target[i];
      for (let c = 0; c <= r; c++) A[r * p + c] += xr * x[c];
    }
  }
  for (let r = 0; r < p; r++) for (let c = r + 1; c < p; c++) A[r * p + c] = A[c * p + r];
  let trace = 0;
  for (let r = 0; r < p; r++) trace += A[r * p + r];
  const weights = ridgeSolve(A, b, p, ridge * (trace / p));
  // The residual of the weights as served (float32), through the served prediction.
  const served = { embeddingDim: o.E, weights: Float32Array.from(weights), residualSigma: 0 };
  let sse = 0;
  for (let i = 0; i < o.n; i++) sse += (probeMarginChange(served, o.embedding.subarray(i * o.E, (i + 1) * o.E), s[i]) - target[i]) ** 2;
  return { weights: served.weights, residualSigma: Math.max(Math.sqrt(sse / Math.max(o.n, 1)), 1e-6) };
}

/**
 * The bundle's counterfactual probe, fitted on the validation split's counterfactuals only (the served model's margin
 * change when the dataset's declared intervention is applied); null when the data declares none or K > 2.
 */
export function fitCounterfactualProbe(data: Dataset, nets: BundleNetworks, cal: Calibration, val: SplitOutputs): CounterfactualProbe | null {
  if (!data.counterfactual || data.numClasses !== 2 || val.n === 0) return null;
  return counterfactualProbe(data, cal, val, splitOutputs(nets, counterfactualSplit(data, data.val, data.counterfactual)));
}

/** The probe from the served model's validation outputs and its outputs on the counterfactual validation inputs. */
export function counterfactualProbe(data: Dataset, cal: Calibration, val: SplitOutputs, cfVal: SplitOutputs): CounterfactualProbe | null {
  if (!data.counterfactual || data.numClasses !== 2 || val.n === 0) return null;
  const fit = fitRidgeProbe(val, shortcutSigns(val, cal), marginChanges(val, cfVal));
  return {
    intervention: data.counterfactual.intervention,
    embeddingDim: val.E,
    weights: float32ToBase64(fit.weights),
    residualSigma: fit.residualSigma,
    n: val.n,
  };
}
