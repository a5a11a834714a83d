import { preprocess } from '../../../shared/src/index.js';
import type { Standardization } from './standardize.js';
import type { Split } from './types.js';

/** Checked rows with categories as indices and features still raw (float64, as read). */
export interface EncodedRows {
  n: number;
  d: number;
  features: Float64Array;
  y: Int32Array;
  group: Int32Array | null;
  meta: Record<string, Int32Array>;
}

/** The rows at `indices`, in that order. */
export function subsetRows(rows: EncodedRows, indices: Int32Array): EncodedRows {
  const { d } = rows;
  const features = new Float64Array(indices.length * d);
  indices.forEach((i, k) => features.set(rows.features.subarray(i * d, (i + 1) * d), k * d));
  const pick = (a: Int32Array) => Int32Array.from(indices, (i) => a[i]);
  const meta = Object.fromEntries(Object.entries(rows.meta).map(([key, values]) => [key, pick(values)]));
  return { n: indices.length, d, features, y: pick(rows.y), group: rows.group && pick(rows.group), meta };
}

/** A split whose x is the standardised features, computed by the same `preprocess` the worker runs on requests. */
export function standardizedSplit(rows: EncodedRows, standardization: Standardization): Split {
  const { n, d } = rows;
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) preprocess(rows.features.subarray(i * d, (i + 1) * d), standardization, x.subarray(i * d, (i + 1) * d));
  return { n, d, x, raw: Float32Array.from(rows.features), y: rows.y, group: rows.group, meta: rows.meta };
}
