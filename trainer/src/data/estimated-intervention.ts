import { float32ToBase64, type Intervention } from '#shared';
import { ridgeSolve } from '../pipeline/ridge.js';
import { rawRow, type Split } from './types.js';

/** Relative ridge of the attribute predictor: λ = RIDGE × mean diagonal of the centred XᵀX (scale-free). */
export const ATTRIBUTE_RIDGE = 1e-2;

/**
 * The `estimated` intervention for a two-valued attribute that is not an input (docs/method.md §7.3), fitted on the
 * validation split only: â = w·x + b by ridge least squares on the centred raw rows (attribute value 1 ↦ 1), and δ the
 * class-balanced mean over classes of mean(x | y, a = 1) − mean(x | y, a = 0) (classes lacking either value left out).
 * Throws where no class has both values.
 */
export function estimateIntervention(
  val: Split, attribute: Int32Array, numClasses: number, column: string, values: [string, string],
): Intervention {
  const n = val.n, D = val.d;
  const mean = new Float64Array(D);
  let aMean = 0;
  for (let i = 0; i < n; i++) {
    const r = rawRow(val, i);
    for (let j = 0; j < D; j++) mean[j] += r[j] / n;
    aMean += attribute[i] / n;
  }
  // Normal equations of the centred rows: A = XcᵀXc, c = Xcᵀ(a − ā).
  const A = new Float64Array(D * D), c = new Float64Array(D), xc = new Float64Array(D);
  for (let i = 0; i < n; i++) {
    const r = rawRow(val, i), t = attribute[i] - aMean;
    for (let j = 0; j < D; j++) xc[j] = r[j] - mean[j];
    for (let j = 0; j < D; j++) {
      const v = xc[j];
      if (v === 0) continue;
      c[j] += v * t;
      for (let k = 0; k <= j; k++) A[j * D + k] += v * xc[k];
    }
  }
  let trace = 0;
  for (let j = 0; j < D; j++) {
    trace += A[j * D + j];
    for (let k = j + 1; k < D; k++) A[j * D + k] = A[k * D + j];
  }
  const w = ridgeSolve(A, c, D, ATTRIBUTE_RIDGE * Math.max(trace / D, 1e-12));
  let bias = aMean;
  for (let j = 0; j < D; j++) bias -= w[j] * mean[j];

  // Per class and attribute value: sums and counts of the raw rows.
  const sums = Array.from({ length: numClasses * 2 }, () => new Float64Array(D)), counts = new Int32Array(numClasses * 2);
  for (let i = 0; i < n; i++) {
    const cell = 2 * val.y[i] + attribute[i], r = rawRow(val, i);
    counts[cell]++;
    for (let j = 0; j < D; j++) sums[cell][j] += r[j];
  }
  const delta = new Float64Array(D);
  let classes = 0;
  for (let y = 0; y < numClasses; y++) {
    const [c0, c1] = [counts[2 * y], counts[2 * y + 1]];
    if (!c0 || !c1) continue;
    classes++;
    for (let j = 0; j < D; j++) delta[j] += sums[2 * y + 1][j] / c1 - sums[2 * y][j] / c0;
  }
  if (classes === 0) throw new Error(`no class has both values of ${column} in the validation split: the intervention cannot be estimated`);
  for (let j = 0; j < D; j++) delta[j] /= classes;
  return {
    kind: 'estimated', column,
    description: `move along the estimated direction of ${column} (${values[0]} ↔ ${values[1]})`,
    values, weights: float32ToBase64(Float32Array.from(w)), direction: float32ToBase64(Float32Array.from(delta)), bias, n,
  };
}
