import { describe, expect, it } from 'vitest';
import { counterfactualScores, decodeProbe, float32ToBase64, normalCdf, probeMarginChange, sigmoid } from '#shared';
import { fitRidgeProbe, marginChanges, ridgeSolve } from '../../trainer/src/pipeline/counterfactual-probe.js';
import type { SplitOutputs } from '../../trainer/src/pipeline/outputs.js';

function outputs(n: number, E: number): SplitOutputs {
  return {
    n, K: 2, E,
    logits: Float32Array.from({ length: 2 * n }, (_, k) => Math.cos(k * 0.9)),
    embedding: Float32Array.from({ length: n * E }, (_, k) => Math.sin(k * 1.7) + 1),
    twinA: new Float32Array(2 * n), twinB: new Float32Array(2 * n),
  };
}

describe('counterfactual probe', () => {
  it('ridgeSolve solves a 2×2 system by hand', () => {
    // [[2, 1], [1, 3]] w = [3, 5] → w = [4/5, 7/5]
    const w = ridgeSolve(Float64Array.of(2, 1, 1, 3), Float64Array.of(3, 5), 2, 0);
    expect(w[0]).toBeCloseTo(0.8, 10);
    expect(w[1]).toBeCloseTo(1.4, 10);
  });

  it('the trainer fit recovers an exact linear target over [1, s, e, s·e], and the served function applies it', () => {
    const n = 60, E = 2, o = outputs(n, E);
    const s = Float64Array.from({ length: n }, (_, i) => (i % 3) - 1);
    const e = (i: number, j: number) => o.embedding[i * E + j];
    const target = Float64Array.from({ length: n }, (_, i) => 0.5 - 2 * s[i] + e(i, 0) + 3 * s[i] * e(i, 1));
    const fit = fitRidgeProbe(o, s, target, 1e-10);
    expect(fit.residualSigma).toBeLessThan(1e-3);
    const probe = decodeProbe({ intervention: 'test', embeddingDim: E, weights: float32ToBase64(Float32Array.from(fit.weights)), residualSigma: fit.residualSigma, n });
    for (let i = 0; i < n; i++) expect(probeMarginChange(probe, o.embedding.subarray(i * E, (i + 1) * E), s[i])).toBeCloseTo(target[i], 3);
  });

  it('a decoded probe must have 2 + 2E weights', () => {
    expect(() => decodeProbe({ intervention: 't', embeddingDim: 3, weights: float32ToBase64(new Float32Array(7)), residualSigma: 1, n: 1 })).toThrow(/expected 2 \+ 2×3/);
  });

  it('marginChanges is the change of z₁ − z₀', () => {
    const a = outputs(2, 1), b = { ...outputs(2, 1), logits: Float32Array.of(0, 1, 2, 0) };
    const d = marginChanges(a, b);
    expect(d[0]).toBeCloseTo(1 - (a.logits[1] - a.logits[0]), 6);
    expect(d[1]).toBeCloseTo(-2 - (a.logits[3] - a.logits[2]), 6);
  });

  it('served scores: no move ⇒ no change and no flip; a move across the boundary ⇒ a flip', () => {
    // weights [bias, s, e, s·e] with E = 1: Δ̂ = bias.
    const probe = (bias: number, sigma: number) => decodeProbe({ intervention: 't', embeddingDim: 1, weights: float32ToBase64(Float32Array.of(bias, 0, 0, 0)), residualSigma: sigma, n: 1 });
    const still = counterfactualScores(probe(0, 1e-6), [0, 2], [1], [0.5, 0.5]);
    expect(still.change).toBeCloseTo(0, 6);
    expect(still.flipProbability).toBeLessThan(1e-6);
    const across = counterfactualScores(probe(-4, 1e-6), [0, 2], [1], [0.5, 0.5]);
    expect(across.change).toBeCloseTo(sigmoid(2) - sigmoid(-2), 6);
    expect(across.flipProbability).toBeGreaterThan(1 - 1e-6);
    // With residual σ the flip probability is Φ(−(m + Δ̂)/σ) for m > 0.
    expect(counterfactualScores(probe(-1, 1), [0, 2], [1], [0.5, 0.5]).flipProbability).toBeCloseTo(normalCdf(-1), 6);
  });

  it('normalCdf matches table values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 6);
  });
});
