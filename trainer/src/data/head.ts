import type { Split } from './types.js';

/** The first n examples of a split (all of it when n ≥ split.n), copied. */
export function headSplit(split: Split, n: number): Split {
  const m = Math.min(n, split.n);
  const meta: Record<string, Int32Array> = {};
  for (const [key, values] of Object.entries(split.meta)) meta[key] = values.slice(0, m);
  return {
    n: m,
    d: split.d,
    x: split.x.slice(0, m * split.d),
    ...(split.raw ? { raw: split.raw.slice(0, m * split.d) } : {}),
    y: split.y.slice(0, m),
    group: split.group ? split.group.slice(0, m) : null,
    meta,
  };
}
