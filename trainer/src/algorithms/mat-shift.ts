import { heldOutPosterior, SHIFT_EPSILON, softmax } from '#shared';

/**
 * Calibration matrix C[k][c] = p(y = c | y_ho = k) over the whole training set (docs/method.md §2.2 steps 1–3):
 * J[k][c] = Σ_{i: y_i = c} softmax(z^ho_i / τ)[k], rows normalised. A row with no mass (no example is held-out
 * predicted as k) is uniform; a class with no examples gets a zero column.
 */
export function calibrationMatrix(heldOutLogits: Float32Array, y: ArrayLike<number>, K: number, tau: number): number[][] {
  const J = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  for (let i = 0; i < y.length; i++) {
    const P = softmax(heldOutLogits.subarray(i * K, (i + 1) * K), tau);
    for (let k = 0; k < K; k++) J[k][y[i]] += P[k];
  }
  return J.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total > 0 ? row.map((v) => v / total) : row.map(() => 1 / K);
  });
}

/** MAT shift δ_i[c] = log(p_ho(c | x_i) + ε), with p_ho = softmax(z^ho_i/τ)·C, computed in float64 (docs/method.md §2.2 step 5). */
export function matShift(heldOutLogits: Float32Array, C: number[][], tau: number): Float32Array {
  const K = C.length, n = heldOutLogits.length / K;
  const delta = new Float32Array(n * K);
  for (let i = 0; i < n; i++) {
    const p = heldOutPosterior(heldOutLogits.subarray(i * K, (i + 1) * K), { tau, matrix: C });
    for (let c = 0; c < K; c++) delta[i * K + c] = Math.log(p[c] + SHIFT_EPSILON);
  }
  return delta;
}

/** Class priors p(y = c) of the training labels. */
export function classPriors(y: ArrayLike<number>, K: number): number[] {
  const counts = new Array<number>(K).fill(0);
  for (let i = 0; i < y.length; i++) counts[y[i]]++;
  return counts.map((c) => c / Math.max(1, y.length));
}
