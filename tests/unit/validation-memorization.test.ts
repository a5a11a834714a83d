import { describe, expect, it } from 'vitest';
import { asIfNewScores, fitLabelTemperature, inclusionWeights, MEMORIZATION_CANDIDATES, type HalfModel } from '../../trainer/src/validation/memorization.js';
import { RandomState } from '../../trainer/src/random.js';

/** Two complementary half models over n random examples (K = 2, E = 4), with p(·|x) from random logits. */
function toyModels(n: number, labelTemperature: number): { models: HalfModel[]; labels: Int32Array; scores: Float64Array } {
  const rng = new RandomState(3), K = 2, E = 4;
  const labels = Int32Array.from({ length: n }, () => rng.randint(2));
  const scores = Float64Array.from({ length: n }, () => rng.random());
  const member = Uint8Array.from({ length: n }, (_, i) => i % 2);
  const models = [member, member.map((v) => 1 - v)].map((m): HalfModel => ({
    member: m, labelProbs: new Float32Array(n), predicted: new Int32Array(n), E, labelTemperature,
    logits: Float32Array.from({ length: n * K }, () => rng.normal(0, 2)),
    embedding: Float32Array.from({ length: n * E }, () => rng.normal()),
  }));
  return { models, labels, scores };
}

describe('label-free memorization candidates: helpers', () => {
  it('inclusionWeights: the top half of the scores weigh 1, the sampled rest (population − top) / (count − top)', () => {
    const w = inclusionWeights({ count: 4, scores: [0.1, 0.9, 0.5, 0.2] }, 10);
    // top floor(4/2) = 2: rows 1 and 2; the other 2 stand for the remaining 8 examples.
    expect(Array.from(w)).toEqual([4, 1, 1, 4]);
    expect(Array.from(inclusionWeights({ count: 3, scores: [0, 1, 2] }, 3))).toEqual([1, 1, 1]);
  });
  it('fitLabelTemperature: recovers the temperature that made the labels', () => {
    // Logits 4·(±1) with labels drawn so that p(y = argmax) = sigmoid(8 / 4) (temperature 4).
    const n = 4000, K = 2, logits = new Float32Array(n * K), y = new Int32Array(n);
    const pTrue = 1 / (1 + Math.exp(-8 / 4));
    for (let i = 0; i < n; i++) {
      logits[i * K] = 4; logits[i * K + 1] = -4;
      y[i] = i / n < pTrue ? 0 : 1;
    }
    expect(fitLabelTemperature(logits, y, K)).toBeGreaterThan(3.7);
    expect(fitLabelTemperature(logits, y, K)).toBeLessThan(4.3);
  });
});

describe('asIfNewScores: the label-free candidates', () => {
  it('are finite, and reduce to the served estimate where their changes are void (t = 1; every example an exemplar)', () => {
    const n = 200, { models, labels, scores } = toyModels(n, 1);
    const indices = Array.from({ length: n }, (_, i) => i);
    // 500 exemplars ≥ the 100 of a half: every member is one, so every inclusion weight is 1.
    const res = asIfNewScores({ estimators: models, exemplarScores: scores, labels, K: 2, indices, exemplars: 500, seed: 1 });
    for (const c of MEMORIZATION_CANDIDATES) if (c !== 'neighbours_twin_posterior') expect(res[c].every(Number.isFinite)).toBe(true);
    expect(res.neighbours_twin_posterior.every(Number.isNaN)).toBe(true);
    for (let r = 0; r < n; r++) {
      expect(res.neighbours_tempered[r]).toBeCloseTo(res.neighbours[r], 6);
      expect(res.neighbours_inclusion_weighted[r]).toBeCloseTo(res.neighbours[r], 6);
    }
  });
  it('the twin posterior candidate weighs the same-label neighbours by heldOutPosterior (a one-hot posterior: that label\'s neighbours)', () => {
    const n = 100, { models, labels, scores } = toyModels(n, 1);
    const indices = Array.from({ length: n }, (_, i) => i);
    // Held-out logits that make the twin certain of label 1 through an identity matrix.
    const logits = Float32Array.from({ length: n * 2 }, (_, j) => (j % 2 ? 50 : -50));
    const heldOut = { logits, calibration: { tau: 1, matrix: [[1, 0], [0, 1]] } };
    const a = asIfNewScores({ estimators: models, exemplarScores: scores, labels, K: 2, indices, exemplars: 500, seed: 1, heldOut });
    // With every p(·|x) one-hot on label 1 the served estimate is the same quantity.
    const sharp = models.map((m) => ({ ...m, logits: logits.slice() }));
    const b = asIfNewScores({ estimators: sharp, exemplarScores: scores, labels, K: 2, indices, exemplars: 500, seed: 1 });
    for (let r = 0; r < n; r++) expect(a.neighbours_twin_posterior[r]).toBeCloseTo(b.neighbours[r], 6);
  });
});
