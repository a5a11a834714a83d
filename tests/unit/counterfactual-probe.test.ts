import { describe, expect, it } from 'vitest';
import { counterfactualScores, decodeProbe, float32ToBase64, normalCdf, probeMarginChange, sigmoid } from '#shared';
import { ridgeSolve } from '../../trainer/src/pipeline/ridge.js';

/** The probe of bundles written before declared interventions, still served for them. */
describe('counterfactual probe (old bundles)', () => {
  it('ridgeSolve solves a 2×2 system by hand', () => {
    // [[2, 1], [1, 3]] w = [3, 5] → w = [4/5, 7/5]
    const w = ridgeSolve(Float64Array.of(2, 1, 1, 3), Float64Array.of(3, 5), 2, 0);
    expect(w[0]).toBeCloseTo(0.8, 10);
    expect(w[1]).toBeCloseTo(1.4, 10);
  });

  it('the served margin change is the linear function of [1, s, e, s·e] its weights say', () => {
    const probe = decodeProbe({ intervention: 't', embeddingDim: 2, weights: float32ToBase64(Float32Array.of(0.5, -2, 1, 0, 0, 3)), residualSigma: 1, n: 1 });
    expect(probeMarginChange(probe, [2, 5], 1)).toBeCloseTo(0.5 - 2 + 2 + 15, 5);
    expect(probeMarginChange(probe, [2, 5], 0)).toBeCloseTo(0.5 + 2, 5);
  });

  it('a decoded probe must have 2 + 2E weights', () => {
    expect(() => decodeProbe({ intervention: 't', embeddingDim: 3, weights: float32ToBase64(new Float32Array(7)), residualSigma: 1, n: 1 })).toThrow(/expected 2 \+ 2×3/);
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
