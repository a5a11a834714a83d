/**
 * Ridge least squares by Cholesky: the estimated shortcut intervention's attribute predictor
 * (trainer/src/data/estimated-intervention.ts). The counterfactual probe it once fitted is no longer written: bundles
 * declare their intervention and the worker runs it (docs/method.md §7.3); old bundles' probes are still served.
 * Solves (A + λI)·w = b for a symmetric positive semi-definite A ([p × p] row-major).
 */
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
