/**
 * A linear counterfactual probe: predicts, from what the bundle already computes for an input (the served embedding and
 * the shortcut direction), how much the served logit margin would move if the shortcut were swapped. Fitted by ridge
 * regression on validation counterfactuals only.
 */

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

/** Probe features of row i: [1, s, e, s·e] with e the embedding row and s the signed shortcut direction. */
function features(embedding: Float32Array, E: number, s: number, i: number, out: Float64Array): void {
  out[0] = 1;
  out[1] = s;
  for (let j = 0; j < E; j++) {
    const v = embedding[i * E + j];
    out[2 + j] = v;
    out[2 + E + j] = s * v;
  }
}

export interface CounterfactualProbe { E: number; weights: Float64Array }

/**
 * Ridge fit of target[i] (the margin change under the counterfactual) on [1, s, e, s·e];
 * λ = `ridge` × mean diagonal of XᵀX (scale-free).
 */
export function fitProbe(embedding: Float32Array, E: number, shortcut: Float64Array, target: Float64Array, ridge = 1e-3): CounterfactualProbe {
  const n = target.length, p = 2 + 2 * E;
  const A = new Float64Array(p * p), b = new Float64Array(p), x = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    features(embedding, E, shortcut[i], i, x);
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
  return { E, weights: ridgeSolve(A, b, p, ridge * (trace / p)) };
}

export function applyProbe(probe: CounterfactualProbe, embedding: Float32Array, shortcut: Float64Array): Float64Array {
  const { E, weights } = probe, p = weights.length, n = shortcut.length;
  const x = new Float64Array(p), out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    features(embedding, E, shortcut[i], i, x);
    let s = 0;
    for (let r = 0; r < p; r++) s += weights[r] * x[r];
    out[i] = s;
  }
  return out;
}
