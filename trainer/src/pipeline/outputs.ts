import { rawRow, type Counterfactual, type Dataset, type Split } from '../data/types.js';
import { Mlp } from '../model/mlp.js';
import type { BundleOutputs } from '../model/ort-node.js';
import type { BundleNetworks } from '../model/weights.js';
import { forwardSplit } from '../train/forward.js';
import { applyIntervention, preprocess, type OutputRow, type PreparedIntervention } from '#shared';

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

/** Row i as the shared scorers take it; `counterfactual`: the outputs on each of its counterfactual splits (interventionSplits). */
export function outputRow(o: SplitOutputs, i: number, counterfactual: readonly SplitOutputs[] | null = null): OutputRow {
  const k = (a: Float32Array) => a.subarray(i * o.K, (i + 1) * o.K);
  return {
    logits: k(o.logits), embedding: o.embedding.subarray(i * o.E, (i + 1) * o.E), twinA: k(o.twinA), twinB: k(o.twinB),
    ...(counterfactual ? { counterfactualLogits: counterfactual.map((c) => k(c.logits)) } : {}),
  };
}

/**
 * The split under a declared intervention, as the worker builds it: split a holds every row's a-th counterfactual
 * (shared applyIntervention on the raw row, then the dataset's preprocessing).
 */
export function interventionSplits(data: Dataset, split: Split, iv: PreparedIntervention): Pick<Split, 'x' | 'n' | 'd'>[] {
  const p = data.input.preprocessing, d = split.d;
  const out = Array.from({ length: iv.alternatives }, () => ({ x: new Float32Array(split.n * d), n: split.n, d }));
  for (let i = 0; i < split.n; i++) {
    applyIntervention(iv, rawRow(split, i)).forEach((cf, a) => preprocess(cf, p, out[a].x.subarray(i * d, (i + 1) * d)));
  }
  return out;
}

/** The split with the counterfactual applied to every raw row, then the dataset's preprocessing (what a client would send). */
export function counterfactualSplit(data: Dataset, split: Split, cf: Counterfactual): Pick<Split, 'x' | 'n' | 'd'> {
  const x = new Float32Array(split.n * split.d);
  const p = data.input.preprocessing;
  for (let i = 0; i < split.n; i++) preprocess(cf.apply(Float32Array.from(rawRow(split, i))), p, x.subarray(i * split.d, (i + 1) * split.d));
  return { x, n: split.n, d: split.d };
}
