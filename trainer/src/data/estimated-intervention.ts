import { float32ToBase64, type Intervention } from '#shared';
import { ridgeSolve } from '../pipeline/ridge.js';
import { rawRow, type Split } from './types.js';

/** Relative ridge of the attribute predictor: λ = RIDGE × n (standardised inputs: every diagonal of XᵀX is n). */
export const ATTRIBUTE_RIDGE = 1e-2;

/**
 * The `estimated` intervention for a two-valued attribute that is not an input (docs/method.md §7.3), fitted on the
 * validation split only, in standardised coordinates z (so that the ridge treats every input alike):
 * - â = w·z + b by ridge least squares (attribute value 1 ↦ 1): the attribute's direction u = w/‖w‖;
 * - δ: the class-balanced mean over classes of mean(z | y, a = 1) − mean(z | y, a = 0), kept along u only, so that the
 *   move changes what the attribute predictor reads and not every input that merely differs between the groups.
 * Stored back in raw units (w/σ, δ·σ, b). Throws where no class has both values.
 */
export function estimateIntervention(
  val: Split, attribute: Int32Array, numClasses: number, column: string, values: [string, string],
): Intervention {
  const n = val.n, D = val.d;
  const mean = new Float64Array(D), sd = new Float64Array(D);
  let aMean = 0;
  for (let i = 0; i < n; i++) {
    const r = rawRow(val, i);
    for (let j = 0; j < D; j++) mean[j] += r[j] / n;
    aMean += attribute[i] / n;
  }
  for (let i = 0; i < n; i++) {
    const r = rawRow(val, i);
    for (let j = 0; j < D; j++) sd[j] += (r[j] - mean[j]) ** 2 / n;
  }
  for (let j = 0; j < D; j++) sd[j] = Math.max(Math.sqrt(sd[j]), 1e-6);
  const z = (r: Float32Array, out: Float64Array) => {
    for (let j = 0; j < D; j++) out[j] = (r[j] - mean[j]) / sd[j];
    return out;
  };

  // Normal equations of the standardised rows: A = ZᵀZ, c = Zᵀ(a − ā); per class and value, sums of z.
  const A = new Float64Array(D * D), c = new Float64Array(D), zi = new Float64Array(D);
  const sums = Array.from({ length: numClasses * 2 }, () => new Float64Array(D)), counts = new Int32Array(numClasses * 2);
  for (let i = 0; i < n; i++) {
    z(rawRow(val, i), zi);
    const t = attribute[i] - aMean, cell = 2 * val.y[i] + attribute[i];
    counts[cell]++;
    for (let j = 0; j < D; j++) {
      const v = zi[j];
      sums[cell][j] += v;
      if (v === 0) continue;
      c[j] += v * t;
      for (let k = 0; k <= j; k++) A[j * D + k] += v * zi[k];
    }
  }
  for (let j = 0; j < D; j++) for (let k = j + 1; k < D; k++) A[j * D + k] = A[k * D + j];
  const w = ridgeSolve(A, c, D, ATTRIBUTE_RIDGE * n);

  const delta = new Float64Array(D);
  let classes = 0;
  for (let y = 0; y < numClasses; y++) {
    const [c0, c1] = [counts[2 * y], counts[2 * y + 1]];
    if (!c0 || !c1) continue;
    classes++;
    for (let j = 0; j < D; j++) delta[j] += sums[2 * y + 1][j] / c1 - sums[2 * y][j] / c0;
  }
  if (classes === 0) throw new Error(`no class has both values of ${column} in the validation split: the intervention cannot be estimated`);
  let norm2 = 0, along = 0;
  for (let j = 0; j < D; j++) {
    norm2 += w[j] * w[j];
    along += (delta[j] / classes) * w[j];
  }
  if (!(norm2 > 0)) throw new Error(`${column} is not predictable from the inputs of the validation split: the intervention cannot be estimated`);
  let bias = aMean;
  const wRaw = new Float32Array(D), dRaw = new Float32Array(D);
  for (let j = 0; j < D; j++) {
    wRaw[j] = w[j] / sd[j];
    bias -= wRaw[j] * mean[j];
    dRaw[j] = ((along / norm2) * w[j]) * sd[j];
  }
  return {
    kind: 'estimated', column,
    description: `move along the estimated direction of ${column} (${values[0]} ↔ ${values[1]})`,
    values, weights: float32ToBase64(wRaw), direction: float32ToBase64(dRaw), bias, n,
  };
}
