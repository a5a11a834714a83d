/** Numerically stable softmax of logits / temperature (max-subtraction first; τ may be 0.001). */
export function softmax(logits: ArrayLike<number>, temperature = 1): number[] {
  const K = logits.length;
  let max = -Infinity;
  for (let k = 0; k < K; k++) max = Math.max(max, logits[k] / temperature);
  const out = new Array<number>(K);
  let sum = 0;
  for (let k = 0; k < K; k++) {
    out[k] = Math.exp(logits[k] / temperature - max);
    sum += out[k];
  }
  for (let k = 0; k < K; k++) out[k] /= sum;
  return out;
}

/** Index of the largest entry (first on ties). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if (values[k] > values[best]) best = k;
  return best;
}

export function clip(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** Row vector p times matrix M (p·M). */
export function vecMat(p: ArrayLike<number>, M: ArrayLike<ArrayLike<number>>): number[] {
  const cols = M[0]?.length ?? 0;
  const out = new Array<number>(cols).fill(0);
  for (let k = 0; k < p.length; k++) for (let c = 0; c < cols; c++) out[c] += p[k] * M[k][c];
  return out;
}

/** Value at quantile level `q` of sorted values (linear interpolation, like numpy's default). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function quantiles(values: ArrayLike<number>, levels: readonly number[]): number[] {
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  return levels.map((q) => quantileSorted(sorted, q));
}

/**
 * Fraction of the calibration distribution at or below `value`, read off stored quantiles
 * (piecewise-linear between levels). 0.97 means "higher than 97% of validation inputs".
 */
export function percentileFromQuantiles(value: number, qs: ArrayLike<number>, levels: ArrayLike<number>): number {
  if (value <= qs[0]) return levels[0];
  for (let i = 1; i < qs.length; i++) {
    if (value <= qs[i]) {
      const span = qs[i] - qs[i - 1];
      return span > 0 ? levels[i - 1] + ((value - qs[i - 1]) / span) * (levels[i] - levels[i - 1]) : levels[i];
    }
  }
  return levels[levels.length - 1];
}

/** Logistic sigmoid. */
export function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 via erf; |error| < 1.5e-7). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(x * x) / 2);
  return x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}
