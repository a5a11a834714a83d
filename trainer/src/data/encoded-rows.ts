import { preprocess } from '#shared';
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

/**
 * The rows of each part (index lists that together hold every row once), in that order. The features are permuted in
 * place and each part's are a view of the one buffer, so a split costs no second copy of a large table; `rows` is
 * consumed.
 */
export function partitionRows(rows: EncodedRows, parts: readonly Int32Array[]): EncodedRows[] {
  const { n, d, features } = rows;
  // Row k of the result is row order[k] of the input: follow each cycle of the permutation with one row of scratch.
  const order = new Int32Array(n);
  let at = 0;
  for (const part of parts) {
    order.set(part, at);
    at += part.length;
  }
  if (at !== n) throw new Error(`partitionRows: the parts hold ${at} rows, the table ${n}`);
  const done = new Uint8Array(n), scratch = new Float64Array(d);
  const row = (i: number) => features.subarray(i * d, (i + 1) * d);
  for (let start = 0; start < n; start++) {
    if (done[start]) continue;
    scratch.set(row(start));
    let to = start;
    for (let from = order[to]; from !== start; to = from, from = order[to]) {
      features.copyWithin(to * d, from * d, (from + 1) * d);
      done[to] = 1;
    }
    row(to).set(scratch);
    done[to] = 1;
  }
  let first = 0;
  return parts.map((part) => {
    const pick = (a: Int32Array) => Int32Array.from(part, (i) => a[i]);
    const meta = Object.fromEntries(Object.entries(rows.meta).map(([key, values]) => [key, pick(values)]));
    const view = features.subarray(first * d, (first + part.length) * d);
    first += part.length;
    return { n: part.length, d, features: view, y: pick(rows.y), group: rows.group && pick(rows.group), meta };
  });
}

/** A split whose x is the standardised features, computed by the same `preprocess` the worker runs on requests. */
export function standardizedSplit(rows: EncodedRows, standardization: Standardization): Split {
  const { n, d } = rows;
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) preprocess(rows.features.subarray(i * d, (i + 1) * d), standardization, x.subarray(i * d, (i + 1) * d));
  return { n, d, x, raw: Float32Array.from(rows.features), y: rows.y, group: rows.group, meta: rows.meta };
}
