import { rawRow, type Counterfactual, type Dataset, type Split } from '../data/types.js';
import { Mlp } from '../model/mlp.js';
import type { BundleOutputs } from '../model/ort-node.js';
import type { BundleNetworks } from '../model/weights.js';
import { forwardSplit } from '../train/forward.js';
import { preprocess, type OutputRow } from '#shared';

/** The four ONNX outputs over a whole split, computed with tfjs (equal to the exported graph within 1e-5). */
export interface SplitOutputs extends BundleOutputs {
  n: number;
  K: number;
  E: number;
}

export function splitOutputs(nets: BundleNetworks, split: Pick<Split, 'x' | 'n' | 'd'>): SplitOutputs {
  const mlps = [nets.served, nets.twinA, nets.twinB].map((w) => new Mlp(w.arch, w));
  const { logits, embedding } = forwardSplit(mlps, split, true);
  mlps.forEach((m) => m.dispose());
  return { n: split.n, K: nets.served.arch.numClasses, E: nets.served.arch.embeddingDim, logits: logits[0], embedding: embedding[0], twinA: logits[1], twinB: logits[2] };
}

/** Row i as the shared scorers take it. */
export function outputRow(o: SplitOutputs, i: number): OutputRow {
  const k = (a: Float32Array) => a.subarray(i * o.K, (i + 1) * o.K);
  return { logits: k(o.logits), embedding: o.embedding.subarray(i * o.E, (i + 1) * o.E), twinA: k(o.twinA), twinB: k(o.twinB) };
}

/** The split with the counterfactual applied to every raw row, then the dataset's preprocessing (what a client would send). */
export function counterfactualSplit(data: Dataset, split: Split, cf: Counterfactual): Pick<Split, 'x' | 'n' | 'd'> {
  const x = new Float32Array(split.n * split.d);
  const p = data.input.preprocessing;
  for (let i = 0; i < split.n; i++) preprocess(cf.apply(Float32Array.from(rawRow(split, i))), p, x.subarray(i * split.d, (i + 1) * split.d));
  return { x, n: split.n, d: split.d };
}
