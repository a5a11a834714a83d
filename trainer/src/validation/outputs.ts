import { preprocess } from '../../../shared/src/index.js';
import type { Dataset, Split } from '../data/types.js';
import { rawRow } from '../data/types.js';

/** The split with `counterfactual` applied to every raw row, then the dataset's preprocessing (what a client would send). */
export function counterfactualSplit(data: Dataset, split: Split, counterfactual: (x: Float32Array) => Float32Array): Pick<Split, 'x' | 'n' | 'd'> {
  const x = new Float32Array(split.n * split.d);
  const p = data.input.preprocessing;
  for (let i = 0; i < split.n; i++) preprocess(counterfactual(Float32Array.from(rawRow(split, i))), p, x.subarray(i * split.d, (i + 1) * split.d));
  return { x, n: split.n, d: split.d };
}
