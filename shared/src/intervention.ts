import { base64ToFloat32 } from './base64.js';
import type { Intervention, Preprocessing } from './manifest.js';
import { clip, percentileFromQuantiles } from './math.js';
import { preprocess } from './preprocess.js';

/**
 * A declared intervention decoded once per bundle (docs/method.md §7): how many counterfactuals each input has, whether
 * the answer is the model's own (`applied`: the shortcut is an input) or an estimate (`estimated`: it is not), and
 * what applying it needs (decoded weights, the numeric column's class-balanced CDF).
 */
export interface PreparedIntervention {
  spec: Intervention;
  /** Counterfactual rows per input: categories − 1 for a categorical shortcut, else 1. */
  alternatives: number;
  mode: 'applied' | 'estimated';
  /** estimated: the attribute predictor w and the move δ. */
  w?: Float32Array;
  delta?: Float32Array;
  /** numeric: grid of values and the class-balanced CDF at each, for F and F⁻¹ by linear interpolation. */
  grid?: Float64Array;
  cdf?: Float64Array;
}

/** Class-balanced CDF (1/K)·Σ_y F_y(v), each F_y read off its quantile table. */
function balancedCdf(v: number, quantiles: number[][], levels: number[]): number {
  let s = 0;
  for (const q of quantiles) s += percentileFromQuantiles(v, q, levels);
  return s / quantiles.length;
}

/** Decodes `iv` for inputs of `dim` values; throws naming what does not fit (bundle verification calls this). */
export function prepareIntervention(iv: Intervention, dim: number): PreparedIntervention {
  switch (iv.kind) {
    case 'categorical':
      return { spec: iv, alternatives: iv.categories.length - 1, mode: 'applied' };
    case 'numeric': {
      const grid = Float64Array.from(new Set(iv.quantiles.flat())).sort();
      return { spec: iv, alternatives: 1, mode: 'applied', grid, cdf: grid.map((v) => balancedCdf(v, iv.quantiles, iv.levels)) };
    }
    case 'estimated': {
      const w = base64ToFloat32(iv.weights), delta = base64ToFloat32(iv.direction);
      if (w.length !== dim || delta.length !== dim) throw new Error(`the estimated intervention holds ${w.length} weights and ${delta.length} direction values, expected ${dim} each`);
      if (!w.every(Number.isFinite) || !delta.every(Number.isFinite)) throw new Error('the estimated intervention has non-finite values');
      return { spec: iv, alternatives: 1, mode: 'estimated', w, delta };
    }
    default:
      return { spec: iv, alternatives: 1, mode: 'applied' };
  }
}

/** Index of the entry of `values` nearest to v (first on ties). */
function nearest(v: number, values: readonly number[]): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if (Math.abs(values[k] - v) < Math.abs(values[best] - v)) best = k;
  return best;
}

/**
 * F⁻¹(t) on the prepared grid: the smallest value where the CDF reaches t, linearly interpolated — the same
 * piecewise-linear inverse as a percentile read off quantiles, with the CDF as the levels and the grid as the values.
 */
const inverseCdf = (t: number, grid: Float64Array, cdf: Float64Array): number => percentileFromQuantiles(t, cdf, grid);

/**
 * The counterfactuals of one raw input row (before preprocessing, as a client sends it): `alternatives` rows, each a
 * copy of `raw` with the shortcut intervened on. The trainer, the worker and validation all call this.
 */
export function applyIntervention(p: PreparedIntervention, raw: ArrayLike<number>): Float32Array[] {
  const iv = p.spec;
  const copy = () => Float32Array.from(raw as ArrayLike<number>);
  switch (iv.kind) {
    case 'channel-permutation': {
      const out = new Float32Array(raw.length), P = iv.plane;
      iv.permutation.forEach((from, c) => {
        for (let j = 0; j < P; j++) out[c * P + j] = raw[from * P + j];
      });
      return [out];
    }
    case 'binary': {
      const out = copy();
      out[iv.index] = iv.values[1 - nearest(raw[iv.index], iv.values)];
      return [out];
    }
    case 'categorical': {
      const enc = iv.encoding;
      const current = enc.type === 'code' ? nearest(raw[enc.index], enc.codes) : argmaxAt(raw, enc.indices);
      const rows: Float32Array[] = [];
      for (let v = 0; v < iv.categories.length; v++) {
        if (v === current) continue;
        const out = copy();
        if (enc.type === 'code') out[enc.index] = enc.codes[v];
        else enc.indices.forEach((j, u) => (out[j] = u === v ? 1 : 0));
        rows.push(out);
      }
      return rows;
    }
    case 'numeric': {
      const out = copy();
      out[iv.index] = inverseCdf(1 - balancedCdf(raw[iv.index], iv.quantiles, iv.levels), p.grid!, p.cdf!);
      return [out];
    }
    case 'estimated': {
      const w = p.w!, delta = p.delta!;
      let a = iv.bias;
      for (let j = 0; j < raw.length; j++) a += w[j] * raw[j];
      const move = 1 - 2 * clip(a, 0, 1);
      const out = copy();
      for (let j = 0; j < raw.length; j++) out[j] += move * delta[j];
      return [out];
    }
  }
}

/** Position (into `indices`) of the largest of raw[indices[u]]: the current category of a one-hot group. */
function argmaxAt(raw: ArrayLike<number>, indices: readonly number[]): number {
  let best = 0;
  for (let u = 1; u < indices.length; u++) if (raw[indices[u]] > raw[indices[best]]) best = u;
  return best;
}

/** Index, in a batch laid out by `batchInput` (n inputs, V counterfactuals each), of input i's a-th counterfactual. */
export const counterfactualIndex = (n: number, V: number, i: number, a: number): number => n + i * V + a;

/**
 * The graph input of a batch as the worker runs it in one `session.run`: the n raw rows preprocessed, then, where
 * the bundle declares an intervention, each row's V counterfactuals after them (input i's a-th at
 * `counterfactualIndex`). /v1/predict, /v1/evaluate, the demo and `mat-edge evaluate` all build their batch here.
 */
export function batchInput(
  row: (i: number) => ArrayLike<number>, n: number, d: number, preprocessing: Preprocessing, iv: PreparedIntervention | null,
): Float32Array {
  const V = iv?.alternatives ?? 0;
  const x = new Float32Array(n * (1 + V) * d);
  for (let i = 0; i < n; i++) {
    const raw = row(i);
    preprocess(raw, preprocessing, x.subarray(i * d, (i + 1) * d));
    if (iv) {
      applyIntervention(iv, raw).forEach((cf, a) => {
        const at = counterfactualIndex(n, V, i, a);
        preprocess(cf, preprocessing, x.subarray(at * d, (at + 1) * d));
      });
    }
  }
  return x;
}
