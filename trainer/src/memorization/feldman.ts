import { softmax } from '#shared';
import type { RandomState } from '../random.js';

/**
 * Complementary random halves (docs/method.md §3.3): pair j draws s ~ Bernoulli(½) per example; model 2j trains on
 * {s = 1} and model 2j+1 on {s = 0}, so every example is "in" for exactly one model of each pair.
 */
export function randomHalves(n: number, pairs: number, rng: RandomState): Uint8Array[] {
  const membership: Uint8Array[] = [];
  for (let j = 0; j < pairs; j++) {
    const s = Uint8Array.from({ length: n }, () => (rng.random() < 0.5 ? 1 : 0));
    membership.push(s, s.map((v) => 1 - v));
  }
  return membership;
}

/**
 * Feldman-style memorization per training example: mean p(y_i|x_i) over the models that trained on i minus the mean
 * over the models that did not (Feldman & Zhang's subsampled estimator, probability form). NaN where an example has no
 * in-model or no out-model.
 *
 * @example memorizationScores([Float32Array.of(0.9), Float32Array.of(0.2)], [Uint8Array.of(1), Uint8Array.of(0)]) // [0.7]
 */
export function memorizationScores(labelProbs: Float32Array[], membership: Uint8Array[]): Float64Array {
  if (labelProbs.length !== membership.length) throw new Error('one membership vector per model is needed');
  const n = labelProbs[0]?.length ?? 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let inSum = 0, inCount = 0, outSum = 0, outCount = 0;
    for (let m = 0; m < labelProbs.length; m++) {
      if (membership[m][i]) { inSum += labelProbs[m][i]; inCount++; } else { outSum += labelProbs[m][i]; outCount++; }
    }
    out[i] = inCount && outCount ? inSum / inCount - outSum / outCount : NaN;
  }
  return out;
}

/** p(y_i | x_i) for every row of a [n × K] logit matrix. */
export function labelProbabilities(logits: Float32Array, y: Int32Array, K: number): Float32Array {
  return Float32Array.from(y, (label, i) => softmax(logits.subarray(i * K, (i + 1) * K))[label]);
}
